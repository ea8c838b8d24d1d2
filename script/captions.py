"""Caption layout: one narration line -> cues of at most 2 lines, timed by the voice.

Line width and break rules come from the language (script/words.<lang>.toml, [language]): the
shipped ones follow the Netflix norms, Simplified Chinese at most 16 characters a line and 9
characters a second, English 42 and 20. In a CJK language a full-width character counts 1 and
a Latin letter, digit or space 1/2 (it takes half the room on screen).

A line is first cut into atoms, the pieces no break may fall inside (`atoms`, the costly part,
cached by script/cue_cache.py): words (jieba's word segmentation in Chinese), with their
punctuation; the language's terms (`unbreakable`: 自注意力, residual backbone ...) and every
bracketed or quoted group that fits on a line (（residual backbone）, ‘自注意力’, “CBABBC”); a
number with its unit (6 个, 4 倍); a lone CJK character before a mark (层、). Each atom knows
what a break right after it costs (`bind`): nothing after a sentence, little after a clause, a
lot after a word that leads into the next (an article, preposition or possessive in English;
a numeral, measure word, pronoun, preposition, conjunction, adverb or adjective in Chinese; a
word of the language's `no_break_after`), and a term is never cut from its gloss in the next
cue (‘自注意力’（self-attention）: `keep`).

Then `cue_layout` chooses the cues and their lines together, the cheapest of all ways to group
the atoms (dynamic programming over cue cuts): each cue costs CUE_COST, each cut its break
cost, each line break its cost plus how uneven the two lines are; a cue that ends on a clause
begun after a sentence end inside it ("…的部分。在此之前，") costs DANGLING; and, when the
cues are timed (each starts when the voice says its first word), a cue the viewer has to read
faster than the language's `max_reading_rate` costs RATE_COST per character a second over.
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
COMPLEMENTS = ("于", "为", "到")              # stay with the verb before them (应用于, 转换为, 学习到)
MEASURE = re.compile(r"^(个|次|倍|层|位|列|行|元素)")   # "6 个", "4 倍": the number stays with them
TRAILING_CLOSERS = "）》」』】”’)]\"'"

# priority of a break after an atom: higher is a more natural place to cut
SENTENCE, CLAUSE, LIST, SPACE, ANYWHERE = 4, 3, 2, 1, 0

# ---- what a layout costs (see the module docstring) ----
CUE_COST = 0.5                  # each cue: fewer, fuller cues where they read as well
CUE_CUT = {SENTENCE: 0.0, CLAUSE: 0.4, LIST: 1.5, SPACE: 2.0, ANYWHERE: 2.0}
LINE_CUT = {SENTENCE: 0.0, CLAUSE: 0.15, LIST: 0.3, SPACE: 0.6, ANYWHERE: 0.6}
UNEVEN = 1.0                    # per line width of difference between a cue's two lines
INSIDE_GROUP = 4.0              # a cue cut inside a bracketed or quoted group
DANGLING = 3.0                  # a cue ending on the first words of a sentence it does not finish
DANGLING_CLAUSE = 1.5           # ... of a clause it does not finish (": it sits")
RATE_COST = 200.0               # per character a second over the language's max_reading_rate
TOO_SHORT = 100.0               # a cue up for less than MIN_CUE
MIN_CUE = 0.3                   # seconds a cue stays up at least
BRIEF = 4.0                     # a cue up for less than READABLE seconds, per second short of it
READABLE = 1.0
LINGERS = 1.0                   # a cue up for over LONGEST seconds, per second over
LONGEST = 7.0
SCANT = 1.0                     # a cue of a few words (under a third of a line), at most
# what a break right after a word costs (bind), on top of the cut
LEADS_IN = 3.0                  # a word of the language's no_break_after list, a number before its unit
ZH_FUNCTION = 2.5               # Chinese: numeral, measure, pronoun, preposition, conjunction, adverb
ZH_MODIFIER = 2.0               # Chinese: adjective (before what it describes)
ZH_VERB_OBJECT = 1.2            # Chinese: a verb before its object
ZH_COMPOUND = 1.5               # Chinese: two one-character words
ZH_LATIN_NOUN = 2.0             # Chinese: a Latin word before the Chinese noun it names (token 嵌入矩阵)
ZH_HEAD = 0.5                   # Chinese: a modifier ending in 的 before its noun
ZH_BEFORE_AND = 1.0             # Chinese: the first of two things joined by 和 / 或
BEFORE_NUMBER = 1.5             # "token | 6"
IN_LIST = 2.0                   # between the items of a list of letters or numbers ("‘A’, | ‘B’")
CONTENT_WORDS = 0.8             # English: between two content words (not before a function word)
ZH_FUNCTION_TAGS = {"p", "c", "r", "m", "q", "d", "zg", "b", "u"}
ZH_BACKWARD_TAGS = {"f"}        # words that close the phrase before them (序列中, 之前): no break before
ZH_PLACE = 1.0                  # Chinese: after such a word (之前 | ...): a phrase may go on
ZH_MODIFIER_TAGS = {"a", "ad", "an", "z"}
ZH_OBJECT_TAGS = {"n", "vn", "r", "m", "nz", "eng"}


@dataclass(frozen=True)
class Cue:
    """One on-screen caption chunk (at most 2 lines), timed relative to its line's start."""
    text: str
    offset: float
    duration: float


