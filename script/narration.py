"""The narration files: plain text a writer edits, parsed into sections and lines.

    # a comment (never shown); a comment right above a line is kept as that line's note
    -- attention: 自注意力 --
    [attention.dot-product] “caption text with {placeholders}” [stage cue]

One section per scene, in the order of SCENE_IDS. A line's id is `<section>.<name>` and never
changes when the caption is rewritten: scenes, voices and recordings key on it. The caption is
in “curly” or "straight" quotes; the stage cue in brackets is optional. Notes starting with
`corrected:` (the line deliberately differs from the seed text) or `added:` (not in the seed)
are read by the tests.

Every error names the file and line (`narration.en.txt:42: ...`); NarrationError carries them all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .fill import PLACEHOLDER, PLACEHOLDERS
from .languages import check_code, language_codes, narration_dir
from .sections import SCENE_IDS

SECTION_HEADER = re.compile(r"^--(.*)--$")
LINE_ID = re.compile(r"^([a-z][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)$")
QUOTES = {"“": "”", '"': '"'}
LINE_FORMAT = "[section.name] “caption” [optional stage cue]"


class NarrationError(ValueError):
    """One or more problems in narration files; str() lists them one per line."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class Line:
    id: str                  # e.g. "attention.dot-product"
    section: str             # e.g. "attention"
    template: str            # the caption, with {placeholders}
    cue: str | None          # the stage direction, if any
    lineno: int              # where it is in its file
    notes: tuple[str, ...] = ()  # the comments right above it, without '#'

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(PLACEHOLDER.findall(self.template + (self.cue or "")))

    def has_note(self, kind: str) -> bool:
        """kind is e.g. 'corrected' or 'added'."""
        return any(note.startswith(kind + ":") for note in self.notes)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    lineno: int
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Narration:
    lang: str
    source: str                      # the file name, for messages
    sections: tuple[Section, ...]

    def lines(self) -> list[Line]:
        return [line for section in self.sections for line in section.lines]

    def ids(self) -> list[str]:
        return [line.id for line in self.lines()]

    def line(self, line_id: str) -> Line:
        for line in self.lines():
            if line.id == line_id:
                return line
        raise KeyError(f"no line {line_id!r} in {self.source}")

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(f"no section {section_id!r} in {self.source}; known: {', '.join(SCENE_IDS)}")

    @property
    def titles(self) -> dict[str, str]:
        return {section.id: section.title for section in self.sections}


# ---- loading ----

def narration_path(lang: str) -> Path:
    return narration_dir() / f"narration.{check_code(lang)}.txt"


def load_narration(lang: str, path: str | Path | None = None) -> Narration:
    """Parse one language's narration (the shipped file unless `path`); raise NarrationError."""
    path = Path(path) if path is not None else narration_path(lang)
    check_code(lang)
    narration, errors = parse(path.read_text(encoding="utf-8"), lang, path.name)
    if errors:
        raise NarrationError(errors)
    return narration


def check_files(paths: dict[str, str | Path] | None = None) -> list[str]:
    """Every problem in the narration files (lang -> path; default: the shipped ones), each
    file on its own and then the ids of all of them against each other. [] means all good."""
    paths = {lang: narration_path(lang) for lang in language_codes()} if paths is None else paths
    errors, parsed = [], []
    for lang, path in paths.items():
        path = Path(path)
        narration, file_errors = parse(path.read_text(encoding="utf-8"), lang, path.name)
        errors += file_errors
        parsed.append(narration)
    for other in parsed[1:]:
        errors += compare_ids(parsed[0], other)
    return errors


def compare_ids(a: Narration, b: Narration) -> list[str]:
    """The same ids, in the same order, in two languages."""
    errors = []
    a_ids, b_ids = set(a.ids()), set(b.ids())
    for line in a.lines():
        if line.id not in b_ids:
            errors.append(f"{a.source}:{line.lineno}: id {line.id!r} has no line in {b.source}")
    for line in b.lines():
        if line.id not in a_ids:
            errors.append(f"{b.source}:{line.lineno}: id {line.id!r} has no line in {a.source}")
    if not errors:
        for line_a, line_b in zip(a.lines(), b.lines()):
            if line_a.id != line_b.id:
                errors.append(f"{b.source}:{line_b.lineno}: id {line_b.id!r} is out of order; "
                              f"{a.source}:{line_a.lineno} has {line_a.id!r} here")
                break
    return errors


# ---- parsing ----

