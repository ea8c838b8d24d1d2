"""The visual language: one palette, one type scale, one layout grid for every scene."""
from __future__ import annotations

import numpy as np
from manim import ManimColor, interpolate_color

BACKGROUND = ManimColor("#0f1117")
INK = ManimColor("#e8e6e3")          # main text
MUTED = ManimColor("#8b93a1")        # secondary text, dimension labels
PANEL = ManimColor("#1b1f2a")        # block backgrounds
EDGE = ManimColor("#3a4150")         # block outlines
HIGHLIGHT = ManimColor("#ffd54a")    # "the thing the caption names"

# Each token keeps one colour everywhere.
TOKEN_COLORS = [ManimColor("#4fc3f7"), ManimColor("#81c784"), ManimColor("#f48fb1")]  # A, B, C

# Activations: blue (negative) - neutral - orange (positive).
ACT_NEG, ACT_ZERO, ACT_POS = ManimColor("#3b82f6"), ManimColor("#262b36"), ManimColor("#f59e0b")
# Weights: teal (negative) - neutral - violet (positive); drawn with a light outline too.
W_NEG, W_ZERO, W_POS = ManimColor("#14b8a6"), ManimColor("#262b36"), ManimColor("#a855f7")

# Stage colours for blocks in overviews.
ATTN_COLOR = ManimColor("#60a5fa")
MLP_COLOR = ManimColor("#f472b6")
LN_COLOR = ManimColor("#a3e635")
RESID_COLOR = ManimColor("#94a3b8")

FONT = "Noto Sans CJK SC"       # renders Latin and CJK alike
MONO = "DejaVu Sans Mono"       # numbers line up in columns

# Type scale (font_size). At 1080p a digit is ~1.42 px per font_size point (16 -> 22.7 px).
SIZE_DISPLAY = 48           # the model's name, once
SIZE_TITLE, SIZE_BODY, SIZE_LABEL, SIZE_SMALL = 40, 30, 24, 20
SIZE_NUMBER = 18            # values in rows and lenses
SIZE_TINY = 18              # the smallest text: indices, dimension labels, names over columns
MIN_FONT_SIZE = 17          # 24 px digits at 1080p: the audit's minimum (audit.MIN_TEXT_PX)

# Layout (Manim units; the frame is 14.22 x 8). Captions own the band below CAPTION_TOP.
FRAME_W, FRAME_H = 14.222, 8.0
CAPTION_TOP = -2.55       # nothing is drawn below this y except the caption
CAPTION_CENTER_Y = -3.25
# Title-safe: 5% of the frame kept free on each side (96 px at 1080p), for text and drawings alike.
TITLE_SAFE_X = FRAME_W / 2 * 0.9
TITLE_SAFE_Y = FRAME_H / 2 * 0.9
PX = FRAME_H / 1080       # one pixel at 1080p, in scene units
CAPTION_CLEARANCE = 30 * PX   # free space between the drawing and the captions
STAGE_TOP = TITLE_SAFE_Y                         # the drawing lies between these two
STAGE_BOTTOM = CAPTION_TOP + CAPTION_CLEARANCE

# The model map's places (ModelDiagram): at every chapter boundary, and docked beside an overview.
MAP_HEIGHT, MAP_CENTER = 5.6, np.array([0.0, 0.55, 0.0])   # the map at the hand-off
MAP_DOCK_EDGE = 6.3       # |x| of a docked map's outer edge (its labels inside title-safe)
MAP_DOCK_Y = 0.62         # y of a docked map's centre
# The dock of the detail chapters (kit Dock): the mini-map top right, under the name of where we
# are; scenes keep their drawing out of DOCK_ZONE (left, bottom, right, top), and the width
# audit does not count the dock as drawing.
DOCK_TOP = TITLE_SAFE_Y
DOCK_LABEL_BAND = 0.42    # the "Transformer 1 · head 2" line above the mini-map
DOCK_MAP_HEIGHT = 2.3
DOCK_ZONE = (TITLE_SAFE_X - 1.25, DOCK_TOP - DOCK_LABEL_BAND - DOCK_MAP_HEIGHT - 0.15, TITLE_SAFE_X, DOCK_TOP)
DOCK_GAP = 0.15           # what a drawing keeps free beside the dock
DOCK_NAME_ZONE = (TITLE_SAFE_X - 3.9, DOCK_TOP - DOCK_LABEL_BAND, TITLE_SAFE_X, DOCK_TOP)
# A dock boundary: the carried column waits in CARRY_SLOT beside the block the camera is at
# (a box named after it, BOUNDARY_BLOCK_*); the chapters shrink into that box and grow out of it.
CARRY_SLOT = np.array([-3.2, 0.5, 0.0])
CARRY_HEIGHT = 3.6
BOUNDARY_BLOCK_CENTER = np.array([0.9, 0.5, 0.0])
BOUNDARY_BLOCK_SIZE = (4.0, 1.3)


def value_color(value: float, scale: float, kind: str = "act") -> ManimColor:
    """Diverging colour for a value; `scale` is the magnitude that saturates."""
    neg, zero, pos = (ACT_NEG, ACT_ZERO, ACT_POS) if kind == "act" else (W_NEG, W_ZERO, W_POS)
    t = float(np.clip(value / scale if scale else 0.0, -1.0, 1.0))
    return interpolate_color(zero, pos if t >= 0 else neg, abs(t) ** 0.7)