@dataclass(frozen=True)
class Atom:
    """An unbreakable piece of text: a word, a Latin run, or one CJK character with the
    punctuation glued to it; where it starts in the line, what a break after it costs on top
    of the cut itself (`bind`), and whether a cue may end after it (`keep`: no)."""
    text: str
    space_before: bool
    start: int = 0
    bind: float = 0.0
    keep: bool = False


def width(text: str, lang: str) -> float:
    if not language(lang).cjk:
        return float(len(text))
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in text)


def spoken_length(text: str) -> int:
    """What a line's speaking time is proportional to: its characters, spaces left out."""
    return max(1, len("".join(text.split())))


def reading_length(text: str, lang: str) -> float:
    """How much a viewer reads in a cue: its characters, a line break as a space (English), or
    its width without spaces (CJK: a Latin letter or digit is half a character)."""
    if language(lang).cjk:
        return width("".join(text.split()), lang)
    return float(len(" ".join(text.split())))


def reading_rate(cue: Cue, lang: str) -> float:
    """Characters a second a viewer reads while the cue is up."""
    return reading_length(cue.text, lang) / max(cue.duration, 1e-6)


# ---- atoms ----

_LATIN_RUN = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.,'’/\-+]*(?<![.,])")  # a word inside Chinese text
_WORD = re.compile(r"\S+")
_LIST_NUMBER = re.compile(r"^\d+\.$")  # "1." opens a list item; it does not end a sentence


def atoms(text: str, lang: str, line_width: float) -> list[Atom]:
    cjk = language(lang).cjk
    pieces: list[Atom] = []
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
            pieces.append(Atom(word, space and k == 0 and bool(pieces), i + sum(map(len, words[:k]))))
        space, i = False, i + sum(map(len, words))
    pieces = _keep_together(pieces, protected_spans(text, lang, line_width))
    glued = _glue_punctuation(pieces)
    if cjk:
        glued = _no_orphans(glued, lang, line_width)
    return _with_binds(_split_too_wide(glued, lang, line_width), text, lang)


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


def _merge(a: Atom, b: Atom) -> Atom:
    """Two neighbouring atoms as one (b's space kept inside)."""
    return Atom(a.text + (" " if b.space_before else "") + b.text, a.space_before, a.start)


def _keep_together(pieces: list[Atom], spans) -> list[Atom]:
    """Pieces that overlap one protected span become one atom."""
    if not spans:
        return pieces
    out: list[Atom] = []
    owner = [next((k for k, (a, b) in enumerate(spans) if atom.start < b and atom.start + len(atom.text) > a), None)
             for atom in pieces]
    for i, atom in enumerate(pieces):
        if out and owner[i] is not None and owner[i] == owner[i - 1]:
            out[-1] = _merge(out[-1], atom)
        else:
            out.append(atom)
    return out


