"""Vectors and matrices: value-coloured cells, whole matrices as one image, the attention grid.

A vector is a column of cells (C or A tall, one column per time step T); a weight is an
[out, in] block whose rows line up with the rows of the vector it produces. A big block of
numbers is one image (one mobject, however many cells: cheap to render).
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, PI, RIGHT, UP, Group, ImageMobject, Line, Rectangle, Square, Transform, VGroup
from manim.constants import RESAMPLING_ALGORITHMS
from PIL import Image

from .. import style

PIXELS_PER_UNIT = 1080 / style.FRAME_H   # at 1080p


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

class RowSlice(Group):
    """Rows lo..hi of a weight matrix, magnified (cells `width` / cols wide and `row_h` tall, one
    image), with a line above and below naming the rows left out ("⋮ 13 more rows"): a weight
    matrix is never drawn as speckle. `more` is the words' template with {n}; `shape` (e.g.
    "A × C = 16 × 48") is written under the slice, right-aligned.

        RowSlice(W[rows], 0, 2, width=5.9, row_h=0.24, more=words["more_rows"], shape="16 × 48")
        RowSlice.around(W_fc, 176, 3, ...)        # rows 173..179
    """

    def __init__(self, weight, lo: int, hi: int, width: float, row_h: float, more: str, shape: str = "",
                 font_size: float = 18, scale: float | None = None):
        from .values import DimLabel, label
        super().__init__()
        weight = np.asarray(weight)
        n = weight.shape[0]
        self.lo, self.hi, self.n = lo, hi, n
        self.strip = VectorStrip(weight[lo:hi + 1], length=width, thickness=row_h * (hi - lo + 1), kind="weight",
                                 scale=scale if scale is not None else style.robust_scale(weight), px=8)
        self.add(self.strip)
        self.above, self.below = VGroup(), VGroup()
        if lo > 0:
            self.above = label(more.format(n=lo), font_size=font_size, color=style.MUTED)
            self.above.next_to(self.strip, UP, buff=0.1).align_to(self.strip, LEFT)
            self.add(self.above)
        if hi < n - 1:
            self.below = label(more.format(n=n - 1 - hi), font_size=font_size, color=style.MUTED)
            self.below.next_to(self.strip, DOWN, buff=0.1).align_to(self.strip, LEFT)
            self.add(self.below)
        self.shape = VGroup()
        if shape:
            self.shape = DimLabel(shape, font_size=font_size).next_to(self.strip, DOWN, buff=0.1)
            self.shape.align_to(self.strip, RIGHT)
            if len(self.below) and self.shape.get_left()[0] < self.below.get_right()[0] + 0.2:
                self.shape.next_to(self.below, DOWN, buff=0.08).align_to(self.strip, RIGHT)   # no room beside it
            self.add(self.shape)

    @classmethod
    def around(cls, weight, row: int, each_side: int, width: float, row_h: float, more: str, **kwargs) -> "RowSlice":
        n = np.asarray(weight).shape[0]
        return cls(weight, max(0, row - each_side), min(n - 1, row + each_side), width, row_h, more, **kwargs)

    def row_rect(self, r: int, **kwargs) -> Rectangle:
        i = r - self.lo
        return self.strip.cell_rect(i, 0, i, self.strip.cols - 1, **kwargs)

    def cell_rect(self, r: int, c: int, **kwargs) -> Rectangle:
        return self.strip.cell_rect(r - self.lo, c, **kwargs)

class ColumnWindow(Group):
    """Rows lo..hi of a long vector (or of several side by side: values [n] or [n, k]),
    magnified into readable cells `cell_h` tall: a 192-long column is never a hairline. The rows
    left out are summarised by the scene (see summaries()). cell_rect / cell_center take the
    vector's own row numbers, as VectorStrip's do.

        ColumnWindow(fc[t], 170, 185, cell_h=0.2, thickness=0.3)
    """

    def __init__(self, values, lo: int, hi: int, cell_h: float, thickness: float, kind: str = "act",
                 scale: float | None = None):
        super().__init__()
        values = np.asarray(values, dtype=float)
        self.values, self.lo, self.hi, self.n = values, lo, hi, values.shape[0]
        self.color_scale = scale if scale is not None else style.robust_scale(values)
        window = values[lo:hi + 1]
        self.strip = VectorStrip(window if window.ndim == 2 else window, length=cell_h * (hi - lo + 1),
                                 thickness=thickness, kind=kind, scale=self.color_scale, px=6)
        self.rows, self.cols = hi - lo + 1, (1 if window.ndim == 1 else window.shape[1])
        self.add(self.strip)

    @classmethod
    def around(cls, values, row: int, size: int, cell_h: float, thickness: float, **kwargs) -> "ColumnWindow":
        """`size` rows with `row` in them (a third of the way down, where the window allows)."""
        n = np.asarray(values).shape[0]
        lo = int(np.clip(row - size // 3, 0, max(0, n - size)))
        return cls(values, lo, min(n - 1, lo + size - 1), cell_h, thickness, **kwargs)

    def has(self, r: int) -> bool:
        return self.lo <= r <= self.hi

    def cell_rect(self, r0, c0=0, r1=None, c1=None, **kwargs) -> Rectangle:
        r1 = r0 if r1 is None else r1
        return self.strip.cell_rect(r0 - self.lo, c0, r1 - self.lo, c1, **kwargs)

    def cell_center(self, r: int, c: int = 0):
        return self.cell_rect(r, c).get_center()

    def summaries(self, more: str, font_size: float = 18) -> VGroup:
        """'⋮ N more' above and below the window (for the rows left out), an empty group each
        where none is: VGroup(above, below)."""
        from .values import label
        above = (label(more.format(n=self.lo), font_size=font_size, color=style.MUTED).next_to(self.strip, UP, buff=0.08)
                 if self.lo > 0 else VGroup())
        below = (label(more.format(n=self.n - 1 - self.hi), font_size=font_size, color=style.MUTED)
                 .next_to(self.strip, DOWN, buff=0.08) if self.hi < self.n - 1 else VGroup())
        return VGroup(above, below)
