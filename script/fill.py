"""Placeholders: the values a caption may quote, computed from a Run and formatted per language.

A caption says `{input}` and the video says CBABBC (or whatever the user chose): no token or
number the run can supply is typed by hand in the narration files.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from common.text import percent
from engine import VOCAB, count_parameters, to_letters
from engine.model import LN_EPS

from .languages import language

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# name -> what it says (shown by `nanogpt-video script placeholders`). Positions count from 1.
PLACEHOLDERS: dict[str, str] = {
    "input": "the input letters, e.g. CBABBC",
    "input_ids": "the input token ids, e.g. 2, 1, 0, 1, 1, 2",
    "output": "the model's output letters, e.g. ABBBCC",
    "output_ids": "the output token ids, e.g. 0, 1, 1, 1, 2, 2",
    "smallest": "the smallest letter of the input",
    "first_token": "the first output letter (chosen by the first forward pass)",
    "first_prob": "its probability in that pass, e.g. 0.97",
    "first_percent": "the same as a percentage, e.g. 97%",
    **{f"prob_{letter}": f"probability of {letter} in the first pass, e.g. 0.02" for letter in VOCAB},
    "focus_position": "the position the narration follows closely (the last input token), e.g. 6",
    "focus_token": "the letter at that position",
    "T": "number of input tokens, 6",
    "next_position": "where the first output goes, T + 1 = 7",
    "C": "channels per vector (n_embd), 48",
    "C4": "the feed-forward width 4C, 192",
    "A": "head size C / n_head, 16",
    "scale": "the attention scale 1 / sqrt(A), 0.25",
    "n_layer": "number of transformer blocks, 3",
    "n_head": "heads per attention layer, 3",
    "vocab": "vocabulary size, 3",
    "vocab_letters": "the vocabulary joined with 'and': ‘A’、‘B’ 和 ‘C’ / ‘A’, ‘B’ and ‘C’",
    "vocab_letters_or": "the same joined with 'or'",
    "vocab_ids": "the token ids joined with 'and': 0、1 和 2 / 0, 1 and 2",
    "block_size": "the longest sequence the model reads, 11",
    "n_params": "number of parameters, 85,728",
    "eps": "the LayerNorm epsilon, 0.00001",
    "temperature": "the sampling temperature of the run, 1",
    # what the model learned (engine/learned.py), measured over all inputs; layers and heads from 1
    "total": "inputs measured: all 3^6 = 729",
    "telling_layer": "the layer of the head the video follows (its focus rises most above an even spread)",
    "telling_head": "that head, within its layer",
    "focus_first": "its mean attention share on the input letters equal to the first letter written, e.g. 0.78",
    "focus_last": "the same for the last letter written",
    "even_first": "the share an even spread over the six inputs gives for the first letter, e.g. 0.38",
    "even_last": "the same for the last letter",
    "focus_best": "the largest focus share of any head at any step",
    "even_best": "the even share at that step",
    "lens_first": "right next letters read out after the first attention (logit lens), e.g. 77.6%",
    "lens_second": "the same after the second attention",
    "lens_last": "the same after the last sublayer",
    "lens_complete_at": "the sublayer from which every read-out is right, e.g. Transformer 3's attention",
    "worst_layer": "the layer whose attention, switched off, leaves the fewest inputs sorted",
    "sorted_without_worst": "how many inputs are still sorted then, e.g. 295",
    "broken_input": "an input that ablation breaks (the run's own if it is one), e.g. AAAAAA",
    "broken_output": "what the model writes for it then, e.g. AAAABC",
    "layer_list": "the layers joined with 'and': 1, 2 and 3",
    "sorted_without_layers": "inputs still sorted with each layer's attention off, joined: 295, 467 and 701",
    "worst_head_layer": "the layer of the head whose ablation alone hurts most",
    "worst_head": "that head, within its layer",
    "worst_head_sorted": "inputs still sorted without that head alone",
}

# name -> when it holds; a narration line marked <if name> (or <if not name>) is said only then
# (shown by `nanogpt-video script placeholders`), so every sentence about the model stays true.
FOCUS_RATIO = 1.5   # "looks at the letter it writes": at least this times the even share
CONDITIONS: dict[str, str] = {
    "head_focuses": f"the followed head's focus is at least {FOCUS_RATIO:g}x the even share when "
                    "writing the first and the last letter",
    "lens_completes": "the logit lens is right on every position from some sublayer on",
    "attention_needed": "switching off some layer's attention leaves inputs unsorted",
    "heads_redundant": "switching off any single head leaves every input sorted",
}


@dataclass(frozen=True)
class FilledLine:
    id: str
    section: str
    text: str        # the caption with every placeholder replaced
    cue: str | None  # the stage direction, placeholders replaced too
    hold: float = 0.0  # seconds of held, silent picture after the speech (<pause 1.0s>)


def placeholder_values(run, lang: str) -> dict[str, str]:
    """Every placeholder's text for this run, in this language."""
    if not run.steps:
        raise ValueError("the run has no generation steps; placeholders need the first one")
    cfg, first = run.config, run.steps[0]
    words = language(lang)
    T = len(run.input_tokens)
    focus = T - 1
    letters = [f"‘{letter}’" for letter in VOCAB]
    values = {
        "input": run.input_letters,
        "input_ids": _ids(run.input_tokens),
        "output": run.output_letters,
        "output_ids": _ids(run.output_tokens),
        "smallest": min(run.input_letters),
        "first_token": VOCAB[first.chosen],
        "first_prob": _prob(first.probs[first.chosen]),
        "first_percent": _percent(first.probs[first.chosen]),
        **{f"prob_{letter}": _prob(first.probs[i]) for i, letter in enumerate(VOCAB)},
        "focus_position": str(focus + 1),
        "focus_token": run.input_letters[focus],
        "T": str(T),
        "next_position": str(T + 1),
        "C": str(cfg.n_embd),
        "C4": str(4 * cfg.n_embd),
        "A": str(cfg.head_size),
        "scale": _number(1 / math.sqrt(cfg.head_size)),
        "n_layer": str(cfg.n_layer),
        "n_head": str(cfg.n_head),
        "vocab": str(cfg.vocab_size),
        "vocab_letters": _join(letters, *words.list_and),
        "vocab_letters_or": _join(letters, *words.list_or),
        "vocab_ids": _join([str(i) for i in range(len(VOCAB))], *words.list_and),
        "block_size": str(cfg.block_size),
        "n_params": _count(count_parameters(run.weights), words.group_thousands),
        "eps": f"{LN_EPS:.5f}",
        "temperature": _number(run.temperature),
    }
    values.update(_learned_values(run, lang))
    assert values.keys() == PLACEHOLDERS.keys(), "PLACEHOLDERS and placeholder_values disagree"
    return values


