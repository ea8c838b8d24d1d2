"""Beat segments: every narration line's frames are rendered once, cached, and reused.

A scene is a row of beats, one per narration line (scenes/base.py). Each beat's frames are
written to their own segment, media/cache/segments/<key>.mp4, keyed by what they depend on:

- the scene's render inputs other than its narration (code, run, words, weights, quality...:
  pipeline/cache.py `scene_fields`),
- the beat's own line (caption, cues, word times, duration and hold, but not its start: lines
  start on whole frames, see script/timeline.py), and whether it opens or closes the chapter,
- the picture the beat starts from (`picture_digest`: every mobject's points, colours and
  pixels, captions left out).

So editing one line renders that line's beat again (and a later beat only if the edit changed
the picture it starts from); the other segments are reused. A render job covers a range of a
scene's beats: the beats before it are played with Manim's animation skipping (final states
only, no frames), the beats in it are rendered or taken from the cache, and the scene stops
after it. The scene's video is its segments joined by stream copy.

Next to each segment the store keeps the beat's end still (<key>.png) and the digest of the
picture it ends on (<key>.json), and per scene the picture its first beat starts from
(start-<base>.json). So the keys of a scene's beats can be followed without rendering
(`known_chain`): a render only starts at the first beat not in the store, and stops as soon as
the rest of its beats are known to be there again (after an edited line, usually the next one).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from common.files import atomic_path, atomic_write

from .options import media_dir

KEEP_UNUSED_SECONDS = 3600   # a segment no scene entry uses is removed after this long


def segment_root() -> Path:
    return media_dir() / "cache" / "segments"


def segment_path(key: str) -> Path:
    return segment_root() / f"{key}.mp4"


def still_path(key: str) -> Path:
    """The beat's end still (the scene's slide for that line)."""
    return segment_root() / f"{key}.png"


def _end_path(key: str) -> Path:
    return segment_root() / f"{key}.json"


def _start_path(base: str) -> Path:
    return segment_root() / f"start-{base}.json"


def complete(key: str) -> bool:
    """The beat's segment, still and end picture are all in the store."""
    return all(p.is_file() for p in (segment_path(key), still_path(key), _end_path(key)))


def _picture_in(path: Path) -> str | None:
    try:
        return json.loads(path.read_text())["picture"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record_picture(path: Path, picture: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"picture": picture}))


def rendered_before(base: str) -> bool:
    """A render of the scene with these inputs has begun before (its start is recorded)."""
    return _start_path(base).is_file()


def known_chain(base: str, lines, index: int = 0, picture: str | None = None, stop: int | None = None) -> list[str]:
    """The keys of beats index, index + 1, ... (before `stop`) that are complete in the store,
    each found from the picture the beat before it ended on; it ends at the first beat that is
    not there. `picture`: the one beat `index` starts from (default: the scene's recorded start,
    for index 0)."""
    stop = len(lines) if stop is None else min(stop, len(lines))
    if picture is None and index == 0:
        picture = _picture_in(_start_path(base))
    keys = []
    while picture is not None and index < stop:
        key = beat_key(base, lines[index], index == 0, index == len(lines) - 1, picture)
        if not complete(key):
            break
        keys.append(key)
        picture, index = _picture_in(_end_path(key)), index + 1
    return keys


def chain_pictures(base: str, keys) -> list[str | None]:
    """The picture each beat of a known chain (`keys`, from beat 0) starts from, and the one the
    beat after the chain starts from: [the scene's recorded start, the end of keys[0], ...]."""
    return [_picture_in(_start_path(base))] + [_picture_in(_end_path(key)) for key in keys]


