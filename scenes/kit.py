"""The visual kit: small Mobject classes every scene builds from.

A vector is a column of value-coloured cells; a big block of numbers is one image (cheap to
render); a number on screen is a ValueLabel that remembers which Run value it shows.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, ImageMobject, Line, Rectangle, RoundedRectangle,
                   Square, Text, VGroup, VMobject)
from manim.constants import RESAMPLING_ALGORITHMS

from . import style


def label(text: str, font_size: float = style.SIZE_LABEL, color=style.INK, mono=False, **kwargs) -> Text:
    """Plain text in the house font; never smaller than the legibility floor."""
    size = max(font_size, style.MIN_FONT_SIZE)
    return Text(str(text), font=style.MONO if mono else style.FONT, font_size=size, color=color, **kwargs)


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
        super().__init__(self.format(self.value, precision), font=style.MONO,
                         font_size=max(font_size, style.MIN_FONT_SIZE), color=color, **kwargs)

    @staticmethod
    def format(value: float, precision: int = 2) -> str:
        if np.isneginf(value):
            return "-∞"
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


def resolve_source(run, name: str, index=()):
    """The Run value a ValueLabel's source names. Names:
    'transformer.*' / 'lm_head.*'  -> a weight;  'h.0.attn.probs' -> the trace of pass 0;
    'step3/h.0.attn.probs'         -> the trace of pass 3;
    'step3/.probs' ('.logits', '.chosen') -> that Step's attribute;
    'step3/.probs@T=0.5'           -> that Step's distribution at temperature 0.5."""
    if name.startswith(("transformer.", "lm_head.")):
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


class Cells(VGroup):
    """A grid of value-coloured squares (rows x cols); a 1-D array is one column.

    kind="act" for activations, "weight" for weights (other hues, light outline).
    Use for up to a few hundred cells; larger blocks belong in a Heatmap.
    """

    def __init__(self, values, cell: float = 0.16, scale: float | None = None, kind: str = "act",
                 gap: float = 0.02, **kwargs):
        super().__init__(**kwargs)
        grid = np.atleast_2d(np.asarray(values, dtype=float))
        if np.ndim(values) == 1:
            grid = grid.T
        self.values = grid
        self.kind = kind
        self.color_scale = scale if scale is not None else style.robust_scale(grid)
        self.rows, self.cols = grid.shape
        stroke = (0.6, style.MUTED) if kind == "weight" else (0, style.BACKGROUND)
        for r in range(self.rows):
            for c in range(self.cols):
                sq = Square(side_length=cell, stroke_width=stroke[0], stroke_color=stroke[1],
                            fill_color=style.value_color(grid[r, c], self.color_scale, kind), fill_opacity=1)
                sq.move_to([c * (cell + gap), -r * (cell + gap), 0])
                self.add(sq)
        self.center()

    def cell(self, row: int, col: int = 0) -> Square:
        return self[row * self.cols + col]

    def row(self, r: int) -> VGroup:
        return VGroup(*[self.cell(r, c) for c in range(self.cols)])

    def column(self, c: int) -> VGroup:
        return VGroup(*[self.cell(r, c) for r in range(self.rows)])


class Heatmap(ImageMobject):
    """A whole matrix as one image: one mobject however many cells (fast to render).

    Cells are drawn `px` pixels wide with a 1-pixel gap, scaled with nearest-neighbour
    sampling so they stay crisp. cell_rect(r, c) gives a rectangle over any cell range.
    """

    def __init__(self, values, cell: float = 0.12, scale: float | None = None, kind: str = "act",
                 px: int = 8, **kwargs):
        grid = np.atleast_2d(np.asarray(values, dtype=float))
        if np.ndim(values) == 1:
            grid = grid.T
        self.values, self.kind = grid, kind
        self.color_scale = scale if scale is not None else style.robust_scale(grid)
        self.rows, self.cols = grid.shape
        rgb = style.value_rgb(grid, self.color_scale, kind)
        background = (np.array(style.BACKGROUND.to_rgb()) * 255).round().astype(np.uint8)
        rgb = np.where(np.isfinite(grid)[..., None], rgb, background).astype(np.uint8)
        image = np.zeros((self.rows * (px + 1) + 1, self.cols * (px + 1) + 1, 3), np.uint8)
        image[:] = background
        for r in range(self.rows):
            for c in range(self.cols):
                image[1 + r * (px + 1):(r + 1) * (px + 1), 1 + c * (px + 1):(c + 1) * (px + 1)] = rgb[r, c]
        super().__init__(image, **kwargs)
        self.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
        self.cell_size = cell
        self.height = self.rows * cell

    def _corner(self):
        return self.get_corner(UP + LEFT)

    def cell_rect(self, r0: int, c0: int, r1: int | None = None, c1: int | None = None,
                  color=style.HIGHLIGHT, stroke_width: float = 3) -> Rectangle:
        """A frame around rows r0..r1 and columns c0..c1 (inclusive)."""
        r1 = r0 if r1 is None else r1
        c1 = c0 if c1 is None else c1
        w, h = self.width / self.cols, self.height / self.rows
        rect = Rectangle(width=(c1 - c0 + 1) * w, height=(r1 - r0 + 1) * h, color=color,
                         stroke_width=stroke_width)
        rect.move_to(self._corner() + RIGHT * (c0 + (c1 - c0 + 1) / 2) * w
                     + DOWN * (r0 + (r1 - r0 + 1) / 2) * h)
        return rect

    def cell_center(self, r: int, c: int = 0):
        return self.cell_rect(r, c).get_center()


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


class Block(VGroup):
    """A labelled rounded box for overview diagrams (attention, feed-forward, ...)."""

    def __init__(self, title: str, width: float = 3.0, height: float = 0.8, color=style.EDGE,
                 font_size: float = style.SIZE_LABEL, **kwargs):
        super().__init__(**kwargs)
        self.box = RoundedRectangle(corner_radius=0.12, width=width, height=height,
                                    stroke_color=color, stroke_width=2.5, fill_color=style.PANEL,
                                    fill_opacity=1)
        self.title = label(title, font_size=font_size, color=color)
        if self.title.width > width - 0.2:
            self.title.scale_to_fit_width(width - 0.2)
        self.title.move_to(self.box)
        self.add(self.box, self.title)


class PlusSign(VGroup):
    """The '+' of a residual add or an embedding sum, drawn with lines (no font)."""

    def __init__(self, size: float = 0.3, color=style.INK, stroke_width: float = 5, **kwargs):
        super().__init__(Line(LEFT * size / 2, RIGHT * size / 2, color=color, stroke_width=stroke_width),
                         Line(DOWN * size / 2, UP * size / 2, color=color, stroke_width=stroke_width),
                         **kwargs)


def flow_arrow(start, end, color=style.MUTED, **kwargs) -> Arrow:
    return Arrow(start, end, buff=0.1, color=color, stroke_width=3,
                 max_tip_length_to_length_ratio=0.15, **kwargs)


def highlight_box(mobject: VMobject | ImageMobject, color=style.HIGHLIGHT, buff: float = 0.06,
                  stroke_width: float = 3) -> Rectangle:
    """A frame around something the caption is naming."""
    return Rectangle(width=mobject.width + 2 * buff, height=mobject.height + 2 * buff,
                     color=color, stroke_width=stroke_width).move_to(mobject)