def conditions(run) -> dict[str, bool]:
    """Every condition's truth for this run (the measurements of run.learned)."""
    result = run.learned
    focus, even = np.array(result.focus), np.array(result.even_share)
    l, h = result.telling_head
    complete = _complete_from(result)
    values = {
        "head_focuses": bool(focus[l, h, 0] >= FOCUS_RATIO * even[0] and focus[l, h, -1] >= FOCUS_RATIO * even[-1]),
        "lens_completes": complete is not None,
        "attention_needed": min(result.sorted_without_layer_attention) < result.total,
        "heads_redundant": all(n == result.total for row in result.sorted_without_head for n in row),
    }
    assert values.keys() == CONDITIONS.keys(), "CONDITIONS and conditions() disagree"
    return values


def holds(when: str | None, truths: dict[str, bool]) -> bool:
    """Whether a line marked <if `when`> is said ("name" or "not name"; None: always)."""
    if when is None:
        return True
    negated, name = when.startswith("not "), when.removeprefix("not ")
    return truths[name] != negated


def _learned_values(run, lang: str) -> dict[str, str]:
    """The placeholders about what the model learned, formatted; layers and heads from 1."""
    from .languages import words

    result, joiners = run.learned, language(lang).list_and
    names = words(lang, "learned")
    focus, even = np.array(result.focus), np.array(result.even_share)
    l, h = result.telling_head
    best = np.unravel_index((focus - even).argmax(), focus.shape)
    layer_off = result.sorted_without_layer_attention
    worst = int(np.argmin(layer_off))
    broken = result.broken[worst]
    heads = np.array(result.sorted_without_head)
    worst_head = np.unravel_index(heads.argmin(), heads.shape)
    lens = [row["right"] for row in result.logit_lens]
    complete = _complete_from(result)
    return {
        "total": str(result.total),
        "telling_layer": str(l + 1),
        "telling_head": str(h + 1),
        "focus_first": _prob(focus[l, h, 0]),
        "focus_last": _prob(focus[l, h, -1]),
        "even_first": _prob(even[0]),
        "even_last": _prob(even[-1]),
        "focus_best": _prob(focus[best]),
        "even_best": _prob(even[best[-1]]),
        "lens_first": _share(lens[0]),
        "lens_second": _share(lens[2]),
        "lens_last": _share(lens[-1]),
        "lens_complete_at": "" if complete is None else _readout_name(result.logit_lens[complete]["after"], names),
        "worst_layer": str(worst + 1),
        "sorted_without_worst": str(layer_off[worst]),
        "broken_input": "" if broken is None else to_letters(broken.input_tokens),
        "broken_output": "" if broken is None else to_letters(broken.output_tokens),
        "layer_list": _join([str(i + 1) for i in range(len(layer_off))], *joiners),
        "sorted_without_layers": _join([str(n) for n in layer_off], *joiners),
        "worst_head_layer": str(worst_head[0] + 1),
        "worst_head": str(worst_head[1] + 1),
        "worst_head_sorted": str(heads[worst_head]),
    }


