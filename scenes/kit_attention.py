"""Pieces of the self-attention scene: stretched heatmaps, the attention-matrix grid, words.

Vectors are columns (C or A tall, one column per time step T); weights are [out, in] blocks
whose rows line up with the rows of the vector they produce.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, PI, RIGHT, UP, AnimationGroup, FadeIn, ImageMobject, LaggedStart,
                   Rectangle, Transform, VGroup)
from manim.constants import RESAMPLING_ALGORITHMS

from . import style
from .kit import Heatmap

WORDS = {
    "zh": {"ln_input": "归一化后的输入", "head": "头 {n}", "query": "查询 q", "key": "键 k",
           "value": "值 v", "new": "新向量", "heads": "各头输出", "concat": "连接",
           "proj": "投影", "bias": "偏置", "max": "max", "x": "输入 x", "resid": "新的 x"},
    "en": {"ln_input": "normalised input", "head": "head {n}", "query": "query q", "key": "key k",
           "value": "value v", "new": "new vector", "heads": "head outputs", "concat": "concat",
           "proj": "projection", "bias": "bias", "max": "max", "x": "input x", "resid": "new x"},
}


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def block(values, col_w: float, row_h: float, kind: str = "act", scale: float | None = None) -> Heatmap:
    """A matrix as one image with cells col_w wide and row_h tall (rows x cols as given)."""
    grid = np.atleast_2d(np.asarray(values, dtype=float))
    if np.ndim(values) == 1:
        grid = grid.T
    heat = Heatmap(grid, cell=row_h, kind=kind, scale=scale)
    heat.stretch_to_fit_width(grid.shape[1] * col_w)
    heat.stretch_to_fit_height(grid.shape[0] * row_h)
    return heat


def column_rect(heat: Heatmap, col: int, color=style.HIGHLIGHT, stroke_width: float = 3) -> Rectangle:
    """A frame around one whole column (one time step's vector) of a heatmap."""
    return heat.cell_rect(0, col, heat.rows - 1, col, color=color, stroke_width=stroke_width)


def lay_flat(column: Heatmap, over: Heatmap, buff: float = 0.05) -> Heatmap:
    """The image of a column turned a quarter left and laid along the top of `over`, so its
    entries line up with the columns of the weight block they multiply."""
    flat = column.copy().rotate(PI / 2)
    flat.stretch_to_fit_width(over.width)
    flat.stretch_to_fit_height(over.height / over.rows)
    return flat.next_to(over, UP, buff=buff)


def turn_onto(column: Heatmap, flat: Heatmap, **kwargs) -> Transform:
    """Animate a copy of `column` turning into `flat` (see lay_flat)."""
    return Transform(column.copy(), flat, path_arc=PI / 2, **kwargs)


def pour(sources, target, lag_ratio: float = 0.1, **kwargs) -> AnimationGroup:
    """Copies of `sources` (images or shapes) fly into `target` and fade while it appears: a
    combination of things becoming one thing (a weighted sum, a residual add)."""
    ghosts = [src.copy() for src in sources]
    flights = [ghost.animate(remover=True).replace(target, stretch=True).set_opacity(0) for ghost in ghosts]
    return AnimationGroup(LaggedStart(*flights, lag_ratio=lag_ratio), FadeIn(target), **kwargs)


class GridFrame(VGroup):
    """An empty rows x cols table of cells, for numbers to sit in (the attention matrix)."""

    def __init__(self, rows: int, cols: int, cell_w: float, cell_h: float, **kwargs):
        super().__init__(**kwargs)
        self.rows, self.cols, self.cell_w, self.cell_h = rows, cols, cell_w, cell_h
        for r in range(rows):
            for c in range(cols):
                box = Rectangle(width=cell_w, height=cell_h, stroke_color=style.EDGE, stroke_width=1.5,
                                fill_color=style.PANEL, fill_opacity=1)
                self.add(box.move_to([c * cell_w, -r * cell_h, 0]))
        self.center()

    def cell(self, r: int, c: int) -> Rectangle:
        return self[r * self.cols + c]

    def cell_center(self, r: int, c: int):
        return self.cell(r, c).get_center()

    def rect(self, r0: int, c0: int, r1: int | None = None, c1: int | None = None,
             color=style.HIGHLIGHT, stroke_width: float = 3) -> Rectangle:
        r1 = r0 if r1 is None else r1
        c1 = c0 if c1 is None else c1
        top_left = self.cell(r0, c0).get_corner(UP + LEFT)
        bottom_right = self.cell(r1, c1).get_corner(DOWN + RIGHT)
        rect = Rectangle(width=bottom_right[0] - top_left[0], height=top_left[1] - bottom_right[1],
                         color=color, stroke_width=stroke_width)
        return rect.move_to((top_left + bottom_right) / 2)

    def row_rect(self, r: int, **kwargs) -> Rectangle:
        return self.rect(r, 0, r, self.cols - 1, **kwargs)

    def column_x(self, c: int) -> float:
        return float(self.cell(0, c).get_x())

    def row_y(self, r: int) -> float:
        return float(self.cell(r, 0).get_y())


class SpacedColumns(ImageMobject):
    """Column vectors spread out under the columns of a table, drawn as ONE image (a moving
    image costs a full-frame composite per frame, however small it is).

    values: [rows, n]; column j is centred `pitch` * j right of column 0. shares (optional,
    0..1 per column) fade each column toward the background, e.g. by its attention weight.
    """

    ROW_PX = 9   # pixels per row, 1 of them the gap line

    def __init__(self, values, pitch: float, col_w: float, row_h: float, kind: str = "act",
                 scale: float | None = None, shares=None, **kwargs):
        grid = np.asarray(values, dtype=float)
        rows, n = grid.shape
        unit = row_h / self.ROW_PX                        # scene units per pixel
        col_px, pitch_px = max(1, round(col_w / unit)), round(pitch / unit)
        scale = scale if scale is not None else style.robust_scale(grid)
        rgb = style.value_rgb(grid, scale, kind).astype(float)
        background = np.array(style.BACKGROUND.to_rgb()) * 255
        if shares is not None:
            rgb = background + (rgb - background) * np.asarray(shares, dtype=float)[None, :, None]
        image = np.empty((rows * self.ROW_PX + 1, (n - 1) * pitch_px + col_px, 3))
        image[:] = background
        for j in range(n):
            for r in range(rows):
                image[1 + r * self.ROW_PX:(r + 1) * self.ROW_PX, j * pitch_px:j * pitch_px + col_px] = rgb[r, j]
        super().__init__(image.round().astype(np.uint8), **kwargs)
        self.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
        self.stretch_to_fit_height(rows * row_h)
        self.stretch_to_fit_width(((n - 1) * pitch_px + col_px) * unit)


def masked(probs: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The attention pattern with the cells the causal mask removed (score -inf) left blank."""
    return np.where(np.isfinite(scores), probs, np.nan)