def value_rgb(values: np.ndarray, scale: float, kind: str = "act") -> np.ndarray:
    """Vectorised value_color for images: [...] -> [..., 3] uint8."""
    neg, zero, pos = ((ACT_NEG, ACT_ZERO, ACT_POS) if kind == "act" else (W_NEG, W_ZERO, W_POS))
    neg, zero, pos = (np.array(c.to_rgb()) for c in (neg, zero, pos))
    t = np.clip(np.nan_to_num(values / (scale or 1.0)), -1.0, 1.0)[..., None]
    mix = np.abs(t) ** 0.7
    rgb = np.where(t >= 0, zero + (pos - zero) * mix, zero + (neg - zero) * mix)
    return (rgb * 255).round().astype(np.uint8)


def robust_scale(values: np.ndarray) -> float:
    """A colour scale that is not ruled by one outlier: the 98th percentile of |value|."""
    finite = np.abs(values[np.isfinite(values)])
    return float(np.percentile(finite, 98)) if finite.size else 1.0


# ---- the detail stages of attention, feed-forward and output (scene-cut) --------------------
# Rules every stage keeps (scenes/audit.py measures them): nothing below STAGE_BOTTOM (a 30 px
# gap above the captions), texts inside title-safe, the working drawing at least
# audit.MIN_WIDTH_SHARE (70 %) of the title-safe width, and nothing in the DOCK_ZONE.

# attention, act I: the normalised input X, then Wq, Wk, Wv as magnified slices of their rows
ATTN_X_LEFT, ATTN_X_COL, ATTN_ROW = -6.3, 0.38, 0.075   # X: T columns, C rows (48 x 0.075 = 3.6)
ATTN_SLICE_LEFT, ATTN_SLICE_W = -3.0, 5.3    # Wq/Wk/Wv: 48 columns of 0.11 (15 px) each
ATTN_SLICE_ROWS, ATTN_SLICE_ROW_H = 3, 0.24  # rows shown of each weight, and their height
ATTN_SLICE_TOP, ATTN_SLICE_PITCH = 2.95, 1.8  # top of the Wq slice; Wk, Wv below it
ATTN_QKV_LEFT, ATTN_QKV_COL = 3.15, 0.25     # q, k, v: T columns, A rows (their frame ends left of the dock)
# act II: the attention matrix, the dot product under it, the softmax rows under it
ATTN_GRID_LEFT, ATTN_GRID_TOP = -2.2, 2.75   # the key chips above it clear of the dock's name
ATTN_CELL_W, ATTN_CELL_H = 1.1, 0.31         # room for "-1.8136" or "≈0.614" at font 18
ATTN_LANE_X = 0.35                           # right of the grid: the lane numbers slide up in
ATTN_ROW_PITCH, ATTN_ROW_H = 0.46, 0.36      # the softmax rows: s, s - max, exp, ÷ Σ
ATTN_DOCK_LEFT = -6.2                        # q, k, v docked at the left for act II (frame in title-safe)
# act III: every head, then concatenation, projection (a slice of W_proj) and the residual add
ATTN_HEAD_CELL, ATTN_HEAD_PITCH = 0.45, 3.7  # the three heads' patterns side by side
ATTN_HEAD_OUT_CELL = (0.16, 0.09)            # each head's output under its pattern: T x A cells (w, h)
ATTN_HEADS_X, ATTN_HEADS_TOP = -0.1, 2.3     # their middle and top: the third clear of the dock, the first
                                             # of the concatenation at the left edge (it stays for concat)
ATTN_III_TOP, ATTN_III_ROW = 3.2, 0.085      # the 48-tall columns (4.08 units)
ATTN_PROJ_ROWS, ATTN_PROJ_ROW_H, ATTN_PROJ_W = 5, 0.26, 4.8   # the W_proj slice
ATTN_STREAM_GAPS = (0.7, 0.55)   # b -> proj (room for '='), then between proj, x and the new x (room for '+', '=')
# same-length: the focus column of the concatenation over the input's, both laid flat in W_proj's
# place (from its left edge to ATTN_FLAT_GAP before the input's column): two bars of one length
ATTN_FLAT_H, ATTN_FLAT_YS, ATTN_FLAT_GAP = 0.28, (1.3, 0.45), 0.4
# feed-forward: W_fc / W_proj as row slices, the 4C-long columns as windows of readable cells
FFN_LEFT = -6.4                   # left edge of the drawings (the title-safe margin)
FFN_Y = 0.45                      # vertical centre of the stage
FFN_WINDOW, FFN_CELL_H = 16, 0.2  # cells shown of a 4C = 192 column (3.2 units), the rest summarised
FFN_ZOOM_ROWS, FFN_ROW_H = 3, 0.3  # rows of W_fc / W_proj shown on each side of the multiplied one
FFN_RES_X = 4.5                   # resid + proj = out: the three columns at -x, 0, +x
# output: the right panel (next-token bars) under the dock: its heads ("logits", "probs",
# "sum = 1") end at the dock zone's bottom, the bars run under the mini-map; its question above it,
# left of the dock. Sampling in the lower left, under lm_head's weight.
OUT_GRID_X0 = -3.7                 # x of the grid's position 0 (lm_head's weight left of it, in title-safe)
OUT_PANEL_X = 3.05
OUT_PANEL_HEADS_TOP = DOCK_ZONE[1]             # the panel's column heads: their top
OUT_PANEL_TITLE_GAP = 0.12                     # the question's bottom over the heads' top
OUT_BAR_LOOK = dict(full=1.05, bar_height=0.16, gap=0.05, group_gap=0.22, bar_x=1.3)   # 2.18 tall
OUT_STRIP_LEFT, OUT_STRIP_W, OUT_STRIP_H = -6.3, 1.85, 0.26  # the line of segments a draw falls on
OUT_STRIP_Y = -1.65                                          # its centre (u over it, its label under it)
OUT_DRAWS_Y, OUT_DRAW_SIZE = STAGE_BOTTOM + 0.2, 0.26         # the row of draws, along the bottom
