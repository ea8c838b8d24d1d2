"""Numbers, labels and tokens: a value on screen remembers which Run value it shows.

    ValueLabel.of(run, "h.0.attn.probs", (2, 5, 3))   # a number read from the Run
    TokenChip(2)                                      # the token C in its own colour
    TokenStrip(6).chip(0, token)                      # a row of sequence slots
    Magnifier.of(run, "tok_emb", (5,), count=3)       # a vector's first entries, readable
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, DashedVMobject, Line, RoundedRectangle, Text, VGroup

from common.text import percent

from .. import style


def title_safe(mob):
    """`mob` moved (if need be) to lie inside the title-safe area, 5% in from each side."""
    dx = max(0.0, -style.TITLE_SAFE_X - mob.get_left()[0]) - max(0.0, mob.get_right()[0] - style.TITLE_SAFE_X)
    dy = max(0.0, -style.TITLE_SAFE_Y - mob.get_bottom()[1]) - max(0.0, mob.get_top()[1] - style.TITLE_SAFE_Y)
    return mob.shift(RIGHT * dx + UP * dy)


DESCENDERS = set("gjpqy,;()[]_")


def baseline(text: Text) -> float:
    """The y a text's letters stand on: the lowest bottom of its glyphs without a descender."""
    chars = [c for c in str(text.text) if not c.isspace()]
    glyphs = list(text.submobjects)
    if len(chars) != len(glyphs):
        return text.get_bottom()[1]
    bottoms = [g.get_bottom()[1] for c, g in zip(chars, glyphs) if c not in DESCENDERS]
    return min(bottoms) if bottoms else text.get_bottom()[1] + 0.22 * text.height


def align_baselines(texts, side=UP) -> None:
    """Set texts side by side on one baseline: the highest of theirs when they sit above
    something (UP), the lowest when below (DOWN), so none moves into what it labels."""
    lines = [baseline(t) for t in texts]
    target = max(lines) if np.allclose(side, UP) else min(lines)
    for t, y in zip(texts, lines):
        t.shift(UP * (target - y))


_TEXT_FONT = {"family": style.FONT}   # the narration language's font (see use_font)


def use_font(family: str) -> None:
    """Labels from now on in `family`: the narration language's font (words.<lang>.toml,
    [language] font), so English is set in a Latin font (proportional quotes, ’ not a
    full-width mark). NanoScene.setup calls it for its language."""
    _TEXT_FONT["family"] = family


def label(text: str, font_size: float = style.SIZE_LABEL, color=style.INK, mono=False, **kwargs) -> Text:
    """Plain text in the language's font; never smaller than the legibility floor."""
    size = max(font_size, style.MIN_FONT_SIZE)
    return Text(str(text), font=style.MONO if mono else _TEXT_FONT["family"], font_size=size, color=color, **kwargs)


class ValueLabel(Text):
    """A number read from the Run, e.g. ValueLabel.of(trace, "h.0.attn.probs", (2, 5, 3)).

    `source` (name, index) and `value` stay on the mobject so tests can check that what is
    drawn is what the engine computed, at the shown precision.
    """

    def __init__(self, value: float, source: tuple[str, tuple] | None = None, precision: int = 2,
                 font_size: float = style.SIZE_NUMBER, color=style.INK, **kwargs):
        self.value = float(value)
        self.precision = precision
        self.source = source
        # "−∞" in the proportional font: the number font's fixed advance leaves a gap after the minus
        font = style.FONT if np.isinf(self.value) else style.MONO
        super().__init__(self.format(self.value, precision), font=font,
                         font_size=max(font_size, style.MIN_FONT_SIZE), color=color, **kwargs)

    @staticmethod
    def format(value: float, precision: int = 2) -> str:
        if np.isneginf(value):
            return "−∞"
        text = f"{value:.{precision}f}"
        return "0." + "0" * precision if text.lstrip("-") == "0." + "0" * precision else text

    @property
    def shown(self) -> str:
        return self.format(self.value, self.precision)

    @classmethod
    def of(cls, run, name: str, index=(), **kwargs) -> "ValueLabel":
        """Build from the Run by source name (see resolve_source) and index."""
        index = tuple(np.atleast_1d(index).tolist()) if index != () else ()
        return cls(float(resolve_source(run, name, index)), source=(name, index), **kwargs)


class PercentLabel(ValueLabel):
    """A share read from the Run, shown as a percentage: 0.7764 -> 77.6% (never 100.0% for a
    share short of 1, as the narration writes it)."""

    def __init__(self, value: float, source=None, precision: int = 1, **kwargs):
        super().__init__(value, source, precision, **kwargs)

    @staticmethod
    def format(value: float, precision: int = 1) -> str:
        return percent(value, precision)


def resolve_source(run, name: str, index=()):
    """The Run value a ValueLabel's source names. Names:
    'transformer.*' / 'lm_head.*'  -> a weight;  'h.0.attn.probs' -> the trace of pass 0;
    'step3/h.0.attn.probs'         -> the trace of pass 3;
    'step3/.probs' ('.logits', '.chosen') -> that Step's attribute;
    'step3/.probs@T=0.5'           -> that Step's distribution at temperature 0.5;
    'learned/focus'                -> what the model learned (engine/learned.py Learned)."""
    if name.startswith("learned/"):
        array = getattr(run.learned, name.split("/", 1)[1])
    elif name.startswith(("transformer.", "lm_head.")):
        array = run.weights[name]
    elif name.startswith("step"):
        step_part, rest = name.split("/", 1)
        step = run.steps[int(step_part[4:])]
        if rest.startswith(".probs@T="):
            from engine.generate import probs_at_temperature
            array = probs_at_temperature(step.logits, float(rest.split("=", 1)[1]))
        else:
            array = getattr(step, rest[1:]) if rest.startswith(".") else step.trace[rest]
    else:
        array = run.trace[name]
    return np.asarray(array)[tuple(index)] if index != () else np.asarray(array)

