"""Plots and probability pictures (no LaTeX anywhere).

    plot = FunctionPlot(x_max=2, y_min=-0.5, y_max=2, width=2.8, height=3.2)
    curve = plot.curve(engine.model.gelu, color)              # the engine's own function
    bars = ProbabilityBars(run, ["step0/.probs"], [style.HIGHLIGHT])  # horizontal, series per token
    NextTokenBars(run, step=0)                                # vertical: one bar per token
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Axes, Dot, Line, Rectangle, VGroup

from .. import style
from .values import TokenChip, ValueLabel, label


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

class ProbabilityBars(VGroup):
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

class NextTokenBars(VGroup):
    """The next-token probabilities of generation step `step`: a bar per token, its chip
    under it and its value (ValueLabel 'step<k>/.probs') on top. `baseline` is the y of the
    chips' centres; bars grow up from there, `height` tall for probability 1."""

    def __init__(self, run, step: int, height: float = 2.2, bar_width: float = 0.6, buff: float = 0.45,
                 font_size: float = style.SIZE_NUMBER):
        super().__init__()
        self.step = step
        probs = run.steps[step].probs
        self.chips, self.bars, self.values, self.tracks = VGroup(), VGroup(), VGroup(), VGroup()
        for t, p in enumerate(probs):
            chip = TokenChip(t, size=0.5, font_size=style.SIZE_LABEL).move_to(RIGHT * t * (bar_width + buff))
            bar = Rectangle(width=bar_width, height=max(0.02, height * float(p)), stroke_width=0,
                            fill_color=style.TOKEN_COLORS[t], fill_opacity=0.85)
            bar.next_to(chip, UP, buff=0.08)
            # the bar's track (probability 1): a bar of 0.00 still shows where it would be
            track = Rectangle(width=bar_width, height=height, stroke_color=style.EDGE, stroke_width=1.5)
            self.tracks.add(track.next_to(chip, UP, buff=0.08))
            value = ValueLabel.of(run, f"step{step}/.probs", (t,), precision=2, font_size=font_size)
            value.next_to(bar if p > 0.5 else track, UP, buff=0.08).set_y(track.get_top()[1] + 0.2)
            self.chips.add(chip)
            self.bars.add(bar)
            self.values.add(value)
        self.add(self.tracks, self.chips, self.bars, self.values)

    def column(self, t: int) -> VGroup:
        return VGroup(self.chips[t], self.bars[t], self.values[t])

    def settle(self, other: "NextTokenBars") -> "NextTokenBars":
        """Place self where `other` is (same chip baseline), for swapping steps in place."""
        return self.shift(other.chips.get_center() - self.chips.get_center())

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
