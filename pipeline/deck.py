"""The deck: the video's beats as slides, one per narration line, grouped by chapter.

Nothing is rendered for a deck: a slide is the beat segment the video is made of
(media/cache/segments/<key>.mp4, pipeline/segments.py), its end still and its line. The
writers (pipeline/deck_html.py, deck_pptx.py, handout.py) all read the same `Deck`:

    Deck      the title, the input and its sorted output, the chapters, the credits
    Chapter   a section: its title and its beats
    Beat      a narration line: the caption (the speaker notes), its segment and end still,
              and its voice

`write_clips` gives each beat a clip of its own: the segment's frames (stream copy) with the
line's voice, so a slide speaks its line (or the frames alone, for a silent deck).
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from common.files import atomic_path

from . import segments

CLIP_AUDIO = ["-c:a", "aac", "-b:a", "128k"]   # the voice as the video carries it
POSTER = "poster"                                # a clip's first frame, <clip>.poster.png
CLIP_WORKERS = 2                                 # ffmpeg processes at once (each is short)


class DeckError(RuntimeError):
    """A beat's segment is missing or a clip could not be made; the message is one line."""


@dataclass(frozen=True)
class Beat:
    line: object            # script.timeline.TimedLine
    segment: Path           # the beat's frames, as the video has them
    still: Path             # the picture the beat ends on (the video's quality)
    voice: object | None    # the line's voice (pydub AudioSegment), None when silent

    @property
    def caption(self) -> str:
        """The line as written (filled from the run): the slide's speaker notes."""
        return self.line.text


@dataclass(frozen=True)
class Chapter:
    section: str
    title: str
    beats: tuple[Beat, ...]


@dataclass(frozen=True)
class Credits:
    heading: str                           # "致谢"
    entries: tuple[tuple[str, str], ...]   # (who made what, where: a web address)


@dataclass(frozen=True)
class Deck:
    title: str              # the video's title in the deck's language
    subtitle: str           # "CBABBC → ABBBCC"
    lang: str
    font: str               # the language's caption font (fontconfig family)
    chapters: tuple[Chapter, ...]
    credits: Credits

    @property
    def beats(self) -> list[Beat]:
        return [beat for chapter in self.chapters for beat in chapter.beats]

    def digest(self, *more: str) -> str:
        """Everything the deck's files show: the words, the segments (their keys name their
        frames), the voices, and `more` (the writers' code, settings)."""
        digest = hashlib.sha256()
        for part in (self.title, self.subtitle, self.lang, self.font, repr(self.credits), *more):
            digest.update(part.encode())
        for chapter in self.chapters:
            digest.update(chapter.title.encode())
            for beat in chapter.beats:
                digest.update(f"{beat.line.id}\0{beat.caption}\0{beat.segment.name}".encode())
                digest.update(beat.voice.raw_data if beat.voice is not None else b"silent")
        return digest.hexdigest()


def build_deck(context, voice, rendered, title: str, subtitle: str) -> Deck:
    """The deck of the rendered video entries (pipeline/render.py `Rendered`, kind video),
    in their order: each entry's manifest lists its beats' segment keys in line order."""
    timeline = context.timeline
    chapters = []
    for entry in rendered:
        keys = json.loads((entry.folder / "manifest.json").read_text())["segments"]
        lines = timeline.lines(entry.scene_id)
        if len(keys) != len(lines):
            raise DeckError(f"scene {entry.scene_id}: {len(keys)} beat segments for {len(lines)} lines "
                            "(the cache entry is from another narration); delete media/cache/video")
        beats = tuple(Beat(line, segments.segment_path(key), segments.still_path(key), voice.audio.get(line.id))
                      for line, key in zip(lines, keys))
        chapters.append(Chapter(entry.scene_id, timeline.titles.get(entry.scene_id, entry.scene_id), beats))
    return Deck(title, subtitle, context.lang, context.language.font, tuple(chapters), credits_of(context.tables))


def missing_segments(rendered) -> list[str]:
    """The scenes among `rendered` whose beat segments are not all in the store (removed by
    hand): their video entries must be rendered again before a deck can use them."""
    missing = []
    for entry in rendered:
        keys = json.loads((entry.folder / "manifest.json").read_text()).get("segments", [])
        if not keys or not all(segments.complete(key) for key in keys):
            missing.append(entry.scene_id)
    return missing


def credits_of(tables) -> Credits:
    """The closing card's words (the words table with a `credits` key): the heading, then each
    credit_<k> with its credit_<k>_where, in the file's order."""
    table = next((words for words in tables.values() if "credits" in list(words)), None)
    if table is None:
        return Credits("", ())
    keys = list(table)   # (Words raises on a missing key: `in` asks the list)
    entries = tuple((table[key], table[f"{key}_where"]) for key in keys
                    if key.startswith("credit_") and not key.endswith("_where") and f"{key}_where" in keys)
    return Credits(table["credits"], entries)


# ---- clips: a beat's frames with its line's voice -------------------------------------

def write_clips(deck: Deck, folder: Path, audio: bool = True) -> dict[str, Path]:
    """One MP4 per beat in `folder` (<nnn>-<line id>.mp4, and its first frame as
    <nnn>-<line id>.poster.png), by line id: the segment's frames, copied, and with `audio` the line's voice
    from the beat's start (silence when the line has none), as long as the frames."""
    folder.mkdir(parents=True, exist_ok=True)
    beats = deck.beats
    names = [folder / f"{i:03d}-{beat.line.id.replace('.', '-')}.mp4" for i, beat in enumerate(beats, start=1)]
    with ThreadPoolExecutor(CLIP_WORKERS) as pool:
        made = list(pool.map(lambda beat, out: _clip(beat, out, audio), beats, names))
    return {beat.line.id: path for beat, path in zip(beats, made)}


def poster_of(clip: Path) -> Path:
    return clip.with_suffix(f".{POSTER}.png")


def _clip(beat: Beat, out: Path, audio: bool) -> Path:
    if not beat.segment.is_file():
        raise DeckError(f"beat {beat.line.id}: its segment {beat.segment} is gone; run the same command again")
    with atomic_path(out) as tmp, atomic_path(poster_of(out)) as poster:
        command = ["ffmpeg", "-y", "-v", "error", "-nostdin", "-i", str(beat.segment)]
        if audio:
            command += ["-f", "s16le", "-ar", str(_voice_rate()), "-ac", "1", "-i", "-",
                        "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", *CLIP_AUDIO,
                        "-af", "apad", "-shortest"]
        else:
            command += ["-map", "0:v:0", "-c:v", "copy", "-an"]
        command += ["-movflags", "+faststart", "-f", "mp4", str(tmp),
                    "-map", "0:v:0", "-frames:v", "1", "-f", "image2", "-c:v", "png", str(poster)]
        voice = _voice_samples(beat) if audio else None
        result = subprocess.run(command, input=voice, capture_output=True, check=False)
        if result.returncode != 0:
            reason = (result.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
            raise DeckError(f"beat {beat.line.id}: ffmpeg could not make its clip: {reason}")
    return out


def _voice_rate() -> int:
    from script.voice import SAMPLE_RATE
    return SAMPLE_RATE


def _voice_samples(beat: Beat) -> bytes:
    """The line's voice as 16-bit mono PCM, at least as long as the beat (silence after it:
    ffmpeg's -shortest then ends the audio with the frames)."""
    rate = _voice_rate()
    spoken = beat.voice.raw_data if beat.voice is not None else b""
    beat_bytes = 2 * round(beat.line.duration * rate)
    return spoken + bytes(max(0, beat_bytes - len(spoken)) + 2 * rate // 10)
