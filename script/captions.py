"""Caption layout: one narration line -> cues of at most 2 lines, broken where speech pauses.

Line width and break rules come from the language (script/words.<lang>.toml, [language]): the
shipped ones follow the Netflix norms, Simplified Chinese at most 16 characters a line, English
42. In a CJK language a full-width character counts 1 and a Latin letter, digit or space
1/2 (it takes half the room on screen). Breaks go, by preference, after a sentence end, after a
clause mark (，。；：！？、 / , ; : —), at a space, and in Chinese between two words (jieba's
word segmentation), never inside a word and never before closing punctuation.

Some runs of text are never broken, on a line or between cues, as long as they fit on one line:
the language's terms (`unbreakable` in the [language] table of script/words.<lang>.toml:
自注意力, 时间步 T, residual backbone ...) and every bracketed or quoted group: (2, 0, 1, 0, 2, 0),
（residual backbone）, ‘自注意力’, “CBABBC”. A group longer than a line stays in one cue where it
fits in one, and breaks inside at its most natural place. No cue or line starts with a closing or separating mark (，。、）…); a lone
CJK character before such a mark (层、) stays with the word before it.
"""
from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from dataclasses import dataclass

from .languages import language

MAX_LINES = 2

SENTENCE_END = "。！？.!?"
CLAUSE_MARK = "，；：,;:—"
LIST_MARK = "、"  # between items of a list: a fair place for a line break, not for a new cue
CLOSING = "，。、；：！？）》」』】”’…,.;:!?)]"  # never starts a line
OPENING = "（《「『【“‘(["                # never ends a line
PARTICLES = "的了地得着过吗呢吧啊"           # stay with the word before them
MEASURE = re.compile(r"^(个|次|倍|层|位|列|行)")   # "6 个", "4 倍": the number stays with them
TRAILING_CLOSERS = "）》」』】”’)]\"'"

# priority of a break after an atom: higher is a more natural place to cut
SENTENCE, CLAUSE, SPACE, ANYWHERE = 3, 2, 1, 0


@dataclass(frozen=True)
class Cue:
    """One on-screen caption chunk (at most 2 lines), timed relative to its line's start."""
    text: str
    offset: float
    duration: float


@dataclass(frozen=True)
class Atom:
    """An unbreakable piece of text: a word, a Latin run, or one CJK character with the
    punctuation glued to it."""
    text: str
    space_before: bool


def width(text: str, lang: str) -> float:
    if not language(lang).cjk:
        return float(len(text))
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in text)


def spoken_length(text: str) -> int:
    """What a line's speaking time is proportional to: its characters, spaces left out."""
    return max(1, len("".join(text.split())))


# ---- atoms ----

_LATIN_RUN = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.'’/\-+]*")  # a word inside Chinese text
_WORD = re.compile(r"\S+")
_LIST_NUMBER = re.compile(r"^\d+\.$")  # "1." opens a list item; it does not end a sentence


def atoms(text: str, lang: str, line_width: float) -> list[Atom]:
    cjk = language(lang).cjk
    pieces: list[Atom] = []
    starts: list[int] = []   # where each piece starts in text
    space = False
    i = 0
    while i < len(text):
        if text[i].isspace():
            space, i = True, i + 1
            continue
        match = (_LATIN_RUN if cjk else _WORD).match(text, i)
        if match:
            words = [match.group(0)]
        else:  # a run of Chinese: cut into words so a line never breaks inside one
            run = _CJK_RUN.match(text, i).group(0)
            words = _chinese_words(run)
        for k, word in enumerate(words):
            pieces.append(Atom(word, space and k == 0 and bool(pieces)))
            starts.append(i + sum(map(len, words[:k])))
        space, i = False, i + sum(map(len, words))
    pieces = _keep_together(pieces, starts, protected_spans(text, lang, line_width))
    glued = _glue_punctuation(pieces)
    if cjk:
        glued = _no_orphans(glued, lang, line_width)
    return _split_too_wide(glued, lang, line_width)


# ---- what never breaks ----

GROUP = re.compile("|".join(f"{re.escape(o)}[^{re.escape(o + c)}]*{re.escape(c)}" for o, c in
                            ("（）", "()", "“”", "‘’", "《》", "「」", "『』", "【】", "[]"))
                   + r'|"[^"]*"')
