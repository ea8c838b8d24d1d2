"""A disk cache of cleaned voice lines: media/cache/voice/<sha256>.wav.

The key hashes everything that shapes the sound (text, backend, voice, rate, pitch, engine
version, our cleaning). Writes go to a temp file in the same folder and are renamed into
place, so two processes filling the cache at once never leave a half-written file.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

from pydub import AudioSegment

from common.files import atomic_write
from common.paths import media_dir

from .audio import write_wav

CLEANING_VERSION = 4  # bump when audio.clean() changes what it produces (4: true-peak ceiling)


def cache_dir() -> Path:
    return media_dir() / "cache" / "voice"


def cache_key(**fields) -> str:
    fields["cleaning"] = CLEANING_VERSION
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def cached(key: str, make: Callable[[], AudioSegment], folder: Path | None = None) -> AudioSegment:
    """The audio stored under `key`, or make() it and store it."""
    path = (folder or cache_dir()) / f"{key}.wav"
    audio = _read(path)
    if audio is None:
        audio = make()
        write_wav(audio, path)  # complete or not there: never a half-written entry
    return audio


def cached_timed(key: str, make: Callable[[], tuple[AudioSegment, list]],
                 folder: Path | None = None) -> tuple[AudioSegment, list]:
    """cached() for a voice that also times its words: <key>.json beside <key>.wav."""
    path = (folder or cache_dir()) / f"{key}.wav"
    words_path = path.with_suffix(".json")
    audio = _read(path)
    words = _read_json(words_path) if audio is not None else None
    if audio is None or words is None:
        audio, words = make()
        atomic_write(words_path, json.dumps(words))
        write_wav(audio, path)
    return audio, words


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _read(path: Path) -> AudioSegment | None:
    try:
        with open(path, "rb") as file:
            return AudioSegment.from_wav(file)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged entry is a miss: it gets rebuilt and replaced
        return None
