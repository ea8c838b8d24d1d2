"""Layer normalization, for one time step up close, then for all of them.

Left to right: the block x (C x T), the focus column x[t] as a bar chart with its mean and
+-1 standard deviation, the normalized column, the learned scale gamma and shift beta
(weights), the output column, and the output block for all T. A strip at the top shows
where layer norms sit in a transformer block. Everything is layer 0's first layer norm.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, Create, FadeIn, FadeOut, GrowFromEdge, Group, Line, Rectangle,
                   ReplacementTransform, Text, VGroup)

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import (AddJoin, BarColumn, Block, Cells, DimLabel, Heatmap, Magnifier, PlusSign,
                       ValueLabel, digits_for, equation, flow_arrow, highlight_box, label, pour)
from scenes.kit.equations import Relation, first_precision, holds_as_shown, rows_add_up, shown, sign_of
from engine.model import LN_EPS

LAYER = 0
SHOWN = 3            # entries shown as numbers
COLUMN_H = 3.5       # height of a C-channel column (C = 48: 0.073 a channel)
TOP = 1.3            # top of the columns and charts (their bottom clears the captions)
MIDDLE = TOP - COLUMN_H / 2
NAME_Y = TOP + 1.42
HALF = 0.62          # half width of a bar chart
X = {"x": -5.8, "x_t": -4.0, "norm": -1.75, "gamma": -0.3, "beta": 0.95, "out": 2.5, "out_all": 4.3}
BOX_LEFT, BOX_RIGHT = -5.1, 3.45    # the layer norm's box: everything inside it is its work
STRIP_LEFT, STRIP_BACK_Y, STRIP_BRANCH_Y = -6.25, 3.42, 3.13   # the block drawn flat, top left
AFFINE_DIGITS = ((2, 2), (2, 3), (3, 3), (3, 4))   # (out's, x̂ γ β's) decimals, the first that adds up


class LayerNorm(NanoScene):
    scene_id = "layernorm"
    map_part = ("ln_1", 0)   # framed on the model map at the chapter boundaries
    mini_map = True          # the dock: "you are here" on the mini-map
    carry_in, carry_out = "x", "h.0.ln_1.out"   # the focus column in, and normalized out

    def carry_spot(self, which: str):
        t = self.focus_t
        return self.x_block.cell_rect(0, t, self.C - 1, t) if which == "in" else self.out_columns[t]

    def prepare(self) -> None:
        self.T, self.C = len(self.trace["tokens"]), self.cfg.n_embd
        self.pitch = COLUMN_H / self.C
        ln, t = f"h.{LAYER}.ln_1", self.focus_t
        self.names = {k: f"{ln}.{k}" for k in ("mean", "var", "std", "norm", "out")}
        self.gamma_name = f"transformer.h.{LAYER}.ln_1.weight"
        self.beta_name = f"transformer.h.{LAYER}.ln_1.bias"
        self.build_strip()
        self.build_blocks()
        self.build_charts(t)
        self.build_affine(t)
        # the chapter's first picture (the opening grows it out of the map): the block drawn flat,
        # x, and the layer norm's box with what it computes; the output comes when it is made
        self.add(self.strip, self.x_block, self.x_heads, self.arrow_in, self.ln_box, self.ln_title)

    # ---- layout ---------------------------------------------------------------------------

    def build_strip(self) -> None:
        """One transformer block drawn flat: the backbone, and two branches each starting with a
        layer norm (which is what this scene is about)."""
        w, y_back, y_branch = self.context.words("model"), STRIP_BACK_Y, STRIP_BRANCH_Y
        # boxes as wide as their names at the smallest legible size (never shrunk below it)
        fit = lambda *names: max(1.2, *[label(w[n], font_size=style.MIN_FONT_SIZE).width + 0.25 for n in names])
        ln_w, layer_w = fit("ln"), fit("attention", "feedforward")
        boxes = [Block(w["ln"], width=ln_w, height=0.3, color=style.LN_COLOR, font_size=style.MIN_FONT_SIZE),
                 Block(w["attention"], width=layer_w, height=0.3, color=style.ATTN_COLOR, font_size=style.MIN_FONT_SIZE),
                 Block(w["ln"], width=ln_w, height=0.3, color=style.LN_COLOR, font_size=style.MIN_FONT_SIZE),
                 Block(w["feedforward"], width=layer_w, height=0.3, color=style.MLP_COLOR, font_size=style.MIN_FONT_SIZE)]
        gap, drop, join_gap = 0.22, 0.22, 0.28   # layer norm to layer; the branch's drop; layer to its '+'
        left = STRIP_LEFT + drop + 0.15
        joins = VGroup()
        for ln, layer in ((boxes[0], boxes[1]), (boxes[2], boxes[3])):
            ln.move_to([left + ln_w / 2, y_branch, 0])
            layer.next_to(ln, RIGHT, buff=gap)
            joins.add(AddJoin().move_to([layer.get_right()[0] + join_gap, y_back, 0]))
            left = joins[-1].get_x() + 0.25 + drop
        color = style.RESID_COLOR
        wires = VGroup(Line([STRIP_LEFT, y_back, 0], [joins[1].get_x() + 0.3, y_back, 0], color=color, stroke_width=3))
        for (ln, layer), join in zip([(boxes[0], boxes[1]), (boxes[2], boxes[3])], joins):
            wires.add(Line([ln.get_left()[0] - drop, y_back, 0], [ln.get_left()[0] - drop, y_branch, 0], color=color, stroke_width=2),
                      Line([ln.get_left()[0] - drop, y_branch, 0], ln.get_left(), color=color, stroke_width=2),
                      flow_arrow(ln.get_right(), layer.get_left(), color=color).set_stroke(width=2),
                      Line(layer.get_right(), [join.get_x(), y_branch, 0], color=color, stroke_width=2),
                      Line([join.get_x(), y_branch, 0], join.get_bottom(), color=color, stroke_width=2))
        self.strip_lns = VGroup(boxes[0], boxes[2])
        self.strip_ln_1 = boxes[0]
        self.strip = VGroup(wires, *boxes, joins)

    def build_blocks(self) -> None:
        """The block x (input of the layer norm) and the block of its outputs, C x T each."""
        x = self.trace["x"] if LAYER == 0 else self.trace[f"h.{LAYER - 1}.out"]
        self.x_block = self.block(x.T, X["x"])
        self.out_columns = Group(*[self.block(self.trace[self.names["out"]][s][:, None], 0)
                                   for s in range(self.T)]).arrange(RIGHT, buff=0)
        self.out_columns.move_to([X["out_all"], MIDDLE, 0])
        self.out_frame = Rectangle(width=self.out_columns.width, height=self.out_columns.height,
                                   stroke_color=style.EDGE, stroke_width=2).move_to(self.out_columns)
        self.x_heads = self.block_heads(self.x_block, self.words["x"])
        self.out_heads = self.block_heads(self.out_frame, self.words["out"])
        self.c_label = DimLabel(f"C = {self.C}", font_size=style.SIZE_TINY).rotate(np.pi / 2).next_to(self.out_frame, RIGHT, buff=0.1)
        top, bottom = NAME_Y + 0.17, MIDDLE - COLUMN_H / 2 - 0.06
        self.ln_box = Rectangle(width=BOX_RIGHT - BOX_LEFT, height=top - bottom, stroke_color=style.LN_COLOR,
                                stroke_width=2, fill_color=style.PANEL, fill_opacity=1)
        self.ln_box.move_to([(BOX_LEFT + BOX_RIGHT) / 2, (top + bottom) / 2, 0])
        self.ln_title = VGroup(label(self.words["ln"], font_size=style.SIZE_BODY, color=style.LN_COLOR),
                               label(f"h.{LAYER}.ln_1", font_size=style.SIZE_SMALL, color=style.MUTED, mono=True))
        self.ln_title.add(label("out = γ · (x − μ) / σ + β", font_size=style.SIZE_BODY, mono=True))
        self.ln_title.arrange(DOWN, buff=0.25).move_to(self.ln_box)
        self.arrow_in = flow_arrow(self.x_block.get_right(), [BOX_LEFT, MIDDLE, 0])
        self.arrow_out = flow_arrow([BOX_RIGHT, MIDDLE, 0], self.out_frame.get_left())

    def block(self, values, x: float) -> Heatmap:
        grid = np.asarray(values)
        heatmap = Heatmap(grid, cell=self.pitch, kind="act")
        return heatmap.stretch_to_fit_width(grid.shape[1] * 0.18).move_to([x, MIDDLE, 0])

    def block_heads(self, frame, name: str) -> VGroup:
        width = frame.width / self.T
        times = VGroup(*[label(str(s + 1), font_size=style.SIZE_TINY, mono=True, color=style.MUTED)   # counted from 1
                         .move_to([frame.get_left()[0] + width * (s + 0.5), TOP + 0.22, 0]) for s in range(self.T)])
        dim = DimLabel(f"T = {self.T}", font_size=style.SIZE_TINY).move_to([frame.get_x(), TOP + 0.6, 0])
        return VGroup(times, dim, label(name, font_size=style.SIZE_TINY).move_to([frame.get_x(), NAME_Y, 0]))

    def build_charts(self, t: int) -> None:
        x_t = (self.trace["x"] if LAYER == 0 else self.trace[f"h.{LAYER - 1}.out"])[t]
        norm, out = self.trace[self.names["norm"]][t], self.trace[self.names["out"]][t]
        self.mean = float(self.trace[self.names["mean"]][t])
        self.std = float(self.trace[self.names["std"]][t])
        span = float(np.max(np.abs(np.concatenate([norm, out]))))  # norm and out share one scale
        self.chart_x = BarColumn(x_t, pitch=self.pitch, half_width=HALF).move_to([X["x_t"], MIDDLE, 0])
        self.chart_norm = BarColumn(norm, pitch=self.pitch, half_width=HALF, span=span).move_to([X["norm"], MIDDLE, 0])
        self.chart_out = BarColumn(out, pitch=self.pitch, half_width=HALF, span=span).move_to([X["out"], MIDDLE, 0])
        self.mean_x = self.chart_x.mean_line(self.mean)
        self.band_x = self.chart_x.spread_band(self.mean, self.std)
        self.mean_norm = self.chart_norm.mean_line(0.0)
        self.band_norm = self.chart_norm.spread_band(0.0, 1.0)
        self.chart_names = {key: label(text, font_size=style.SIZE_TINY, mono=True).move_to([X[key], NAME_Y, 0])
                            for key, text in (("x_t", f"x[{t + 1}]"), ("norm", "(x − μ) / σ"), ("out", "out"))}
        # statistics of x[t], read from the trace; the standard deviation takes two rows
        # σ² with as many digits as σ = √(σ² + ε) needs to hold as shown (0.00175, not 0.0017)
        var, std = (float(self.trace[self.names[n]][t]) for n in ("var", "std"))
        digits = {n: digits_for(self.trace[self.names[n]][t], most=5) for n in ("mean", "var", "std")}
        digits["var"] = first_precision(range(digits["var"], digits["var"] + 3), lambda p: holds_as_shown(
            "sqrt_eps", shown(std, digits["std"]), digits["std"], [shown(var, p)], [LN_EPS]))
        sigma_holds = holds_as_shown("sqrt_eps", shown(std, digits["std"]), digits["std"], [shown(var, digits["var"])],
                                     [LN_EPS])
        value = lambda name: ValueLabel.of(self.run, self.names[name], (t,), precision=digits[name])
        self.stats = VGroup(equation("μ =", value("mean"), color=style.HIGHLIGHT), equation("σ² =", value("var")),
                            Text("σ = √(σ² + ε)", font=style.MONO, font_size=style.SIZE_NUMBER),
                            equation("  =" if sigma_holds else "  ≈", value("std")))
        for k, row in enumerate(self.stats):
            row.move_to([X["x_t"] - HALF, TOP + 1.18 - k * 0.27, 0], aligned_edge=LEFT)
        self.stats[3].shift(RIGHT * (self.stats[2][1].get_x() - self.stats[3][0].get_x()))  # '=' under '='
        self.relations = [Relation("sqrt_eps", self.stats[3][1], [self.stats[1][1]], [LN_EPS],
                                   name="σ = √(σ² + ε)").mark(self.stats[2], self.stats[3][0])]
        self.arrow_norm = flow_arrow([X["x_t"] + HALF + 0.1, MIDDLE, 0], [X["norm"] - HALF - 0.1, MIDDLE, 0])

    def build_affine(self, t: int) -> None:
        gamma, beta = self.weights[self.gamma_name], self.weights[self.beta_name]
        self.gamma = self.weight_column(gamma, X["gamma"])
        self.beta = self.weight_column(beta, X["beta"])
        self.gamma_name_label = label("γ", font_size=style.SIZE_LABEL).move_to([X["gamma"], NAME_Y, 0])
        self.beta_name_label = label("β", font_size=style.SIZE_LABEL).move_to([X["beta"], NAME_Y, 0])
        # x̂ × γ + β = out holds as shown, row by row: x̂, γ, β a digit longer than out where it must be
        rows = [self.trace[self.names["norm"]][t, :SHOWN], gamma[:SHOWN], beta[:SHOWN]]
        out_digits, digits = first_precision(AFFINE_DIGITS, lambda p: rows_add_up(
            "affine", self.trace[self.names["out"]][t, :SHOWN], rows, p))
        self.lenses = {
            "norm": Magnifier.of(self.run, self.names["norm"], (t,), SHOWN, digits),
            "gamma": Magnifier.of(self.run, self.gamma_name, (), SHOWN, digits),
            "beta": Magnifier.of(self.run, self.beta_name, (), SHOWN, digits),
            "out": Magnifier.of(self.run, self.names["out"], (t,), SHOWN, out_digits),
        }
        targets = {"norm": self.top_rows(self.chart_norm), "gamma": VGroup(*self.gamma[:SHOWN]),
                   "beta": VGroup(*self.beta[:SHOWN]), "out": self.top_rows(self.chart_out)}
        for key, lens in self.lenses.items():
            lens.move_to([X[key], TOP + 0.65, 0]).attach(targets[key])
        row_y = self.lenses["out"].labels[1].get_y()
        between = lambda a, b: (X[a] + X[b]) / 2
        self.times_sign = label("×", font_size=style.SIZE_BODY).move_to([between("norm", "gamma"), row_y, 0])
        self.plus = PlusSign(size=0.22).move_to([between("gamma", "beta"), row_y, 0])
        affine = [Relation("affine", self.lenses["out"].labels[k], [self.lenses[n].labels[k] for n in ("norm", "gamma", "beta")],
                           name="x̂ × γ + β = out") for k in range(SHOWN)]
        self.equals = label(sign_of(affine), font_size=style.SIZE_BODY).move_to([between("beta", "out"), row_y, 0])
        self.relations += [r.mark(self.times_sign, self.plus, self.equals) for r in affine]
        self.learned = label(self.words["learned"], font_size=style.SIZE_TINY, color=style.HIGHLIGHT)
        self.learned.move_to([between("gamma", "beta"), NAME_Y, 0])

    def weight_column(self, values, x: float) -> Cells:
        cells = Cells(values, cell=self.pitch * 0.8, gap=self.pitch * 0.2, kind="weight")
        return cells.stretch_to_fit_width(0.26).move_to([x, MIDDLE, 0])

    def top_rows(self, chart: BarColumn) -> Rectangle:
        return Rectangle(width=chart.frame.width, height=SHOWN * self.pitch, stroke_width=0).move_to(
            chart.frame.get_top() + DOWN * SHOWN * self.pitch / 2)

    # ---- beats ----------------------------------------------------------------------------

    @beat("layernorm.before-each")
    def before_each(self):
        # where we are in the model: both layer norms of the strip, then the first (not the caption's highlight)
        self.focus = VGroup(*[highlight_box(ln, buff=0.06) for ln in self.strip_lns])
        self.at_word("layernorm", 0.2, room=0.3)
        self.play(Create(self.focus), run_time=self.t(0.12))

    @beat("layernorm.mean-var")
    def mean_var(self):
        t = self.focus_t
        self.column_focus = self.x_block.cell_rect(0, t, self.C - 1, t)
        self.play(ReplacementTransform(self.focus, highlight_box(self.strip_ln_1, buff=0.06)),
                  FadeOut(self.ln_title), self.ln_box.animate.set_fill(opacity=0), Create(self.column_focus),
                  run_time=self.t(0.12))
        self.play(GrowFromEdge(self.chart_x, LEFT), FadeIn(self.chart_names["x_t"]), run_time=self.t(0.15))
        # μ and σ² are in place as their words are said (the review saw them land after)
        self.at_share(self.word_share("mean", 0.5) - 0.1, room=0.3)
        self.play(Create(self.mean_x), FadeIn(self.stats[0]), run_time=self.t(0.1))
        self.at_share(self.word_share("variance", 0.7) - 0.1, room=0.15)
        self.play(FadeIn(self.band_x), FadeIn(self.stats[1]), run_time=self.t(0.1))

    @beat("layernorm.normalize")
    def normalize(self):
        # subtract the mean: a copy of x[t] slides so that its mean sits on the new zero axis
        moving = VGroup(self.chart_x.copy(), self.mean_x.copy(), self.band_x.copy())
        shift = (X["norm"] - X["x_t"]) - (self.chart_x.x_of(self.mean) - self.chart_x.axis.get_x())
        self.at_word("subtract", 0.1, room=0.6)
        self.play(FadeIn(self.arrow_norm), FadeIn(self.chart_names["norm"]),
                  moving.animate.shift(RIGHT * shift), run_time=self.t(0.15))
        # divide by the standard deviation, sqrt(var + eps)
        self.at_word("divide", 0.35, room=0.45)
        self.play(FadeIn(self.stats[2]), FadeIn(self.stats[3]), run_time=self.t(0.1))
        self.play(ReplacementTransform(moving[0], self.chart_norm), ReplacementTransform(moving[1], self.mean_norm),
                  ReplacementTransform(moving[2], self.band_norm), run_time=self.t(0.15))
        self.play(FadeIn(self.lenses["norm"]), run_time=self.t(0.08))
        self.at_word("square_root", 0.7, room=0.15)
        self.highlight(self.stats[2:], 0.08, buff=0.06)

    @beat("layernorm.scale-shift")
    def scale_shift(self):
        self.play(self.unhighlight(), FadeIn(self.gamma), FadeIn(self.beta), FadeIn(self.gamma_name_label), FadeIn(self.beta_name_label),
                  FadeIn(self.times_sign), FadeIn(self.plus), FadeIn(self.lenses["gamma"]), FadeIn(self.lenses["beta"]),
                  run_time=self.t(0.2))
        self.play(FadeIn(self.equals), ReplacementTransform(self.chart_norm.copy(), self.chart_out),
                  FadeIn(self.chart_names["out"]), run_time=self.t(0.2))
        # the output of this time step leaves the box: the first column of the output block
        self.play(FadeIn(self.lenses["out"]), FadeIn(self.arrow_out), FadeIn(self.out_frame), FadeIn(self.out_heads),
                  FadeIn(self.c_label), pour([self.chart_out], self.out_columns[self.focus_t]), run_time=self.t(0.15))

    @beat("layernorm.why")
    def why(self):
        # it looks like undoing the normalization ...
        self.highlight(VGroup(self.chart_out, self.chart_names["out"]), 0.08, buff=0.08)
        # ... but the mean and spread are now learned
        self.at_word("learned", 0.4, room=0.3)
        self.highlight(VGroup(self.gamma, self.beta, self.gamma_name_label), 0.08, FadeIn(self.learned), buff=0.1)
        # the same for every time step at once
        self.at_word("helps", 0.65, room=0.25)
        whole = self.x_block.cell_rect(0, 0, self.C - 1, self.T - 1)
        self.play(self.unhighlight(), ReplacementTransform(self.column_focus, whole), run_time=self.t(0.08))
        self.play(*[FadeIn(column) for s, column in enumerate(self.out_columns) if s != self.focus_t],
                  run_time=self.t(0.1))
