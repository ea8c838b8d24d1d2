"""The narration files: plain text a writer edits, parsed into sections and lines.

    # a comment (never shown); a comment right above a line is kept as that line's note
    -- attention: 自注意力 --
    [attention.dot-product] “caption text with {placeholders}” [stage cue]
    [attention.softmax-how] “caption” [stage cue] <pause 1.0s>

One section per scene, in the order of SCENE_IDS. A line's id is `<section>.<name>` and never
changes when the caption is rewritten: scenes, voices and recordings key on it. The caption is
in “curly” or "straight" quotes; the stage cue in brackets is optional. Notes starting with
`corrected:` (the line deliberately differs from the seed text) or `added:` (not in the seed)
are read by the tests.

A hold marker `<pause 1.0s>` at the very end of a line (after the stage cue, if any) holds the
picture still for that many seconds after the line's speech and its usual pause: the line's slot
in the timeline grows by the hold, the voice is silent through it and no caption is shown (see
docs/narration.md). Seconds from 0.1 to 5; the unit `s` may be left out. Angle brackets are
used for nothing else, so a hold can never be read as a stage cue or as caption text.

Every error names the file and line (`narration.en.txt:42: ...`); NarrationError carries them all.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from common.errors import UserError
from common.text import shown

from .fill import CONDITIONS, PLACEHOLDER, PLACEHOLDERS
from .languages import check_code, language_codes, narration_dir
from .sections import SCENE_IDS

SECTION_HEADER = re.compile(r"^--(.*)--$")
HEADER_STARTS = ("-", "—", "–", "－", "=")  # a line starting so is meant as a section header
BRACED = re.compile(r"\{[^{}]*\}")          # anything in braces: a placeholder or an attempt at one
LINE_ID = re.compile(r"^([a-z][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)$")
QUOTES = {"“": "”", '"': '"'}
LINE_FORMAT = "[section.name] “caption” [optional stage cue]"
HOLD = re.compile(r"<\s*pause\s+(\d+(?:\.\d+)?|\.\d+)\s*s?\s*>")  # <pause 1.0s>, <pause 1 s>, <pause 0.8>
HOLD_RANGE = (0.1, 5.0)     # seconds a hold may last
HOLD_FORMAT = "<pause 1.0s>"
# a stage cue that reads like a hold, in any of the shipped languages: [pause 1s], [暂停 1 秒]
HOLD_LIKE_CUE = re.compile(r"^\s*(pause|hold|暂停|停顿)\s*\d", re.IGNORECASE)
# <if heads_redundant> / <if not heads_redundant>: the line is said only when the condition
# (computed from the run, script/fill.py CONDITIONS) holds, so a sentence follows the numbers
CONDITION = re.compile(r"<\s*if\s+(not\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*>")
CONDITION_FORMAT = "<if name> or <if not name>"
MARKER = re.compile(r"<[^<>]*>")


class NarrationError(UserError):
    """One or more problems in narration files; str() lists them one per line."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = list(errors)

    def summary(self) -> str:
        """One line: the first problem, and how many more `script check` lists."""
        more = len(self.errors) - 1
        return self.errors[0] + (f" (and {more} more; see: nanogpt-video script check)" if more else "")


@dataclass(frozen=True)
class Line:
    id: str                  # e.g. "attention.dot-product"
    section: str             # e.g. "attention"
    template: str            # the caption, with {placeholders}
    cue: str | None          # the stage direction, if any
    lineno: int              # where it is in its file
    notes: tuple[str, ...] = ()  # the comments right above it, without '#'
    hold: float = 0.0        # seconds the picture holds, silent, after the speech (<pause 1.0s>)
    when: str | None = None  # a condition the run must meet for the line to be said:
                             # "heads_redundant" or "not heads_redundant" (<if ...>)

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
    narration, errors = parse(read_text(path), lang, path.name)
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
        try:
            narration, file_errors = parse(read_text(path), lang, path.name)
        except NarrationError as err:
            narration, file_errors = None, err.errors
        errors += file_errors
        parsed.append(None if file_errors else narration)
    # Ids are compared between files that parsed cleanly only: a line that failed to parse
    # is not "missing" from the other language, it is broken (already reported).
    for other in parsed[1:]:
        if parsed[0] is not None and other is not None:
            errors += compare_ids(parsed[0], other)
    return errors


