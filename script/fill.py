"""Placeholders: the values a caption may quote, computed from a Run and formatted per language.

A caption says `{input}` and the video says CBABBC (or whatever the user chose): no token or
number the run can supply is typed by hand in the narration files.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from engine import VOCAB, count_parameters
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
    assert values.keys() == PLACEHOLDERS.keys(), "PLACEHOLDERS and placeholder_values disagree"
    return values


def fill_text(template: str, values: dict[str, str]) -> str:
    def replace(match):
        name = match.group(1)
        if name not in values:
            raise ValueError(f"unknown placeholder {{{name}}}; known: {', '.join(values)}")
        return values[name]
    return PLACEHOLDER.sub(replace, template)


def fill_narration(narration, run) -> list[FilledLine]:
    """Every line of the narration, in order, with its caption and cue filled from `run`."""
    values = placeholder_values(run, narration.lang)
    return [FilledLine(line.id, line.section, fill_text(line.template, values),
                       fill_text(line.cue, values) if line.cue is not None else None, line.hold)
            for line in narration.lines()]


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


def _number(x: float) -> str:
    return f"{x:g}"


def _count(n: int, group_thousands: bool) -> str:
    # 85,728 in English; 85728 in Chinese, where a comma-grouped number reads (and is spoken) oddly
    return f"{n:,}" if group_thousands else str(n)


def _join(items: list[str], sep: str, last: str) -> str:
    return items[0] if len(items) == 1 else sep.join(items[:-1]) + last + items[-1]
