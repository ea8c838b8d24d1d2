"""Plots and strips for the feed-forward and output scenes (no LaTeX anywhere).

    strip = VectorStrip(trace["h.0.mlp.fc"][5], length=4.4)      # a 192-cell column, one image
    plot = FunctionPlot(x_max=2, y_min=-0.5, y_max=2, width=2.8, height=3.2)
    curve = plot.curve(engine.model.gelu)                          # the engine's own function
    bars = ProbBars(run, ["step0/.probs"], [style.HIGHLIGHT])     # horizontal probability bars
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, ApplyFunction, Axes, Dot, FadeOut, ImageMobject, LaggedStart, Line,
                   Rectangle, VGroup, VMobject)
from manim.animation.animation import prepare_animation

from scenes import style
from scenes.kit import Heatmap, TokenChip, ValueLabel, label


class VectorStrip(Heatmap):
    """A vector (or a small matrix) as one image stretched to `length` x `thickness`.

    Long vectors (192 cells) do not fit as squares; one image keeps them cheap and crisp.
    vertical=True draws the cells top to bottom (a column), else left to right (a row).
    """

    def __init__(self, values, length: float, thickness: float = 0.2, vertical: bool = True,
                 kind: str = "act", scale: float | None = None, px: int = 2, **kwargs):
        grid = np.atleast_2d(np.asarray(values, dtype=float))
        if np.ndim(values) == 1 and vertical:
            grid = grid.T
        super().__init__(grid, kind=kind, scale=scale, px=px, **kwargs)
        tall = self.rows >= self.cols if np.ndim(values) != 1 else vertical
        self.stretch_to_fit_height(length if tall else thickness)
        self.stretch_to_fit_width(thickness if tall else length)

    def cell_rect(self, r0, c0=0, r1=None, c1=None, color=style.HIGHLIGHT, stroke_width=3):
        """As Heatmap.cell_rect, never thinner than a visible line."""
        rect = super().cell_rect(r0, c0, r1, c1, color=color, stroke_width=stroke_width)
        if rect.height < 0.05:
            rect.stretch_to_fit_height(0.05)
        if rect.width < 0.05:
            rect.stretch_to_fit_width(0.05)
        return rect


class CellColumn(VGroup):
    """A short vector (a few cells) as vector rectangles, top to bottom: cheaper than an image
    for a handful of cells (Manim composites every image over the whole frame). Same
    cell_rect / cell_center interface as VectorStrip."""

    def __init__(self, values, length: float, thickness: float = 0.2, kind: str = "act",
                 scale: float | None = None, gap: float = 0.03, **kwargs):
        super().__init__(**kwargs)
        values = np.asarray(values, dtype=float).ravel()
        self.values, self.rows, self.cols = values, len(values), 1
        self.color_scale = scale if scale is not None else style.robust_scale(values)
        self.pitch = length / self.rows
        for i, v in enumerate(values):
            self.add(Rectangle(width=thickness, height=self.pitch - gap, stroke_width=0,
                               fill_color=style.value_color(v, self.color_scale, kind), fill_opacity=1)
                     .move_to([0, -i * self.pitch, 0]))
        self.center()

    def cell_center(self, r: int, c: int = 0):
        return self[r].get_center()

    def cell_rect(self, r: int, c: int = 0, color=style.HIGHLIGHT, stroke_width: float = 3) -> Rectangle:
        return Rectangle(width=self.width, height=self.pitch, color=color,
                         stroke_width=stroke_width).move_to(self[r])


class FunctionPlot(VGroup):
    """Axes with a few Text tick labels, for activation functions."""

    def __init__(self, x_max: float, y_min: float, y_max: float, width: float, height: float,
                 ticks: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.axes = Axes(x_range=[-x_max, x_max, ticks], y_range=[y_min, y_max, ticks],
                         x_length=width, y_length=height, tips=False,
                         axis_config={"color": style.MUTED, "stroke_width": 2,
                                      "include_ticks": True, "tick_size": 0.05})
        self.ticks = VGroup()
        for x in (-x_max, x_max):
            self.ticks.add(label(_tick(x), font_size=16, color=style.MUTED)
                           .next_to(self.axes.c2p(x, 0), DOWN, buff=0.1))
        self.ticks.add(label(_tick(y_max), font_size=16, color=style.MUTED)
                       .next_to(self.axes.c2p(0, y_max), LEFT, buff=0.1))
        self.add(self.axes, self.ticks)

    def curve(self, function, color, stroke_width: float = 4):
        """function: numpy array -> array (e.g. engine.model.gelu), plotted over the x range."""
        x_min, x_max = self.axes.x_range[:2]
        return self.axes.plot(lambda x: float(function(np.array([x]))[0]), x_range=[x_min, x_max],
                              color=color, stroke_width=stroke_width)

    def dots(self, xs, ys, color, radius: float = 0.035) -> VGroup:
        return VGroup(*[Dot(self.axes.c2p(x, y), radius=radius, color=color)
                        for x, y in zip(xs, ys)])


def _tick(value: float) -> str:
    return f"{value:g}"


class ProbBars(VGroup):
    """Horizontal probability bars, one group per token (rows of chips A, B, C).

    Each group holds one bar per series (e.g. temperatures), with the value read from the Run
    as a ValueLabel at the bar's end. `sources[s]` is the resolve_source name of series s
    (None keeps its room but draws nothing).
    Chips are centred on x = 0, bars start at x = bar_x (room between for e.g. logits).
    """

    def __init__(self, run, sources: list[str], colors: list, full: float = 2.2,
                 bar_height: float = 0.22, gap: float = 0.06, group_gap: float = 0.3,
                 bar_x: float = 0.4, **kwargs):
        super().__init__(**kwargs)
        vocab = run.config.vocab_size
        self.full, self.bar_height = full, bar_height
        self.chips, self.bars, self.values = VGroup(), [], []
        group_height = len(sources) * bar_height + (len(sources) - 1) * gap
        for token in range(vocab):
            top = -token * (group_height + group_gap)
            chip = TokenChip(token, size=0.42, font_size=22)
            chip.move_to([0, top - group_height / 2, 0])
            self.chips.add(chip)
        for s, (source, color) in enumerate(zip(sources, colors)):
            row_bars, row_values = VGroup(), VGroup()
            for token in range(vocab if source is not None else 0):
                y = -token * (group_height + group_gap) - s * (bar_height + gap) - bar_height / 2
                value = ValueLabel.of(run, source, (token,), precision=2, font_size=18)
                bar = self._bar(float(value.value), color).move_to([bar_x, y, 0], aligned_edge=LEFT)
                value.next_to(bar, RIGHT, buff=0.1)
                row_bars.add(bar)
                row_values.add(value)
            self.bars.append(row_bars)
            self.values.append(row_values)
        self.add(self.chips, *self.bars, *self.values)

    def _bar(self, p: float, color) -> Rectangle:
        return Rectangle(width=max(p * self.full, 0.01), height=self.bar_height, stroke_width=0,
                         fill_color=color, fill_opacity=0.9)

    def series(self, s: int) -> VGroup:
        return VGroup(self.bars[s], self.values[s])


def stacked_strip(probs, width: float, height: float = 0.3) -> VGroup:
    """[A|B|C] segments side by side, widths proportional to the probabilities (a sampling
    line: a uniform random point on it falls in each token's segment with its probability)."""
    strip, x = VGroup(), 0.0
    for token, p in enumerate(np.asarray(probs, dtype=float)):
        color = style.TOKEN_COLORS[token % len(style.TOKEN_COLORS)]
        seg = Rectangle(width=max(p * width, 0.01), height=height, stroke_color=style.BACKGROUND,
                        stroke_width=2, fill_color=color, fill_opacity=0.55)
        seg.move_to([x, 0, 0], aligned_edge=LEFT)
        strip.add(seg)
        x += p * width
    return strip


def tick_line(point, height: float, color=style.HIGHLIGHT) -> Line:
    return Line(point + UP * height / 2, point + DOWN * height / 2, color=color, stroke_width=4)


def set_look(mob, opacity: float):
    """Set a mobject's visible opacity absolutely: images whole, vector parts only where they
    are drawn (a curve's empty fill stays empty, a label's absent stroke stays absent)."""
    if isinstance(mob, ImageMobject):
        return mob.set_opacity(opacity)
    for part in mob.get_family():
        if isinstance(part, ImageMobject):
            part.set_opacity(opacity)
        elif isinstance(part, VMobject) and part.has_points():
            if part.get_fill_opacity() > 0:
                part.set_fill(opacity=opacity, family=False)
            if part.get_stroke_width() > 0 and part.get_stroke_opacity() > 0:
                part.set_stroke(opacity=opacity, family=False)
    return mob


def look(*mobs, opacity: float):
    """Animations that dim (or restore) mobjects to `opacity` (see set_look). An image is
    dimmed by a veil of background colour over it: animating the image itself would make
    Manim redraw it (a full-frame composite at 1080p) on every frame of the animation."""
    return [veil(mob).animate.set_fill(opacity=1 - opacity) if isinstance(mob, ImageMobject)
            else ApplyFunction(lambda m, o=opacity: set_look(m, o), mob) for mob in mobs]


def veil(image: ImageMobject) -> Rectangle:
    """The image's veil (created transparent on first use, kept on the image)."""
    if getattr(image, "veil", None) is None:
        image.veil = Rectangle(width=image.width, height=image.height, stroke_width=0,
                               fill_color=style.BACKGROUND, fill_opacity=0)
    return image.veil.move_to(image)


class FastRedraw:
    """Scene mixin that keeps heatmaps out of the per-frame redraw (each image costs a
    full-frame composite at 1080p, every frame it is redrawn).

    Manim redraws every frame all mobjects from the first animated one in z-order on. So
    before each play, what it animates goes to the top (a part of a group lifts its group;
    images stay where they are, their veils must stay above them); and reveal() shows images
    by fading a cover off them rather than fading the images themselves."""

    def reveal(self, *images, lag_ratio: float = 0.0):
        """An animation showing `images`: they are drawn once, covers fade off them."""
        covers = [Rectangle(width=m.width + 0.02, height=m.height + 0.02, stroke_width=0,
                            fill_color=style.BACKGROUND, fill_opacity=1).move_to(m) for m in images]
        self.add(*images, *covers)
        return LaggedStart(*[FadeOut(c) for c in covers], lag_ratio=lag_ratio)

    def play(self, *animations, **kwargs):
        animations = [prepare_animation(a) for a in animations]
        movers = []
        for anim in animations:
            top = self._top_level(anim.mobject)
            if top is not None and top not in movers and not any(
                    isinstance(m, ImageMobject) for m in top.get_family()):
                movers.append(top)
        if movers:
            self.bring_to_front(*movers)
        super().play(*animations, **kwargs)

    def _top_level(self, mob):
        """The mobject of the scene list that holds `mob` (itself if it is there)."""
        if mob in self.mobjects:
            return mob
        return next((top for top in self.mobjects if mob in top.get_family()), None)