def read_text(path: Path) -> str:
    """A narration file's text. A UTF-8 BOM (as Windows editors save) is dropped; bytes that
    are not UTF-8 are a NarrationError at file:line:column."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line_start = data.rfind(b"\n", 0, err.start) + 1
        lineno = data.count(b"\n", 0, err.start) + 1
        column = len(data[line_start:err.start].decode("utf-8", errors="replace")) + 1
        raise NarrationError([f"{path.name}:{lineno}:{column}: not valid UTF-8 (byte "
                              f"0x{data[err.start]:02x}); save the file as UTF-8"]) from None


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
    # Lines end at \n only (and \r\n): str.splitlines() would also break at control
    # characters such as \x1c or \x85, hiding them and shifting every line number after.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for lineno, raw in enumerate(lines, start=1):
        parser.feed(lineno, raw.strip())
    return Narration(lang, source, parser.finish(len(lines))), parser.errors


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.errors: list[str] = []
        self.sections: list[dict] = []
        self.first_seen: dict[str, int] = {}   # line id -> line number
        self.notes: list[str] = []             # comments waiting for the next line
        self.skipping = False                  # inside a section whose header was reported
        self.malformed: set[str] = set()       # section ids named by malformed headers

    def error(self, lineno: int, message: str) -> None:
        self.errors.append(f"{self.source}:{lineno}: {message}")

    def feed(self, lineno: int, text: str) -> None:
        control = next((i for i, char in enumerate(text) if _is_control(char)), None)
        if control is not None:  # a NUL, ESC... would reach the caption renderer (Pango) as is
            self.error(lineno, f"column {control + 1}: control character U+{ord(text[control]):04X}; "
                               "remove it (a caption is plain text)")
            text = "".join(" " if _is_control(char) else char for char in text)  # read on
        if not text:
            self.notes = []
        elif text.startswith("#"):
            self.notes.append(text[1:].strip())
        elif text.startswith(HEADER_STARTS):
            self.notes = []
            self.section(lineno, text)
        else:
            self.line(lineno, text)
            self.notes = []

    def section(self, lineno: int, text: str) -> None:
        self.skipping = True  # until the header proves good: no follow-on errors for its lines
        match = SECTION_HEADER.match(text)
        if not match or ":" not in match.group(1):
            self.error(lineno, f"malformed section header {shown(text)}; a section header looks "
                               "like `-- attention: 自注意力 --`")
            self.malformed.update(word for word in re.findall(r"[a-z]+", text) if word in SCENE_IDS)
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
        line_id, caption, cue, hold, when = parsed
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
                     cue.strip() if cue is not None else None, lineno, tuple(self.notes), hold, when))

    def split_line(self, lineno: int, text: str) -> tuple[str, str, str | None, float, str | None] | None:
        """'[id] “caption” [cue] <pause 1s> <if name>' -> (id, caption, cue, hold seconds,
        condition); None after reporting a problem."""
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
        if "<pause" in caption.lower():
            self.error(lineno, f"a hold marker inside the caption's quotes would be shown; put "
                               f"{HOLD_FORMAT} at the end of the line, after the closing quote")
            return None
        if "<if" in caption.lower():
            self.error(lineno, f"a condition inside the caption's quotes would be shown; put "
                               f"{CONDITION_FORMAT} at the end of the line, after the closing quote")
            return None
        after, when = self.split_condition(lineno, after)
        if when is False:
            return None
        after, hold = self.split_hold(lineno, after)
        if hold is None:
            return None
        if not after:
            return line_id, caption, None, hold, when
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
        if HOLD_LIKE_CUE.match(after[1:-1]):
            self.error(lineno, f"the stage cue {shown(after)} reads like a pause; a hold is "
                               f"written {HOLD_FORMAT} at the end of the line")
            return None
        return line_id, caption, after[1:-1], hold, when

    def split_condition(self, lineno: int, after: str) -> tuple[str, str | None | bool]:
        """The text after the caption without its <if ...> marker (one, among the markers that
        end the line), and the condition ("name" or "not name"; None without one; False after
        reporting a problem)."""
        cue_end = after.rfind("]") + 1
        cue, tail = after[:cue_end], after[cue_end:]
        found = [m for m in MARKER.finditer(tail) if m.group(0).lower().lstrip("< ").startswith("if")]
        if not found:
            return after, None
        if len(found) > 1:
            self.error(lineno, f"two conditions on one line; a line has at most one {CONDITION_FORMAT}")
            return after, False
        match = CONDITION.fullmatch(found[0].group(0))
        if match is None:
            self.error(lineno, f"malformed condition {shown(found[0].group(0))}; a condition looks "
                               f"like {CONDITION_FORMAT} (see: nanogpt-video script placeholders)")
            return after, False
        negated, name = bool(match.group(1)), match.group(2)
        if name not in CONDITIONS:
            self.error(lineno, f"unknown condition {name!r}; known: {', '.join(CONDITIONS)}")
            return after, False
        rest = tail[:found[0].start()] + tail[found[0].end():]
        return cue + rest.rstrip(), ("not " if negated else "") + name

    def split_hold(self, lineno: int, after: str) -> tuple[str, float | None]:
        """The text after the caption without its trailing hold marker, and the hold in
        seconds (0 without one; None after reporting a problem). Only what follows the stage
        cue's closing bracket is read: a cue may say "x < y" freely."""
        cue_end = after.rfind("]") + 1
        cue, tail = after[:cue_end], after[cue_end:].strip()
        if not tail.startswith("<"):
            if "<pause" in cue.lower():
                self.error(lineno, f"the hold marker goes last on the line, after the stage cue: "
                                   f"“caption” [cue] {HOLD_FORMAT}")
                return after, None
            return after, 0.0
        match = HOLD.fullmatch(tail)
        if match is None:
            self.error(lineno, f"malformed hold marker {shown(tail[:30])}; a hold looks like "
                               f"{HOLD_FORMAT} (seconds, one per line) at the end of the line")
            return after, None
        seconds = float(match.group(1))
        low, high = HOLD_RANGE
        if not low <= seconds <= high:
            self.error(lineno, f"a hold of {match.group(1)} s; a hold lasts {low:g} to {high:g} s")
            return after, None
        return cue.strip(), seconds

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
        for braced in BRACED.findall(PLACEHOLDER.sub("", text)):
            self.error(lineno, f"{shown(braced)} is not a placeholder: a placeholder is a plain "
                               "name in braces, like {input}, with no '.', '[ ]', ':' or '!' "
                               "(see: nanogpt-video script placeholders)")
            ok = False
        stray = BRACED.sub("", PLACEHOLDER.sub("", text))
        if "{" in stray or "}" in stray:
            self.error(lineno, "unbalanced brace: a '{' or '}' with no partner; placeholders look like {input}")
            ok = False
        return ok

    def finish(self, last_lineno: int) -> tuple[Section, ...]:
        found = [s["id"] for s in self.sections]
        for section_id in SCENE_IDS:
            if section_id not in found and section_id not in self.malformed:  # (reported there)
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


def _is_control(char: str) -> bool:
    """A control character other than tab (C0, DEL, C1): invisible, and a renderer may choke."""
    return char != "\t" and unicodedata.category(char) == "Cc"