_ALNUM = "A-Za-z0-9"


def _term_pattern(term: str, cjk: bool) -> re.Pattern:
    """A term as written, any run of spaces for a space, not inside a longer Latin word;
    case-insensitive in a language set with spaces (Residual backbone)."""
    body = r"\s+".join(re.escape(part) for part in term.split())
    before = f"(?<![{_ALNUM}])" if term[:1].isalnum() and term[:1].isascii() else ""
    after = f"(?![{_ALNUM}])" if term[-1:].isalnum() and term[-1:].isascii() else ""
    return re.compile(before + body + after, 0 if cjk else re.IGNORECASE)


def _term_patterns(lang: str) -> tuple[re.Pattern, ...]:
    return _patterns(language(lang))


@functools.lru_cache(maxsize=None)
def _patterns(record) -> tuple[re.Pattern, ...]:
    return tuple(_term_pattern(term, record.cjk) for term in record.unbreakable if term.strip())


def protected_spans(text: str, lang: str, line_width: float) -> list[tuple[int, int]]:
    """(start, end) of every run of `text` no line or cue may break: the language's terms and
    bracketed or quoted groups, where they fit on one line; overlapping ones joined, and a
    join too wide for a line falls back to the terms in it."""
    fits = lambda a, b: width(text[a:b], lang) <= line_width
    cjk = language(lang).cjk

    def whole(span: tuple[int, int]) -> tuple[int, int]:
        """The span with the marks glued to it ("(2, 0, 1)," with its comma), and in a
        language set with spaces the whole words it touches."""
        a, b = span
        while b < len(text) and (text[b] in CLOSING or (not cjk and not text[b].isspace())):
            b += 1
        while a > 0 and not cjk and not text[a - 1].isspace():
            a -= 1
        return a, b

    terms = [whole(m.span()) for pattern in _term_patterns(lang) for m in pattern.finditer(text)]
    groups = [whole(m.span()) for m in GROUP.finditer(text)]
    spans = sorted({span for span in terms + groups if span[1] > span[0] and fits(*span)})
    joined: list[list[int]] = []
    for a, b in spans:
        if joined and a < joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], b)
        else:
            joined.append([a, b])
    out = []
    for a, b in joined:
        if fits(a, b):
            out.append((a, b))
        else:  # e.g. a group that only fits without its neighbour: keep the terms whole
            last = -1
            for ta, tb in sorted(t for t in terms if a <= t[0] and t[1] <= b and fits(*t)):
                if ta >= last:
                    out.append((ta, tb))
                    last = tb
    return out


def _keep_together(pieces: list[Atom], starts: list[int], spans) -> list[Atom]:
    """Pieces that overlap one protected span become one atom."""
    if not spans:
        return pieces
    out: list[Atom] = []
    owner = [next((k for k, (a, b) in enumerate(spans) if start < b and start + len(atom.text) > a), None)
             for atom, start in zip(pieces, starts)]
    for i, atom in enumerate(pieces):
        if out and owner[i] is not None and owner[i] == owner[i - 1]:
            out[-1] = Atom(out[-1].text + (" " if atom.space_before else "") + atom.text, out[-1].space_before)
        else:
            out.append(atom)
    return out


_ORPHAN = re.compile(r"^[\u3400-\u9fff][，。、；：！？…]+$")


def _no_orphans(pieces: list[Atom], lang: str, line_width: float) -> list[Atom]:
    """A lone CJK character with its punctuation (层、) joins the atom before it, where the two
    fit on a line: a line or cue never starts with it."""
    out: list[Atom] = []
    for atom in pieces:
        if out and not atom.space_before and _ORPHAN.match(atom.text) \
                and width(out[-1].text + atom.text, lang) <= line_width:
            out[-1] = Atom(out[-1].text + atom.text, out[-1].space_before)
        else:
            out.append(atom)
    return out


_CJK_RUN = re.compile(r"[^\s0-9A-Za-z]+")


@functools.lru_cache(maxsize=4096)
def _chinese_words(run: str) -> tuple[str, ...]:
    import jieba  # word segmentation; loads its dictionary (~0.7 s) on first use
    jieba.setLogLevel(logging.WARNING)
    return tuple(jieba.lcut(run))


