"""Where a line's voice comes from: a narrator's recording, a neural voice, espeak-ng, or nothing.

Every backend has one method, speak(line_id, text, lang) -> cleaned AudioSegment, or None
for a silent line (the timeline then gives it reading-pace time). A backend that knows when
each word is said (the neural voices) also fills `word_times`: line id -> ((caption char
index, start s, end s), ...), times from the start of the cleaned audio.
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Iterable, Protocol

from pydub import AudioSegment

from common.text import shown

from ..languages import LanguageError, language
from .audio import VoiceError, clean, clean_timed, load_audio, seconds, too_short
from .cache import cache_key, cached, cached_timed

VOICES = ("auto", "recorded", "neural", "espeak", "silent")
RECORDING_EXTENSIONS = ("wav", "flac", "mp3", "m4a", "ogg")
RECORDINGS_DIR = Path(__file__).resolve().parent  # recordings live in script/voice/<lang>/
DEFAULT_PITCH = 50
RATE_RANGE = (80, 450)
PITCH_RANGE = (0, 99)
INSTALL_HINT = "install it with: apt-get install espeak-ng"


class VoiceWarning(UserWarning):
    """Something is missing, so some lines will be silent; the video still renders."""


class Backend(Protocol):
    name: str

    def speak(self, line_id: str, text: str, lang: str) -> AudioSegment | None: ...


def recordings_dir(override: str | Path | None = None) -> Path:
    """Folder holding <lang>/<line-id>.<ext>: the argument, $NANOGPT_RECORDINGS_DIR, or script/voice."""
    return Path(override or os.environ.get("NANOGPT_RECORDINGS_DIR") or RECORDINGS_DIR)


def find_recording(root: Path, lang: str, line_id: str) -> Path | None:
    found = [path for ext in RECORDING_EXTENSIONS if (path := root / lang / f"{line_id}.{ext}").is_file()]
    if len(found) > 1:
        raise VoiceError(f"line {line_id}: {len(found)} recordings ({', '.join(p.name for p in found)}); keep one")
    return found[0] if found else None


class Recorded:
    """A narrator's file per line: <root>/<lang>/<line-id>.<ext>. Never cut: its length is the speech."""
    name = "recorded"

    def __init__(self, root: str | Path | None = None):
        self.root = recordings_dir(root)
        self.found: dict[tuple[str, str], Path | None] = {}  # (lang, line id) -> its recording

    def recording(self, line_id: str, lang: str) -> Path | None:
        """find_recording(), looked up once a line (auto asks up to three times a line)."""
        if (lang, line_id) not in self.found:
            self.found[lang, line_id] = find_recording(self.root, lang, line_id)
        return self.found[lang, line_id]

    def has(self, line_id: str, lang: str) -> bool:
        return self.recording(line_id, lang) is not None

    def speak(self, line_id: str, text: str, lang: str) -> AudioSegment | None:
        path = self.recording(line_id, lang)
        if path is None:
            return None
        key = cache_key(backend=self.name, content=_file_digest(path))
        audio = cached(key, lambda: clean(load_audio(path), str(path)))
        warning = too_short(line_id, seconds(audio), text, lang)
        if warning:
            warnings.warn(f"{warning} ({path}; see: nanogpt-video voice check --lang {lang})",
                          VoiceWarning, stacklevel=2)
        return audio


class Espeak:
    """espeak-ng, offline, with the language's voice and rate (words.<lang>.toml)."""
    name = "espeak"

    def __init__(self, rate: int | None = None, pitch: int | None = None):
        self.rate = _in_range("rate", rate, RATE_RANGE)
        self.pitch = _in_range("pitch", pitch, PITCH_RANGE)

    def speak(self, line_id: str, text: str, lang: str) -> AudioSegment | None:
        text = " ".join(text.split())
        if not text:
            return None
        voice = espeak_voice(lang)
        rate = self.rate or language(lang).espeak_rate
        pitch = DEFAULT_PITCH if self.pitch is None else self.pitch
        key = cache_key(backend=self.name, engine=espeak_version(), voice=voice,
                        rate=rate, pitch=pitch, text=text)
        return cached(key, lambda: clean(synthesize(text, voice, rate, pitch), f"espeak-ng for line {line_id}"))