_ORPHAN = re.compile(r"^[\u3400-\u9fff][，。、；：！？…]+$")


def _no_orphans(pieces: list[Atom], lang: str, line_width: float) -> list[Atom]:
    """A lone CJK character with its punctuation (层、, 第 i 列。) joins the atom before it, where
    the two fit on a line: a line or cue never starts with it. (Not across a mark: 。嗯，
    starts a sentence.)"""
    out: list[Atom] = []
    for atom in pieces:
        if out and _ORPHAN.match(atom.text) and out[-1].text[-1] not in SENTENCE_END + CLAUSE_MARK \
                and width(out[-1].text + atom.text, lang) <= line_width:
            out[-1] = _merge(out[-1], atom)
        else:
            out.append(atom)
    return out


_CJK_RUN = re.compile(r"[^\s0-9A-Za-z]+")


@functools.lru_cache(maxsize=4096)
def _chinese_words(run: str) -> tuple[str, ...]:
    import jieba  # word segmentation; loads its dictionary (~0.7 s) on first use
    jieba.setLogLevel(logging.WARNING)
    return tuple(jieba.lcut(run))


@functools.lru_cache(maxsize=1)
def _word_tags() -> dict:
    """jieba's part-of-speech tag of each word of its dictionary (n, v, a, p, ...)."""
    import jieba.posseg
    return jieba.posseg.dt.word_tag_tab


def _glue_punctuation(pieces: list[Atom]) -> list[Atom]:
    """Closing marks and particles join the atom before them, opening marks the one after."""
    glued: list[Atom] = []
    for atom in pieces:
        if glued and ((not atom.space_before and atom.text[0] in CLOSING) or _attaches(glued[-1].text, atom.text)):
            glued[-1] = _merge(glued[-1], atom)
        elif glued and _number_and_measure(glued[-1].text, atom.text):
            glued[-1] = _merge(glued[-1], atom)
        elif glued and ((glued[-1].text[-1] in OPENING and not atom.space_before)
                        or _LIST_NUMBER.match(glued[-1].text)):   # "1. 选择": a list number opens its item
            glued[-1] = _merge(glued[-1], atom)
        else:
            glued.append(atom)
    return glued


def _attaches(before: str, word: str) -> bool:
    """A particle (的, 了) after any word, or a verb's complement (于, 为, 到) after a verb: it
    joins the word before it, but never across a mark (…此过程，为每个…)."""
    if before[-1:] in CLOSING or before[-1:] in OPENING:
        return False
    if word in PARTICLES:
        return True
    return word in COMPLEMENTS and _HAN.search(before[-1:]) is not None and \
        _tag(_chinese_words(_HAN.findall(before)[-1])[-1], _word_tags()) in ("v", "vn")


_INDEX = re.compile(r"(?:^|第 ?)[A-Za-z]$")   # 第 i: a letter standing for a number


def _number_and_measure(before: str, after: str) -> bool:
    """第 7 | 7 个 | 4 倍 | 第 i 列: a number is not cut from the word that counts with it."""
    return (before.endswith("第") and (after[:1].isdigit() or _INDEX.match(after) is not None)) or \
        ((before[-1:].isdigit() or _INDEX.search(before) is not None) and bool(MEASURE.match(after)))


def _split_too_wide(pieces: list[Atom], lang: str, line_width: float) -> list[Atom]:
    out: list[Atom] = []
    for atom in pieces:
        text, first, start = atom.text, True, atom.start
        while width(text, lang) > line_width:
            cut = len(text) - 1
            while cut > 1 and width(text[:cut], lang) > line_width:
                cut -= 1
            out.append(Atom(text[:cut], atom.space_before and first, start))
            text, first, start = text[cut:], False, start + cut
        out.append(Atom(text, atom.space_before and first, start))
    return out


# ---- what a break after an atom costs ----