def _glue_punctuation(pieces: list[Atom]) -> list[Atom]:
    """Closing marks and particles join the atom before them, opening marks the one after."""
    glued: list[Atom] = []
    for atom in pieces:
        if glued and not atom.space_before and (atom.text[0] in CLOSING or atom.text in PARTICLES):
            glued[-1] = Atom(glued[-1].text + atom.text, glued[-1].space_before)
        elif glued and _number_and_measure(glued[-1].text, atom.text):
            glued[-1] = Atom(glued[-1].text + (" " if atom.space_before else "") + atom.text,
                             glued[-1].space_before)
        elif glued and glued[-1].text[-1] in OPENING and not atom.space_before:
            glued[-1] = Atom(glued[-1].text + atom.text, glued[-1].space_before)
        else:
            glued.append(atom)
    return glued


def _number_and_measure(before: str, after: str) -> bool:
    """第 7 | 7 个 | 4 倍: a number is not cut from the word that counts with it."""
    return (before.endswith("第") and after[:1].isdigit()) or \
        (before[-1:].isdigit() and bool(MEASURE.match(after)))


def _split_too_wide(pieces: list[Atom], lang: str, line_width: float) -> list[Atom]:
    out: list[Atom] = []
    for atom in pieces:
        text, first = atom.text, True
        while width(text, lang) > line_width:
            cut = len(text) - 1
            while cut > 1 and width(text[:cut], lang) > line_width:
                cut -= 1
            out.append(Atom(text[:cut], atom.space_before and first))
            text, first = text[cut:], False
        out.append(Atom(text, atom.space_before and first))
    return out


def break_priority(atom: Atom, following: Atom | None) -> int:
    """How natural it is to cut right after `atom`."""
    end = atom.text.rstrip(TRAILING_CLOSERS) or atom.text
    if end[-1] in SENTENCE_END and not end.endswith("...") and not _LIST_NUMBER.match(end):
        return SENTENCE
    if end[-1] in CLAUSE_MARK or atom.text.endswith("……") or end[-1] == "…":
        return CLAUSE
    if following is not None and following.text in ("—", "–"):
        return CLAUSE
    if end[-1] in LIST_MARK:
        return SPACE
    if following is not None and following.space_before:
        return SPACE
    return ANYWHERE


# ---- layout ----

def join(pieces: list[Atom]) -> str:
    return "".join((" " if atom.space_before and i else "") + atom.text for i, atom in enumerate(pieces))


def layout(pieces: list[Atom], lang: str, line_width: float, max_lines: int = MAX_LINES) -> list[str] | None:
    """The best way to set `pieces` on at most max_lines lines, or None if they do not fit.
    Two lines are cut where the break is most natural and the lines most even."""
    text = join(pieces)
    if width(text, lang) <= line_width:
        return [text]
    if max_lines < 2:
        return None
    best, best_score = None, -math.inf
    spaces_only = not language(lang).cjk
    for k in range(1, len(pieces)):
        if spaces_only and not pieces[k].space_before:
            continue
        top, bottom = join(pieces[:k]), join(pieces[k:])
        w_top, w_bottom = width(top, lang), width(bottom, lang)
        if w_top > line_width:
            break
        if w_bottom > line_width:
            continue
        rest = layout(pieces[k:], lang, line_width, max_lines - 1)
        score = break_priority(pieces[k - 1], pieces[k]) * 0.25 - abs(w_top - w_bottom) / line_width
        if rest is not None and score > best_score:
            best, best_score = [top] + rest, score
    return best


def split_cues(text: str, lang: str, line_width: float | None = None,
               max_lines: int = MAX_LINES) -> list[str]:
    """A caption cut into cue texts, each already laid out ('\\n' between its lines)."""
    line_width = language(lang).caption_width if line_width is None else line_width
    if line_width < 2:
        raise ValueError(f"a caption line must hold at least 2 characters (got {line_width})")
    pieces = atoms(text.strip(), lang, line_width)
    if not pieces:
        return []
    fits = lambda chunk: layout(chunk, lang, line_width, max_lines) is not None
    chunks: list[list[Atom]] = []
    for clause in _clauses(pieces):
        chunks += [clause] if fits(clause) else _split_evenly(clause, lang, line_width, fits)
    cues: list[list[Atom]] = []
    for chunk in chunks:
        if cues and fits(cues[-1] + chunk):
            cues[-1] = cues[-1] + chunk
        else:
            cues.append(chunk)
    return ["\n".join(layout(cue, lang, line_width, max_lines)) for cue in cues]