class Neural:
    """The language's neural voice (script/voice/neural.py), speaking the spoken form of each
    caption (script/spoken.py). Cached lines need no worker; the first miss starts one, which
    stays up for the rest of the render (close() ends it). prepare() synthesises the lines
    missing from the cache first, with up to NANOGPT_VOICE_WORKERS workers side by side
    (default: 2 on a machine with 2 cores or more), one line at a time each."""
    name = "neural"

    def __init__(self):
        self.voices: dict = {}                 # lang -> the worker speak() uses
        self.helpers: list = []                # the extra workers prepare() started
        self.word_times: dict[str, tuple] = {}
        self.synth_seconds = 0.0               # measured: time the workers spent synthesising
        self.lines: dict[tuple[str, str], tuple] = {}  # (text, lang) -> (spoken form, cache key)

    def all_voices(self) -> list:
        return [*self.voices.values(), *self.helpers]

    def _voice(self, lang: str):
        from .neural import NeuralVoice
        return self.voices.get(lang) or self.voices.setdefault(lang, NeuralVoice(lang))

    def _line(self, text: str, lang: str):
        """The spoken form of a line and its cache key, worked out once (prepare() and speak()
        both ask)."""
        from ..spoken import spoken_form

        if (text, lang) not in self.lines:
            spoken = spoken_form(" ".join(text.split()), lang)
            key = cache_key(backend=self.name, **self._voice(lang).identity, text=spoken.text)
            self.lines[text, lang] = spoken, key
        return self.lines[text, lang]

    def speak(self, line_id: str, text: str, lang: str) -> AudioSegment | None:
        spoken, key = self._line(text, lang)
        if not spoken.text.strip():
            return None
        voice = self._voice(lang)
        audio, words = cached_timed(key, lambda: self._make(voice, line_id, spoken.text))
        self.word_times[line_id] = _written_times(spoken, words)
        return audio

    def prepare(self, lines, lang: str) -> None:
        """Fill the cache for `lines` ((id, text)) with several workers at once."""
        import threading

        from .cache import cache_dir
        from .neural import NeuralVoice, worker_count

        todo, seen = [], set()
        for line_id, text in lines:
            spoken, key = self._line(text, lang)
            if spoken.text.strip() and key not in seen and not (cache_dir() / f"{key}.json").is_file():
                todo.append((line_id, spoken.text, key))
                seen.add(key)
        count = min(worker_count(), len(todo))
        if count < 2:
            return
        voices = [self._voice(lang)] + [NeuralVoice(lang) for _ in range(count - 1)]
        self.helpers += voices[1:]
        todo.sort(key=lambda item: -len(item[1]))   # longest first: the workers end together
        queue, errors, lock = list(todo), [], threading.Lock()

        def work(voice):
            while True:
                with lock:
                    if not queue or errors:
                        return
                    line_id, said, key = queue.pop(0)
                try:
                    cached_timed(key, lambda: self._make(voice, line_id, said))
                except Exception as err:  # the first one is raised below, in this thread
                    errors.append(err)
                    return

        threads = [threading.Thread(target=work, args=(voice,), daemon=True) for voice in voices]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for voice in voices[1:]:
            voice.close()
        if errors:
            raise errors[0]

    def _make(self, voice, line_id: str, said: str):
        with tempfile.TemporaryDirectory(prefix="neural-") as folder:
            out = Path(folder) / "line.wav"
            took, words = voice.say(said, out)
            self.synth_seconds += took
            audio, lead = clean_timed(load_audio(out), f"the neural voice for line {line_id}")
        length = seconds(audio)
        return audio, [[a, b, _clamp(t0 - lead, length), _clamp(t1 - lead, length)]
                       for a, b, t0, t1 in words]

    def close(self) -> None:
        for voice in self.all_voices():
            voice.close()