def break_priority(atom: Atom, following: Atom | None) -> int:
    """How natural it is to cut right after `atom`."""
    end = atom.text.rstrip(TRAILING_CLOSERS) or atom.text
    if end[-1] in SENTENCE_END and not end.endswith("...") and not _LIST_NUMBER.match(end):
        return SENTENCE
    if end[-1] in LIST_MARK or (end[-1] == "," and _list_item(end[:-1]) and following is not None
                                and _list_item(following.text.rstrip(",.;:!?"))):
        return LIST
    if end[-1] in CLAUSE_MARK or atom.text.endswith("……") or end[-1] == "…":
        return CLAUSE
    if following is not None and following.text in ("—", "–"):
        return CLAUSE
    if following is not None and following.space_before:
        return SPACE
    return ANYWHERE


_ITEM = re.compile(r"^(‘[^’]*’|“[^”]*”|'[^']*'|-?\d[\d,.]*)$")


def _list_item(text: str) -> bool:
    """A quoted item or a number: the commas between them separate a list, not clauses."""
    return bool(_ITEM.match(text))


def _with_binds(pieces: list[Atom], text: str, lang: str) -> list[Atom]:
    """The atoms with what a break after each costs (bind) and whether a cue may end there."""
    out = []
    for i, atom in enumerate(pieces):
        following = pieces[i + 1] if i + 1 < len(pieces) else None
        bind, priority = 0.0, break_priority(atom, following)
        if following is not None and priority < LIST:
            bind = _bind(atom.text, following.text, lang)
        elif priority == LIST and _list_item(atom.text.rstrip(",、")) and _list_item(following.text.rstrip(",、.。")):
            bind = IN_LIST                # "‘A’, | ‘B’ or ‘C’": a list stays on a line where it can
        keep = following is not None and _is_gloss(following.text, lang)
        out.append(Atom(atom.text, atom.space_before, atom.start, bind, keep))
    return out


_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d,.]*")
_HAN = re.compile(r"[\u3400-\u9fff]+")


def _bind(text: str, following: str, lang: str) -> float:
    """What a line or cue break between `text` and `following` costs (no punctuation between)."""
    record = language(lang)
    if record.cjk:
        return _bind_chinese(text, following, record.no_break_after, record.unbreakable)
    tail = (_EN_WORD.findall(text) or [""])[-1]
    head = (_EN_WORD.findall(following) or [""])[0]
    if tail.lower() in record.no_break_after or (tail[:1].isdigit() and head[:1].isalpha()):
        return LEADS_IN                   # "the | square root", "48 | numbers"
    if head[:1].isdigit() and tail[:1].isalpha():
        return BEFORE_NUMBER              # "token | 6"
    if head and head.lower() not in record.no_break_after:
        return CONTENT_WORDS              # "GPT | large language model", "sort | them"
    return 0.0                            # before a preposition, conjunction, article: "vector | into"


def _bind_chinese(text: str, following: str, no_break_after, terms=()) -> float:
    tags = _word_tags()
    if following[:1] in "（(":        # an aside in brackets: a fair place to break
        return 0.0
    head_run = _HAN.match(following)
    head = _chinese_words(head_run.group(0))[0] if head_run else ""
    next_tag = _tag(head, tags) if head else "eng"
    if next_tag in ZH_BACKWARD_TAGS:
        return ZH_FUNCTION                # "序列 | 中", "输入 | 中所有"
    if text[-1] in TRAILING_CLOSERS:  # a quote or bracket the phrase goes on after: （而不是第 7 个！）token
        return ZH_VERB_OBJECT if head_run or following[:1].isalnum() else 0.0
    tail_run = (_HAN.findall(text) or [""])[-1] if _HAN.search(text[-1:]) else ""
    tail = _chinese_words(tail_run)[-1] if tail_run else ""
    if not tail and (following[:1].isdigit() or text[-1:].isdigit() and head_run):
        return ZH_LATIN_NOUN              # "Transformer | 1", "467 | 和 701 个": a name and its number, a number and what it counts
    if not tail:    # ends in a Latin word or a number (its measure word is glued to it)
        noun = head and (next_tag not in ("p", "v", "d", "c", "uj", "f")
                         or any(following.startswith(term) for term in terms))
        return ZH_LATIN_NOUN if noun else 0.0   # "token | 嵌入矩阵"; "每个 Transformer | 由"
    if tail in no_break_after:
        return LEADS_IN
    tag = _tag(tail, tags)
    cost = 0.0
    if tag in ZH_FUNCTION_TAGS:
        cost = ZH_FUNCTION                # "该 | 向量", "3 个 | Transformer", "对 | 每个"
    elif tag in ZH_MODIFIER_TAGS:
        cost = ZH_MODIFIER                # "较低 | 概率", "清晰 | 起见"
    elif tag in ZH_BACKWARD_TAGS:
        cost = ZH_PLACE                   # "在取指数之前 | 从每个分数中": fair, inside "与之前 | 相同" not
    elif tag == "v" and next_tag in ZH_OBJECT_TAGS:
        cost = ZH_VERB_OBJECT             # "取 | 指数"
    elif tail == "的" and next_tag in ("n", "vn", "nz"):
        cost = ZH_HEAD                    # "我们的 | 词汇表"
    elif next_tag == "c":
        cost = ZH_BEFORE_AND              # "自注意力 | 和前馈层"
    if len(tail) == 1 and len(head) == 1:
        cost += ZH_COMPOUND               # two one-character words: often one word jieba split
    return cost


