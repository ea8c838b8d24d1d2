"""Captions a viewer can read, checked on every cue of both narrations as the real neural voices
time them (tests/voice_timings.py's fixture), read back from the subtitle file:

- no cue asks for more than 9 characters a second in Chinese (a Latin letter or digit is half a
  character) or 20 in English (a line break counts as a space);
- a term and its bracketed gloss are in one cue: 自注意力（self-attention）;
- no line ends inside a word (Chinese: jieba's word boundaries) or on a word that leads into the
  next (an article, preposition or possessive; 这, 该, 对, 和 ...), nor between a number and
  its unit; no cue ends on one either, nor on the first clause of a sentence it does not finish
  ("…的部分。在此之前，");
- the review's broken phrases stay whole, and numbers read as on screen (85,728).
"""
from __future__ import annotations

import functools
import re
import unicodedata

import pytest
import srt

import voice_timings
from script.spoken import spoken_text
from script.subtitles import to_srt

MAX_RATE = {"zh": 9.0, "en": 20.0}   # characters a second (Netflix: Simplified Chinese, English)
EN_LEADS_IN = {"a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "onto",
               "over", "under", "than", "as", "about", "between", "through", "after", "before", "without",
               "like", "its", "their", "our", "my", "your", "his", "her", "whose"}
ZH_LEADS_IN = ("这", "该", "那", "每个", "各", "对", "把", "将", "从", "由", "和", "或", "与", "第")
CLAUSE_END = "，；：,;:"
SENTENCE_SPLIT = re.compile(r"[。！？]\s*|[.!?…][”’)）]?\s+")   # not the point of 1.00
GLOSS = {"zh": re.compile(r"([\u4e00-\u9fff]{2})’?（([A-Za-z][A-Za-z \-]*)）"),
         "en": re.compile(r"(\w+) \(([A-Za-z][A-Za-z \-]*)\)")}
# The phrases the reviews found broken across two lines or cues (video-2.md, video-2-en.md).
WHOLE = {"zh": ["token 嵌入矩阵", "清晰起见", "取指数", "该向量", "自注意力和前馈层", "3 个 Transformer", "这就是",
                "较低概率", "值越大，可能性越高", "来调整这一点"],
         "en": ["GPT large language model", "Well, apart from", "Until now, each", "The bigger the value, the likelier",
                "the square root", "add up to 1", "the logits"]}


@functools.lru_cache(maxsize=None)
def timeline(lang: str):
    return voice_timings.timeline(lang)


@functools.lru_cache(maxsize=None)
def subtitles(lang: str) -> list[srt.Subtitle]:
    return list(srt.parse(to_srt(timeline(lang))))


def reading_length(text: str, lang: str) -> float:
    """Characters a viewer reads: CJK-equivalent for Chinese (half-width counts 1/2, spaces
    and line breaks none), every character for English (a line break as a space)."""
    if lang == "zh":
        return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in "".join(text.split()))
    return float(len(" ".join(text.split())))


def line_cues(lang: str):
    """(line, [cue texts]) for every narration line."""
    return [(line, [cue.text for cue in line.cues]) for _, line in timeline(lang).all_lines()]


def flat(text: str, lang: str) -> str:
    return text.replace("\n", "" if lang == "zh" else " ")


@pytest.mark.parametrize("lang", voice_timings.LANGS)
def test_no_cue_is_read_faster_than_the_language_allows(lang):
    fast = [f"cue {cue.index} at {cue.start.total_seconds():.1f} s: {rate:.1f} characters/s: {cue.content!r}"
            for cue in subtitles(lang)
            if (rate := reading_length(cue.content, lang) / (cue.end - cue.start).total_seconds()) > MAX_RATE[lang]]
    assert not fast, f"{len(fast)} {lang} cues faster than {MAX_RATE[lang]:g}/s:\n" + "\n".join(fast)


@pytest.mark.parametrize("lang", voice_timings.LANGS)
def test_a_term_and_its_gloss_are_in_one_cue(lang):
    split, seen = [], 0
    for line, cues in line_cues(lang):
        for match in GLOSS[lang].finditer(line.text):
            seen += 1
            whole = match.group(0)
            if not any(whole in flat(cue, lang) for cue in cues):
                split.append(f"{line.id}: {whole!r} in {cues}")
    assert seen >= {"zh": 10, "en": 1}[lang], f"only {seen} glossed terms in {lang}: the pattern no longer matches"
    assert not split, "a term and its gloss in different cues:\n" + "\n".join(split)


def rows_and_next(lang: str):
    """(line id, a caption line that is followed by another, the text after it, cue end?)."""
    for line, cues in line_cues(lang):
        rows = [(row, k == len(cue.split("\n")) - 1) for cue in cues for k, row in enumerate(cue.split("\n"))]
        for (row, cue_end), (after, _) in zip(rows, rows[1:]):
            yield line.id, row, after, cue_end