def _clamp(t: float, length: float) -> float:
    return round(min(max(t, 0.0), length), 4)


def _written_times(spoken, words) -> tuple:
    """Word times in the spoken text -> (caption char index, start, end), one per caption
    position that starts a spoken word, in order, starts never going back."""
    marks: dict[int, list[float]] = {}
    for a, _, t0, t1 in words:
        index = spoken.written_index(a)
        if index in marks:
            marks[index][1] = max(marks[index][1], t1)
        else:
            marks[index] = [t0, t1]
    out, last = [], 0.0
    for index in sorted(marks):
        t0, t1 = marks[index]
        t0 = max(t0, last)
        out.append((index, t0, max(t0, t1)))
        last = t0
    return tuple(out)


class Silent:
    name = "silent"

    def speak(self, line_id: str, text: str, lang: str) -> AudioSegment | None:
        return None


class Auto:
    """Per line: the recording if there is one, else the language's neural voice, else
    espeak-ng, else silence. A neural voice that is not installed or fails is said once, in
    one line, and espeak-ng takes over (`neural=False`: straight to espeak-ng)."""
    name = "auto"

    def __init__(self, rate=None, pitch=None, recordings=None, neural: bool = True):
        self.recorded = Recorded(recordings)
        self.neural = Neural() if neural else None
        self.espeak = Espeak(rate, pitch) if espeak_available() else None
        self.warned = False
        self.no_neural: dict[str, str] = {}   # lang -> why not (said once)
        self.neural_ready: set[str] = set()   # languages whose neural voice was found usable

    @property
    def word_times(self) -> dict:
        return self.neural.word_times if self.neural else {}

    def close(self) -> None:
        if self.neural:
            self.neural.close()

    def prepare(self, lines, lang: str) -> None:
        """The neural voice's lines (those without a recording) synthesised ahead, in parallel."""
        if self.neural is None or not self._neural_ok(lang):
            return
        lines = [(i, t) for i, t in lines if not self.recorded.has(i, lang)]
        try:
            self.neural.prepare(lines, lang)
        except VoiceError as err:
            self._without_neural(lang, str(err))

    def speak(self, line_id: str, text: str, lang: str) -> AudioSegment | None:
        if self.recorded.has(line_id, lang):
            return self.recorded.speak(line_id, text, lang)
        if self.neural is not None and self._neural_ok(lang):
            try:
                return self.neural.speak(line_id, text, lang)
            except VoiceError as err:
                self._without_neural(lang, str(err))
        if self.espeak is not None:
            return self.espeak.speak(line_id, text, lang)
        if not self.warned:
            warnings.warn(f"espeak-ng not found: lines without a recording are silent (reading-pace "
                          f"timing); {INSTALL_HINT}", VoiceWarning, stacklevel=3)
            self.warned = True
        return None


    def _neural_ok(self, lang: str) -> bool:
        from .neural import enabled, unavailable_reason, voice_info

        if lang in self.no_neural:
            return False
        if lang in self.neural_ready:  # checked once a run: the checks stat the voice's files
            return True
        if not enabled() or voice_info(lang) is None:  # off, or none for this language: no news
            if self.name == "neural" and enabled():      # ...unless it was asked for by name
                self._without_neural(lang, f"the {lang} narration names no neural voice")
            self.no_neural[lang] = ""
            return False
        reason = unavailable_reason(lang)
        if reason:
            self._without_neural(lang, reason)
            return False
        self.neural_ready.add(lang)
        return True

    def _without_neural(self, lang: str, reason: str) -> None:
        self.no_neural[lang] = reason
        fallback = "espeak-ng" if self.espeak is not None else "silence"
        warnings.warn(f"{reason}; using {fallback} instead", VoiceWarning, stacklevel=4)


