"""Prediction: the next-token probabilities at position 6, the choice fed back, six times.

Top: the whole sequence, 6 input slots and 6 output slots (position numbers above, token ids
below). Middle: the model as one box. Bottom: the probabilities of the current step, under
the position they are read from; the chosen token flies up into the next slot.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Circle, Create, FadeIn, FadeOut, LaggedStart, Line, ReplacementTransform,
                   Square, TransformFromCopy, VGroup)

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import Block, NextTokenBars, TokenStrip, flow_arrow, highlight_box, label

GPT2_SMALL_PARAMS = 124_439_808   # Hugging Face "gpt2" (the smallest GPT-2), for scale only
ROW_Y, MODEL_Y, BARS_Y = 2.75, 1.3, -1.95
LOOP_HERE = 3          # passes after the first shown in the feed-back line; the rest open the result
STEP_SECONDS = 1.2     # a pass of the loop at most (the review found 0.8 s rushed)


def short_count(n: int) -> str:
    return f"{n / 1e6:.0f}M" if n >= 1e6 else f"{n:,}"


class Prediction(NanoScene):
    scene_id = "prediction"
    map_part = ("probs", None)   # framed on the model map at the chapter boundaries

    def prepare(self) -> None:
        n_in, n_out = len(self.run.input_tokens), len(self.run.steps)
        self.n_in = n_in
        self.strip = TokenStrip(n_in + n_out, buff=0.22).move_to([0, ROW_Y, 0])
        tokens = [int(t) for t in self.run.input_tokens]
        self.chips = VGroup(*[self.strip.chip(i, t) for i, t in enumerate(tokens)])
        self.ids = VGroup(*[self.strip.id_label(i, self.run, "tokens", (i,)) for i in range(n_in)])
        self.out_chips = VGroup(*[self.strip.chip(n_in + k, s.chosen) for k, s in enumerate(self.run.steps)])
        self.out_ids = VGroup(*[self.strip.id_label(n_in + k, self.run, f"step{k}/.chosen")
                                for k in range(n_out)])
        self.positions = self.strip.positions()
        self.model = Block(self.words["model"].format(n=self.cfg.n_layer), width=self.strip.width,
                           height=0.7, color=style.ATTN_COLOR, font_size=style.SIZE_LABEL)
        self.model.move_to([0, MODEL_Y, 0])
        self.add(self.strip.slots, self.positions, self.chips, self.ids, self.model)

    def bars_for(self, step: int) -> NextTokenBars:
        """Step `step`'s bars under the position its logits are read at."""
        bars = NextTokenBars(self.run, step, height=1.5)
        x = self.strip.slots[self.run.steps[step].position].get_x()
        return bars.shift(np.array([x, BARS_Y, 0]) - bars.chips.get_center())

    def pointer(self, bars: NextTokenBars):
        """Arrow from the model down to `bars`, at the position they are read from."""
        x = bars.chips[1].get_x()
        return flow_arrow([x, self.model.get_bottom()[1], 0], [x, bars.get_top()[1] + 0.05, 0],
                          color=style.HIGHLIGHT)

    def place(self, k: int, seconds: float):
        """The chosen token of step k flies from its bar into its slot; its id appears."""
        chosen = self.run.steps[k].chosen
        self.play(TransformFromCopy(self.bars.chips[chosen], self.out_chips[k]),
                  FadeIn(self.out_ids[k]), run_time=seconds)

    def step(self, k: int, seconds: float):
        """Pass k of the loop: its three bars (with their values) under its position, then the
        choice into its slot. A pass takes `seconds`, unhurried (about a second)."""
        steps = self.run.steps
        new_bars = self.bars_for(k)
        new_arrow = self.pointer(new_bars)
        old_pos, new_pos = steps[k - 1].position, steps[k].position
        self.play(ReplacementTransform(self.bars, new_bars), ReplacementTransform(self.arrow, new_arrow),
                  self.positions[old_pos].animate.set_color(style.MUTED),
                  self.positions[new_pos].animate.set_color(style.HIGHLIGHT), run_time=seconds * 0.45)
        self.bars, self.arrow = new_bars, new_arrow
        self.place(k, seconds * 0.55)

    # ---- beats -------------------------------------------------------------------------

    @beat("prediction.next-token")
    def next_token(self):
        last = self.n_in - 1
        self.bars = self.bars_for(0)
        self.arrow = self.pointer(self.bars)
        self.play(self.positions[last].animate.set_color(style.HIGHLIGHT), run_time=self.t(0.06))
        self.highlight(VGroup(self.chips[last], self.ids[last], self.positions[last]), 0.1)
        self.at_word("weighted", 0.45, room=0.4)
        self.play(Create(self.arrow), run_time=self.t(0.08))
        self.play(LaggedStart(*[FadeIn(VGroup(c, b), shift=UP * 0.2)
                                for c, b in zip(self.bars.chips, self.bars.bars)], lag_ratio=0.25),
                  run_time=self.t(0.18))
        self.play(FadeIn(self.bars.values), run_time=self.t(0.1))

    @beat("prediction.feed-back")
    def feed_back(self):
        """The loop, unhurried: the first passes here (through the line's pause), the last ones
        while the next line begins (see result)."""
        steps = self.run.steps
        self.highlight(self.bars.column(steps[0].chosen), 0.07)
        self.play(self.unhighlight(), run_time=self.t(0.03))
        self.place(0, self.t(0.12))
        here = LOOP_HERE
        seconds = (self.remaining() - 0.1) / here
        for k in range(1, 1 + here):
            self.step(k, seconds)

    @beat("prediction.result")
    def result(self):
        steps = self.run.steps
        seconds = min(STEP_SECONDS, self.t(0.22))
        for k in range(1 + LOOP_HERE, len(steps)):
            self.step(k, seconds)
        self.play(self.positions[steps[-1].position].animate.set_color(style.MUTED), run_time=self.t(0.03))
        source = VGroup(self.chips, self.ids)
        output = VGroup(self.out_chips, self.out_ids)
        source_box = highlight_box(source, buff=0.1)
        output_box = highlight_box(output, buff=0.1)
        tags = VGroup(label(self.words["input"], font_size=style.SIZE_LABEL, color=style.HIGHLIGHT)
                      .next_to(source_box, DOWN, buff=0.1),
                      label(self.words["output"], font_size=style.SIZE_LABEL, color=style.HIGHLIGHT)
                      .next_to(output_box, DOWN, buff=0.1))
        expected = np.sort(self.run.input_tokens)
        wrong = int((self.run.output_tokens != expected).sum())
        verdict = label(self.words["sorted"] if wrong == 0 else self.words["unsorted"].format(wrong=wrong),
                        font_size=style.SIZE_BODY, color=style.LN_COLOR if wrong == 0 else style.MLP_COLOR)
        verdict.move_to([0, -0.9, 0])
        self.verdict = verdict
        self.play(FadeOut(self.bars), FadeOut(self.arrow), FadeOut(self.model), run_time=self.t(0.1))
        self.play(Create(source_box), FadeIn(tags[0]), run_time=self.t(0.12))
        self.play(Create(output_box), FadeIn(tags[1]), run_time=self.t(0.12))
        self.at_word("sorted", 0.55, room=0.15)
        self.play(FadeIn(verdict, shift=UP * 0.1), run_time=self.t(0.1))
        self.result_marks = VGroup(source_box, output_box, tags)

    @beat("prediction.complicated")
    def complicated(self):
        self.play(FadeOut(self.verdict), FadeOut(self.result_marks), FadeIn(self.model), run_time=self.t(0.06))
        # "a complicated way": the one box opens into its Transformer blocks.
        n = self.cfg.n_layer
        gap = 0.25
        width = (self.model.width - gap * (n - 1)) / n
        blocks = VGroup(*[Block(f"Transformer {i + 1}", width=width, height=0.7, color=style.ATTN_COLOR,
                                font_size=style.SIZE_LABEL) for i in range(n)]).arrange(RIGHT, buff=gap)
        blocks.move_to(self.model)
        # the box splits into its blocks: the outlines move apart, then the names come (glyphs never morph)
        self.play(*[ReplacementTransform(self.model.box.copy(), b.box) for b in blocks], FadeOut(self.model.box),
                  FadeOut(self.model.title), run_time=self.t(0.06))
        self.play(*[FadeIn(b.title) for b in blocks], run_time=self.t(0.04))
        self.remove(self.model)
        self.model = blocks
        self.highlight(blocks, 0.06)
        self.at_word("gpt2", 0.4, room=0.3)
        same = label(self.words["same"], font_size=style.SIZE_LABEL, color=style.MUTED)
        same.next_to(blocks, DOWN, buff=0.2)
        self.play(FadeIn(same), self.unhighlight(), run_time=self.t(0.06))
        # The scale: areas in proportion to the parameter counts, the small square in the big
        # one's corner so the two are compared where they touch.
        ours = sum(int(w.size) for w in self.weights.values())
        big_side = 2.4
        small_side = big_side * (ours / GPT2_SMALL_PARAMS) ** 0.5
        bottom = style.STAGE_BOTTOM + 0.15   # the ring around the small square stays clear too
        big = Square(big_side, stroke_color=style.MUTED, stroke_width=2, fill_color=style.PANEL, fill_opacity=1)
        big.move_to([1.5, bottom + big_side / 2, 0])   # its label ends inside title-safe (in DejaVu Sans too)
        small = Square(small_side, stroke_width=0, fill_color=style.HIGHLIGHT, fill_opacity=1)
        small.move_to(big.get_corner(DOWN + LEFT) + (UP + RIGHT) * (small_side / 2 + 0.06))
        big_tag = label(f"GPT-2 (small): {short_count(GPT2_SMALL_PARAMS)}", font_size=style.SIZE_LABEL)
        big_tag.next_to(big, RIGHT, buff=0.3).align_to(big, UP)
        small_tag = label(f"nano-gpt: {self.words['params'].format(n=f'{ours:,}')}", font_size=style.SIZE_LABEL,
                          color=style.HIGHLIGHT)
        small_tag.next_to(big, LEFT, buff=0.6).align_to(small, DOWN)
        ratio = label(f"× {GPT2_SMALL_PARAMS / ours:,.0f}", font_size=style.SIZE_LABEL, color=style.MUTED)
        ratio.next_to(big_tag, DOWN, buff=0.2).align_to(big_tag, LEFT)
        # nano-gpt stays in sight: its square is drawn over the big one's corner, ringed, and the
        # pointer ends on the ring (the square itself is 8 px at 1080p: that is the point)
        ring = Circle(radius=0.16, stroke_color=style.HIGHLIGHT, stroke_width=3).move_to(small)
        leader = Line(small_tag.get_right() + RIGHT * 0.1, ring.get_left(), color=style.HIGHLIGHT, stroke_width=2)
        small.set_z_index(2), ring.set_z_index(2)
        self.at_word("scale", 0.7, room=0.25)
        self.play(FadeIn(big, scale=0.3), FadeIn(big_tag), run_time=self.t(0.08))
        self.play(FadeIn(small), Create(ring), FadeIn(small_tag), Create(leader), run_time=self.t(0.06))
        self.play(FadeIn(ratio, shift=LEFT * 0.1), run_time=self.t(0.06))