class TokenChip(VGroup):
    """A token as a rounded chip in its own colour, e.g. 'B' (or its id '1')."""

    def __init__(self, token: int, text: str | None = None, size: float = 0.6,
                 font_size: float = style.SIZE_BODY, **kwargs):
        super().__init__(**kwargs)
        from engine import VOCAB
        self.token = int(token)
        color = style.TOKEN_COLORS[self.token % len(style.TOKEN_COLORS)]
        self.box = RoundedRectangle(corner_radius=size * 0.18, width=size, height=size,
                                    stroke_color=color, stroke_width=3, fill_color=color,
                                    fill_opacity=0.18)
        self.text = label(VOCAB[self.token] if text is None else text, font_size=font_size,
                          color=color, weight="BOLD")
        self.text.move_to(self.box)
        self.add(self.box, self.text)

class DimLabel(Text):
    """A dimension label such as 'C = 48' or 'T = 6', small and muted."""

    def __init__(self, text: str, font_size: float = style.SIZE_SMALL, color=style.MUTED, **kwargs):
        super().__init__(text, font=style.MONO, font_size=max(font_size, style.MIN_FONT_SIZE),
                         color=color, **kwargs)

class TokenStrip(VGroup):
    """`n` slots in a row. Nothing but the empty slots is drawn until asked:
    chip(i, token) -> a TokenChip placed on slot i; position(i) -> its number (from 1);
    id_label(i, run, source, index) -> the token id under slot i, as a ValueLabel."""

    def __init__(self, n: int, size: float = 0.6, buff: float = 0.18, font_size: float = style.SIZE_BODY):
        super().__init__()
        self.size, self.font_size = size, font_size
        self.slots = VGroup(*[DashedVMobject(RoundedRectangle(corner_radius=size * 0.18, width=size,
                                                              height=size, stroke_color=style.EDGE,
                                                              stroke_width=2), num_dashes=16)
                              for _ in range(n)])
        self.slots.arrange(RIGHT, buff=buff)
        self.add(self.slots)

    def chip(self, i: int, token: int) -> TokenChip:
        return TokenChip(token, size=self.size, font_size=self.font_size).move_to(self.slots[i])

    def position(self, i: int, font_size: float = style.MIN_FONT_SIZE):
        return label(str(i + 1), font_size=font_size, color=style.MUTED).next_to(self.slots[i], UP, buff=0.1)

    def positions(self, n: int | None = None) -> VGroup:
        return VGroup(*[self.position(i) for i in range(n or len(self.slots))])

    def id_label(self, i: int, run, source: str, index=(), font_size: float = style.SIZE_LABEL) -> ValueLabel:
        return ValueLabel.of(run, source, index, precision=0, font_size=font_size).next_to(
            self.slots[i], DOWN, buff=0.12)

def digits_for(values, most: int = 4) -> int:
    """Decimals that show at least two significant digits of the largest value (>= 2)."""
    largest = float(np.max(np.abs(np.asarray(values, dtype=float))))
    if largest <= 0:
        return 2
    return int(np.clip(1 - np.floor(np.log10(largest)), 2, most))

class Magnifier(VGroup):
    """The first `count` entries of a vector as readable numbers, in a box with two 'lens'
    lines down to the cells they magnify (call `attach(cells_rect)` once both are placed)."""

    def __init__(self, labels: list[ValueLabel], color=style.MUTED, row: float = 0.27):
        super().__init__()
        self.labels = VGroup(*labels)
        self.labels.arrange(DOWN, buff=row - self.labels[0].height, aligned_edge=RIGHT)
        self.box = RoundedRectangle(corner_radius=0.06, width=self.labels.width + 0.22,
                                    height=self.labels.height + 0.18, stroke_color=color,
                                    stroke_width=1.5, fill_color=style.PANEL, fill_opacity=1)
        self.box.move_to(self.labels)
        self.lens = VGroup()
        self.add(self.box, self.labels, self.lens)

    @classmethod
    def of(cls, run, name: str, prefix: tuple = (), count: int = 3, precision: int = 2, first: int = 0,
           **kwargs) -> "Magnifier":
        """Entries (*prefix, first..first+count-1) of a Run array, e.g. prefix (t,) for row t of tok_emb."""
        labels = [ValueLabel.of(run, name, (*prefix, k), precision=precision) for k in range(first, first + count)]
        return cls(labels, **kwargs)

    def attach(self, target, color=style.MUTED) -> "Magnifier":
        """Draw the lens lines from the box's bottom corners to the top corners of `target`."""
        self.lens.become(VGroup(
            Line(self.box.get_corner(DOWN + LEFT), target.get_corner(UP + LEFT), color=color, stroke_width=1.2),
            Line(self.box.get_corner(DOWN + RIGHT), target.get_corner(UP + RIGHT), color=color, stroke_width=1.2)))
        return self

def equation(prefix: str, value: ValueLabel, color=style.INK) -> VGroup:
    """'prefix value' on one baseline, e.g. equation("σ² =", ValueLabel.of(...)).

    The row is typeset as one text in the number font; the ValueLabel is laid over its own
    digits there, so symbols and number share a baseline whatever their glyph heights."""
    whole = Text(f"{prefix} {value.shown}", font=style.MONO, font_size=value.font_size, color=color)
    digits = len(value.shown.replace(" ", ""))
    value.move_to(VGroup(*whole[-digits:]))
    return VGroup(VGroup(*whole[:-digits]), value)
