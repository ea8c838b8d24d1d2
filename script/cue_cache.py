"""A disk cache of caption splitting: media/cache/cues/<sha256>.json, one entry per line.

Cutting a line into cues (script/captions.py) segments Chinese with jieba, whose dictionary
alone takes about a second to load, and tries many layouts; a line split before is read back
instead, so a run whose lines are all cached never imports jieba, and an edited line is the
only one split again.

The key hashes everything the split depends on: the line's text, the caption line width and
lines per cue, the language's [language] record, the code that splits (captions.py and
languages.py) and jieba's version. Timing the cues (by the speech's length or the voice's word
times) is cheap and stays outside: a line voiced again keeps its cached cue texts and is only
timed again. Entries are written whole (common.files.atomic_write) or not at all.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from common.files import atomic_write
from common.paths import media_dir

from . import captions, languages
from .captions import MAX_LINES, split_cues
from .languages import language

SPLITTING_CODE = (Path(captions.__file__), Path(languages.__file__))


def cache_dir() -> Path:
    return media_dir() / "cache" / "cues"


def cue_key(text: str, lang: str, line_width: float | None = None, max_lines: int = MAX_LINES) -> str:
    fields = {"text": text, "language": _language_fields(lang), "line_width": line_width,
              "max_lines": max_lines, "code": splitting_code_digest()}
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def cached_split_cues(text: str, lang: str, line_width: float | None = None,
                      max_lines: int = MAX_LINES) -> list[str]:
    """split_cues(text, lang, line_width, max_lines), read back when the line was split before."""
    path = cache_dir() / f"{cue_key(text, lang, line_width, max_lines)}.json"
    texts = _read(path)
    if texts is None:
        texts = split_cues(text, lang, line_width, max_lines)
        _store(path, texts)
    return texts


@functools.lru_cache(maxsize=1)
def splitting_code_digest() -> str:
    """The splitting code and jieba's version (its dictionary comes with it); once a process."""
    digest = hashlib.sha256()
    for path in SPLITTING_CODE:
        digest.update(path.read_bytes())
    digest.update(_version("jieba").encode())
    return digest.hexdigest()


def _language_fields(lang: str) -> dict:
    return _record_fields(language(lang))


@functools.lru_cache(maxsize=None)
def _record_fields(record) -> dict:
    """A Language as plain data, made once per record (every line's key needs it)."""
    return dataclasses.asdict(record)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "none"


def _read(path: Path) -> list[str] | None:
    """The cue texts stored at `path`; None when missing or damaged (then split again)."""
    try:
        texts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        return None
    return texts


def _store(path: Path, texts: list[str]) -> None:
    try:
        atomic_write(path, json.dumps(texts, ensure_ascii=False))
    except OSError:  # a cache that cannot be written only costs time: the split is in hand
        pass