def parse(text: str, lang: str, source: str) -> tuple[Narration, list[str]]:
    """Parse a whole file; returns what could be read and the list of problems."""
    parser = _Parser(source)
    for lineno, raw in enumerate(text.splitlines(), start=1):
        parser.feed(lineno, raw.strip())
    return Narration(lang, source, parser.finish(len(text.splitlines()))), parser.errors


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.errors: list[str] = []
        self.sections: list[dict] = []
        self.first_seen: dict[str, int] = {}   # line id -> line number
        self.notes: list[str] = []             # comments waiting for the next line
        self.skipping = False                  # inside a section whose header was reported

    def error(self, lineno: int, message: str) -> None:
        self.errors.append(f"{self.source}:{lineno}: {message}")

    def feed(self, lineno: int, text: str) -> None:
        if not text:
            self.notes = []
        elif text.startswith("#"):
            self.notes.append(text[1:].strip())
        elif text.startswith("--"):
            self.notes = []
            self.section(lineno, text)
        else:
            self.line(lineno, text)
            self.notes = []

    def section(self, lineno: int, text: str) -> None:
        self.skipping = True  # until the header proves good: no follow-on errors for its lines
        match = SECTION_HEADER.match(text)
        if not match or ":" not in match.group(1):
            self.error(lineno, "a section header looks like `-- attention: 自注意力 --`")
            return
        section_id, title = (part.strip() for part in match.group(1).split(":", 1))
        if section_id not in SCENE_IDS:
            self.error(lineno, f"unknown section {section_id!r}; known: {', '.join(SCENE_IDS)}")
            return
        if not title:
            self.error(lineno, f"section {section_id!r} has no title")
        seen = {s["id"]: s["lineno"] for s in self.sections}
        if section_id in seen:
            self.error(lineno, f"duplicate section {section_id!r} (first at line {seen[section_id]})")
            return
        if self.sections and SCENE_IDS.index(section_id) < SCENE_IDS.index(self.sections[-1]["id"]):
            self.error(lineno, f"section {section_id!r} is out of order; sections go "
                               f"{', '.join(SCENE_IDS)}")
        self.sections.append({"id": section_id, "title": title, "lineno": lineno, "lines": [],
                              "written": 0})
        self.skipping = False

    def line(self, lineno: int, text: str) -> None:
        if self.skipping:
            return
        if self.sections:
            self.sections[-1]["written"] += 1
        parsed = self.split_line(lineno, text)
        if parsed is None:
            return
        line_id, caption, cue = parsed
        ok = self.check_id(lineno, line_id)
        if not caption.strip():
            self.error(lineno, f"empty caption for {line_id!r}")
            ok = False
        if cue is not None and not cue.strip():
            self.error(lineno, f"empty stage cue [] for {line_id!r}; leave the brackets out instead")
            ok = False
        for part in (caption, cue or ""):
            ok = self.check_placeholders(lineno, part) and ok
        if ok:
            self.sections[-1]["lines"].append(
                Line(line_id, self.sections[-1]["id"], caption.strip(),
                     cue.strip() if cue is not None else None, lineno, tuple(self.notes)))

    def split_line(self, lineno: int, text: str) -> tuple[str, str, str | None] | None:
        """'[id] “caption” [cue]' -> (id, caption, cue); None after reporting a problem."""
        if not text.startswith("["):
            self.error(lineno, f"expected a section header, a # comment or a line {LINE_FORMAT}")
            return None
        close = text.find("]")
        if close < 0:
            self.error(lineno, f"unbalanced bracket: the id's '[' is never closed; expected {LINE_FORMAT}")
            return None
        line_id, rest = text[1:close].strip(), text[close + 1:].strip()
        if not rest or rest[0] not in QUOTES:
            self.error(lineno, f"the caption must be in quotes: {LINE_FORMAT}")
            return None
        end = _closing_quote(rest)
        if end is None:
            self.error(lineno, f"unbalanced quote: the caption's {rest[0]} is never closed")
            return None
        caption, after = rest[1:end], rest[end + 1:].strip()
        if not after:
            return line_id, caption, None
        if not after.startswith("[") and any(q in after for q in "“”\""):
            self.error(lineno, "unbalanced quote: a quote after the caption's closing one")
            return None
        if not after.startswith("["):
            self.error(lineno, f"unexpected text after the caption: {after[:30]!r}; "
                               "a stage cue goes in [brackets]")
            return None
        if not after.endswith("]") or after.count("[") != after.count("]"):
            self.error(lineno, "unbalanced bracket in the stage cue")
            return None
        return line_id, caption, after[1:-1]

    def check_id(self, lineno: int, line_id: str) -> bool:
        match = LINE_ID.match(line_id)
        if not match:
            self.error(lineno, f"bad id {line_id!r}: ids look like 'attention.dot-product' "
                               "(section, dot, lowercase letters, digits and dashes)")
            return False
        if not self.sections:
            self.error(lineno, f"line {line_id!r} comes before any section header")
            return False
        section_id = self.sections[-1]["id"]
        if match.group(1) != section_id:
            self.error(lineno, f"id {line_id!r} is in section {section_id!r}; "
                               f"its id must start with '{section_id}.'")
            return False
        if line_id in self.first_seen:
            self.error(lineno, f"duplicate id {line_id!r} (first at line {self.first_seen[line_id]})")
            return False
        self.first_seen[line_id] = lineno
        return True

    def check_placeholders(self, lineno: int, text: str) -> bool:
        ok = True
        for name in PLACEHOLDER.findall(text):
            if name not in PLACEHOLDERS:
                self.error(lineno, f"unknown placeholder {{{name}}}; known: {', '.join(PLACEHOLDERS)}")
                ok = False
        stray = PLACEHOLDER.sub("", text)
        if "{" in stray or "}" in stray:
            self.error(lineno, "unbalanced brace: placeholders look like {input}")
            ok = False
        return ok

    def finish(self, last_lineno: int) -> tuple[Section, ...]:
        found = [s["id"] for s in self.sections]
        for section_id in SCENE_IDS:
            if section_id not in found:
                self.error(last_lineno, f"section {section_id!r} is missing "
                                        f"(every scene needs one: {', '.join(SCENE_IDS)})")
        for s in self.sections:
            if not s["written"]:
                self.error(s["lineno"], f"section {s['id']!r} has no lines")
        return tuple(Section(s["id"], s["title"], s["lineno"], tuple(s["lines"])) for s in self.sections)


def _closing_quote(text: str) -> int | None:
    """Index of the quote closing the caption that opens text[0], or None. Curly quotes may
    nest (“she said “hi” twice”); a straight-quoted caption ends at the last straight quote."""
    if text[0] == '"':
        end = text.rfind('"')
        return end if end > 0 else None
    depth = 0
    for i, char in enumerate(text):
        depth += {"“": 1, "”": -1}.get(char, 0)
        if depth == 0:
            return i
    return None
