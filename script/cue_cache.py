"""A disk cache of caption splitting: media/cache/cues/<lang>-<splitter digest>.json.

Cutting a line into atoms (script/captions.py: the pieces no caption break falls inside, with
what a break after each costs) segments Chinese with jieba, whose dictionary alone takes about
a second to load; a line cut before is read back instead, so a run whose lines are all cached
never imports jieba, and an edited line is the only one cut again.

A file holds every line cut by one splitter: the code that splits (captions.py and
languages.py), jieba's version and the language's [language] record are in its name (a
change starts a new file); in it, each entry is keyed by the line's text, the caption line
width and lines per cue. One file per language rather than one per line: one read a run, and
no folder of tiny files. Grouping the atoms into timed cues (by the voice's word times, or the
speech's length) is pure arithmetic and stays outside: a line voiced again keeps its cached
atoms and is only laid out and timed again. The file is rewritten whole (common.files.atomic_write) when a line is added; two runs
adding lines at once may lose one's additions, which are then split again next time.
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
from .captions import MAX_LINES, Atom, Cue, cue_layout, line_atoms, timed_cues
from .languages import language

SPLITTING_CODE = (Path(captions.__file__), Path(languages.__file__))


def cache_dir() -> Path:
    return media_dir() / "cache" / "cues"


def cache_file(lang: str) -> Path:
    """The file of `lang`'s splitter: named by everything the split depends on but the line."""
    splitter = json.dumps({"language": _record_fields(language(lang)), "code": splitting_code_digest()},
                          sort_keys=True, ensure_ascii=False)
    return cache_dir() / f"{lang}-{hashlib.sha256(splitter.encode()).hexdigest()[:24]}.json"


def entry_key(text: str, line_width: float | None = None, max_lines: int = MAX_LINES) -> str:
    return json.dumps([text, line_width, max_lines], ensure_ascii=False)


def cached_atoms(text: str, lang: str, line_width: float | None = None,
                 max_lines: int = MAX_LINES) -> list[Atom]:
    """atoms(text, lang, line_width) (script/captions.py), read back when the line was cut before."""
    path, key = cache_file(lang), entry_key(text, line_width, max_lines)
    table = _table(path)
    try:
        return [Atom(*fields) for fields in table[key]]
    except (KeyError, TypeError, ValueError):   # missing or damaged
        pieces = line_atoms(text, lang, line_width)
        _store(path, {**table, key: [list(dataclasses.astuple(atom)) for atom in pieces]})
        return pieces


def cached_split_cues(text: str, lang: str, line_width: float | None = None,
                      max_lines: int = MAX_LINES) -> list[str]:
    """split_cues(text, lang, line_width, max_lines) from the cached atoms."""
    width = language(lang).caption_width if line_width is None else line_width
    pieces = cached_atoms(text, lang, line_width, max_lines)
    return [cue for _, cue in cue_layout(pieces, lang, width, max_lines)] if pieces else []


def cached_timed_cues(text: str, lang: str, active: float, total: float, line_width: float | None = None,
                      words: tuple = (), max_lines: int = MAX_LINES) -> tuple[Cue, ...]:
    """timed_cues of a line (script/captions.py) from its cached atoms."""
    return timed_cues(cached_atoms(text, lang, line_width, max_lines), text, lang, active, total,
                      words, line_width, max_lines)


@functools.lru_cache(maxsize=1)
def splitting_code_digest() -> str:
    """The splitting code and jieba's version (its dictionary comes with it); once a process."""
    digest = hashlib.sha256()
    for path in SPLITTING_CODE:
        digest.update(path.read_bytes())
    digest.update(_version("jieba").encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _record_fields(record) -> dict:
    """A Language as plain data, made once per record."""
    return dataclasses.asdict(record)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "none"


def _table(path: Path) -> dict:
    """The entries stored at `path` ({} when missing or damaged), read once while the file
    stays the same."""
    try:
        stat = path.stat()
    except OSError:
        return {}
    return _read(path, stat.st_mtime_ns, stat.st_size, stat.st_ino)


@functools.lru_cache(maxsize=8)
def _read(path: Path, mtime_ns: int, size: int, inode: int) -> dict:
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return table if isinstance(table, dict) else {}


def _store(path: Path, table: dict) -> None:
    try:
        atomic_write(path, json.dumps(table, ensure_ascii=False, sort_keys=True))
    except OSError:  # a cache that cannot be written only costs time: the split is in hand
        pass
