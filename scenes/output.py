"""Output: ln_f, lm_head, logits, softmax, the choice, temperature, which position counts, and
the chosen token fed back (the six output steps follow in the next chapter, scenes/learned.py).

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
from scenes.kit.equations import Relation
from scenes.kit import (Block, CellColumn, DimLabel, ProbabilityBars, TokenChip, ValueLabel, VectorStrip,
                       label, stacked_strip, tick_line)

PITCH, COL_W = 0.5, 0.38          # grid: one column per position
X0 = style.OUT_GRID_X0              # x of position 0
Y_CHIP, Y_INDEX = 3.3, 2.93
Y_LN_BAND, Y_NORMED, NORMED_LEN = 2.56, 1.66, 1.3
Y_HEAD_BAND, Y_LOGITS = 0.74, 0.02
Y_SOFTMAX_BAND, Y_PROBS = -0.72, -1.44
CELL_H = 0.28                     # one token's row in logits / probs
PANEL_X = style.OUT_PANEL_X       # left edge of the right panel
TEMPERATURES = (0.5, 5.0)         # shown next to the run's own temperature
SERIES_COLORS = [style.ATTN_COLOR, style.HIGHLIGHT, style.MLP_COLOR]   # T low, the run's T, T high


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
        self.bars = self._place_bars(ProbabilityBars(self.run, sources, colors, **style.OUT_BAR_LOOK))
        self.panel_logits = self._logit_labels(step)
        self.relations = []
        for values, T in zip(self.bars.values, temps):
            self.relate_bars(values, self.panel_logits, T)
        heads_y = self.bars.get_top()[1] + 0.2
        self.panel_heads = VGroup(label(w["logits"], font_size=18, color=style.MUTED),
                                  label(w["probs"], font_size=18, color=style.MUTED))
        self.panel_heads[0].move_to([0, heads_y, 0]).align_to(self.panel_logits, RIGHT)
        self.panel_heads[1].move_to([0, heads_y, 0]).align_to(self.bars.bars[1], LEFT)
        # the whole panel under the dock (its "1.00"s and "sum = 1" ran onto the mini-map)
        drop = style.OUT_PANEL_HEADS_TOP - self.panel_heads.get_top()[1]
        VGroup(self.bars, self.panel_logits, self.panel_heads).shift(UP * drop)
        self.panel_title = label(w["panel"].format(n=self.focus + 1), font_size=style.SIZE_SMALL)
        self.panel_title.next_to(self.panel_heads, UP, buff=style.OUT_PANEL_TITLE_GAP)
        self.panel_title.align_to([PANEL_X, 0, 0], LEFT)
        # the question ends left of the dock (it ran 0.5 onto the mini-map in Chinese)
        overrun = self.panel_title.get_right()[0] - (style.DOCK_ZONE[0] - style.DOCK_GAP)
        self.panel_title.shift(LEFT * max(0.0, overrun))
        swatch = lambda c: Rectangle(width=0.18, height=0.16, stroke_width=0, fill_color=c, fill_opacity=0.9)
        # "temperature ■ 0.5 ■ 1 ■ 5" (T is the time step in the narration, not the temperature),
        # set tight to fit the panel's width in English
        self.legend = VGroup(label(w["temperature"], font_size=17, color=style.MUTED),
                             *[VGroup(swatch(c), label(f"{T:g}", font_size=17, color=style.MUTED))
                               .arrange(RIGHT, buff=0.05) for T, c in zip(temps, colors)])
        self.legend.arrange(RIGHT, buff=0.12)
        self.legend.next_to(self.bars, DOWN, buff=0.2).align_to([PANEL_X, 0, 0], LEFT)
        # sampling has the bottom band to itself (under the grid, left of the panel): the line of
        # segments, the draws in a row beside it, its label above its left end
        probs = self.run.steps[step].probs
        self.strip = stacked_strip(probs, width=style.OUT_STRIP_W, height=style.OUT_STRIP_H)
        self.strip.move_to([style.OUT_STRIP_LEFT, style.OUT_STRIP_Y, 0], aligned_edge=LEFT)
        self.strip_label = label(w["sample"], font_size=18, color=style.MUTED)
        self.strip_label.move_to([0, style.OUT_DRAWS_Y, 0]).align_to(self.strip, LEFT)   # under it; draws beside

    @staticmethod
    def _place_bars(bars: ProbabilityBars) -> ProbabilityBars:
        """Chips at the panel's left edge (the bars leave room for the logit values); its height
        is set under the dock once the heads are on it."""
        return bars.shift([PANEL_X - bars.chips.get_left()[0], 0, 0])

    def relate_bars(self, values, logits, temperature: float) -> None:
        """Each bar's probability is the softmax of the logits shown beside it, at its temperature."""
        self.relations += [Relation("softmax", value, list(logits), [i, temperature], name=f"softmax at T = {temperature:g}")
                           for i, value in enumerate(values)]

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
        # no near-empty opening: the band and the normalised columns come in together, at once,
        # and the question the chapter answers waits on the right (what comes after token 6?)
        self.play(FadeIn(self.ln_band, shift=DOWN * 0.1), self.reveal(*self.normed, lag_ratio=0.1),
                  FadeIn(self.normed_label), FadeIn(self.normed_dim), FadeIn(self.panel_title), FadeIn(self.bars.chips),
                  run_time=self.t(0.2))
        self.highlight(self.ln_band, 0.1, buff=0.05)
        self.at_share(0.6, room=0.15)
        self.highlight(Group(*self.normed), 0.1, buff=0.05)
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
        self.play(Create(self.focus_box), run_time=self.t(0.12))
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
        self.sum_label.move_to([0, self.panel_heads[1].get_y(), 0]).align_to([style.TITLE_SAFE_X, 0, 0], RIGHT)
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
        # Top-k: the k likeliest tokens stay, the rest are pushed back; the tag comes with the frame,
        # in the free gap left of the panel (between the logits and probs labels of the grid).
        order = [int(i) for i in np.argsort(-step.logits)]
        keep, drop = order[:DEMO_TOP_K], order[DEMO_TOP_K:]
        kept = VGroup(*[VGroup(self.bars.chips[i], self.panel_logits[i]) for i in keep])
        dropped = [m for i in drop for m in (self.panel_logits[i], self.bars.bars[1][i], self.bars.values[1][i])]
        self.topk_tag = label(w["topk"].format(k=DEMO_TOP_K), font_size=18, color=style.HIGHLIGHT)
        box = VGroup(*[self.frame_around(k, buff=0.06) for k in kept])   # one each: never over a dropped row
        # the tag in the panel's free foot (where the legend comes later), clear of the grid's bands
        self.topk_tag.next_to(self.bars, DOWN, buff=0.25).align_to([PANEL_X, 0, 0], LEFT)
        self.at_word("topk", 0.1, room=0.8)
        self.highlight(box, 0.1, *self.dim(*dropped, opacity=0.3), FadeIn(self.topk_tag))
        # ... or a random draw, weighted: the line of segments, each token's as long as its
        # probability (at T = 1 it is all A: the draws come with the temperature, where it is not)
        self.at_word("random", 0.45, room=0.4)
        self.play(self.unhighlight(), FadeOut(self.topk_tag), *self.dim(*dropped, opacity=1.0),
                  FadeIn(self.strip), FadeIn(self.strip_label), run_time=self.t(0.12))
        self.highlight(self.strip, 0.12)
        self.play(self.unhighlight(), run_time=self.t(0.06))

    def pick_at(self, probs, j: int) -> int:
        """The token draw j picks on `probs` (the engine's inverse CDF on its seeded u)."""
        from engine.generate import draw_token
        return draw_token(probs, float(self.run.steps[0].demo_u[j]))

    def draw_once(self, j: int, strip, source: str, seconds: float, pick: int, row) -> None:
        """Draw j: a tick drops at u on `strip`, u's value shows over it, the picked chip
        appears in `row` at place j, in `seconds` (whole frames, rounded down: eight draws in a
        row must not add up past their line)."""
        frames = max(2, int(seconds * self.fps))
        u = float(self.run.steps[0].demo_u[j])
        x = strip.get_left()[0] + strip.width * u
        tick = tick_line(np.array([x, strip.get_y(), 0]), strip.height + 0.12)
        value = VGroup(label("u =", font_size=18, color=style.HIGHLIGHT),
                       ValueLabel.of(self.run, source, (j,), font_size=18, color=style.HIGHLIGHT))
        value.arrange(RIGHT, buff=0.08).next_to(tick, UP, buff=0.04)
        value.shift(RIGHT * max(0.0, strip.get_left()[0] - value.get_left()[0]))    # over the strip,
        value.shift(LEFT * max(0.0, value.get_right()[0] - strip.get_right()[0]))   # clear of the grid's chips
        chip = TokenChip(pick, size=style.OUT_DRAW_SIZE, font_size=17).move_to(row[j])
        old = [m for m in (getattr(self, "draw_tick", None), getattr(self, "draw_value", None)) if m is not None]
        self.play(*[FadeOut(m) for m in old], FadeIn(tick, shift=DOWN * 0.1), FadeIn(value),
                  run_time=(frames // 2) / self.fps)
        self.play(FadeIn(chip, scale=1.3), run_time=(frames - frames // 2) / self.fps)
        self.draw_tick, self.draw_value = tick, value
        self.drawn = getattr(self, "drawn", VGroup())
        self.drawn.add(chip)

    @beat("output.temperature")
    def temperature(self):
        self.play(FadeIn(self.legend), run_time=self.t(0.04))
        self.drawn = VGroup()
        self.draw_tick = self.draw_value = None
        for s in (0, 2):
            self.play(FadeIn(self.bars.series(s)[0], shift=RIGHT * 0.2), FadeIn(self.bars.series(s)[1]),
                      run_time=self.t(0.07))
            self.hold(self.t(0.03))
        low = int(np.argmin(self.run.steps[0].probs))
        self.highlight(VGroup(*[self.bars.values[s][low] for s in range(3)]), 0.05, buff=0.06)
        # Sampling where it matters: the segments stretch to T = 5's shares, and the engine's seeded draws.
        hot = self.run.steps[0].demo_probs
        hot_strip = stacked_strip(hot, width=self.strip.width, height=self.strip.height).move_to(self.strip)
        hot_label = label(self.words["sample_hot"].format(T=f"{DEMO_TEMPERATURE:g}"), font_size=18,
                          color=style.MLP_COLOR).move_to(self.strip_label, aligned_edge=LEFT)
        self.play(self.unhighlight(), Transform(self.strip, hot_strip), FadeOut(self.strip_label),
                  FadeIn(hot_label), run_time=self.t(0.06))
        self.strip_label = hot_label
        n = len(self.run.steps[0].demo_u)
        size = style.OUT_DRAW_SIZE
        row = VGroup(*[Rectangle(width=size, height=size) for _ in range(n)]).arrange(RIGHT, buff=0.04)
        row.move_to([hot_label.get_right()[0] + 0.2, style.OUT_DRAWS_Y, 0], aligned_edge=LEFT)
        self.draw_row = row
        per = min(self.t(0.52), self.remaining() - self.t(0.13)) / n   # the rest: the rare draws framed
        for j in range(n):
            self.draw_once(j, self.strip, "step0/.demo_u", seconds=per, pick=int(self.run.steps[0].demo_draw[j]),
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

    @beat("output.feed-back")
    def feed_back(self):
        """The first output lands in position 7 (the next chapter plays the six steps, with
        what the model learned)."""
        self.play(FadeOut(self.earlier_label), FadeOut(self.sum_label), FadeOut(self.nth), self.unhighlight(),
                  *self.dim(*self.cols[self.focus], opacity=1.0), run_time=self.t(0.1))
        self.remove(self.flying)
        self.add(self.out_chips[0])
        self.highlight(self.out_chips[0], 0.15, buff=0.06)
        self.hold(self.t(0.3))
        self.play(self.unhighlight(), run_time=self.t(0.1))
