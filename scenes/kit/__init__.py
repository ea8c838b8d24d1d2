"""The visual kit: small Mobject classes every scene builds from, grouped by what they draw.

    values      numbers (ValueLabel), labels, tokens (TokenChip, TokenStrip), a magnifier
    matrices    cells, heatmaps, strips, the attention grid, thumbnails, bar columns
    model_map   the model as blocks and wires (ModelDiagram, BlockDiagram)
    plots       function plots, probability bars
    highlights  outlines, veils, flights (the scene-side vocabulary is scenes/beats.py)
"""
from .highlights import highlight_box, pour, set_look, veil
from .matrices import (BarColumn, CellColumn, Cells, ColumnWindow, GridFrame, Heatmap, RowSlice, SpacedColumns, Thumbnail,
                       VectorStrip, block, column_rect, lay_flat, masked, turn_onto)
from .model_map import (PARTS, AddJoin, Block, BlockDiagram, Dock, MiniMap, ModelDiagram, PlusSign,
                        boundary_block, carried_column, flow_arrow, here_name)
from .plots import FunctionPlot, NextTokenBars, ProbabilityBars, stacked_strip, tick_line
from .values import (DimLabel, Magnifier, TokenChip, TokenStrip, ValueLabel, align_baselines, digits_for, equation,
                     label, resolve_source, title_safe)

__all__ = ["AddJoin", "BarColumn", "Block", "BlockDiagram", "CellColumn", "Cells", "ColumnWindow", "DimLabel", "Dock",
           "FunctionPlot", "GridFrame", "Heatmap", "Magnifier", "MiniMap", "ModelDiagram", "NextTokenBars",
           "PARTS", "PlusSign", "ProbabilityBars", "RowSlice", "SpacedColumns", "Thumbnail", "TokenChip",
           "TokenStrip", "ValueLabel", "VectorStrip", "align_baselines", "block", "boundary_block", "carried_column",
           "column_rect", "digits_for", "equation",
           "flow_arrow", "here_name", "highlight_box", "label", "lay_flat", "masked", "pour", "resolve_source",
           "set_look", "stacked_strip", "tick_line", "title_safe", "turn_onto", "veil"]
