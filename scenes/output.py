"""Output: ln_f, lm_head, logits, softmax, the choice, temperature, which position counts, and
the chosen token fed back until the six outputs are there.

One column per position under its token chip (grid, left): the normalized vector, its logits
and its probabilities, each stage under a thin band naming the operation; lm_head's weight sits
left of the logits row so that logit (token i, position t) = row i of W . column t. The right
panel zooms in on the position that predicts (the last input): logits, probability bars.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Create, DashedVMobject, FadeIn, FadeOut, Group, Line,
                   Rectangle, ReplacementTransform, Transform, VGroup)

from engine.generate import DEMO_TEMPERATURE, DEMO_TOP_K
from scenes import style
from scenes.base import NanoScene, beat
from scenes.beats import as_frame
from scenes.kit import (Block, CellColumn, DimLabel, ProbabilityBars, TokenChip, ValueLabel, VectorStrip,
                       highlight_box, label, stacked_strip, tick_line)

PITCH, COL_W = 0.5, 0.38          # grid: one column per position
X0 = -3.5                         # x of position 0
Y_CHIP, Y_INDEX = 3.3, 2.93
Y_LN_BAND, Y_NORMED, NORMED_LEN = 2.56, 1.66, 1.3
Y_HEAD_BAND, Y_LOGITS = 0.74, 0.02
Y_SOFTMAX_BAND, Y_PROBS = -0.72, -1.44
CELL_H = 0.28                     # one token's row in logits / probs
PANEL_X = 3.15                    # left edge of the right panel
TEMPERATURES = (0.5, 5.0)         # shown next to the run's own temperature
SERIES_COLORS = [style.ATTN_COLOR, style.HIGHLIGHT, style.MLP_COLOR]   # T low, the run's T, T high
TITLE_SAFE_X = 6.4                # right edge of panel text: about 5 % of the frame from its edge
STEP_MIN = 2.5                    # seconds per loop pass after the first (title and numbers together)
FINAL_MIN = 5.0                   # seconds kept at the end for the finished output and the credits (>= 4 s still)
BAR_LOOK = dict(full=1.05, bar_height=0.2, gap=0.1, group_gap=0.25, bar_x=1.3)


def col_x(t: int) -> float:
    return X0 + t * PITCH


class Output(NanoScene):
    scene_id = "output"
    map_part = ("lm_head", None)   # framed on the model map at the chapter boundaries
    mini_map = True                # the dock: "you are here" on the mini-map (scenes/handoff.py)
    carry_in = "h.2.out"           # the focus column, from the last Transformer into ln_f

    def carry_spot(self, which: str):
        return self.cols[self.focus][0]

    # ---- layout ---------------------------------------------------------------------------

    def prepare(self) -> None:
        self.T = len(self.run.input_tokens)
        self.focus = self.T - 1
        self.n_pos = self.cfg.block_size
        self.vocab = self.cfg.vocab_size
        all_logits = np.concatenate([s.trace["logits"].ravel() for s in self.run.steps])
        self.logit_scale = style.robust_scale(all_logits)
        self._build_sequence()
        self._build_grid()
        self._build_weight()
        self._build_panel()
        self.add(self.slots, self.indices, self.chips, self.empty_cols)

    def _build_sequence(self) -> None:
        n_slots = self.T + len(self.run.steps)
        self.slots = VGroup(*[DashedVMobject(Rectangle(width=0.4, height=0.4, color=style.EDGE,
                                                       stroke_width=2), num_dashes=12)
                              .move_to([col_x(i), Y_CHIP, 0]) for i in range(n_slots)])
        self.indices = VGroup(*[DimLabel(str(i + 1), font_size=18).move_to([col_x(i), Y_INDEX, 0])
                                for i in range(n_slots)])
        self.chips = VGroup(*[self._chip(int(tok), i) for i, tok in enumerate(self.run.input_tokens)])
        self.out_chips = VGroup(*[self._chip(s.chosen, self.T + k) for k, s in enumerate(self.run.steps)])

    def _chip(self, token: int, slot: int) -> TokenChip:
        return TokenChip(token, size=0.4, font_size=22).move_to([col_x(slot), Y_CHIP, 0])

    def _columns(self, step: int, t: int) -> Group:
        """The normed vector, logits and probs of position t, from pass `step`."""
        tr = self.run.steps[step].trace
        normed = VectorStrip(tr["ln_f.out"][t], length=NORMED_LEN, thickness=COL_W,
                             scale=self.normed_scale).move_to([col_x(t), Y_NORMED, 0])
        logits = CellColumn(tr["logits"][t], length=CELL_H * self.vocab, thickness=COL_W,
                            scale=self.logit_scale).move_to([col_x(t), Y_LOGITS, 0])
        probs = CellColumn(tr["probs"][t], length=CELL_H * self.vocab, thickness=COL_W,
                           scale=1.0).move_to([col_x(t), Y_PROBS, 0])
        return Group(normed, logits, probs)

    def _build_grid(self) -> None:
        w = self.words
        self.normed_scale = style.robust_scale(self.trace["ln_f.out"])
        self.cols = [self._columns(0, t) for t in range(self.T)]
        self.normed = Group(*[c[0] for c in self.cols])
        self.logits = Group(*[c[1] for c in self.cols])
        self.probs = Group(*[c[2] for c in self.cols])
        # Pass k adds position focus + k; its earlier positions equal pass 0's (causal attention).
        self.later_cols = {self.focus + k: self._columns(k, self.focus + k)
                           for k in range(1, len(self.run.steps)) if self.focus + k < self.n_pos}
        self.empty_cols = VGroup()
        for t in range(self.T, self.n_pos):
            rows = ((Y_NORMED, NORMED_LEN), (Y_LOGITS, CELL_H * self.vocab), (Y_PROBS, CELL_H * self.vocab))
            for y, h in rows:
                self.empty_cols.add(DashedVMobject(Rectangle(width=COL_W, height=h, color=style.EDGE,
                                                             stroke_width=1.5), num_dashes=10)
                                    .move_to([col_x(t), y, 0]))
        width = col_x(self.n_pos - 1) - col_x(0) + COL_W + 0.2
        center = (col_x(0) + col_x(self.n_pos - 1)) / 2
        def band(text, color, y):
            block = Block(text, width=width, height=0.28, color=color, font_size=18).move_to([center, y, 0])
            block.title.align_to(block.box, LEFT).shift(RIGHT * 0.2)   # clear of the focus column
            return block
        self.ln_band = band(w["ln_f"], style.LN_COLOR, Y_LN_BAND)
        self.head_band = band(w["lm_head"], style.MUTED, Y_HEAD_BAND)
        self.softmax_band = band(w["softmax"], style.MUTED, Y_SOFTMAX_BAND)
        right = col_x(self.n_pos - 1) + COL_W / 2 + 0.15
        row_label = lambda text, y: label(text, font_size=20).move_to([0, y, 0]).align_to([right, 0, 0], LEFT)
        self.normed_label = row_label(w["normed"], Y_NORMED)
        self.normed_dim = DimLabel(f"C = {self.cfg.n_embd}").next_to(self.normed_label, DOWN, buff=0.08)
        self.normed_dim.align_to(self.normed_label, LEFT)
        self.logits_label = row_label(w["logits"], Y_LOGITS)
        self.probs_label = row_label(w["probs"], Y_PROBS)
        self.row_chips = VGroup(*[self._row_chips(y) for y in (Y_LOGITS, Y_PROBS)])
        self.earlier_label = label(w["earlier"], font_size=20, color=style.MUTED)
        self.earlier_label.next_to(Group(*self.probs[:self.focus]), DOWN, buff=0.15)

    def _row_chips(self, y: float) -> VGroup:
        """Small A/B/C chips left of a [vocab]-row block, one per row."""
        top = y + CELL_H * self.vocab / 2
        return VGroup(*[TokenChip(i, size=0.26, font_size=16).move_to([col_x(0) - COL_W / 2 - 0.2,
                                                                       top - (i + 0.5) * CELL_H, 0])
                        for i in range(self.vocab)])

    def _build_weight(self) -> None:
        W = self.weights["lm_head.weight"]
        right = col_x(0) - COL_W / 2 - 0.4
        self.w_head = VectorStrip(W, length=1.9, thickness=CELL_H * self.vocab, kind="weight", px=8)
        self.w_head.move_to([right - 0.95, Y_LOGITS, 0])   # its n_vocab label inside title-safe
        self.w_head_label = label(self.words["weight"], font_size=20).next_to(self.w_head, UP, buff=0.12)
        # Both dimensions under the weights: turned on its side, "n_vocab = 3" stood far taller
        # than the 3 rows it names and ran up against the name above them.
        c_dim = DimLabel(f"C = {self.cfg.n_embd}").next_to(self.w_head, DOWN, buff=0.1)
        self.w_head_dims = VGroup(c_dim, DimLabel(f"n_vocab = {self.vocab}").next_to(c_dim, DOWN, buff=0.08))

    def _build_panel(self, step: int = 0) -> None:
        w = self.words
        temps = [TEMPERATURES[0], self.run.temperature, TEMPERATURES[1]]
        sources = [f"step{step}/.probs@T={temps[0]:g}", f"step{step}/.probs",
                   f"step{step}/.probs@T={temps[2]:g}"]
        colors = SERIES_COLORS
        self.panel_title = label(w["panel"].format(n=self.focus + 1), font_size=20)
        self.panel_title.move_to([0, 2.6, 0]).align_to([PANEL_X, 0, 0], LEFT)
        self.bars = self._place_bars(ProbabilityBars(self.run, sources, colors, **BAR_LOOK))
        self.panel_logits = self._logit_labels(step)
        heads_y = self.bars.get_top()[1] + 0.2
        self.panel_heads = VGroup(label(w["logits"], font_size=18, color=style.MUTED),
                                  label(w["probs"], font_size=18, color=style.MUTED))
        self.panel_heads[0].move_to([0, heads_y, 0]).align_to(self.panel_logits, RIGHT)
        self.panel_heads[1].move_to([0, heads_y, 0]).align_to(self.bars.bars[1], LEFT)
        swatch = lambda c: Rectangle(width=0.22, height=0.16, stroke_width=0, fill_color=c, fill_opacity=0.9)
        self.legend = VGroup(*[VGroup(swatch(c), label(f"T = {T:g}", font_size=18, color=style.MUTED))
                               .arrange(RIGHT, buff=0.08) for T, c in zip(temps, colors)])
        self.legend.arrange(RIGHT, buff=0.25)
        self.legend.next_to(self.bars, DOWN, buff=0.2).align_to([PANEL_X, 0, 0], LEFT)
        probs = self.run.steps[step].probs
        self.strip = stacked_strip(probs, width=3.2).next_to(self.legend, DOWN, buff=0.22)
        self.strip.align_to([PANEL_X, 0, 0], LEFT)
        self.strip_label = label(w["sample"], font_size=18, color=style.MUTED)
        self.strip_label.next_to(self.strip, DOWN, buff=0.1).align_to(self.strip, LEFT)

    @staticmethod
    def _place_bars(bars: ProbabilityBars) -> ProbabilityBars:
        """Chips at the panel's left edge (the bars leave room for the logit values)."""
        return bars.shift([PANEL_X - bars.chips.get_left()[0], 0.45 - bars.chips.get_y(), 0])

    def panel_for(self, step: int) -> tuple[VGroup, VGroup]:
        """Bars (the run's temperature only) and logit labels of pass `step`, in place."""
        sources = [None, f"step{step}/.probs", None]
        bars = self._place_bars(ProbabilityBars(self.run, sources, SERIES_COLORS, **BAR_LOOK))
        return bars.series(1), self._logit_labels(step)

    def _logit_labels(self, step: int) -> VGroup:
        """The logits of pass `step` beside the panel's chips, right-aligned like a table."""
        right = self.bars.chips.get_right()[0] + 0.85
        return VGroup(*[ValueLabel.of(self.run, f"step{step}/.logits", (i,), font_size=18)
                        .move_to([0, self.bars.chips[i].get_y(), 0]).align_to([right, 0, 0], RIGHT)
                        for i in range(self.vocab)])

    # ---- helpers ----------------------------------------------------------------------------

    def column_box(self, t: int, top: float = Y_NORMED + NORMED_LEN / 2, bottom: float = Y_PROBS - CELL_H * 1.5,
                   color=style.HIGHLIGHT) -> Rectangle:
        return Rectangle(width=COL_W + 0.1, height=top - bottom + 0.1, color=color,
                         stroke_width=3).move_to([col_x(t), (top + bottom) / 2, 0])

    def row_box(self, y: float, t0: int, t1: int) -> Rectangle:
        return Rectangle(width=col_x(t1) - col_x(t0) + COL_W + 0.1, height=CELL_H * self.vocab + 0.1,
                         color=style.HIGHLIGHT, stroke_width=3).move_to([(col_x(t0) + col_x(t1)) / 2, y, 0])

    # ---- beats --------------------------------------------------------------------------------

    @beat("output.layernorm")
    def layernorm(self):
        self.play(FadeIn(self.ln_band, shift=DOWN * 0.1), run_time=self.t(0.15))
        self.highlight(self.ln_band, 0.1, buff=0.05)
        self.play(self.reveal(*self.normed, lag_ratio=0.1), FadeIn(self.normed_label),
                  FadeIn(self.normed_dim), run_time=self.t(0.35))
        self.play(self.unhighlight(), run_time=self.t(0.08))

    @beat("output.lm-head")
    def lm_head(self):
        f = self.focus
        self.play(FadeIn(self.head_band), self.reveal(self.w_head), FadeIn(self.w_head_label),
                  FadeIn(self.w_head_dims), FadeIn(self.row_chips[0]), FadeIn(self.logits_label),
                  run_time=self.t(0.1))
        self.highlight(self.normed[f], 0.05, buff=0.04)
        # Logit (i, f) = row i of W . column f: reveal the focus column's cells one row at a time.
        logit_f = self.logits[f]
        masks = [Rectangle(width=COL_W + 0.04, height=CELL_H, stroke_width=0, fill_color=style.BACKGROUND,
                           fill_opacity=1).move_to(logit_f.cell_center(i)) for i in range(self.vocab)]
        self.add(logit_f, *masks)
        for i in range(self.vocab):
            row = self.w_head.cell_rect(i, 0, i, self.w_head.cols - 1, stroke_width=2.5)
            cell = logit_f.cell_rect(i, stroke_width=2.5)
            self.play(Create(row), run_time=self.t(0.05))
            self.remove(masks[i])
            self.play(Create(cell), run_time=self.t(0.05))
            self.play(FadeOut(row), FadeOut(cell), run_time=self.t(0.03))
        others = [self.logits[t] for t in range(self.T) if t != f]
        self.play(self.unhighlight(), self.reveal(*others, lag_ratio=0.15), run_time=self.t(0.25))
        self.w_head_dims[1].set_color(style.HIGHLIGHT)
        self.highlight(as_frame(self.row_box(Y_LOGITS, 0, self.T - 1)), 0.08)
        self.play(self.unhighlight(), self.w_head_dims[1].animate.set_color(style.MUTED), run_time=self.t(0.05))

    @beat("output.logit-meaning")
    def logit_meaning(self):
        f = self.focus
        self.focus_box = self.column_box(f, top=Y_LOGITS + CELL_H * 1.5)
        self.play(Create(self.focus_box), FadeIn(self.panel_title), FadeIn(self.bars.chips),
                  run_time=self.t(0.12))
        self.play(FadeIn(self.panel_logits), FadeIn(self.panel_heads[0]), run_time=self.t(0.12))
        best = int(np.argmax(self.run.steps[0].logits))
        self.highlight(VGroup(self.bars.chips[best], self.panel_logits[best]), 0.1, buff=0.06)
        self.hold(self.t(0.3))
        self.play(self.unhighlight(), run_time=self.t(0.05))

    @beat("output.logits")
    def logits_beat(self):
        self.play(self.logits_label.animate.set_color(style.HIGHLIGHT),
                  self.panel_heads[0].animate.set_color(style.HIGHLIGHT), run_time=self.t(0.2))
        self.hold(self.t(0.4))
        self.play(self.logits_label.animate.set_color(style.INK),
                  self.panel_heads[0].animate.set_color(style.MUTED), run_time=self.t(0.15))

    @beat("output.softmax")
    def softmax(self):
        self.play(FadeIn(self.softmax_band), run_time=self.t(0.08))
        self.highlight(self.softmax_band, 0.06, buff=0.05)
        self.play(self.reveal(*self.probs, lag_ratio=0.1), FadeIn(self.probs_label),
                  FadeIn(self.row_chips[1]), run_time=self.t(0.2))
        main = self.bars.series(1)
        self.play(FadeIn(self.panel_heads[1]), FadeIn(main[0], shift=RIGHT * 0.2), run_time=self.t(0.15))
        self.play(FadeIn(main[1]), self.unhighlight(), run_time=self.t(0.1))
        self.sum_label = label(self.words["sum"], font_size=18, color=style.MUTED)
        self.sum_label.move_to([0, self.panel_heads[1].get_y(), 0]).align_to([TITLE_SAFE_X, 0, 0], RIGHT)
        self.play(FadeIn(self.sum_label), run_time=self.t(0.08))

    @beat("output.argmax")
    def argmax(self):
        chosen = self.run.steps[0].chosen
        self.highlight(VGroup(self.bars.chips[chosen], self.bars.values[1][chosen]), 0.2,
                       self.bars.bars[1][chosen].animate.set_fill(opacity=1), buff=0.08)
        others = [self.bars.bars[1][i] for i in range(self.vocab) if i != chosen]
        self.play(*self.dim(*others, opacity=0.45), run_time=self.t(0.15))

    @beat("output.first-choice")
    def first_choice(self):
        for i in range(self.vocab):   # the caption reads the three probabilities; the pick's frame moves along
            self.highlight(self.bars.values[1][i], 0.08, buff=0.05)
            self.hold(self.t(0.1))
        chip = self.bars.chips[self.run.steps[0].chosen]
        self.play(self.unhighlight(), chip.animate.scale(1.25), run_time=self.t(0.08))
        self.play(chip.animate.scale(1 / 1.25), run_time=self.t(0.08))

    @beat("output.sampling")
    def sampling(self):
        w, step = self.words, self.run.steps[0]
        # Top-k: the k likeliest tokens stay, the rest are pushed back.
        order = [int(i) for i in np.argsort(-step.logits)]
        keep, drop = order[:DEMO_TOP_K], order[DEMO_TOP_K:]
        kept = VGroup(*[VGroup(self.bars.chips[i], self.panel_logits[i]) for i in keep])
        dropped = [m for i in drop for m in (self.panel_logits[i], self.bars.bars[1][i], self.bars.values[1][i])]
        self.topk_tag = label(w["topk"].format(k=DEMO_TOP_K), font_size=18, color=style.HIGHLIGHT)
        self.at_word("topk", 0.1, room=0.8)
        self.highlight(kept, 0.1, *self.dim(*dropped, opacity=0.3), buff=0.06)
        self.topk_tag.next_to(self.highlighted, LEFT, buff=0.12)
        self.play(FadeIn(self.topk_tag), run_time=self.t(0.06))
        # ... or a random draw, weighted: a point u on the line of segments (run's temperature).
        self.at_word("random", 0.45, room=0.4)
        self.play(self.unhighlight(), FadeOut(self.topk_tag), *self.dim(*dropped, opacity=1.0),
                  FadeIn(self.strip), FadeIn(self.strip_label), run_time=self.t(0.1))
        self.draw_once(0, self.strip, "step0/.demo_u", seconds=self.t(0.12), pick=self.pick_at(step.probs, 0))
        self.hold(self.t(0.1))

    def pick_at(self, probs, j: int) -> int:
        """The token draw j picks on `probs` (the engine's inverse CDF on its seeded u)."""
        from engine.generate import draw_token
        return draw_token(probs, float(self.run.steps[0].demo_u[j]))

    def draw_once(self, j: int, strip, source: str, seconds: float, pick: int, row=None) -> None:
        """Draw j: a tick drops at u on `strip`, u's value shows, the picked chip appears
        (under the strip, or in `row` at place j), in `seconds` (whole frames, rounded down:
        eight draws in a row must not add up past their line)."""
        frames = max(2, int(seconds * self.fps))
        u = float(self.run.steps[0].demo_u[j])
        x = strip.get_left()[0] + strip.width * u
        tick = tick_line(np.array([x, strip.get_y(), 0]), strip.height + 0.22)
        value = VGroup(label("u =", font_size=18, color=style.HIGHLIGHT),
                       ValueLabel.of(self.run, source, (j,), font_size=18, color=style.HIGHLIGHT))
        value.arrange(RIGHT, buff=0.08).next_to(strip, LEFT, buff=0.15)
        chip = TokenChip(pick, size=0.3, font_size=18)
        if row is None:
            chip.next_to(tick, RIGHT, buff=0.06)
        else:
            chip.move_to(row[j])
        old = [m for m in (getattr(self, "draw_tick", None), getattr(self, "draw_value", None)) if m is not None]
        self.play(*[FadeOut(m) for m in old], FadeIn(tick, shift=DOWN * 0.15), FadeIn(value),
                  run_time=(frames // 2) / self.fps)
        self.play(FadeIn(chip, scale=1.3), run_time=(frames - frames // 2) / self.fps)
        self.draw_tick, self.draw_value = tick, value
        self.drawn = getattr(self, "drawn", VGroup())
        self.drawn.add(chip)

    @beat("output.temperature")
    def temperature(self):
        self.play(FadeIn(self.legend), FadeOut(self.drawn), FadeOut(self.draw_tick), FadeOut(self.draw_value),
                  run_time=self.t(0.04))
        self.drawn = VGroup()
        self.draw_tick = self.draw_value = None
        for s in (0, 2):
            self.play(FadeIn(self.bars.series(s)[0], shift=RIGHT * 0.2), FadeIn(self.bars.series(s)[1]),
                      run_time=self.t(0.07))
            self.hold(self.t(0.03))
        low = int(np.argmin(self.run.steps[0].probs))
        self.highlight(VGroup(*[self.bars.values[s][low] for s in range(3)]), 0.05, buff=0.06)
        # Sampling where it matters: the line of segments at T = 5, and the engine's seeded draws.
        hot = self.run.steps[0].demo_probs
        hot_strip = stacked_strip(hot, width=self.strip.width).move_to(self.strip)
        hot_label = label(self.words["sample_hot"].format(T=f"{DEMO_TEMPERATURE:g}"), font_size=18,
                          color=style.MLP_COLOR).move_to(self.strip_label, aligned_edge=LEFT)
        self.play(self.unhighlight(), FadeOut(self.strip), FadeIn(hot_strip), FadeOut(self.strip_label),
                  FadeIn(hot_label), run_time=self.t(0.06))
        self.strip, self.strip_label = hot_strip, hot_label
        n = len(self.run.steps[0].demo_u)
        row = VGroup(*[Rectangle(width=0.3, height=0.3) for _ in range(n)]).arrange(RIGHT, buff=0.08)
        row.next_to(hot_label, RIGHT, buff=0.15)
        if row.get_right()[0] > TITLE_SAFE_X:
            row.next_to(hot_strip, DOWN, buff=0.12).align_to(hot_strip, RIGHT)
            hot_label.next_to(row, LEFT, buff=0.15)
        self.draw_row = row
        per = min(self.t(0.52), self.remaining() - self.t(0.13)) / n   # the rest: the rare draws framed
        for j in range(n):
            self.draw_once(j, hot_strip, "step0/.demo_u", seconds=per, pick=int(self.run.steps[0].demo_draw[j]),
                           row=row)
        rare = [c for c in self.drawn if c.token != self.run.steps[0].chosen]
        if rare:
            self.highlight(VGroup(*rare), 0.05, buff=0.05)
        self.hold(min(self.t(0.04), self.remaining() - self.t(0.03)))
        self.play(self.unhighlight(), run_time=min(self.t(0.03), self.remaining()))

    @beat("output.all-positions")
    def all_positions(self):
        temps = [self.bars.series(s) for s in (0, 2)]
        gone = [*temps, self.legend, self.strip, self.strip_label, self.drawn, self.draw_tick, self.draw_value]
        self.play(*[FadeOut(m) for m in gone if m is not None], FadeOut(self.focus_box), run_time=self.t(0.1))
        box = self.row_box(Y_LOGITS, 0, self.T - 1)
        self.play(Create(box), run_time=self.t(0.12))
        self.hold(self.t(0.2))
        self.focus_box = self.column_box(self.focus, top=Y_LOGITS + CELL_H * 1.5)
        self.play(ReplacementTransform(box, self.focus_box), run_time=self.t(0.15))

    @beat("output.which-logit")
    def which_logit(self):
        f = self.focus
        tall = self.column_box(f, top=Y_CHIP + 0.25)
        nth = label(self.words["nth"].format(n=f + 1), font_size=18, color=style.HIGHLIGHT)
        nth.next_to(self.slots[0], LEFT, buff=0.2)
        self.play(ReplacementTransform(self.focus_box, tall), FadeIn(nth),
                  self.indices[f].animate.set_color(style.HIGHLIGHT), run_time=self.t(0.12))
        self.focus_box = tall
        nxt = self.slots[f + 1]
        cross = VGroup(Line(nxt.get_corner(UP + LEFT), nxt.get_corner(DOWN + RIGHT)),
                       Line(nxt.get_corner(DOWN + LEFT), nxt.get_corner(UP + RIGHT)))
        cross.set_stroke(style.MUTED, 3)
        self.play(FadeIn(cross), run_time=self.t(0.1))
        self.nth, self.cross = nth, cross
        # The focus column's logits are the panel's: one frame around both.
        self.at_share(0.55, room=0.3)
        pair = VGroup(self.frame_around(self.logits[f], buff=0.05), self.frame_around(self.panel_logits, buff=0.08))
        self.highlight(as_frame(pair[0].copy()), 0.1)
        self.play(self.highlight_to(pair), run_time=self.t(0.1))

    @beat("output.earlier-logits")
    def earlier(self):
        earlier = [m for t in range(self.focus) for m in self.cols[t]]
        self.play(*self.dim(*earlier, opacity=0.3), FadeIn(self.earlier_label), FadeOut(self.cross),
                  run_time=self.t(0.2))
        # The first step of the loop, slowly: the choice lights up, then travels to the top.
        self.at_share(0.4, room=0.55)
        step = self.run.steps[0]
        self.highlight(VGroup(self.bars.chips[step.chosen], self.bars.values[1][step.chosen]), 0.12, buff=0.06)
        self.flying = self.out_chips[0].copy().move_to(self.bars.chips[step.chosen])
        self.play(self.flying.animate(path_arc=0.6).move_to(self.out_chips[0]).scale(1.0),
                  self.indices[self.focus + 1].animate.set_color(style.HIGHLIGHT),
                  run_time=self.t(0.36))

    def loop_step(self, k: int, run_time: float) -> None:
        """Pass k of the loop in `run_time` (>= 2.5 s where the line allows): the new column,
        the panel's title, logits and bars change together (cross-fades), then the chosen token
        flies up to its slot."""
        t, step = self.focus + k, self.run.steps[k]
        cols = self.later_cols[t]
        box = self.column_box(t, top=Y_CHIP + 0.25)
        bars, logits = self.panel_for(k)
        title = label(self.words["panel"].format(n=t + 1), font_size=20).move_to(self.panel_title)
        title.align_to(self.panel_title, LEFT)
        self.empty_cols.remove(*[e for e in self.empty_cols if abs(e.get_x() - col_x(t)) < 1e-6])
        old = self.bars.series(1)
        # Texts cross-fade: morphing one number's glyphs into another's reads as noise.
        self.play(self.reveal(*cols), ReplacementTransform(self.focus_box, box),
                  *self.dim(*self.cols[t - 1], opacity=0.3), FadeOut(self.panel_title), FadeIn(title),
                  self.indices[t - 1].animate.set_color(style.MUTED),
                  self.indices[t].animate.set_color(style.HIGHLIGHT),
                  Transform(old[0], bars[0]), FadeOut(old[1]), FadeIn(bars[1]),
                  FadeOut(self.panel_logits), FadeIn(logits), run_time=run_time * 0.45)
        self.cols.append(cols)
        self.bars.values[1] = bars[1]
        self.panel_title, self.panel_logits, self.focus_box = title, logits, box
        flying = self.out_chips[k].copy().move_to(self.bars.chips[step.chosen])
        self.play(flying.animate(path_arc=0.4).move_to(self.out_chips[k]), run_time=run_time * 0.4)
        self.remove(flying)
        self.add(self.out_chips[k])
        self.hold(run_time * 0.15)

    def loop_steps(self, ks, room: float) -> None:
        """Play passes `ks` in this line, leaving `room` (a share of the line) at its end."""
        if not ks:
            return
        per = max(0.1, (self.remaining() - self.t(room)) / len(ks))
        for k in ks:
            self.loop_step(k, per)

    @beat("output.feed-back")
    def feed_back(self):
        self.play(FadeOut(self.earlier_label), FadeOut(self.sum_label), FadeOut(self.nth), self.unhighlight(),
                  *self.dim(*self.cols[self.focus], opacity=1.0), run_time=self.t(0.05))
        self.remove(self.flying)
        self.add(self.out_chips[0])
        n = len(self.run.steps) - 1
        fits = max(1, int((self.remaining() - self.t(0.02)) // STEP_MIN))
        self.loop_plan = (list(range(1, 1 + min(n, fits))), list(range(1 + min(n, fits), 1 + n)))
        self.loop_steps(self.loop_plan[0], room=0.02)

    def to_line_end(self) -> float:
        """Seconds to the end of the current line, its hold included (on the frame clock)."""
        return max(0, round((self.line.start + self.line.duration) * self.fps) - self.frames) / self.fps

    @beat("output.done")
    def done(self):
        # The last line's hold (<pause> in the narration) is the closing picture's time: the
        # remaining loop passes play while the line is spoken, then the finished sequence and
        # the credits come in and stay, silent, at least FINAL_MIN seconds (the video ends here).
        later = self.loop_plan[1]
        final = min(0.8 * self.to_line_end(), max(FINAL_MIN, self.to_line_end() - STEP_MIN * len(later)))
        for k in later:
            self.loop_step(k, (self.to_line_end() - final) / (len(later) - later.index(k)))
        w = self.words
        grid = [*[m for c in self.cols for m in c], self.empty_cols, self.ln_band, self.head_band,
                self.softmax_band, self.normed_label, self.normed_dim, self.logits_label, self.probs_label,
                self.row_chips, self.w_head, self.w_head_label, self.w_head_dims]
        panel = [self.panel_title, self.panel_heads, self.bars.chips, self.panel_logits, *self.bars.series(1)]
        # The finished sequence moves to the centre, larger: input beside output, then the credits.
        seq = VGroup(self.slots, self.indices, self.chips, self.out_chips)
        goal = seq.copy().scale(1.4).move_to([0, 2.55, 0])
        brace_in = highlight_box(goal[2], color=style.INK, buff=0.08)
        brace_out = highlight_box(goal[3], color=style.HIGHLIGHT, buff=0.08)
        tags = VGroup(label(w["input"], font_size=24).next_to(brace_in, DOWN, buff=0.5),
                      label(w["output"], font_size=24, color=style.HIGHLIGHT).next_to(brace_out, DOWN, buff=0.5))
        card = Credits(w).move_to([0, -0.35, 0])
        veils = [m.veil for g in grid for m in ([g] if not hasattr(g, "get_family") else g.get_family())
                 if getattr(m, "veil", None) is not None]
        for index in self.indices:   # (inside the sequence's own move below, a colour animation would be lost)
            index.set_color(style.MUTED)
        self.play(FadeOut(self.focus_box), *[FadeOut(m) for m in (*grid, *panel, *veils)],
                  seq.animate.scale(1.4).move_to([0, 2.55, 0]), run_time=min(0.5, self.to_line_end() * 0.1))
        self.play(Create(brace_in), Create(brace_out), FadeIn(tags), FadeIn(card, shift=UP * 0.15),
                  run_time=min(0.5, self.to_line_end() * 0.1))


class Credits(VGroup):
    """The closing card: who made the model and task, and where the narration comes from."""

    def __init__(self, words):
        super().__init__()
        title = label(words["credits"], font_size=style.SIZE_BODY, color=style.INK)
        lines = VGroup(*[VGroup(label(words[f"credit_{k}"], font_size=style.SIZE_LABEL, color=style.INK),
                                label(words[f"credit_{k}_where"], font_size=style.SIZE_SMALL, color=style.MUTED,
                                      mono=True)).arrange(DOWN, buff=0.1)
                         for k in ("model", "narration")]).arrange(DOWN, buff=0.3)
        self.add(title, lines)
        self.arrange(DOWN, buff=0.3)
        frame = Rectangle(width=self.width + 0.6, height=self.height + 0.45, color=style.EDGE,
                          stroke_width=2, fill_color=style.PANEL, fill_opacity=0.9).move_to(self)
        self.add_to_back(frame)