OPEN_GROUP, CLOSE_GROUP = "（(“《「『【", "）)”》」』】"   # (‘ ’ is also an apostrophe: not counted)


def _clauses(pieces: list[Atom]) -> list[list[Atom]]:
    """Pieces cut after each clause mark, except inside brackets or quotes: a group too long
    for one line still stays in one cue when it fits in one (else _split_evenly cuts it)."""
    clauses, current, depth = [], [], 0
    for i, atom in enumerate(pieces):
        current.append(atom)
        depth = max(0, depth + sum(c in OPEN_GROUP for c in atom.text) - sum(c in CLOSE_GROUP for c in atom.text))
        following = pieces[i + 1] if i + 1 < len(pieces) else None
        if following is None or (break_priority(atom, following) >= CLAUSE and depth == 0):
            clauses.append(current)
            current = []
    return clauses


def _split_evenly(clause: list[Atom], lang: str, line_width: float, fits) -> list[list[Atom]]:
    """A clause too long for one cue, cut into the fewest even parts that each fit."""
    total = width(join(clause), lang)
    spaces_only = not language(lang).cjk
    allowed = [k for k in range(1, len(clause)) if not spaces_only or clause[k].space_before]
    for parts in range(max(2, math.ceil(total / (line_width * MAX_LINES))), len(clause) + 1):
        cuts, start = [], 0
        for n in range(1, parts):
            target = total * n / parts
            candidates = [k for k in allowed if k > start]
            if not candidates:
                break
            k = min(candidates, key=lambda k: (abs(width(join(clause[:k]), lang) - target) / line_width
                                               - 0.1 * _cut_priority(clause[k - 1], clause[k])))
            cuts.append(k)
            start = k
        bounds = [0] + cuts + [len(clause)]
        chunks = [clause[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
        if all(fits(chunk) for chunk in chunks):
            return chunks
    return [[atom] for atom in clause]


def _cut_priority(atom: Atom, following: Atom) -> int:
    """break_priority, and a cut right before a bracketed group of several words counts as
    a clause mark (a one-word gloss such as (LLM) stays with its term)."""
    group = following.text[:1] in OPEN_GROUP and any(c.isspace() or c in CLAUSE_MARK for c in following.text)
    return max(break_priority(atom, following), CLAUSE if group else 0)


# ---- timing ----

def time_cues(texts: list[str], active: float, total: float) -> tuple[Cue, ...]:
    """Cues sharing `active` seconds in proportion to their length; the last one stays up
    until `total` (through the pause after the speech)."""
    if not texts:
        return ()
    lengths = [spoken_length(text) for text in texts]
    scale = active / sum(lengths)
    cues, offset = [], 0.0
    for i, (text, length) in enumerate(zip(texts, lengths)):
        duration = total - offset if i == len(texts) - 1 else length * scale
        cues.append(Cue(text, offset, duration))
        offset += duration
    return tuple(cues)


MIN_CUE = 0.3  # seconds a cue stays up at least when word times place it


def time_cues_by_words(texts: list[str], text: str, words, active: float,
                       total: float) -> tuple[Cue, ...]:
    """Cues switching when the voice reaches their first word: `words` are (char index in
    `text`, start s, end s) from the voice. Falls back to time_cues when they cannot place
    every cue at least MIN_CUE apart inside the speech."""
    if not texts or not words:
        return time_cues(texts, active, total)
    visible = [i for i, char in enumerate(text.strip()) if not char.isspace()]
    lead = len(text) - len(text.lstrip())
    starts, seen = [], 0
    for cue in texts:
        starts.append(lead + visible[min(seen, len(visible) - 1)])
        seen += len("".join(cue.split()))
    offsets = [0.0]
    for index in starts[1:]:
        said = next((t0 for c, t0, _ in words if c >= index), None)
        if said is None or said < offsets[-1] + MIN_CUE or said > active - MIN_CUE / 2:
            return time_cues(texts, active, total)
        offsets.append(said)
    ends = offsets[1:] + [total]
    return tuple(Cue(cue, a, b - a) for cue, a, b in zip(texts, offsets, ends))