def _complete_from(result) -> int | None:
    """The first read-out from which the logit lens is right everywhere, or None."""
    complete = None
    for i in reversed(range(len(result.logit_lens))):
        if result.logit_lens[i]["right"] < 1.0:
            break
        complete = i
    return complete


def _readout_name(after: str, names) -> str:
    """'h.2.attn' -> "Transformer 3's attention" (the words file's template, layer from 1)."""
    _, layer, part = after.split(".")
    return names[f"readout_{part}"].format(layer=int(layer) + 1)


def fill_text(template: str, values: dict[str, str]) -> str:
    def replace(match):
        name = match.group(1)
        if name not in values:
            raise ValueError(f"unknown placeholder {{{name}}}; known: {', '.join(values)}")
        return values[name]
    return PLACEHOLDER.sub(replace, template)


def fill_narration(narration, run) -> list[FilledLine]:
    """Every line the run says, in order, with its caption and cue filled from `run` (a line
    marked <if ...> only where its condition holds for this run)."""
    values = placeholder_values(run, narration.lang)
    truths = conditions(run)
    return [FilledLine(line.id, line.section, fill_text(line.template, values),
                       fill_text(line.cue, values) if line.cue is not None else None, line.hold)
            for line in narration.lines() if holds(line.when, truths)]


def filled_lines(narration, run) -> list[tuple[str, str]]:
    """(line id, caption text) pairs in narration order: what the voice speaks."""
    return [(line.id, line.text) for line in fill_narration(narration, run)]


# ---- formatting ----

def _ids(tokens) -> str:
    return ", ".join(str(int(t)) for t in tokens)  # the seed's own separator: (2, 1, 0, 1, 1, 2)


def _prob(p) -> str:
    return f"{float(p):.2f}"


def _percent(p) -> str:
    return f"{float(p):.0%}"


def _share(p) -> str:
    return percent(float(p))


def _number(x: float) -> str:
    return f"{x:g}"


def _count(n: int, group_thousands: bool) -> str:
    # 85,728 in English; 85728 in Chinese, where a comma-grouped number reads (and is spoken) oddly
    return f"{n:,}" if group_thousands else str(n)


def _join(items: list[str], sep: str, last: str) -> str:
    return items[0] if len(items) == 1 else sep.join(items[:-1]) + last + items[-1]