def _tag(word: str, tags: dict) -> str:
    """jieba's part of speech of `word`; a word ending in 是 (就是, 只是) is the verb 'is'."""
    if word.endswith("是"):
        return "v"
    return tags.get(word, "x")


def _is_gloss(text: str, lang: str) -> bool:
    """An atom that opens with a bracketed gloss of the term before it: （self-attention）,
    (LLM), (192); not a clause in brackets."""
    group = GROUP.match(text)
    if not group or text[0] not in "（(":
        return False
    inside = group.group(0)[1:-1]
    if any(mark in inside for mark in CLAUSE_MARK):
        return False
    if language(lang).cjk:
        return not _HAN.search(inside)
    return len(inside.split()) <= 3


# ---- layout ----

def join(pieces: list[Atom]) -> str:
    return "".join((" " if atom.space_before and i else "") + atom.text for i, atom in enumerate(pieces))


class _Line:
    """One narration line's atoms with their widths added up, for fast layouts of any run."""

    def __init__(self, pieces: list[Atom], lang: str, line_width: float, max_lines: int):
        self.pieces, self.lang, self.line_width, self.max_lines = pieces, lang, line_width, max_lines
        self.spaces_only = not language(lang).cjk
        space = width(" ", lang)
        self.sums, self.read = [0.0], [0.0]   # widths on a line; what a viewer reads (reading_length)
        for atom in pieces:
            self.sums.append(self.sums[-1] + width(atom.text, lang) + (space if atom.space_before else 0.0))
            self.read.append(self.read[-1] + reading_length(atom.text, lang) + (1.0 if self.spaces_only and atom.space_before else 0.0))
        self.space = space
        self.priority = [break_priority(a, pieces[i + 1] if i + 1 < len(pieces) else None)
                         for i, a in enumerate(pieces)]
        depth, self.depth = 0, []   # bracket depth after each atom
        for atom in pieces:
            depth = max(0, depth + sum(c in OPEN_GROUP for c in atom.text) - sum(c in CLOSE_GROUP for c in atom.text))
            self.depth.append(depth)
        self._layouts: dict = {}

    def width(self, i: int, j: int) -> float:
        """The width of atoms i..j-1 set on one line."""
        return self.sums[j] - self.sums[i] - (self.space if self.pieces[i].space_before else 0.0)

    def reading(self, i: int, j: int) -> float:
        """reading_length of atoms i..j-1 as one cue."""
        return self.read[j] - self.read[i] - (1.0 if self.spaces_only and self.pieces[i].space_before else 0.0)

    def can_break(self, k: int) -> bool:
        """A line or cue may break before atom k."""
        return not self.spaces_only or self.pieces[k].space_before

    def line_cost(self, k: int) -> float:
        return LINE_CUT[self.priority[k - 1]] + self.pieces[k - 1].bind

    def cut_cost(self, k: int) -> float:
        """What a cue cut before atom k costs (inf: a term before its gloss)."""
        if self.pieces[k - 1].keep:
            return math.inf
        return CUE_CUT[self.priority[k - 1]] + self.pieces[k - 1].bind + (INSIDE_GROUP if self.depth[k - 1] else 0.0)

    def time(self, starts, total: float | None) -> None:
        """Time the cues: a cue beginning with atom k appears starts(k) seconds into the line
        (None: it cannot begin there); the line's cues share `total` seconds. Untimed: None."""
        self.timed = starts is not None and total is not None
        n = len(self.pieces)
        self.at = [0.0] + [starts(k) if self.timed else 0.0 for k in range(1, n)] + [total or 0.0]

    def can_end(self, j: int) -> bool:
        """A cue may end before atom j (and the next begin there)."""
        return j == len(self.pieces) or (self.can_break(j) and self.at[j] is not None
                                         and self.cut_cost(j) < math.inf)

    def cue_cost(self, i: int, j: int, inside: int | None = None) -> float:
        """What a cue of atoms i..j-1 costs (module docstring); inf if it does not fit.
        `inside`: the highest break priority inside it (worked out here when not given)."""
        lines = self.layout(i, j)
        if lines is None:
            return math.inf
        n, width = len(self.pieces), self.width(i, j)
        cost = CUE_COST + lines[0] + SCANT * max(0.0, 1 - 3 * width / self.line_width)
        if j < n:
            if inside is None:
                inside = max((self.priority[k] for k in range(i, j - 1)), default=ANYWHERE)
            cost += self.cut_cost(j) + _dangling(self.priority[j - 1], inside)
        if self.timed:
            seconds = self.at[j] - self.at[i]
            cost += TOO_SHORT if seconds < MIN_CUE else 0.0
            cost += BRIEF * max(0.0, READABLE - seconds) + LINGERS * max(0.0, seconds - LONGEST)
            over = self.reading(i, j) / max(seconds, 1e-6) - language(self.lang).max_reading_rate
            cost += RATE_COST * max(0.0, over)
        return cost

    def layout(self, i: int, j: int, lines: int | None = None) -> tuple[float, list[int]] | None:
        """(cost, line starts) of the best way to set atoms i..j-1 on at most `lines` lines."""
        lines = self.max_lines if lines is None else lines
        key = (i, j, lines)
        if key not in self._layouts:
            self._layouts[key] = self._best_layout(i, j, lines)
        return self._layouts[key]

    def _best_layout(self, i: int, j: int, lines: int):
        if self.width(i, j) <= self.line_width:
            return 0.0, [i]
        if lines < 2:
            return None
        best = None
        for k in range(i + 1, j):
            if not self.can_break(k):
                continue
            top = self.width(i, k)
            if top > self.line_width:
                break
            rest = self.layout(k, j, lines - 1)
            if rest is None:
                continue
            uneven = abs(top - self.width(k, j)) / self.line_width if lines == 2 else 0.0
            cost = self.line_cost(k) + UNEVEN * uneven + rest[0]
            if best is None or cost < best[0]:
                best = (cost, [i] + rest[1])
        return best

    def text(self, i: int, j: int) -> str:
        starts = self.layout(i, j)[1] + [j]
        return "\n".join(join(self.pieces[a:b]) for a, b in zip(starts, starts[1:]))


