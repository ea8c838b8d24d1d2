"""What the model learned: the six output steps again, now with what the numbers mean.

Every number here is measured by engine/learned.py (run.learned) or read from the run's own
steps; which sentences are said is chosen by those measurements (script/fill.py CONDITIONS).

    left    the sequence so far (12 slots) and, under it, the attention row of the head the
            analysis follows, from the position that writes the next letter: the input tokens
            equal to that letter in its colour, the run's share on them, the mean over all inputs
    right   the logit lens of the run: p(the letter written) after every sublayer, one column
            per step, filled as the steps go; then each row's share right over all inputs
    then    the finished output; the ablation (a layer's attention off: the 729 inputs as dots,
            the broken ones red, one of them written out); the heads; the credits
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Create, DashedVMobject, FadeIn, FadeOut, GrowFromEdge, ImageMobject,
                   LaggedStart, Line, ManimColor, Rectangle, ReplacementTransform, RoundedRectangle, VGroup)
from manim.constants import RESAMPLING_ALGORITHMS

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import DimLabel, TokenChip, ValueLabel, highlight_box, label, stacked_strip, title_safe
from scenes.kit.model_map import Block
from scenes.kit.values import PercentLabel, title_safe

# ---- layout (scene units; the frame is 14.2 x 8, captions below style.CAPTION_TOP) ----------
SEQ_X0, SEQ_PITCH, SEQ_Y = -6.1, 0.62, 3.2     # slot t's centre x = SEQ_X0 + t * SEQ_PITCH
CHIP, INDEX_Y = 0.46, 2.8
HEAD_TITLE_Y = 2.3
BAR_BASE, BAR_H, BAR_W = -0.6, 2.1, 0.4        # attention bars grow up from BAR_BASE; weight 1 is BAR_H
LABELLED_WEIGHT = 0.1                          # a bar gets its number if at least this (or on the letter)
STEP_MIN = 2.5                                 # seconds an output step stays on screen, at least
ON_LETTER_Y, MEAN_Y = -1.15, -1.75
LENS_LEFT, LENS_PITCH, LENS_ROW = 2.6, 0.5, 0.52   # lens grid: x of its first column, column pitch, row pitch
LENS_TOP_Y = 2.15                              # centre of the first read-out row
LENS_CELL = (0.42, 0.3)                        # one read-out: an [A|B|C] strip of its probabilities
LENS_LABELS_RIGHT = 2.25                       # row names end here
LENS_TITLE_X = 2.0                             # the panel's title starts here (the sequence ends at ~1)
LENS_STAGE_SCALE, LENS_STAGE_Y = 1.3, 0.4       # the lens beat: the panel centred, larger
LENS_STAGE_SPREAD = 1.45                       # ... and its columns this much further apart (70 % of the width)
DONE_SCALE, DONE_Y = 1.6, 0.7                  # the finished sequence
TITLE_MAX_W = 5.6                              # the chapter title, left of the 729 inputs
DOT_GRID_PX = 10                               # the 729 inputs: 27 x 27 dots, each this many px
SORTED, BROKEN = ManimColor("#6b7a8f"), ManimColor("#ef5350")
DIAGRAM_X, DIAGRAM_TOP = -6.2, 2.35            # the ablation's model: left edge, top
POPULATION_X, POPULATION_H = 4.3, 3.0          # the 729 dots in the ablation: centre x, height
HEADS_X = 4.6                                  # the heads' grid: centre x (clear of '/ 729 sorted')


def slot_x(t: int) -> float:
    return SEQ_X0 + t * SEQ_PITCH


def spread_columns(panel: VGroup, factor: float) -> None:
    """The lens panel (title, heads, names, columns, shares, shares' title) with its columns
    `factor` times further from its centre, each column keeping its size."""
    title, heads, names, *cols, shares, shares_title = panel
    centre = panel.get_x()
    units = [title, names, shares, shares_title, *heads, *cols]
    for unit in units:
        unit.shift(RIGHT * (unit.get_x() - centre) * (factor - 1))


class Learned(NanoScene):
    scene_id = "learned"
    map_part = ("blocks", None)   # a summary of every layer: the boundary frames all the blocks

    # ---- layout -------------------------------------------------------------------------------

    def prepare(self) -> None:
        self.result = self.run.learned
        self.layer, self.head = self.result.telling_head
        self.T = len(self.run.input_tokens)
        self.n_steps = len(self.run.steps)
        self._build_sequence()
        self._build_lens()
        self.view = None          # the current step's bars and labels
        self.step_shown = -1

    def _build_sequence(self) -> None:
        n = self.T + self.n_steps
        self.slots = VGroup(*[DashedVMobject(RoundedRectangle(corner_radius=0.08, width=CHIP, height=CHIP,
                                                              stroke_color=style.EDGE, stroke_width=2), num_dashes=12)
                              .move_to([slot_x(t), SEQ_Y, 0]) for t in range(n)])
        self.indices = VGroup(*[DimLabel(str(t + 1), font_size=style.SIZE_SMALL).move_to([slot_x(t), INDEX_Y, 0])
                                for t in range(n)])
        tokens = [*self.run.input_tokens, *self.run.output_tokens]
        self.chips = VGroup(*[TokenChip(int(tok), size=CHIP, font_size=style.SIZE_LABEL).move_to([slot_x(t), SEQ_Y, 0])
                              for t, tok in enumerate(tokens)])
        self.sequence = VGroup(self.slots, self.indices)
        self.head_title = label(self.words["head"].format(layer=self.layer + 1, head=self.head + 1),
                                font_size=style.SIZE_LABEL, color=style.ATTN_COLOR)
        self.head_title.move_to([0, HEAD_TITLE_Y, 0]).align_to([slot_x(0) - CHIP / 2, 0, 0], LEFT)
        self.add(self.sequence, *self.chips[:self.T])

    def _build_lens(self) -> None:
        """The grid frame, row names and column slots; cells come in step by step."""
        w, rows = self.words, len(self.result.logit_lens)
        self.lens_title = label(w["lens"], font_size=style.SIZE_SMALL, color=style.MUTED)
        self.lens_title.move_to([0, SEQ_Y, 0]).align_to([LENS_TITLE_X, 0, 0], LEFT)
        names = []
        for row in self.result.logit_lens:
            _, layer, part = row["after"].split(".")
            names.append(label(w[f"short_{part}"].format(layer=int(layer) + 1), font_size=style.SIZE_SMALL,
                               color=style.ATTN_COLOR if part == "attn" else style.MLP_COLOR))
        self.lens_names = VGroup(*[name.move_to([0, self.lens_y(i), 0]).align_to([LENS_LABELS_RIGHT, 0, 0], RIGHT)
                                   for i, name in enumerate(names)])
        self.lens_slots = VGroup(*[DashedVMobject(Rectangle(width=LENS_CELL[0], height=(rows - 1) * LENS_ROW
                                                            + LENS_CELL[1], stroke_color=style.EDGE,
                                                            stroke_width=1.5), num_dashes=14)
                                   .move_to([self.lens_x(k), self.lens_y((rows - 1) / 2), 0])
                                   for k in range(self.n_steps)])
        self.lens_heads = VGroup(*[TokenChip(int(s.chosen), size=0.36, font_size=style.SIZE_SMALL)
                                   .move_to([self.lens_x(k), INDEX_Y, 0]) for k, s in enumerate(self.run.steps)])
        self.lens_cols = [self._lens_column(k) for k in range(self.n_steps)]
        self.lens_all = VGroup(*[PercentLabel.of(self.run, "learned/lens_right", (i,), font_size=style.SIZE_SMALL)
                                 .move_to([0, self.lens_y(i), 0])
                                 .align_to([self.lens_x(self.n_steps - 1) + LENS_CELL[0] / 2 + 0.2, 0, 0], LEFT)
                                 for i in range(rows)])
        self.lens_all_title = label(w["lens_all"], font_size=style.SIZE_SMALL, color=style.MUTED)
        self.lens_all_title.move_to([0, SEQ_Y, 0]).align_to([style.TITLE_SAFE_X - 0.05, 0, 0], RIGHT)

    def lens_x(self, k: float) -> float:
        return LENS_LEFT + k * LENS_PITCH

    def lens_y(self, i: float) -> float:
        return LENS_TOP_Y - i * LENS_ROW

    def _lens_column(self, k: int) -> VGroup:
        """Step k's read-outs: after each sublayer, the next-letter probabilities of the run
        as an [A|B|C] strip in the letters' colours (which letter leads, and by how much)."""
        column = VGroup()
        for i in range(len(self.result.logit_lens)):
            strip = stacked_strip(self.result.run_lens[k, i], width=LENS_CELL[0], height=LENS_CELL[1])
            column.add(strip.move_to([self.lens_x(k), self.lens_y(i), 0]))
        return column

    def step_view(self, k: int) -> VGroup:
        """Step k: the followed head's attention from the position writing output k, one bar per
        position so far, the inputs equal to the letter it writes in that letter's colour."""
        w, l, h = self.words, self.layer, self.head
        p = self.T - 1 + k
        written = int(self.run.steps[k].chosen)
        tokens = self.run.steps[k].sequence
        probs = self.run.steps[k].trace[f"h.{l}.attn.probs"][h, p]
        bars, values = VGroup(), VGroup()
        for t in range(p + 1):
            match = t < self.T and int(tokens[t]) == written
            color = style.TOKEN_COLORS[written] if match else style.EDGE
            bar = Rectangle(width=BAR_W, height=max(0.02, BAR_H * float(probs[t])), stroke_width=0,
                            fill_color=color, fill_opacity=0.9 if match else 0.7)
            bars.add(bar.move_to([slot_x(t), BAR_BASE, 0], aligned_edge=DOWN))
            if match or probs[t] >= LABELLED_WEIGHT:   # the rest are bars only: no wall of 0.00s
                values.add(ValueLabel.of(self.run, f"step{k}/h.{l}.attn.probs", (h, p, t),
                                         font_size=style.MIN_FONT_SIZE, color=style.INK if match else style.MUTED)
                           .next_to(bar, UP, buff=0.08))
        baseline = Line([slot_x(0) - CHIP / 2, BAR_BASE, 0], [slot_x(p) + CHIP / 2, BAR_BASE, 0], color=style.EDGE,
                        stroke_width=2)
        letter = TokenChip(written, size=0.36, font_size=style.SIZE_SMALL)
        on_letter = VGroup(label(w["on_letter"].format(letter=letter.text.text), font_size=style.SIZE_SMALL),
                           ValueLabel.of(self.run, "learned/run_focus", (l, h, k), font_size=style.SIZE_LABEL,
                                         color=style.TOKEN_COLORS[written])).arrange(RIGHT, buff=0.15)
        on_letter.move_to([0, ON_LETTER_Y, 0]).align_to([slot_x(0) - CHIP / 2, 0, 0], LEFT)
        mean = VGroup(label(w["all_inputs"].format(total=self.result.total), font_size=style.SIZE_SMALL,
                            color=style.MUTED),
                      ValueLabel.of(self.run, "learned/focus", (l, h, k), font_size=style.SIZE_SMALL),
                      label("· " + w["even"], font_size=style.SIZE_SMALL, color=style.MUTED),
                      ValueLabel.of(self.run, "learned/even_share", (k,), font_size=style.SIZE_SMALL,
                                    color=style.MUTED)).arrange(RIGHT, buff=0.15)
        mean.move_to([0, MEAN_Y, 0]).align_to(on_letter, LEFT)
        writes = label(w["writes"].format(n=p + 2), font_size=style.SIZE_SMALL, color=style.HIGHLIGHT)
        writes.next_to(self.head_title, RIGHT, buff=0.4)
        view = VGroup(baseline, bars, values, on_letter, mean, writes)
        view.bars, view.values, view.on_letter, view.mean, view.writes = bars, values, on_letter, mean, writes
        view.position = p
        return view

    # ---- one step -----------------------------------------------------------------------------

    def play_step(self, k: int, seconds: float) -> None:
        """Output step k in `seconds`: the head's row from position T + k, the letter it writes
        framed, the lens column filling layer by layer, then the letter dropping into its slot."""
        view = self.step_view(k)
        p = view.position
        out = [FadeOut(self.view)] if self.view is not None else []
        marks = [self.indices[t].animate.set_color(style.HIGHLIGHT if t == p else style.MUTED)
                 for t in range(len(self.indices)) if t in (p, p - 1)]
        target = highlight_box(self.slots[p + 1], buff=0.05)
        frame = [ReplacementTransform(self.next_frame, target)] if getattr(self, "next_frame", None) else [Create(target)]
        self.play(*out, *marks, *frame, Create(view[0]),
                  LaggedStart(*[GrowFromEdge(bar, DOWN) for bar in view.bars], lag_ratio=0.05),
                  FadeIn(view.writes), run_time=seconds * 0.22)
        self.next_frame = target
        self.play(FadeIn(view.values), FadeIn(view.on_letter), FadeIn(view.mean), run_time=seconds * 0.14)
        self.view = view
        column = self.lens_cols[k]
        self.play(FadeIn(self.lens_heads[k]), FadeOut(self.lens_slots[k]),
                  LaggedStart(*[FadeIn(cell) for cell in column], lag_ratio=0.25), run_time=seconds * 0.3)
        chip = self.chips[p + 1]
        flying = chip.copy().move_to(self.lens_heads[k])
        self.play(flying.animate(path_arc=0.5).move_to(chip), run_time=seconds * 0.16)
        self.remove(flying)
        self.add(chip)
        self.step_shown = k

    def play_steps(self, ks, until: float) -> None:
        """Steps `ks`, evenly, ending `until` seconds into the line (its hold included); each
        holds its picture to its own end, on whole frames."""
        start = self._beat_time()
        per = (until - start) / max(1, len(ks))
        if ks and per < STEP_MIN and self.auditing:
            self.audit_log.append(f"{self.line.id}: output steps of {per:.2f} s, under {STEP_MIN} s each")
        for i, k in enumerate(ks):
            self.play_step(k, per)
            end = start + (i + 1) * per
            frames = int((end - self._beat_time()) * self.fps)
            if frames > 0:
                self.hold(frames / self.fps)

    def line_end(self) -> float:
        """Seconds into the line at its very end (the hold included; the closing excluded)."""
        return self.line.duration - self.tail

    # ---- beats --------------------------------------------------------------------------------

    @beat("learned.question")
    def question(self):
        w = self.words
        self.title = label(w["title"], font_size=style.SIZE_TITLE)
        if self.title.width > TITLE_MAX_W:
            self.title.scale_to_fit_width(TITLE_MAX_W)
        self.title.move_to([0, 0.6, 0]).align_to([slot_x(0) - CHIP / 2, 0, 0], LEFT)
        self.population = PopulationGrid(np.ones(self.result.total, dtype=bool), height=3.6).move_to([1.6, 0.55, 0])
        count = ValueLabel(self.result.total, source=("learned/total", ()), precision=0, font_size=style.SIZE_BODY)
        self.population_count = VGroup(count, label(w["inputs"], font_size=style.SIZE_LABEL, color=style.MUTED))
        self.population_count.arrange(RIGHT, buff=0.15).next_to(self.population, RIGHT, buff=0.35)
        self.play(FadeIn(self.title, shift=UP * 0.1), FadeIn(self.population), run_time=self.t(0.15))
        self.at_said([str(self.result.total)], 0.6, room=0.25)
        self.highlight(self.population, 0.1, FadeIn(self.population_count), buff=0.1)
        self.hold(self.t(0.1))
        self.play(self.unhighlight(), run_time=self.t(0.05))

    @beat("learned.watch-head")
    def watch_head(self):
        self.play(FadeOut(self.title), FadeOut(self.population), FadeOut(self.population_count),
                  FadeIn(self.head_title), FadeIn(self.lens_title), FadeIn(self.lens_names),
                  FadeIn(self.lens_slots), run_time=self.t(0.12))
        self.play_steps([0], until=self.line_end())

    @beat("learned.head-focus")
    def head_focus(self):
        """Steps 2..6 over the line; the last starts when the largest letter is named."""
        rest = list(range(1, self.n_steps))
        last = self.word_share("largest", 0.7) * self.line.held_from
        self.play_steps(rest[:-1], until=min(last, self.line_end() - (self.line_end() - self._beat_time()) / len(rest)))
        self.play_steps(rest[-1:], until=self.line_end())

    @beat("learned.head-spread")
    def head_spread(self):
        self.play_steps(list(range(1, self.n_steps)), until=self.line_end())

    @beat("learned.lens")
    def lens(self):
        """The read-outs take the stage: each row's share right over all inputs comes in beside
        it, top to bottom (the run's own steps are the columns)."""
        self.lens_all_title.move_to([0, self.lens_heads.get_y(), 0]).align_to(self.lens_all, LEFT)
        self.lens_title.next_to(VGroup(self.lens_heads, self.lens_all_title), UP, buff=0.25)
        parts = [self.lens_title, self.lens_heads, self.lens_names, *self.lens_cols]
        whole = VGroup(*parts, self.lens_all, self.lens_all_title)
        goal = whole.copy().scale(LENS_STAGE_SCALE)
        spread_columns(goal, LENS_STAGE_SPREAD)   # the stage's width: the columns apart, not larger
        goal.move_to([0, LENS_STAGE_Y, 0])
        self.lens_all.become(goal[-2])          # not on screen yet: they come in row by row
        self.lens_all_title.become(goal[-1])
        self.play(FadeOut(self.view), FadeOut(self.next_frame), FadeOut(self.head_title),
                  FadeOut(self.sequence), FadeOut(self.chips),
                  *[part.animate.become(target) for part, target in zip(parts, goal)], run_time=self.t(0.12))
        self.view = self.next_frame = None
        self.play(FadeIn(self.lens_all_title), run_time=self.t(0.04))
        rows = len(self.lens_all)
        for i in range(rows):
            row = VGroup(self.lens_names[i], *[self.lens_cols[k][i] for k in range(self.n_steps)], self.lens_all[i])
            self.highlight(row, 0.7 / rows * 0.5, FadeIn(self.lens_all[i]), buff=0.06)
            self.hold(self.t(0.7 / rows * 0.5))
        self.play(self.unhighlight(), run_time=self.t(0.05))

    @beat("learned.lens-partial")
    def lens_partial(self):
        self.lens()

    @beat("learned.done")
    def done(self):
        """The finished sequence, large and centred: input and output bracketed."""
        w = self.words
        lens = [self.lens_title, self.lens_names, self.lens_heads, self.lens_all, self.lens_all_title, *self.lens_cols]
        for index in self.indices:
            index.set_color(style.MUTED)
        seq = VGroup(self.sequence, self.chips).scale(DONE_SCALE).move_to([0, DONE_Y, 0])
        braces = VGroup(highlight_box(self.chips[:self.T], color=style.INK, buff=0.08),
                        highlight_box(self.chips[self.T:], color=style.HIGHLIGHT, buff=0.08))
        tags = VGroup(label(w["input"], font_size=style.SIZE_BODY).next_to(braces[0], DOWN, buff=0.55),
                      label(w["output"], font_size=style.SIZE_BODY, color=style.HIGHLIGHT).next_to(braces[1], DOWN, buff=0.55))
        self.play(*[FadeOut(m) for m in lens], FadeIn(seq), run_time=self.t(0.25))
        self.play(Create(braces), FadeIn(tags), run_time=self.t(0.2))
        self.finished = VGroup(seq, braces, tags)

    # ---- what breaks ---------------------------------------------------------------------------

    def ablation_view(self) -> None:
        """The model as three rows of attention | feed-forward, and the 729 inputs as dots."""
        w, cfg = self.words, self.cfg
        rows = VGroup()
        for l in range(cfg.n_layer):
            name = label(f"Transformer {l + 1}", font_size=style.SIZE_SMALL, color=style.MUTED)
            attn = Block(w["attention"], width=1.9, height=0.62, color=style.ATTN_COLOR, font_size=style.SIZE_SMALL)
            mlp = Block(w["feedforward"], width=1.9, height=0.62, color=style.MLP_COLOR, font_size=style.SIZE_SMALL)
            row = VGroup(name, attn, mlp).arrange(RIGHT, buff=0.25)
            row.attn = attn
            rows.add(row)
        rows.arrange(DOWN, buff=0.35, aligned_edge=LEFT).move_to([0, 0, 0])
        rows.shift([DIAGRAM_X - rows.get_left()[0], DIAGRAM_TOP - rows.get_top()[1], 0])
        self.diagram = rows
        self.counts = VGroup()
        self.population = PopulationGrid(np.ones(self.result.total, dtype=bool), height=POPULATION_H)
        self.population.move_to([POPULATION_X, DIAGRAM_TOP - POPULATION_H / 2, 0])
        swatch = lambda color: Rectangle(width=0.2, height=0.2, stroke_width=0, fill_color=color, fill_opacity=1)
        self.legend = VGroup(*[VGroup(swatch(c), label(self.words[key], font_size=style.SIZE_SMALL, color=style.MUTED))
                               .arrange(RIGHT, buff=0.1) for c, key in ((SORTED, "sorted"), (BROKEN, "wrong"))])
        self.legend.arrange(RIGHT, buff=0.4).next_to(self.population, DOWN, buff=0.2)

    def count_label(self, l: int) -> VGroup:
        """'295 / 729 sorted' for layer l's attention off, right of its row."""
        group = VGroup(ValueLabel.of(self.run, "learned/sorted_without_layer_attention", (l,), precision=0,
                                     font_size=style.SIZE_LABEL, color=style.INK),
                       label(f"/ {self.result.total} " + self.words["sorted"], font_size=style.SIZE_SMALL,
                             color=style.MUTED)).arrange(RIGHT, buff=0.12)
        return group.next_to(self.diagram[l], RIGHT, buff=0.35)

    def cross(self, l: int) -> VGroup:
        box = self.diagram[l].attn
        lines = VGroup(Line(box.get_corner(UP + LEFT), box.get_corner(DOWN + RIGHT)),
                       Line(box.get_corner(DOWN + LEFT), box.get_corner(UP + RIGHT))).set_stroke(BROKEN, 4)
        return lines

    @beat("learned.ablation")
    def ablation(self):
        worst = int(np.argmin(self.result.sorted_without_layer_attention))
        self.ablation_view()
        self.play(FadeOut(self.finished), run_time=self.t(0.08))
        self.play(FadeIn(self.diagram), FadeIn(self.population), FadeIn(self.legend), run_time=self.t(0.12))
        self.crossed = self.cross(worst)
        broken = PopulationGrid(self.result.sorted_mask[worst], height=self.population.height).move_to(self.population)
        self.counts.add(self.count_label(worst))
        self.play(Create(self.crossed), run_time=self.t(0.08))
        self.play(FadeOut(self.population), FadeIn(broken), FadeIn(self.counts[-1]), run_time=self.t(0.15))
        self.population = broken
        self.at_word("becomes", 0.7, room=0.2)
        self.example = BrokenExample(self.result.broken[worst], self.words)
        self.example.next_to(self.diagram, DOWN, buff=0.5).align_to(self.diagram, LEFT)
        self.play(FadeIn(self.example), run_time=self.t(0.12))
        self.highlight(self.example.written, 0.06, buff=0.06)
        self.shown_layer = worst

    @beat("learned.no-ablation")
    def no_ablation(self):
        self.ablation_view()
        self.play(FadeOut(self.finished), FadeIn(self.diagram), FadeIn(self.population), FadeIn(self.legend),
                  run_time=self.t(0.2))
        self.shown_layer = None

    @beat("learned.layers")
    def layers(self):
        """Each layer's attention off in turn: the dots and the count follow."""
        others = [l for l in range(self.cfg.n_layer) if l != self.shown_layer]
        gone = [m for m in (getattr(self, "example", None),) if m is not None]
        self.play(self.unhighlight(), *[FadeOut(m) for m in gone], run_time=self.t(0.06))
        per = 0.8 / max(1, len(others))
        for l in sorted(others):
            cross = self.cross(l)
            dots = PopulationGrid(self.result.sorted_mask[l], height=self.population.height).move_to(self.population)
            count = self.count_label(l)
            moves = [ReplacementTransform(self.crossed, cross)] if getattr(self, "crossed", None) else [Create(cross)]
            self.play(*moves, FadeOut(self.population), FadeIn(dots), FadeIn(count), run_time=self.t(per * 0.45))
            self.crossed, self.population = cross, dots
            self.counts.add(count)
            self.hold(self.t(per * 0.45))

    @beat("learned.backup")
    def backup(self):
        """Any single head off: every input still sorted."""
        heads = self.head_grid()
        self.play(FadeOut(self.crossed), FadeOut(self.population), FadeOut(self.legend), FadeIn(heads),
                  run_time=self.t(0.2))
        self.heads = heads
        self.highlight(heads[0], 0.1, buff=0.08)   # the boxes (a frame round the values cut through them)

    @beat("learned.one-head")
    def one_head(self):
        heads = self.head_grid()
        self.play(FadeOut(self.crossed), FadeOut(self.population), FadeOut(self.legend), FadeIn(heads),
                  run_time=self.t(0.2))
        self.heads = heads
        counts = np.array(self.result.sorted_without_head)
        l, h = np.unravel_index(counts.argmin(), counts.shape)
        self.highlight(heads.values[l * self.cfg.n_head + h], 0.1, buff=0.06)

    def head_grid(self) -> VGroup:
        """Per layer, one box per head with the inputs still sorted when that head alone is off."""
        grid, values = VGroup(), VGroup()
        for l in range(self.cfg.n_layer):
            row = VGroup()
            for h in range(self.cfg.n_head):
                value = ValueLabel.of(self.run, "learned/sorted_without_head", (l, h), precision=0,
                                      font_size=style.SIZE_SMALL)
                box = RoundedRectangle(corner_radius=0.06, width=0.9, height=0.5, stroke_color=style.ATTN_COLOR,
                                       stroke_width=2, fill_color=style.PANEL, fill_opacity=1)
                row.add(VGroup(box, value.move_to(box)))
                values.add(value)
            row.arrange(RIGHT, buff=0.15).move_to([HEADS_X, self.diagram[l].get_y(), 0])
            grid.add(row)
        title = title_safe(label(self.words["head_off"], font_size=style.SIZE_SMALL, color=style.MUTED)
                           .next_to(grid, UP, buff=0.25))   # English's DejaVu Sans is wider than the grid
        group = VGroup(grid, title)
        group.values = values
        return group

    @beat("learned.credits")
    def credits(self):
        gone = [self.diagram, self.counts, self.heads] if hasattr(self, "heads") else [self.diagram, self.counts]
        self.finished.scale(0.8).move_to([0, 1.9, 0])
        card = Credits(self.words).move_to([0, -0.75, 0])
        self.play(self.unhighlight(), *[FadeOut(m) for m in gone], FadeIn(self.finished), run_time=self.t(0.2))
        self.play(FadeIn(card, shift=UP * 0.15), run_time=self.t(0.2))


class PopulationGrid(ImageMobject):
    """All 3^6 = 729 inputs as a square of dots, input i at row i // 27, column i % 27: grey
    where `sorted_ok` (still sorted), red where not."""

    def __init__(self, sorted_ok: np.ndarray, height: float):
        side = int(round(np.sqrt(len(sorted_ok))))
        px = DOT_GRID_PX
        background = np.array(style.BACKGROUND.to_rgb()) * 255
        image = np.tile(background, (side * px, side * px, 1))
        colors = {True: np.array(SORTED.to_rgb()) * 255, False: np.array(BROKEN.to_rgb()) * 255}
        for i, ok in enumerate(sorted_ok):
            r, c = divmod(i, side)
            image[r * px + 2:(r + 1) * px - 1, c * px + 2:(c + 1) * px - 1] = colors[bool(ok)]
        super().__init__(image.round().astype(np.uint8))
        self.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
        self.height = height
        self.sorted_ok = np.asarray(sorted_ok, dtype=bool)


class BrokenExample(VGroup):
    """'AAAAAA -> AAAABC': an input the ablated model no longer sorts, the wrong letters framed."""

    def __init__(self, broken, words):
        super().__init__()
        size = 0.42
        chips_in = VGroup(*[TokenChip(int(t), size=size, font_size=style.SIZE_SMALL) for t in broken.input_tokens])
        chips_out = VGroup(*[TokenChip(int(t), size=size, font_size=style.SIZE_SMALL) for t in broken.output_tokens])
        for chips in (chips_in, chips_out):
            chips.arrange(RIGHT, buff=0.08)
        arrow = label("→", font_size=style.SIZE_LABEL, color=style.MUTED)
        row = VGroup(chips_in, arrow, chips_out).arrange(RIGHT, buff=0.2)
        self.written = chips_out
        right = np.sort(broken.input_tokens)
        self.wrong = VGroup(*[highlight_box(chip, color=BROKEN, buff=0.04)
                              for chip, want in zip(chips_out, right) if chip.token != int(want)])
        tag = label(words["wrong"], font_size=style.SIZE_SMALL, color=BROKEN).next_to(chips_out, RIGHT, buff=0.2)
        self.add(row, self.wrong, tag)


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