def make_backend(voice: str = "auto", rate: int | None = None, pitch: int | None = None,
                 recordings: str | Path | None = None) -> Backend:
    if voice == "auto":
        return Auto(rate, pitch, recordings)
    if voice == "neural":  # the neural voice for every line (recordings ignored), else as auto
        auto = Auto(rate, pitch, recordings)
        auto.recorded.has = lambda line_id, lang: False
        auto.name = "neural"
        return auto
    if voice == "recorded":
        return Recorded(recordings)
    if voice == "espeak":
        if not espeak_available():
            raise VoiceError(f"voice 'espeak' needs espeak-ng, which is not installed; {INSTALL_HINT}")
        return Espeak(rate, pitch)
    if voice == "silent":
        return Silent()
    raise VoiceError(f"unknown voice {shown(voice)}; allowed: {', '.join(VOICES)}")


def line_audio(lines: Iterable[tuple[str, str]], lang: str, voice: str = "auto",
               rate: int | None = None, pitch: int | None = None,
               recordings: str | Path | None = None) -> dict[str, AudioSegment | None]:
    """Cleaned audio per line id (None = silent), in the order of `lines` ((id, text) pairs)."""
    return voice_lines(lines, lang, voice, rate, pitch, recordings)[0]


def voice_lines(lines: Iterable[tuple[str, str]], lang: str, voice: str = "auto",
                rate: int | None = None, pitch: int | None = None,
                recordings: str | Path | None = None) -> tuple[dict, dict]:
    """line_audio(), and the word times of the lines whose voice gives them (see Neural)."""
    backend = make_backend(voice, rate, pitch, recordings)
    lines = list(lines)
    try:
        if hasattr(backend, "prepare"):
            backend.prepare(lines, lang)
        audio = {line_id: backend.speak(line_id, text, lang) for line_id, text in lines}
    finally:
        if hasattr(backend, "close"):
            backend.close()
    if voice == "recorded":
        _warn_missing_recordings(audio, backend.root, lang)
    return audio, dict(getattr(backend, "word_times", {}))


def _warn_missing_recordings(audio, root: Path, lang: str) -> None:
    missing = [line_id for line_id, segment in audio.items() if segment is None]
    if missing:
        warnings.warn(f"{len(missing)} of {len(audio)} lines have no recording in {root / lang} "
                      f"(first: {missing[0]}); they stay silent with reading-pace timing "
                      f"(see: nanogpt-video voice check --lang {lang})", VoiceWarning, stacklevel=3)


# --- espeak-ng ---------------------------------------------------------------------------

def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


@functools.lru_cache(maxsize=1)
def espeak_version() -> str:
    result = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def espeak_voice(lang: str) -> str:
    try:
        return language(lang).espeak_voice
    except LanguageError as err:
        raise VoiceError(str(err)) from None


def synthesize(text: str, voice: str, rate: int, pitch: int) -> AudioSegment:
    """Run espeak-ng once (text on stdin, so nothing in it is read as an option)."""
    with tempfile.TemporaryDirectory(prefix="espeak-") as folder:
        out = Path(folder) / "line.wav"
        command = ["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(out), "--stdin"]
        result = subprocess.run(command, input=text.encode(), capture_output=True, timeout=120, check=False)
        if result.returncode != 0 or not out.is_file():
            reason = result.stderr.decode(errors="replace").strip().splitlines()[:1] or ["no output"]
            raise VoiceError(f"espeak-ng failed for voice {voice}: {reason[0]}")
        return load_audio(out)


def _in_range(name: str, value: int | None, bounds: tuple[int, int]) -> int | None:
    if value is not None and not bounds[0] <= value <= bounds[1]:
        raise VoiceError(f"{name} {value} is out of range; allowed: {bounds[0]}..{bounds[1]}")
    return value


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
