"""Every sentence the video says about what the model learned is computed, not asserted: for the
shipped weights and for weights trained from another seed (which tell another story), in every
language, each number said must be one the analysis gives, and each sentence chosen by a
condition must be the one the measurements make true."""
import re

import numpy as np
import pytest

from common.text import percent
from engine import generate, load_weights, parse_input, to_letters
from script.fill import FOCUS_RATIO, fill_narration
from script.languages import language_codes
from script.narration import load_narration

WEIGHTS = ["engine/weights/sort.npz", "tests/fixtures/sort-seed1.npz"]
NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")


@pytest.fixture(scope="module", params=WEIGHTS)
def run(request):
    return generate(load_weights(request.param), parse_input("CBABBC"))


def said(run, lang) -> dict[str, str]:
    """line id -> caption, for the lines of the chapter about what the model learned."""
    return {line.id: line.text for line in fill_narration(load_narration(lang), run) if line.section == "learned"}


def measured_numbers(run) -> set[str]:
    """Every number the measurements give, as a caption writes it (from the JSON the `learned`
    command prints, not from script/fill.py), plus the run's length and the layer and head
    numbers (from 1)."""
    data = run.learned.to_json()
    focus, even = np.array(data["focus"]), np.array(data["even_share"])
    counts = data["sorted_without_layer_attention"] + [n for row in data["sorted_without_head"] for n in row]
    numbers = {str(n) for n in counts} | {str(run.learned.total), str(len(run.input_tokens))}
    numbers |= {f"{x:.2f}" for x in (*focus.ravel(), *even)}
    numbers |= {percent(row["right"]) for row in data["logit_lens"]}
    numbers |= {str(i + 1) for i in range(max(run.config.n_layer, run.config.n_head))}
    return numbers


@pytest.mark.parametrize("lang", language_codes())
def test_every_number_said_is_measured(run, lang):
    allowed = measured_numbers(run)
    for line_id, text in said(run, lang).items():
        text = re.sub(r"Transformer \d", "Transformer", text)   # a layer's name, checked below
        stated = set(NUMBER.findall(text))
        assert stated <= allowed, f"{line_id} ({lang}) states {sorted(stated - allowed)}, which the analysis does not give: {text}"


@pytest.mark.parametrize("lang", language_codes())
def test_the_sentences_said_are_the_true_ones(run, lang):
    data, learned = run.learned.to_json(), run.learned
    lines = said(run, lang)
    focus, even = np.array(data["focus"]), np.array(data["even_share"])
    l, h = learned.telling_head
    excess = (focus - even).mean(-1)
    assert (l, h) == np.unravel_index(excess.argmax(), excess.shape)   # the head the video follows
    assert f"Transformer {l + 1}" in lines["learned.watch-head"] and str(h + 1) in lines["learned.watch-head"]

    focuses = focus[l, h, 0] >= FOCUS_RATIO * even[0] and focus[l, h, -1] >= FOCUS_RATIO * even[-1]
    if focuses:
        text = lines["learned.head-focus"]
        assert "learned.head-spread" not in lines
        for value in (focus[l, h, 0], even[0], focus[l, h, -1]):
            assert f"{value:.2f}" in text
        assert focus[l, h, 0] > even[0] and focus[l, h, -1] > even[-1]   # "puts more than an even spread"
    else:
        assert "learned.head-focus" not in lines and "learned.head-spread" in lines

    lens = [row["right"] for row in data["logit_lens"]]
    complete = [i for i in range(len(lens)) if all(r == 1.0 for r in lens[i:])]
    line_id = "learned.lens" if complete else "learned.lens-partial"
    assert line_id in lines and ({"learned.lens", "learned.lens-partial"} - {line_id}).isdisjoint(lines)
    assert percent(lens[0]) in lines[line_id] and percent(lens[2]) in lines[line_id]
    if complete:   # "from <read-out> on, every time": the first read-out from which all are right
        layer, part = data["logit_lens"][complete[0]]["after"].split(".")[1:]
        assert f"Transformer {int(layer) + 1}" in lines[line_id]

    counts = data["sorted_without_layer_attention"]
    worst = int(np.argmin(counts))
    if counts[worst] < learned.total:
        text = lines["learned.ablation"]
        broken = learned.broken[worst]
        assert f"Transformer {worst + 1}" in text and str(counts[worst]) in text
        assert to_letters(broken.input_tokens) in text and to_letters(broken.output_tokens) in text
        assert to_letters(broken.output_tokens) != to_letters(np.sort(broken.input_tokens))   # really broken
    else:
        assert "learned.ablation" not in lines and "learned.no-ablation" in lines
    assert all(str(n) in lines["learned.layers"] for n in counts)

    heads = np.array(data["sorted_without_head"])
    if (heads == learned.total).all():
        assert "learned.backup" in lines and "learned.one-head" not in lines
    else:
        lw, hw = np.unravel_index(heads.argmin(), heads.shape)
        text = lines["learned.one-head"]
        assert "learned.backup" not in lines
        assert f"Transformer {lw + 1}" in text and str(heads[lw, hw]) in text


def test_the_two_weights_take_different_sentences():
    """The test above runs on weights where the choice matters: the second model's heads do
    not all back each other up, and its lens is complete at another sublayer."""
    shipped, other = (said(generate(load_weights(w), parse_input("CBABBC")), "en") for w in WEIGHTS)
    assert set(shipped) != set(other)
    assert shipped["learned.lens"] != other["learned.lens"]
