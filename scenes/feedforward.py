"""Feed-forward (layer 0): fc = W_fc x + b, GELU element by element, proj = W_proj g + b,
then added to the residual backbone. One focus time step (the last input token).

Layout, left to right: the inputs x (one row per time step) sit on top of W_fc [4C, C] and
the outputs fc come out on its right, one column per time step (each output cell is the dot
product of one row of W_fc with x); the activation plot; the GELU column; W_proj [C, 4C] with
its input row on top and proj on its right; below it the residual add.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, PI, RIGHT, UP, Create, DashedLine, FadeIn, FadeOut, Group,
                   ReplacementTransform, Transform, UpdateFromAlphaFunc, VGroup, Rectangle)

from engine.model import gelu

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import DimLabel, FunctionPlot, PlusSign, ValueLabel, VectorStrip, highlight_box, label

LAYER = 0
TALL = 4.2                      # the 4C-long vectors; C-long ones are a quarter of it
TOP = 2.45                      # top edge of W_fc and W_proj
COL = 0.2                       # width of one vector column
RELU_COLOR = style.MUTED
GELU_COLOR = style.MLP_COLOR
DOT_COLOR = style.HIGHLIGHT


class FeedForward(NanoScene):
    scene_id = "feedforward"

    # ---- layout ---------------------------------------------------------------------------

    def prepare(self) -> None:
        tr, p = self.trace, f"h.{LAYER}.mlp"
        self.t_focus = len(self.run.input_tokens) - 1
        t = self.t_focus
        C = self.cfg.n_embd
        self.C4 = self.weights[f"transformer.h.{LAYER}.mlp.c_fc.weight"].shape[0]
        self.short = TALL * C / self.C4
        fc = tr[f"{p}.fc"]
        self.row = int(np.argmax(np.abs(fc[t])))                      # shown dot product of W_fc
        self.elem = int(np.argmin(fc[t]))                             # shown GELU element
        self.chan = self._shown_channel()                             # shown W_proj row / residual
        self._build_fc_part()
        self._build_plot()
        self._build_proj_part()
        self._build_residual()
        self.add(self.x_focus, self.x_label, self.w_fc, self.w_fc_label, self.w_fc_dims)

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
        wname = f"transformer.h.{LAYER}.mlp.c_fc"
        x_all = self.trace[f"h.{LAYER}.ln_2.out"]
        fc = self.trace[f"h.{LAYER}.mlp.fc"]
        T = len(x_all)
        self.fc_scale = style.robust_scale(fc)
        self.w_fc = VectorStrip(self.weights[f"{wname}.weight"], length=TALL, thickness=self.short,
                                kind="weight").move_to([-5.6, TOP - TALL / 2, 0])
        row_h = 0.12
        x_scale = style.robust_scale(x_all)
        self.x_focus = VectorStrip(x_all[t], length=self.short, thickness=row_h, vertical=False,
                                   scale=x_scale)
        self.x_focus.next_to(self.w_fc, UP, buff=0.08)
        self.x_rest = VectorStrip(x_all[:t], length=self.short, thickness=row_h * t, vertical=False,
                                  scale=x_scale).next_to(self.x_focus, UP, buff=0)
        self.x_label = label(w["x"], font_size=20).next_to(self.w_fc, UP, buff=0.08 + row_h * T + 0.12)
        self.x_label.set_x(self.w_fc.get_x()).shift(RIGHT * max(0, -6.9 - self.x_label.get_left()[0]))
        self.w_fc_label = label(w["w_fc"], font_size=20).next_to(self.w_fc, DOWN, buff=0.1)
        self.w_fc_dims = VGroup(DimLabel(f"C = {self.cfg.n_embd}").next_to(self.w_fc_label, DOWN, buff=0.06),
                                DimLabel(f"4C = {self.C4}").rotate(PI / 2).next_to(self.w_fc, LEFT, buff=0.08))
        self.plus_fc = PlusSign(0.2).next_to(self.w_fc, RIGHT, buff=0.2)
        self.b_fc = VectorStrip(self.weights[f"{wname}.bias"], length=TALL, thickness=COL,
                                kind="weight").next_to(self.plus_fc, RIGHT, buff=0.15)
        self.b_label = label(w["b"], font_size=20).next_to(self.b_fc, UP, buff=0.12)
        self.eq_fc = label("=", font_size=30).next_to(self.b_fc, RIGHT, buff=0.12)
        # The focus column comes first, right after '='; when the other time steps appear it
        # slides to its place at the end of the block (t = 0 .. T-1, left to right).
        self.fc_rest = VectorStrip(fc[:t].T, length=TALL, thickness=COL * t, scale=self.fc_scale)
        self.fc_rest.next_to(self.eq_fc, RIGHT, buff=0.12)
        self.fc_focus = VectorStrip(fc[t], length=TALL, thickness=COL, scale=self.fc_scale)
        self.fc_focus.next_to(self.eq_fc, RIGHT, buff=0.12)
        self.fc_slide = self.fc_rest.width
        self.fc_label = label(w["fc"], font_size=20).next_to(self.fc_focus, UP, buff=0.12)
        self.t_dim = DimLabel(f"T = {T}").next_to(self.fc_rest, DOWN, buff=0.12).shift(RIGHT * COL / 2)
        self.fc_dim = DimLabel(f"4C = {self.C4}").rotate(PI / 2)
        self.fc_dim.next_to(self.fc_focus, RIGHT, buff=0.08).shift(RIGHT * self.fc_slide)
        self.t_tag = label(w["t"].format(n1=t + 1), font_size=16, color=style.HIGHLIGHT)
        self.t_tag.next_to(self.x_focus, LEFT, buff=0.1)

    def _build_plot(self) -> None:
        w, t = self.words, self.t_focus
        fc = self.trace[f"h.{LAYER}.mlp.fc"][t]
        act = self.trace[f"h.{LAYER}.mlp.gelu"][t]
        # Wide enough for every point and for GELU's dip below zero (around x = -0.75).
        reach = float(max(1.0, np.ceil(2 * np.max(np.abs(fc))) / 2))
        self.plot = FunctionPlot(x_max=reach, y_min=-reach / 4, y_max=reach, width=2.4,
                                 height=2.6, ticks=1)
        self.plot.move_to([-0.8, 0.9, 0])
        ax = self.plot.axes
        self.linear = DashedLine(ax.c2p(-reach, -reach / 4), ax.c2p(reach / 4 * 4, reach),
                                 color=style.MUTED, stroke_width=2)
        self.linear_label = label(w["linear"], font_size=18, color=style.MUTED)
        self.linear_label.next_to(ax.c2p(reach * 0.55, reach * 0.55), RIGHT, buff=0.1)
        self.plot_label = label(w["activation"], font_size=20).next_to(self.plot, UP, buff=0.15)
        self.relu_curve = self.plot.curve(lambda x: np.maximum(x, 0.0), RELU_COLOR)
        self.relu_label = label(w["relu"], font_size=18, color=style.INK)
        self.gelu_curve = self.plot.curve(gelu, GELU_COLOR)
        self.gelu_label = label("GELU", font_size=20, color=GELU_COLOR, weight="BOLD")
        self.relu_label.next_to(self.plot, DOWN, buff=0.2).align_to(self.plot, LEFT)
        self.gelu_label.next_to(self.relu_label, DOWN, buff=0.1).align_to(self.plot, LEFT)
        self.dots = self.plot.dots(fc, act, DOT_COLOR, radius=0.03)
        self.dots_label = label(w["points"].format(n1=t + 1, n=len(fc)), font_size=18, color=DOT_COLOR)
        self.dots_label.next_to(self.gelu_label, DOWN, buff=0.1).align_to(self.plot, LEFT)

    def _build_proj_part(self) -> None:
        w, t = self.words, self.t_focus
        wname = f"transformer.h.{LAYER}.mlp.c_proj"
        act = self.trace[f"h.{LAYER}.mlp.gelu"][t]
        proj = self.trace[f"h.{LAYER}.mlp.proj"]
        self.act_col = VectorStrip(act, length=TALL, thickness=COL, scale=self.fc_scale)
        self.act_col.move_to([0.8, TOP - TALL / 2, 0])
        self.act_label = label(w["gelu"], font_size=20, color=GELU_COLOR).next_to(self.act_col, UP, buff=0.12)
        width = 3.1
        self.w_proj = VectorStrip(self.weights[f"{wname}.weight"], length=width, thickness=self.short,
                                  kind="weight").move_to([1.3 + width / 2, TOP - self.short / 2, 0])
        self.act_row = VectorStrip(act, length=width, thickness=0.1, vertical=False,
                                   scale=self.fc_scale).next_to(self.w_proj, UP, buff=0.08)
        self.w_proj_label = label(w["w_proj"], font_size=20).next_to(self.w_proj, DOWN, buff=0.1)
        self.w_proj_label.align_to(self.w_proj, LEFT)
        self.w_proj_dim = DimLabel(f"4C = {self.C4}").next_to(self.act_row, UP, buff=0.1)
        self.w_proj_dim.align_to(self.w_proj, RIGHT)
        self.plus_proj = PlusSign(0.2).next_to(self.w_proj, RIGHT, buff=0.15)
        self.b_proj = VectorStrip(self.weights[f"{wname}.bias"], length=self.short, thickness=COL,
                                  kind="weight").next_to(self.plus_proj, RIGHT, buff=0.12)
        self.b_proj_label = label("b", font_size=20).next_to(self.b_proj, UP, buff=0.12)
        self.eq_proj = label("=", font_size=30).next_to(self.b_proj, RIGHT, buff=0.1)
        self.proj_scale = style.robust_scale(self.trace[f"h.{LAYER}.out"])
        self.proj_col = VectorStrip(proj[t], length=self.short, thickness=COL, scale=self.proj_scale)
        self.proj_col.next_to(self.eq_proj, RIGHT, buff=0.1)
        self.proj_label = label(w["proj"], font_size=20).next_to(self.proj_col, UP, buff=0.12)
        self.proj_dim = DimLabel(f"C = {self.cfg.n_embd}").next_to(self.proj_col, RIGHT, buff=0.12)

    def _build_residual(self) -> None:
        w, t, c = self.words, self.t_focus, self.chan
        names = [f"h.{LAYER}.resid_1", f"h.{LAYER}.mlp.proj", f"h.{LAYER}.out"]
        length, y = 1.8, -0.45
        cols, values = [], []
        for k, name in enumerate(names):
            col = VectorStrip(self.trace[name][t], length=length, thickness=0.26, scale=self.proj_scale)
            col.move_to([2.3 + 1.2 * k, y, 0])
            cols.append(col)
            values.append(ValueLabel.of(self.run, name, (t, c), font_size=18)
                          .next_to(col, DOWN, buff=0.15))
        self.res_cols, self.res_values = cols, VGroup(*values)
        between = lambda a, b: (a.get_center() + b.get_center()) / 2
        self.res_signs = VGroup(PlusSign(0.2).move_to(between(cols[0], cols[1])),
                                label("=", font_size=30).move_to(between(cols[1], cols[2])))
        self.res_value_signs = VGroup(PlusSign(0.16, stroke_width=3).move_to(between(values[0], values[1])),
                                      label("=", font_size=20).move_to(between(values[1], values[2])))
        self.res_labels = VGroup(*[label(text, font_size=20).next_to(col, UP, buff=0.12)
                                   for text, col in zip([w["resid"], w["proj"], w["out"]], cols)])
        self.res_cells = VGroup(*[col.cell_rect(c, stroke_width=2.5) for col in cols])
        self.backbone_label = label(w["backbone"], font_size=20, color=style.RESID_COLOR)
        self.backbone_label.next_to(self.res_values, DOWN, buff=0.22)

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

    def sweep(self, rect, end, strip, run_time: float) -> None:
        """Move a highlight down a matrix to `end` while `strip` is written beside it."""
        self.play(rect.animate.move_to(end), self.writing(strip), run_time=run_time)

    # ---- beats --------------------------------------------------------------------------------

    @beat("feedforward.matvec")
    def matvec(self):
        i, t = self.row, self.t_focus
        frame = highlight_box(self.w_fc, buff=0.05)
        x_box = highlight_box(self.x_focus, buff=0.03)
        self.play(Create(frame), Create(x_box), FadeIn(self.t_tag), run_time=self.t(0.1))
        row = self.w_fc.cell_rect(i, 0, i, self.w_fc.cols - 1, stroke_width=2.5)
        drop = self.x_focus.copy()
        self.play(ReplacementTransform(frame, row), drop.animate.move_to(row).set_opacity(0.6),
                  run_time=self.t(0.12))
        self.play(FadeIn(self.plus_fc), self.reveal(self.b_fc), FadeIn(self.b_label), FadeIn(self.eq_fc),
                  FadeOut(drop), run_time=self.t(0.1))
        cell = self.fc_focus.cell_rect(i, stroke_width=2.5)
        bias_cell = self.b_fc.cell_rect(i, stroke_width=2.5)
        value = ValueLabel.of(self.run, f"h.{LAYER}.mlp.fc", (t, i), font_size=18)
        value.next_to(cell, RIGHT, buff=0.1)
        self.play(Create(bias_cell), Create(cell), FadeIn(value), FadeIn(self.fc_label),
                  run_time=self.t(0.1))
        self.hold(self.t(0.08))
        last = self.w_fc.rows - 1
        self.play(FadeOut(value), FadeOut(cell), FadeOut(bias_cell), run_time=self.t(0.05))
        row.become(self.w_fc.cell_rect(0, 0, 0, self.w_fc.cols - 1, stroke_width=2.5))
        bottom = [self.w_fc.get_x(), self.w_fc.cell_center(last)[1], 0]
        self.sweep(row, bottom, self.fc_focus, run_time=self.t(0.3))
        self.play(FadeOut(row), FadeOut(x_box), run_time=self.t(0.05))

    @beat("feedforward.expand")
    def expand(self):
        self.play(self.fc_focus.animate.shift(RIGHT * self.fc_slide),
                  self.fc_label.animate.shift(RIGHT * self.fc_slide), run_time=self.t(0.1))
        self.play(self.reveal(self.x_rest, self.fc_rest), FadeIn(self.t_dim), run_time=self.t(0.12))
        both = VGroup(self.frame_around(self.x_focus, buff=0.03), self.frame_around(self.fc_focus, buff=0.03))
        self.highlight(both, 0.1, *self.dim(self.x_rest, self.fc_rest, opacity=0.35))
        self.play(self.unhighlight(), run_time=self.t(0.05))
        self.highlight(self.x_focus, 0.1, self.w_fc_dims[0].animate.set_color(style.HIGHLIGHT), buff=0.03)
        self.highlight(self.fc_focus, 0.2, FadeIn(self.fc_dim.set_color(style.HIGHLIGHT)), buff=0.03)
        self.hold(self.t(0.08))
        self.play(self.unhighlight(), self.w_fc_dims[0].animate.set_color(style.MUTED),
                  self.fc_dim.animate.set_color(style.MUTED), run_time=self.t(0.05))

    @beat("feedforward.activation")
    def activation(self):
        self.play(*self.dim(self.w_fc, self.b_fc, self.x_focus, opacity=0.35),
                  FadeIn(self.plot), FadeIn(self.plot_label), run_time=self.t(0.2))
        self.play(Create(self.linear), FadeIn(self.linear_label), run_time=self.t(0.25))

    @beat("feedforward.relu")
    def relu(self):
        bend = self.linear.copy()
        self.play(Transform(bend, self.relu_curve), FadeIn(self.relu_label),
                  self.linear.animate.set_opacity(0.25), FadeOut(self.linear_label), run_time=self.t(0.35))
        self.remove(bend)
        self.add(self.relu_curve)
        self.play(self.relu_label.animate.set_color(style.HIGHLIGHT), run_time=self.t(0.1))
        self.play(self.relu_label.animate.set_color(style.INK), run_time=self.t(0.1))

    @beat("feedforward.gelu")
    def gelu_beat(self):
        self.play(Create(self.gelu_curve), FadeIn(self.gelu_label),
                  self.relu_curve.animate.set_stroke(opacity=0.45),
                  FadeOut(self.linear), run_time=self.t(0.25))
        self.highlight(self.fc_focus, 0.08, buff=0.03)
        self.play(FadeIn(self.dots, lag_ratio=0.02), FadeIn(self.dots_label), run_time=self.t(0.3))
        self.play(self.unhighlight(), run_time=self.t(0.05))

    @beat("feedforward.elementwise")
    def elementwise(self):
        j, t = self.elem, self.t_focus
        src = self.fc_focus.cell_rect(j, stroke_width=2.5)
        dot = self.dots[j]
        ring = dot.copy().scale(2.2).set_fill(opacity=0).set_stroke(style.HIGHLIGHT, 3)
        fc_value = ValueLabel.of(self.run, f"h.{LAYER}.mlp.fc", (t, j), font_size=18, color=style.HIGHLIGHT)
        act_value = ValueLabel.of(self.run, f"h.{LAYER}.mlp.gelu", (t, j), font_size=18,
                                  color=style.HIGHLIGHT)
        pair = VGroup(fc_value, label("→", font_size=18, color=style.HIGHLIGHT), act_value)
        pair.arrange(RIGHT, buff=0.08).next_to(ring, UP, buff=0.3)   # the empty upper-left quadrant
        pair.shift(RIGHT * max(0, self.plot.axes.get_left()[0] - pair.get_left()[0]))
        self.play(Create(src), Create(ring), FadeIn(pair), FadeIn(self.act_label),
                  run_time=self.t(0.15))
        self.hold(self.t(0.15))
        walk = self.fc_focus.cell_rect(0, stroke_width=2.5)
        self.play(FadeOut(src), FadeOut(ring), run_time=self.t(0.05))
        self.sweep(walk, self.fc_focus.cell_center(self.fc_focus.rows - 1), self.act_col, run_time=self.t(0.4))
        self.play(FadeOut(walk), FadeOut(pair), run_time=self.t(0.08))

    @beat("feedforward.project")
    def project(self):
        c, _t = self.chan, self.t_focus
        left = [self.x_rest, self.x_focus, self.w_fc, self.b_fc, self.fc_rest, self.fc_focus,
                self.plot, self.relu_curve, self.gelu_curve, self.dots]
        texts = [self.x_label, self.w_fc_label, self.w_fc_dims, self.b_label, self.fc_label,
                 self.t_dim, self.fc_dim, self.plot_label, self.relu_label, self.gelu_label,
                 self.dots_label, self.plus_fc, self.eq_fc, self.t_tag]
        lying = self.act_col.copy()
        self.play(*self.dim(*left, *texts, opacity=0.25),
                  lying.animate.rotate(-PI / 2).stretch_to_fit_width(self.act_row.width)
                  .stretch_to_fit_height(self.act_row.height).move_to(self.act_row),
                  run_time=self.t(0.15))
        self.remove(lying)
        self.add(self.act_row)
        self.play(self.reveal(self.w_proj), FadeIn(self.w_proj_label), FadeIn(self.w_proj_dim),
                  run_time=self.t(0.1))
        row = self.w_proj.cell_rect(c, 0, c, self.w_proj.cols - 1, stroke_width=2.5)
        self.highlight(self.act_row, 0.1, Create(row), FadeIn(self.plus_proj), self.reveal(self.b_proj),
                       FadeIn(self.b_proj_label), FadeIn(self.eq_proj), FadeIn(self.proj_label), buff=0.03)
        cell = self.proj_col.cell_rect(c, stroke_width=2.5)
        self.play(Create(cell), run_time=self.t(0.05))
        self.play(FadeOut(cell), run_time=self.t(0.03))
        row.become(self.w_proj.cell_rect(0, 0, 0, self.w_proj.cols - 1, stroke_width=2.5))
        bottom = [self.w_proj.get_x(), self.w_proj.cell_center(self.w_proj.rows - 1)[1], 0]
        self.sweep(row, bottom, self.proj_col, run_time=self.t(0.25))
        self.highlight(self.proj_col, 0.15, FadeOut(row), FadeIn(self.proj_dim.set_color(style.HIGHLIGHT)),
                       self.w_proj_dim.animate.set_color(style.HIGHLIGHT), buff=0.03)
        self.play(self.proj_dim.animate.set_color(style.MUTED),
                  self.w_proj_dim.animate.set_color(style.MUTED), run_time=self.t(0.05))

    @beat("feedforward.residual")
    def residual(self):
        resid, proj, out = self.res_cols
        moving = self.proj_col.copy()
        self.play(self.unhighlight(), self.reveal(resid), FadeIn(self.res_labels[0]), run_time=self.t(0.12))
        self.play(ReplacementTransform(moving, proj), FadeIn(self.res_labels[1]),
                  FadeIn(self.res_signs[0]), run_time=self.t(0.15))
        self.play(FadeIn(self.res_signs[1]), FadeIn(self.res_labels[2]), run_time=self.t(0.05))
        self.play(self.writing(out), run_time=self.t(0.15))
        self.play(Create(self.res_cells), FadeIn(self.res_values), FadeIn(self.res_value_signs),
                  run_time=self.t(0.12))
        frame = highlight_box(Group(resid, out, self.res_values, self.res_labels),
                              color=style.RESID_COLOR, buff=0.12)
        self.play(Create(frame), FadeIn(self.backbone_label), run_time=self.t(0.15))
