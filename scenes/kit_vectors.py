"""Mobjects for looking closely at vectors: thumbnails of whole matrices, a magnified view of
a column's first entries, and a vector drawn as a bar chart (with its mean and spread).

    thumb = Thumbnail(weights["transformer.wte.weight"].T, width=0.3, height=0.3, kind="weight")
    lens = Magnifier.of(run, "tok_emb", (0,), count=3)   # the top entries of tok_emb[0], readable
    bars = BarColumn(trace["x"][0], pitch=0.08, half_width=0.9)
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, ImageMobject, Line, Rectangle, RoundedRectangle, Text, VGroup
from manim.animation.animation import prepare_animation
from manim.constants import RESAMPLING_ALGORITHMS
from PIL import Image

from . import style
from .kit import ValueLabel

PIXELS_PER_UNIT = 1080 / style.FRAME_H   # at 1080p


def digits_for(values, most: int = 4) -> int:
    """Decimals that show at least two significant digits of the largest value (>= 2)."""
    largest = float(np.max(np.abs(np.asarray(values, dtype=float))))
    if largest <= 0:
        return 2
    return int(np.clip(1 - np.floor(np.log10(largest)), 2, most))


class Thumbnail(ImageMobject):
    """A whole matrix as a small picture of its colours (no cell gaps, not meant to be read).

    The colours are averaged down to the pixels the thumbnail covers at 1080p, so a 48x192
    weight drawn 40 pixels high is a fair texture of its values rather than aliasing noise.
    """

    def __init__(self, values, width: float, height: float, kind: str = "act",
                 scale: float | None = None, **kwargs):
        grid = np.atleast_2d(np.asarray(values, dtype=float))
        self.values, self.kind = grid, kind
        self.color_scale = scale if scale is not None else style.robust_scale(grid)
        rgb = style.value_rgb(grid, self.color_scale, kind)
        size = (max(1, round(width * PIXELS_PER_UNIT)), max(1, round(height * PIXELS_PER_UNIT)))
        image = Image.fromarray(rgb)
        method = Image.Resampling.BOX if size[0] < grid.shape[1] or size[1] < grid.shape[0] \
            else Image.Resampling.NEAREST
        super().__init__(np.asarray(image.resize(size, method)), **kwargs)
        self.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
        self.stretch_to_fit_width(width)
        self.stretch_to_fit_height(height)


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
    def of(cls, run, name: str, prefix: tuple = (), count: int = 3, precision: int = 2,
           **kwargs) -> "Magnifier":
        """Entries (*prefix, 0..count-1) of a Run array, e.g. prefix (t,) for row t of tok_emb."""
        labels = [ValueLabel.of(run, name, (*prefix, k), precision=precision) for k in range(count)]
        return cls(labels, **kwargs)

    def attach(self, target, color=style.MUTED) -> "Magnifier":
        """Draw the lens lines from the box's bottom corners to the top corners of `target`."""
        self.lens.become(VGroup(
            Line(self.box.get_corner(DOWN + LEFT), target.get_corner(UP + LEFT), color=color, stroke_width=1.2),
            Line(self.box.get_corner(DOWN + RIGHT), target.get_corner(UP + RIGHT), color=color, stroke_width=1.2)))
        return self


class BarColumn(VGroup):
    """A vector as horizontal bars stacked top to bottom (entry 0 at the top), one bar per
    channel, growing left or right from a vertical zero axis and coloured by value.

    `span` is the value that reaches `half_width` (default: the largest |value|), so two
    BarColumns with the same span share one horizontal scale. x_of(value) gives the x of a
    value; mean_line(), spread_band() mark a mean and mean +- std on this scale.
    """

    def __init__(self, values, pitch: float = 0.08, half_width: float = 0.9, span: float | None = None,
                 color_scale: float | None = None, kind: str = "act", fill: float = 0.8):
        super().__init__()
        self.values = np.asarray(values, dtype=float)
        self.pitch, self.half_width = pitch, half_width
        self.span = span or float(np.max(np.abs(self.values))) or 1.0
        scale = color_scale if color_scale is not None else style.robust_scale(self.values)
        n = len(self.values)
        self.height_total = n * pitch
        self.axis = Line(UP * self.height_total / 2, DOWN * self.height_total / 2,
                         color=style.EDGE, stroke_width=2)
        self.bars = VGroup()
        for k, value in enumerate(self.values):
            length = max(abs(value) / self.span * half_width, 0.004)
            bar = Rectangle(width=length, height=pitch * fill, stroke_width=0,
                            fill_color=style.value_color(value, scale, kind), fill_opacity=1)
            y = self.height_total / 2 - (k + 0.5) * pitch
            bar.move_to([np.sign(value) * length / 2, y, 0])
            self.bars.add(bar)
        self.frame = Rectangle(width=2 * half_width, height=self.height_total, stroke_width=0,
                               fill_opacity=0)
        self.add(self.frame, self.axis, self.bars)

    def x_of(self, value: float) -> float:
        return self.axis.get_x() + float(value) / self.span * self.half_width

    def mean_line(self, mean: float, color=style.HIGHLIGHT) -> Line:
        x = self.x_of(mean)
        return Line([x, self.frame.get_top()[1] + 0.08, 0], [x, self.frame.get_bottom()[1] - 0.04, 0],
                    color=color, stroke_width=3)

    def spread_band(self, mean: float, std: float, color=style.HIGHLIGHT) -> Rectangle:
        left, right = self.x_of(mean - std), self.x_of(mean + std)
        band = Rectangle(width=right - left, height=self.height_total + 0.06, stroke_width=0,
                         fill_color=color, fill_opacity=0.12)
        return band.move_to([(left + right) / 2, self.frame.get_y(), 0])


def equation(prefix: str, value: ValueLabel, color=style.INK) -> VGroup:
    """'prefix value' on one baseline, e.g. equation("σ² =", ValueLabel.of(...)).

    The row is typeset as one text in the number font; the ValueLabel is laid over its own
    digits there, so symbols and number share a baseline whatever their glyph heights."""
    whole = Text(f"{prefix} {value.shown}", font=style.MONO, font_size=value.font_size, color=color)
    digits = len(value.shown.replace(" ", ""))
    value.move_to(VGroup(*whole[-digits:]))
    return VGroup(VGroup(*whole[:-digits]), value)


class StillBelow:
    """Mixin for NanoScenes, for speed: before each play, lift what the play animates (and the
    captions, which a cue change animates) to the top of the drawing order.

    Manim redraws every frame each mobject from the first animated one upward and draws the
    rest once per play; images are the costly part (each is composited over the whole frame),
    so a big still picture should lie below whatever moves."""

    def play(self, *animations, **kwargs):
        animations = [prepare_animation(a) for a in animations]
        movers = [a.mobject for a in animations if a.mobject in self.mobjects]
        self.bring_to_front(self.captions, *movers)
        super().play(*animations, **kwargs)
