"""Feed-forward (layer 0): fc = W_fc x + b, GELU element by element, proj = W_proj g + b,
then added to the residual backbone. One focus time step: the 6th (the last input token).

Four stages, each across the frame, handing its result to the next:
  A  W_fc (the rows around the one multiplied, large; the others summarised) . x (T columns
     x C rows) + b = fc (T columns x 4C rows), with a row . column sweep;
  B  fc moves left, the activation plot fills the middle, GELU's output column on the right;
  C  W_proj (rows around the one shown) . g + b = proj;
  D  proj moves to the centre: resid + proj = out, the residual backbone.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, PI, RIGHT, UP, Create, DashedLine, DashedVMobject, FadeIn, FadeOut, Group,
                   ReplacementTransform, Transform, UpdateFromAlphaFunc, VGroup, Rectangle)

from engine.model import gelu

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit.equations import Relation, first_precision, holds_as_shown, shown
from scenes.kit import (ColumnWindow, DimLabel, FunctionPlot, PlusSign, RowSlice, ValueLabel, VectorStrip,
                        highlight_box, label, title_safe)

LAYER = 0
Y_MID = style.FFN_Y
LEGEND_DROP = 0.45   # the plot's legend starts this far under the plot's top
LEFT_X = style.FFN_LEFT
RELU_COLOR = style.MUTED
GELU_COLOR = style.MLP_COLOR
DOT_COLOR = style.HIGHLIGHT
SMALL = 18                      # smallest label size (>= 24 px at 1080p)


def slot(mob) -> DashedVMobject:
    """The empty place of something not computed yet: a dashed outline of its size."""
    return DashedVMobject(Rectangle(width=mob.width, height=mob.height, stroke_color=style.EDGE, stroke_width=2),
                          num_dashes=40).move_to(mob)


class FeedForward(NanoScene):
    scene_id = "feedforward"
    map_part = ("feedforward", 0)   # framed on the model map at the chapter boundaries
    mini_map = True                # the dock: "you are here" on the mini-map (scenes/handoff.py)
    carry_in, carry_out = "h.0.resid_1", "h.0.out"   # the focus column across the boundaries

    def carry_spot(self, which: str):
        return self.x_focus if which == "in" else self.res_cols[2]

    # ---- layout ---------------------------------------------------------------------------

    def prepare(self) -> None:
        tr, p = self.trace, f"h.{LAYER}.mlp"
        self.t_focus = len(self.run.input_tokens) - 1
        t = self.t_focus
        self.C4 = self.weights[f"transformer.h.{LAYER}.mlp.c_fc.weight"].shape[0]
        fc = tr[f"{p}.fc"]
        self.row = int(np.argmax(np.abs(fc[t])))                      # shown dot product of W_fc
        self.chan = self._shown_channel()                             # shown W_proj row / residual
        self._build_fc_part()
        self._build_plot()
        self._build_proj_part()
        self._build_residual()
        # the whole equation from the start, fc's place drawn empty: W_fc . x + b = fc
        self.add(self.zoom, self.w_fc_label, self.x_focus, self.x_label, self.x_dims, self.t_tag, self.plus_fc,
                 self.b_fc, self.b_label, self.b_more, self.eq_fc, self.fc_slot, self.fc_label)

    def _shown_channel(self) -> int:
        """A channel where proj is large and resid + proj = out also holds at 2 decimals as
        shown (rounding can make a true sum look off by 0.01)."""
        t = self.t_focus
        resid, proj, out = (self.trace[f"h.{LAYER}.{n}"][t] for n in ("resid_1", "mlp.proj", "out"))
        shown = lambda v: float(ValueLabel.format(float(v)))
        order = np.argsort(-np.abs(proj))
        fits = [int(c) for c in order if abs(shown(resid[c]) + shown(proj[c]) - shown(out[c])) < 1e-9]
        return fits[0] if fits else int(order[0])

    def _build_fc_part(self) -> None:
        w, t = self.words, self.t_focus
        C = self.cfg.n_embd
        wname = f"transformer.h.{LAYER}.mlp.c_fc"
        x_all = self.trace[f"h.{LAYER}.ln_2.out"]
        fc = self.trace[f"h.{LAYER}.mlp.fc"]
        T = len(x_all)
        self.T = T
        self.fc_scale = style.robust_scale(fc)
        # W_fc: the multiplied row and its neighbours, 48 cells across; the other rows summarised.
        self.zoom = RowSlice.around(self.weights[f"{wname}.weight"], self.row, style.FFN_ZOOM_ROWS, width=5.2,
                                    row_h=style.FFN_ROW_H, more=w["more_rows"])
        self.zoom.move_to([LEFT_X + self.zoom.width / 2, Y_MID, 0])
        self.w_fc_label = VGroup(label(w["w_fc"], font_size=22),
                                 DimLabel(f"4C × C = {self.C4} × {C}", font_size=SMALL))
        self.w_fc_label.arrange(RIGHT, buff=0.2).next_to(self.zoom, UP, buff=0.25).align_to(self.zoom, LEFT)
        self.row_tag = label(w["row"].format(n=self.row + 1), font_size=SMALL, color=style.HIGHLIGHT)
        title_safe(self.row_tag.next_to(self.zoom.row_rect(self.row), DOWN, buff=0.04).align_to(self.zoom, LEFT))
        # x: T columns x C rows, the focus (6th) column drawn apart so it can be lit first.
        col_w, x_h = 0.24, 2.9
        x_left = self.zoom.get_right()[0] + 0.5
        self.x_rest = VectorStrip(x_all[:t].T, length=x_h, thickness=col_w * t, scale=style.robust_scale(x_all))
        self.x_rest.move_to([x_left + col_w * t / 2, Y_MID, 0])
        self.x_focus = VectorStrip(x_all[t], length=x_h, thickness=col_w, scale=style.robust_scale(x_all))
        self.x_focus.next_to(self.x_rest, RIGHT, buff=0)
        self.x_label = label(w["x"], font_size=22).next_to(Group(self.x_rest, self.x_focus), UP, buff=0.25)
        self.x_dims = DimLabel(f"C = {C}", font_size=SMALL).rotate(PI / 2).next_to(self.x_focus, RIGHT, buff=0.08)
        self.t_tag = label(w["t"].format(n1=t + 1), font_size=SMALL, color=style.HIGHLIGHT)
        self.t_tag.next_to(self.x_focus, DOWN, buff=0.1).align_to(self.x_focus, RIGHT)
        self.x_t_dim = DimLabel(f"T = {T}", font_size=SMALL).next_to(self.t_tag, DOWN, buff=0.1)
        self.x_t_dim.align_to(self.x_rest, LEFT)
        # + b = fc: the 4C-long columns as a window of readable cells around the row multiplied
        # (the same rows in b, fc and later GELU's output, so they line up), the rest summarised
        window = lambda values, width, **kw: ColumnWindow.around(values, self.row, style.FFN_WINDOW, style.FFN_CELL_H,
                                                                 width, **kw)
        self.plus_fc = PlusSign(0.22).next_to(self.x_dims, RIGHT, buff=0.3)
        self.b_fc = window(self.weights[f"{wname}.bias"], 0.3, kind="weight").next_to(self.plus_fc, RIGHT, buff=0.3)
        self.b_label = label(w["b"], font_size=22).next_to(self.b_fc, UP, buff=0.45)
        self.eq_fc = label("=", font_size=32).next_to(self.b_fc, RIGHT, buff=0.25)
        fc_w = 0.3
        self.fc_rest = window(fc[:t].T, fc_w * t, scale=self.fc_scale)
        self.fc_rest.next_to(self.eq_fc, RIGHT, buff=0.25)
        self.fc_focus = window(fc[t], fc_w, scale=self.fc_scale).next_to(self.fc_rest, RIGHT, buff=0)
        self.lo, self.hi = self.fc_focus.lo, self.fc_focus.hi
        self.elem = self.lo + int(np.argmin(fc[t][self.lo:self.hi + 1]))   # the element shown through GELU
        self.b_more = self.b_fc.summaries("⋮")   # the same rows left out as fc's: their count is said there
        self.fc_more = self.fc_focus.summaries(w["more_rows"])
        for more in self.fc_more:
            more.align_to(self.fc_rest, LEFT)
        self.fc_label = label(w["fc"], font_size=22).next_to(Group(self.fc_rest, self.fc_focus), UP, buff=0.45)
        self.fc_slot = slot(Group(self.fc_rest, self.fc_focus))
        self.fc_dim = DimLabel(f"4C = {self.C4}", font_size=SMALL).rotate(PI / 2)
        self.fc_dim.next_to(self.fc_focus, RIGHT, buff=0.1)
        self.fc_t_dim = DimLabel(f"T = {T}", font_size=SMALL).next_to(self.fc_more[1], DOWN, buff=0.08)
        self.fc_t_dim.align_to(self.fc_rest, LEFT)
        # the one number of this stage says what it is: fc[177] = w·x + b = 1.40
        value = ValueLabel.of(self.run, f"h.{LAYER}.mlp.fc", (t, self.row), font_size=SMALL, color=style.HIGHLIGHT)
        self.fc_value = VGroup(label(f"fc[{self.row + 1}] = w·x + b =", font_size=SMALL, color=style.HIGHLIGHT), value)
        self.fc_value.arrange(RIGHT, buff=0.1)   # under fc, clear of every column (the cell is framed)
        self.fc_value.next_to(self.fc_more[1], DOWN, buff=0.12).align_to(self.fc_focus, RIGHT)
        title_safe(self.fc_value)

    def _build_plot(self) -> None:
        w, t = self.words, self.t_focus
        fc = self.trace[f"h.{LAYER}.mlp.fc"][t]
        act = self.trace[f"h.{LAYER}.mlp.gelu"][t]
        # Wide enough for every point and for GELU's dip below zero (around x = -0.75).
        reach = float(max(1.0, np.ceil(2 * np.max(np.abs(fc))) / 2))
        self.plot = FunctionPlot(x_max=reach, y_min=-reach / 4, y_max=reach, width=4.0, height=3.4, ticks=1)
        for tick in self.plot.ticks:
            tick.scale(SMALL / 16)
        ax = self.plot.axes
        # The left tick label above its axis: below it, GELU's tail runs through it.
        self.plot.ticks[0].next_to(ax.c2p(-reach, 0), UP, buff=0.1)
        self.plot.ticks[1].next_to(ax.c2p(reach, 0), DOWN, buff=0.1)
        self.plot.ticks[2].next_to(ax.c2p(0, reach), LEFT, buff=0.1)
        self.plot.move_to([-1.4, Y_MID + 0.1, 0])
        self.linear = DashedLine(ax.c2p(-reach / 4, -reach / 4), ax.c2p(reach, reach),
                                 color=style.MUTED, stroke_width=2)
        self.linear_label = label(w["linear"], font_size=SMALL, color=style.MUTED)
        self.linear_label.next_to(ax.c2p(reach * 0.55, reach * 0.55), RIGHT, buff=0.15)
        self.plot_label = label(w["activation"], font_size=22).next_to(self.plot, UP, buff=0.2)
        self.relu_curve = self.plot.curve(lambda x: np.maximum(x, 0.0), RELU_COLOR)
        self.gelu_curve = self.plot.curve(gelu, GELU_COLOR)
        self.dots = self.plot.dots(fc, act, DOT_COLOR, radius=0.035)
        # The legend sits right of the plot, clear of every curve.
        self.relu_label = label(w["relu"], font_size=20, color=style.INK)
        self.gelu_label = label("GELU", font_size=22, color=GELU_COLOR, weight="BOLD")
        self.dots_label = label(w["points"].format(n1=t + 1, n=len(fc)), font_size=SMALL, color=DOT_COLOR)
        legend = VGroup(self.relu_label, self.gelu_label, self.dots_label).arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        # ... and under the output column's "more rows" line (they shared a row at the plot's top)
        legend.next_to(self.plot, RIGHT, buff=0.4).align_to(self.plot, UP).shift(DOWN * LEGEND_DROP)
        # one element through GELU: "fc → GELU(fc)", an element of the window that dips below zero
        x, y = float(fc[self.elem]), float(act[self.elem])   # fc with the digits GELU(fc) = y needs, shown
        digits = first_precision((2, 3), lambda p: holds_as_shown("gelu", shown(y, 2), 2, [shown(x, p)]))
        pair = [ValueLabel.of(self.run, f"h.{LAYER}.mlp.{n}", (t, self.elem), font_size=20, color=DOT_COLOR,
                              precision=p) for n, p in (("fc", digits), ("gelu", 2))]
        relation = Relation("gelu", pair[1], [pair[0]], name="GELU")
        text = lambda t: label(t, font_size=20, color=DOT_COLOR)
        self.pair = VGroup(text("GELU("), pair[0], text(f") {relation.sign}"), pair[1])   # GELU(-0.55) = -0.16
        self.pair.arrange(RIGHT, buff=0.06).next_to(legend, DOWN, buff=0.35).align_to(legend, LEFT)
        self.relations = [relation.mark(self.pair[2])]
        # GELU's output column, on the right: the same window of rows as fc's
        self.act_col = ColumnWindow(act, self.lo, self.hi, style.FFN_CELL_H, 0.3, scale=self.fc_scale)
        self.act_col.move_to([0, Y_MID, 0]).align_to([style.DOCK_ZONE[0] - style.DOCK_GAP, 0, 0], RIGHT)   # left of the dock
        self.act_more = self.act_col.summaries(w["more_rows"])
        for more in self.act_more:
            more.align_to(self.act_col, RIGHT)
        self.act_label = label(w["gelu"], font_size=22, color=GELU_COLOR).next_to(self.act_col, UP, buff=0.45)
        self.act_label.align_to(self.act_col, RIGHT)   # its name, like its column, ends left of the dock
        self.act_dim = DimLabel(f"4C = {self.C4}", font_size=SMALL).rotate(PI / 2).next_to(self.act_col, LEFT, buff=0.1)
        self.act_slot = slot(self.act_col)

    def _build_proj_part(self) -> None:
        w, t, c = self.words, self.t_focus, self.chan
        C = self.cfg.n_embd
        wname = f"transformer.h.{LAYER}.mlp.c_proj"
        proj = self.trace[f"h.{LAYER}.mlp.proj"]
        self.pzoom = RowSlice.around(self.weights[f"{wname}.weight"], c, style.FFN_ZOOM_ROWS, width=8.2,
                                     row_h=style.FFN_ROW_H, more=w["more_rows"])
        self.pzoom.move_to([LEFT_X + self.pzoom.width / 2, Y_MID, 0])
        self.w_proj_label = VGroup(label(w["w_proj"], font_size=22),
                                   DimLabel(f"C × 4C = {C} × {self.C4}", font_size=SMALL))
        self.w_proj_label.arrange(RIGHT, buff=0.2).next_to(self.pzoom, UP, buff=0.25).align_to(self.pzoom, LEFT)
        self.g_place = [self.pzoom.get_right()[0] + 0.45, Y_MID, 0]
        self.plus_proj = PlusSign(0.22).move_to([self.g_place[0] + 0.55, Y_MID, 0])
        self.b_proj = VectorStrip(self.weights[f"{wname}.bias"], length=2.9, thickness=0.3,
                                  kind="weight").next_to(self.plus_proj, RIGHT, buff=0.2)
        self.b_proj_label = label("b", font_size=22).next_to(self.b_proj, UP, buff=0.12)
        self.eq_proj = label("=", font_size=32).next_to(self.b_proj, RIGHT, buff=0.18)
        self.proj_scale = style.robust_scale(self.trace[f"h.{LAYER}.out"])
        self.proj_col = VectorStrip(proj[t], length=2.9, thickness=0.3, scale=self.proj_scale)
        self.proj_col.next_to(self.eq_proj, RIGHT, buff=0.18)
        self.proj_label = label(w["proj"], font_size=22).next_to(self.proj_col, UP, buff=0.12)
        self.proj_slot = slot(self.proj_col)
        self.proj_dim = DimLabel(f"C = {C}", font_size=SMALL).rotate(PI / 2).next_to(self.proj_col, RIGHT, buff=0.1)
        value = ValueLabel.of(self.run, f"h.{LAYER}.mlp.proj", (t, c), font_size=SMALL, color=style.HIGHLIGHT)
        self.proj_value = VGroup(label(f"proj[{c + 1}] =", font_size=SMALL, color=style.HIGHLIGHT), value)
        self.proj_value.arrange(RIGHT, buff=0.1).next_to(self.proj_col, DOWN, buff=0.15)
        title_safe(self.proj_value)

    def _build_residual(self) -> None:
        w, t, c = self.words, self.t_focus, self.chan
        names = [f"h.{LAYER}.resid_1", f"h.{LAYER}.mlp.proj", f"h.{LAYER}.out"]
        length, y = 3.4, Y_MID + 0.2
        cols, values = [], []
        for k, name in enumerate(names):
            col = VectorStrip(self.trace[name][t], length=length, thickness=0.5, scale=self.proj_scale)
            col.move_to([(k - 1) * style.FFN_RES_X, y, 0])
            cols.append(col)
            values.append(ValueLabel.of(self.run, name, (t, c), font_size=24).next_to(col, DOWN, buff=0.2))
        self.res_cols, self.res_values = cols, VGroup(*values)
        between = lambda a, b: (a.get_center() + b.get_center()) / 2
        self.res_signs = VGroup(PlusSign(0.3).move_to(between(cols[0], cols[1])),
                                label("=", font_size=40).move_to(between(cols[1], cols[2])))
        self.res_value_signs = VGroup(PlusSign(0.2, stroke_width=3).move_to(between(values[0], values[1])),
                                      label("=", font_size=24).move_to(between(values[1], values[2])))
        self.res_labels = VGroup(*[label(text, font_size=24).next_to(col, UP, buff=0.15)
                                   for text, col in zip([w["resid"], w["proj"], w["out"]], cols)])
        self.res_cells = VGroup(*[col.cell_rect(c, stroke_width=2.5) for col in cols])
        self.backbone_label = label(w["backbone"], font_size=24, color=style.RESID_COLOR)
        self.relations.append(Relation("sum", values[2], values[:2], name="resid + proj = out")
                              .mark(*self.res_value_signs))
        self.backbone_label.next_to(self.res_values, DOWN, buff=0.25)

    # ---- helpers ----------------------------------------------------------------------------

    def writing(self, strip) -> UpdateFromAlphaFunc:
        """Reveal `strip` from its top edge down, as if its values were being written: a cover
        of background colour shrinks off it (and leaves the scene at the end)."""
        cover = Rectangle(width=strip.width + 0.04, height=strip.height + 0.04, stroke_width=0,
                          fill_color=style.BACKGROUND, fill_opacity=1).move_to(strip)
        full = cover.copy()
        self.add(strip, cover)

        def shrink(mob, alpha):
            mob.become(full)
            mob.stretch_to_fit_height(max(1e-3, full.height * (1 - alpha)), about_edge=DOWN)

        return UpdateFromAlphaFunc(cover, shrink, remover=True)

    def row_sweep(self, zoom: RowSlice, r: int, column, run_time: float, more=None):
        """Row . column: one cell lit along row r of the matrix while the matching cell is lit
        down the column (the element-wise products that the sum adds up). A ColumnWindow
        column lights its "⋮ N more" summaries (`more`: above, below) for the rows it leaves out."""
        n = zoom.strip.cols
        window = isinstance(column, ColumnWindow)

        def partner(j):
            if not window or column.has(j):
                return column.cell_rect(j, stroke_width=2.5)
            return highlight_box(more[0] if j < column.lo else more[1], buff=0.04, stroke_width=2.5)

        pair = VGroup(zoom.cell_rect(r, 0, stroke_width=2.5), partner(0)).set_z_index(10)

        def step(mob, alpha):
            j = min(n - 1, int(alpha * n))
            mob[0].become(zoom.cell_rect(r, j, stroke_width=2.5))
            mob[1].become(partner(j))

        self.add(pair)
        self.play(UpdateFromAlphaFunc(pair, step), run_time=run_time)
        return pair

    # ---- beats --------------------------------------------------------------------------------

    @beat("feedforward.matvec")
    def matvec(self):
        i = self.row
        self.highlight(self.x_focus, 0.08, buff=0.04)
        row = self.zoom.row_rect(i, stroke_width=3)
        self.play(Create(row), FadeIn(self.row_tag), run_time=self.t(0.08))
        pair = self.row_sweep(self.zoom, i, self.x_focus, run_time=self.t(0.3))
        cell = self.fc_focus.cell_rect(i, stroke_width=2.5)
        bias_cell = self.b_fc.cell_rect(i, stroke_width=2.5)
        self.play(FadeOut(pair), Create(bias_cell), Create(cell), FadeIn(self.fc_value), FadeIn(self.fc_more),
                  run_time=self.t(0.12))
        self.hold(self.t(0.08))
        self.play(FadeOut(cell), FadeOut(bias_cell), FadeOut(self.fc_value), self.unhighlight(),
                  self.writing(self.fc_focus), run_time=self.t(0.2))
        self.play(FadeOut(row), FadeOut(self.row_tag), run_time=self.t(0.04))

    @beat("feedforward.expand")
    def expand(self):
        self.play(self.reveal(self.x_rest, self.fc_rest), FadeIn(self.x_t_dim), FadeIn(self.fc_t_dim), FadeOut(self.fc_slot),
                  run_time=self.t(0.15))
        both = VGroup(self.frame_around(self.x_focus, buff=0.04), self.frame_around(self.fc_focus, buff=0.04))
        self.highlight(both, 0.12, *self.dim(self.x_rest, self.fc_rest.strip, opacity=0.35))
        self.highlight(self.x_focus, 0.12, self.x_dims.animate.set_color(style.HIGHLIGHT), buff=0.04)
        self.highlight(self.fc_focus, 0.2, FadeIn(self.fc_dim.set_color(style.HIGHLIGHT)), buff=0.04)
        self.hold(self.t(0.08))
        self.play(self.unhighlight(), self.x_dims.animate.set_color(style.MUTED),
                  self.fc_dim.animate.set_color(style.MUTED), *self.dim(self.x_rest, self.fc_rest.strip, opacity=1.0),
                  run_time=self.t(0.08))

    @beat("feedforward.activation")
    def activation(self):
        # fc moves to the left edge; what made it leaves; the plot takes the middle.
        gone = [self.zoom, self.w_fc_label, self.x_rest, self.x_focus, self.x_label, self.x_dims, self.t_tag,
                self.x_t_dim, self.plus_fc, self.b_fc, self.b_label, self.b_more, self.eq_fc]
        gone += [m.veil for m in (self.x_rest, self.x_focus, self.b_fc.strip, self.fc_rest.strip)
                 if getattr(m, "veil", None) is not None]
        fc_group = Group(self.fc_rest, self.fc_focus, self.fc_label, self.fc_dim, self.fc_t_dim, self.fc_more)
        shift = LEFT_X - self.fc_rest.get_left()[0]
        self.play(*[FadeOut(m) for m in gone], fc_group.animate.shift(RIGHT * shift), run_time=self.t(0.2))
        self.play(FadeIn(self.plot), FadeIn(self.plot_label), FadeIn(self.act_slot), run_time=self.t(0.15))
        self.play(Create(self.linear), FadeIn(self.linear_label), run_time=self.t(0.25))

    @beat("feedforward.relu")
    def relu(self):
        bend = self.linear.copy()
        # the straight line bends into ReLU and leaves (nothing is drawn over a ghost of it)
        self.play(Transform(bend, self.relu_curve), FadeIn(self.relu_label),
                  FadeOut(self.linear), FadeOut(self.linear_label), run_time=self.t(0.35))
        self.remove(bend)
        self.add(self.relu_curve)
        self.highlight(self.relu_label, 0.12, buff=0.06)
        self.play(self.unhighlight(), run_time=self.t(0.1))

    @beat("feedforward.gelu")
    def gelu_beat(self):
        self.play(Create(self.gelu_curve), FadeIn(self.gelu_label),
                  self.relu_curve.animate.set_stroke(opacity=0.5), run_time=self.t(0.25))
        self.highlight(self.fc_focus, 0.08, buff=0.04)
        self.play(FadeIn(self.dots, lag_ratio=0.02), FadeIn(self.dots_label), run_time=self.t(0.3))
        self.play(self.unhighlight(), run_time=self.t(0.05))

    @beat("feedforward.elementwise")
    def elementwise(self):
        j = self.elem
        src = self.fc_focus.cell_rect(j, stroke_width=2.5)
        ring = self.dots[j].copy().scale(2.4).set_fill(opacity=0).set_stroke(style.HIGHLIGHT, 3)
        self.play(Create(src), Create(ring), FadeIn(self.pair), FadeIn(self.act_label), FadeIn(self.act_dim),
                  FadeIn(self.act_more), run_time=self.t(0.15))
        self.hold(self.t(0.12))
        walk = self.fc_focus.cell_rect(self.lo, stroke_width=2.5)
        self.play(FadeOut(src), FadeOut(ring), run_time=self.t(0.05))
        self.play(walk.animate.move_to(self.fc_focus.cell_center(self.hi)), FadeOut(self.act_slot),
                  self.writing(self.act_col), run_time=self.t(0.45))
        self.play(FadeOut(walk), run_time=self.t(0.06))

    @beat("feedforward.project")
    def project(self):
        c = self.chan
        gone = [self.fc_rest, self.fc_focus, self.fc_label, self.fc_dim, self.fc_t_dim, self.plot,
                self.plot_label, self.relu_curve, self.gelu_curve, self.dots, self.relu_label, self.gelu_label,
                self.dots_label, self.pair, self.act_dim, self.fc_more]
        gone += [m.veil for m in (self.fc_rest.strip, self.fc_focus.strip) if getattr(m, "veil", None) is not None]
        g = Group(self.act_col, self.act_label, self.act_more)
        self.play(*[FadeOut(m) for m in gone], g.animate.shift(self.g_place - self.act_col.get_center()),
                  run_time=self.t(0.14))
        # the whole equation at once, proj's place drawn empty: W_proj . g + b = proj
        self.play(self.reveal(self.pzoom.strip, self.b_proj), FadeIn(self.pzoom.above), FadeIn(self.pzoom.below),
                  FadeIn(self.w_proj_label), FadeIn(self.plus_proj), FadeIn(self.b_proj_label), FadeIn(self.eq_proj),
                  FadeIn(self.proj_slot), run_time=self.t(0.1))
        row = self.pzoom.row_rect(c, stroke_width=3)
        self.highlight(self.act_col, 0.06, Create(row), buff=0.04)
        pair = self.row_sweep(self.pzoom, c, self.act_col, run_time=self.t(0.25), more=self.act_more)
        self.play(FadeOut(pair), self.unhighlight(), run_time=self.t(0.1))
        cell = self.proj_col.cell_rect(c, stroke_width=2.5)
        self.play(self.reveal(self.proj_col), FadeOut(self.proj_slot), Create(cell), FadeIn(self.proj_value), FadeIn(self.proj_label),
                  FadeIn(self.proj_dim.set_color(style.HIGHLIGHT)), run_time=self.t(0.12))
        self.hold(self.t(0.08))
        self.play(FadeOut(row), self.proj_dim.animate.set_color(style.MUTED), run_time=self.t(0.05))
        self.proj_cell = cell

    @beat("feedforward.residual")
    def residual(self):
        resid, proj, out = self.res_cols
        gone = [self.pzoom, self.w_proj_label, self.act_col, self.act_label, self.act_more, self.plus_proj, self.b_proj,
                self.b_proj_label, self.eq_proj, self.proj_dim, self.proj_label, self.proj_value, self.proj_cell]
        moving = Group(self.proj_col)
        self.play(*[FadeOut(m) for m in gone], ReplacementTransform(moving, Group(proj)), run_time=self.t(0.15))
        # the backbone comes with the residual (the line names it first): the add happens inside
        # it (drawn last, the three columns alone spanned 44/54 % of the width for most of the line)
        frame = highlight_box(Group(resid, out, self.res_values, self.res_labels),
                              color=style.RESID_COLOR, buff=0.15)
        self.play(self.reveal(resid), FadeIn(self.res_labels[0]), FadeIn(self.res_labels[1]),
                  FadeIn(self.res_signs[0]), Create(frame), FadeIn(self.backbone_label), run_time=self.t(0.15))
        self.play(FadeIn(self.res_signs[1]), FadeIn(self.res_labels[2]), run_time=self.t(0.05))
        self.play(self.writing(out), run_time=self.t(0.15))
        self.play(Create(self.res_cells), FadeIn(self.res_values), FadeIn(self.res_value_signs),
                  run_time=self.t(0.12))
        self.highlight(self.backbone_label, 0.1, buff=0.06)
        self.play(self.unhighlight(), run_time=self.t(0.05))