OPEN_GROUP, CLOSE_GROUP = "（(“《「『【", "）)”》」』】"   # (‘ ’ is also an apostrophe: not counted)


def _dangling(end: int, inside: int) -> float:
    """What a cue costs for ending (at break priority `end`) on the first words of a sentence
    (or a clause) begun inside it (`inside`: the highest priority within): "…的部分。在此之前，"."""
    if end < SENTENCE and inside == SENTENCE:
        return DANGLING
    if end < CLAUSE and inside == CLAUSE:
        return DANGLING_CLAUSE
    return 0.0


def layout(pieces: list[Atom], lang: str, line_width: float, max_lines: int = MAX_LINES) -> list[str] | None:
    """The best way to set `pieces` on at most max_lines lines, or None if they do not fit."""
    if not pieces:
        return [""]
    line = _Line(pieces, lang, line_width, max_lines)
    return line.text(0, len(pieces)).split("\n") if line.layout(0, len(pieces)) else None


def cue_layout(pieces: list[Atom], lang: str, line_width: float, max_lines: int = MAX_LINES,
               starts=None, total: float | None = None) -> list[tuple[int, str]] | None:
    """The cues of a line: (index of its first atom, its text with '\\n' between lines), the
    cheapest grouping (module docstring). `starts(k)`: seconds into the line at which a cue
    beginning with atom k would appear (None: it cannot start there), and `total` the seconds
    the line's cues share; without them the cues are cut on the text alone. None when no
    grouping lets every cue start where `starts` allows."""
    line = _Line(pieces, lang, line_width, max_lines)
    line.time(starts, total)
    n = len(pieces)
    best: list[tuple[float, int]] = [(0.0, -1)] + [(math.inf, -1)] * n
    for j in range(1, n + 1):
        if not line.can_end(j):
            continue
        inside = ANYWHERE   # the highest break priority inside the cue (before its last atom)
        for i in range(j - 1, -1, -1):
            if i < j - 1:
                inside = max(inside, line.priority[i])
            if line.width(i, j) > line_width * max_lines + line.space * (max_lines - 1):
                break
            if best[i][0] < math.inf and (i == 0 or line.can_end(i)):
                cost = best[i][0] + line.cue_cost(i, j, inside)
                if cost < best[j][0]:
                    best[j] = (cost, i)
    if best[n][0] == math.inf:   # no cue can start where the voice would need it to
        return None
    cuts, j = [], n
    while j > 0:
        i = best[j][1]
        cuts.append((i, line.text(i, j)))
        j = i
    return cuts[::-1]


