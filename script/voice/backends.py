"""Where a line's voice comes from: a narrator's recording, espeak-ng, or nothing.

Every backend has one method, speak(line_id, text, lang) -> cleaned AudioSegment, or None
for a silent line (the timeline then gives it reading-pace time).
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
from .audio import VoiceError, clean, load_audio, seconds, too_short
from .cache import cache_key, cached

VOICES = ("auto", "recorded", "espeak", "silent")
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

    def has(self, line_id: str, lang: str) -> bool:
        return find_recording(self.root, lang, line_id) is not None

    def speak(self, line_id: str, text: str, lang: str) -> AudioSegment | None:
        path = find_recording(self.root, lang, line_id)
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


class Silent:
    name = "silent"

    def speak(self, line_id: str, text: str, lang: str) -> AudioSegment | None:
        return None


class Auto:
    """Per line: the recording if there is one, else espeak-ng, else silence (warned once)."""
    name = "auto"

    def __init__(self, rate=None, pitch=None, recordings=None):
        self.recorded = Recorded(recordings)
        self.espeak = Espeak(rate, pitch) if espeak_available() else None
        self.warned = False

    def speak(self, line_id: str, text: str, lang: str) -> AudioSegment | None:
        if self.recorded.has(line_id, lang):
            return self.recorded.speak(line_id, text, lang)
        if self.espeak is not None:
            return self.espeak.speak(line_id, text, lang)
        if not self.warned:
            warnings.warn(f"espeak-ng not found: lines without a recording are silent (reading-pace "
                          f"timing); {INSTALL_HINT}", VoiceWarning, stacklevel=3)
            self.warned = True
        return None


def make_backend(voice: str = "auto", rate: int | None = None, pitch: int | None = None,
                 recordings: str | Path | None = None) -> Backend:
    if voice == "auto":
        return Auto(rate, pitch, recordings)
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
    backend = make_backend(voice, rate, pitch, recordings)
    audio = {line_id: backend.speak(line_id, text, lang) for line_id, text in lines}
    if voice == "recorded":
        _warn_missing_recordings(audio, backend.root, lang)
    return audio


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