def beat_key(base: str, line, opens: bool, closes: bool, picture: str) -> str:
    """The key of a beat's segment (see the module docstring)."""
    fields = {k: v for k, v in dataclasses.asdict(line).items() if k != "start"}
    blob = json.dumps([base, fields, opens, closes, picture], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def picture_digest(mobjects) -> str:
    """A digest of what `mobjects` draw: each family member's type, points, colours, stroke,
    z-index and (images) pixels, in drawing order."""
    digest = hashlib.blake2b(digest_size=16)
    for top in mobjects:
        for mob in top.get_family():
            if not _drawn(mob):
                continue   # an empty group or a faded-out leftover changes no pixel
            for name in ("points", "fill_rgbas", "stroke_rgbas", "background_stroke_rgbas", "pixel_array"):
                value = getattr(mob, name, None)
                if isinstance(value, np.ndarray):
                    digest.update(np.ascontiguousarray(value).tobytes())
            digest.update(repr([getattr(mob, name, None) for name in (
                "z_index", "stroke_width", "background_stroke_width", "sheen_factor", "joint_type",
                "resampling_algorithm")]).encode())
    return digest.hexdigest()


def scene_picture(scene) -> str:
    """The digest of what a NanoScene shows now, its captions left out."""
    return picture_digest([m for m in scene.mobjects if m is not scene.captions])


def _drawn(mob) -> bool:
    if isinstance(getattr(mob, "pixel_array", None), np.ndarray):
        return True
    if not len(getattr(mob, "points", ())):
        return False
    alphas = [getattr(mob, name, None) for name in ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas")]
    return any(isinstance(a, np.ndarray) and a.size and a[:, 3].max() > 0 for a in alphas)


@dataclass
class BeatRecorder:
    """What a scene render job does with each beat: skip it, reuse its segment, or render and
    store it (NanoScene calls `begin` and `end` around every beat)."""

    base: str              # the scene's render inputs, without its narration
    first: int             # beats before this one are only played to their end state
    stop: int              # ... and from this one on not at all (the job ends)
    made: list = field(default_factory=list)   # (beat index, segment key, rendered by this job)
    frames: int = 0        # frames this job drew
    _key: str | None = None
    _picture: str | None = None   # the picture the beat just drawn ended on
    _frames_before: int = 0

    def begin(self, scene, index: int, line) -> bool:
        """Before beat `index`: returns whether its frames are drawn (else it is skipped). Ends
        the scene early once the rest of the job's beats are all in the store."""
        from manim.utils.exceptions import EndSceneEarlyException

        if index >= self.stop:
            raise EndSceneEarlyException()
        self._key, draw = None, False
        if index >= self.first:
            picture = self._picture or scene_picture(scene)
            if index == 0:
                _record_picture(_start_path(self.base), picture)
            lines = scene.lines()
            known = known_chain(self.base, lines, index, picture, self.stop)
            if index + len(known) >= min(self.stop, len(lines)):
                self.made += [(index + i, key, False) for i, key in enumerate(known)]
                raise EndSceneEarlyException()
            self._key = beat_key(self.base, line, index == 0, index == len(lines) - 1, picture)
            draw = not known
            if not draw:
                self.made.append((index, self._key, False))
        self._picture = None
        scene.renderer.skip(not draw)
        self._frames_before = scene.frames
        return draw

    def drawn(self, scene) -> int:
        """Frames drawn so far by this job (skipped and reused beats do not count)."""
        if scene.renderer.skipping:
            return self.frames
        return self.frames + scene.frames - self._frames_before

    def end(self, scene, index: int, still: Path | None) -> None:
        """After beat `index`: a drawn beat's partial movie files become its segment, stored
        with its end `still` and the picture it ends on."""
        if scene.renderer.skipping:
            return
        parts = scene.renderer.take_partial_files()   # this beat's: each beat before it was taken or skipped
        join_videos(parts, segment_path(self._key), scene.fps)
        for part in parts:
            part.unlink(missing_ok=True)
        if still is not None:
            with atomic_path(still_path(self._key)) as tmp:
                shutil.copyfile(still, tmp)
        self._picture = scene_picture(scene)
        _record_picture(_end_path(self._key), self._picture)
        self.made.append((index, self._key, True))
        self.frames += scene.frames - self._frames_before


def join_videos(parts: list[Path], out: Path, fps) -> Path:
    """Join videos of identical H.264 parameters into `out` by stream copy (atomically).
    Every frame gets its timestamp anew from its number at `fps`: the concat demuxer starts
    each part at the previous part's container duration, which Manim's partial files round up
    by a fraction of a millisecond, and over hundreds of joins the video would run slow (and
    its frame rate read as 15000/1001 instead of 15)."""
    rate = Fraction(fps).limit_denominator(1001)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        listing = Path(f"{tmp}.txt")
        listing.write_text("".join(f"file '{concat_path(p)}'\n" for p in parts))
        try:
            result = subprocess.run(["ffmpeg", "-y", "-v", "error", "-nostdin", "-f", "concat", "-safe", "0",
                                     "-i", str(listing), "-c", "copy", "-bsf:v", frame_timestamps(rate),
                                     "-f", "mp4", str(tmp)], capture_output=True, text=True, check=False)
        finally:
            listing.unlink(missing_ok=True)
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"joining {len(parts)} videos into {out.name} failed: {reason}")
    return out


def frame_timestamps(fps: Fraction) -> str:
    """An ffmpeg bitstream filter that stamps packet N at N / fps (no B-frames: pts = dts)."""
    return f"setts=ts=N*{fps.denominator}/({fps.numerator}*TB)"


def concat_path(path: Path) -> str:
    """`path` as ffmpeg's concat demuxer reads it inside single quotes."""
    return str(Path(path).resolve()).replace("'", r"'\''")


def prune(used: set[str]) -> int:
    """Remove segments no entry uses that were last used over KEEP_UNUSED_SECONDS ago (another
    render may be about to use a fresh one). Returns how many were removed."""
    removed, now = 0, time.time()
    for path in segment_root().glob("*"):
        if path.stem not in used and not path.name.startswith("start-"):
            try:
                if now - path.stat().st_mtime > KEEP_UNUSED_SECONDS:
                    path.unlink()
                    removed += 1
            except OSError:
                pass
    return removed


def touch(key: str) -> None:
    """Mark a reused beat as used now (pruning goes by age)."""
    for path in (segment_path(key), still_path(key), _end_path(key)):
        try:
            os.utime(path)
        except OSError:
            pass