def split_cues(text: str, lang: str, line_width: float | None = None,
               max_lines: int = MAX_LINES) -> list[str]:
    """A caption cut into cue texts on its text alone, each already laid out ('\\n' between
    its lines)."""
    pieces = line_atoms(text, lang, line_width)
    line_width = language(lang).caption_width if line_width is None else line_width
    return [cue for _, cue in cue_layout(pieces, lang, line_width, max_lines)] if pieces else []


def line_atoms(text: str, lang: str, line_width: float | None = None) -> list[Atom]:
    """The atoms of a caption for lines of `line_width` (the language's, by default)."""
    line_width = language(lang).caption_width if line_width is None else line_width
    if line_width < 2:
        raise ValueError(f"a caption line must hold at least 2 characters (got {line_width})")
    return atoms(text.strip(), lang, line_width)


# ---- timing ----

def timed_cues(pieces: list[Atom], text: str, lang: str, active: float, total: float,
               words=(), line_width: float | None = None, max_lines: int = MAX_LINES) -> tuple[Cue, ...]:
    """The cues of a line whose atoms are `pieces`, each up from the moment the voice says its
    first word (`words`: (char index in `text`, start s, end s)), or, without word times, from
    its share of the `active` seconds in proportion to the text before it; the last one stays
    up until `total` (through the pause after the speech)."""
    if not pieces:
        return ()
    line_width = language(lang).caption_width if line_width is None else line_width
    lead = len(text) - len(text.lstrip())
    starts = _word_starts(words, lead, active) if words else None
    cues = cue_layout(pieces, lang, line_width, max_lines, lambda k: starts(pieces[k].start), total) if words else None
    if cues is None:   # no word times, or none where a cue could start: shares of the speech
        starts = _share_starts(text.strip(), active)
        cues = cue_layout(pieces, lang, line_width, max_lines, lambda k: starts(pieces[k].start), total)
    offsets = [starts(pieces[i].start) if n else 0.0 for n, (i, _) in enumerate(cues)] + [total]
    return tuple(Cue(cue, a, b - a) for (_, cue), a, b in zip(cues, offsets, offsets[1:]))


def _word_starts(words, lead: int, active: float):
    def start(index: int) -> float | None:
        said = next((t0 for c, t0, _ in words if c >= lead + index), None)
        return said if said is not None and said <= active - MIN_CUE / 2 else None
    return start


def _share_starts(text: str, active: float):
    total = spoken_length(text)
    return lambda index: active * len("".join(text[:index].split())) / total