def test_chinese_lines_break_between_words():
    import jieba

    inside = []
    for line, cues in line_cues("zh"):
        text = "".join(flat(cue, "zh") for cue in cues)
        bounds, at = set(), 0
        for word in jieba.lcut(text):
            at += len(word)
            bounds.add(at)
        at = 0
        for cue in cues:
            for row in cue.split("\n"):
                at += len(row)
                if at < len(text) and at not in bounds and not text[at - 1].isspace() and not text[at].isspace():
                    inside.append(f"{line.id}: {row!r} | {text[at:at + 6]!r}")
    assert not inside, "a Chinese caption line ends inside a word:\n" + "\n".join(inside)


@pytest.mark.parametrize("lang", voice_timings.LANGS)
def test_no_line_or_cue_ends_on_a_word_that_leads_into_the_next(lang):
    bad = []
    for line_id, row, after, cue_end in rows_and_next(lang):
        where = "cue" if cue_end else "line"
        if lang == "en":
            last = re.findall(r"[\w’']+", row)[-1]
            if row[-1].isalnum() and last.lower() in EN_LEADS_IN:
                bad.append(f"{line_id}: {where} ends on {last!r}: {row!r} | {after!r}")
        elif row.endswith(ZH_LEADS_IN):
            bad.append(f"{line_id}: {where} ends on a word leading into the next: {row!r} | {after!r}")
        if re.search(r"\d$", row) and re.match(r"[A-Za-z\u4e00-\u9fff]", after.lstrip()) and \
                not re.search(r"(?:[Tt]oken|step|position|column) \d+$", row):
            bad.append(f"{line_id}: a number and its unit apart: {row!r} | {after!r}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("lang", voice_timings.LANGS)
def test_no_cue_ends_on_the_first_clause_of_a_sentence(lang):
    dangling = []
    for line, cues in line_cues(lang):
        for cue in cues[:-1]:
            text = flat(cue, lang).rstrip()
            tail = SENTENCE_SPLIT.split(text)[-1]
            if tail and tail != text and text[-1] in CLAUSE_END:
                dangling.append(f"{line.id}: {cue!r} ends on {tail!r}")
    assert not dangling, "a cue ends on the first words of the next sentence:\n" + "\n".join(dangling)


@pytest.mark.parametrize("lang", voice_timings.LANGS)
def test_the_reviews_broken_phrases_stay_on_one_line(lang):
    said = " ".join(line.text for line, _ in line_cues(lang))
    rows = [row for _, cues in line_cues(lang) for cue in cues for row in cue.split("\n")]
    for phrase in WHOLE[lang]:
        if phrase in said:
            assert any(phrase in row for row in rows), f"{phrase!r} is broken across lines or cues"


@pytest.mark.parametrize("lang", voice_timings.LANGS)
def test_numbers_read_as_on_screen(lang):
    """The parameter count as the screen writes it (85,728), and said as the number it is."""
    import engine

    n = engine.count_parameters(engine.default_run(voice_timings.INPUT).weights)
    line = timeline(lang).line("stack.our-model")
    assert f"{n:,}" in line.text
    said = spoken_text(line.text, lang)
    assert spoken_text(f"{n:,}", lang) in said and spoken_text(f"{n:,}", lang) == spoken_text(str(n), lang)
    assert not re.search(r"\d", said) or lang == "en" and "," not in said.split("parameters")[0][-12:]


@pytest.mark.parametrize("lang", voice_timings.LANGS)
def test_every_caption_line_is_drawn_whole_and_centred(lang):
    """Each line of every two-line cue, as the caption band draws it: one glyph per character
    (a ligature, "ff" in DejaVu Sans, made Paragraph give a line's first letters to the line
    above) and centred (a Text aligns a second line left)."""
    from scenes.captions import CaptionArea

    from script.languages import language

    area = CaptionArea(language(lang), fps=15)
    bad = []
    for cue in subtitles(lang):
        rows = cue.content.split("\n")
        if len(rows) < 2:
            continue
        drawn = area._text(cue.content)
        glyphs = [len(line.submobjects) for line in drawn.submobjects]
        centres = [line.get_center()[0] - drawn.get_center()[0] for line in drawn.submobjects]
        # one mobject per character (a space is a Dot); the ink of a full-width bracket sits to
        # one side of its box, so "centred" allows 0.15 units (~20 px at 1080p)
        if glyphs != [len(row) for row in rows] or max(map(abs, centres)) > 0.15:
            bad.append(f"cue {cue.index} {cue.content!r}: glyphs {glyphs}, centres {[round(c, 2) for c in centres]}")
    assert not bad, "\n".join(bad)
