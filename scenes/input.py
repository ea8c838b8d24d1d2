"""Input: tokens are numbers; our vocabulary; the task; the array of T ids; the T x C block x.

Left: the real input (chips, ids), then the ids as one array, then x = tok_emb + pos_emb as a
C x T heatmap under it (one column per time step). Right: example mappings (characters,
GPT-2 words), then our vocabulary, then the model the vectors flow through.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Create, FadeIn, FadeOut, LaggedStart, Square,
                   TransformFromCopy, VGroup)

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import (DimLabel, Heatmap, TokenChip, TokenStrip, ValueLabel, flow_arrow,
                       label)

# Illustrations, not model data: Unicode code points and GPT-2's token ids (r50k vocabulary).
CHAR_EXAMPLES = [(f'"{c}"', ord(c)) for c in "abcz"]
WORD_EXAMPLES = [('"Hello"', 15496), ('" world"', 995), ('" the"', 262), ('"."', 13)]

LEFT_X, ROW_Y = -3.3, 3.0
RIGHT_X = 3.6
CELL = 0.55            # width of one array cell = one column of x


class Input(NanoScene):
    scene_id = "input"
    map_part = ("tokens", None)   # framed on the model map at the chapter boundaries
    map_dock = "diagram"   # the chapter opens by moving the model map to the right, tokens framed

    def prepare(self) -> None:
        tokens = [int(t) for t in self.run.input_tokens]
        self.tokens = tokens
        self.strip = TokenStrip(len(tokens)).move_to([LEFT_X, ROW_Y, 0])
        self.chips = VGroup(*[self.strip.chip(i, t) for i, t in enumerate(tokens)])
        self.ids = VGroup(*[self.strip.id_label(i, self.run, "tokens", (i,)) for i in range(len(tokens))])
        self.diagram = self.model_map(dock="right")

    def table(self, title: str, note: str, rows, key_mono=True) -> VGroup:
        """A small mapping table: title, then 'key -> number' rows, then a muted note."""
        head = label(title, font_size=style.SIZE_BODY)
        lines = VGroup()
        for key, value in rows:
            k = label(f"{key}", font_size=style.SIZE_BODY, mono=key_mono)
            arrow = label("→", font_size=style.SIZE_BODY, color=style.MUTED)
            v = label(str(value), font_size=style.SIZE_BODY, mono=True)
            lines.add(VGroup(k, arrow, v))
        lines.arrange(DOWN, buff=0.3)
        for line in lines:   # keys right-aligned, numbers left-aligned, arrows in one column
            line[1].set_x(0)
            line[0].next_to(line[1], LEFT, buff=0.25)
            line[2].next_to(line[1], RIGHT, buff=0.25)
        dots = label("…", font_size=style.SIZE_LABEL, color=style.MUTED)
        foot = label(note, font_size=style.SIZE_SMALL, color=style.MUTED)
        group = VGroup(head, lines, dots, foot).arrange(DOWN, buff=0.3)
        group.lines = lines
        return group

    # ---- beats -------------------------------------------------------------------------

    @beat("input.tokens")
    def tokens_are_numbers(self):
        self.play(LaggedStart(*[FadeIn(c, shift=DOWN * 0.2) for c in self.chips], lag_ratio=0.15),
                  run_time=self.t(0.15))
        for i in range(3):
            self.highlight(VGroup(self.chips[i], self.ids[i]), 0.06)
            self.play(FadeIn(self.ids[i], shift=DOWN * 0.1), run_time=self.t(0.08))
        self.highlight(VGroup(self.chips, self.ids), 0.08)
        self.play(LaggedStart(*[FadeIn(n, shift=DOWN * 0.1) for n in self.ids[3:]], lag_ratio=0.3),
                  run_time=self.t(0.12))

    @beat("input.mappings")
    def mappings(self):
        chars = self.table(self.words["chars"], f"{self.words['example']}: {self.words['unicode']}", CHAR_EXAMPLES)
        words = self.table(self.words["words"], f"{self.words['example']}: {self.words['gpt2']}", WORD_EXAMPLES)
        chars.move_to([LEFT_X, 1.75 - chars.height / 2, 0])
        words.move_to([RIGHT_X, 0, 0]).align_to(chars, UP)
        self.examples = VGroup(chars, words)
        # the tables take the map's place on the right: the map steps back until the task
        self.play(self.unhighlight(), *self.dim(self.diagram, opacity=0.12), run_time=self.t(0.05))
        self.play(FadeIn(chars, shift=LEFT * 0.2), run_time=self.t(0.15))
        self.at_word("words", 0.4, room=0.35)
        self.play(FadeIn(words, shift=LEFT * 0.2), run_time=self.t(0.15))
        arrows = VGroup(*[line[1] for t in (chars, words) for line in t.lines])
        self.play(arrows.animate.set_color(style.HIGHLIGHT), run_time=self.t(0.1))

    @beat("input.vocab")
    def vocab(self):
        rows = VGroup()
        self.vocab_chips, self.vocab_ids = VGroup(), VGroup()
        for t in range(self.cfg.vocab_size):
            chip = TokenChip(t)
            arrow = label("→", font_size=style.SIZE_BODY, color=style.MUTED)
            number = label(str(t), font_size=style.SIZE_TITLE, mono=True)
            rows.add(VGroup(chip, arrow, number).arrange(RIGHT, buff=0.35))
            self.vocab_chips.add(chip)
            self.vocab_ids.add(number)
        rows.arrange(DOWN, buff=0.3)
        title = label(self.words["vocab"], font_size=style.SIZE_LABEL, color=style.MUTED)
        self.vocab_table = VGroup(title, rows).arrange(DOWN, buff=0.35).move_to([RIGHT_X, 0.8, 0])
        self.vocab_arrows = VGroup(*[r[1] for r in rows])
        for part in (self.vocab_arrows, self.vocab_ids):
            part.set_opacity(0)
        self.play(FadeOut(self.examples), run_time=self.t(0.1))
        self.play(FadeIn(title), LaggedStart(*[FadeIn(c, shift=LEFT * 0.2) for c in self.vocab_chips],
                                             lag_ratio=0.3), run_time=self.t(0.2))
        self.add(self.vocab_arrows, self.vocab_ids)
        self.at_word("letter_a", 0.6, room=0.2)
        self.highlight(self.vocab_chips, 0.1)
        same = [self.chips[i].box.animate.set_stroke(width=5) for i in range(len(self.chips))]
        self.play(*same, run_time=self.t(0.08))

    @beat("input.integers")
    def integers(self):
        self.play(self.vocab_arrows.animate.set_opacity(1), self.vocab_ids.animate.set_opacity(1),
                  *[c.box.animate.set_stroke(width=3) for c in self.chips], run_time=self.t(0.2))
        self.highlight(self.vocab_ids, 0.15)

    @beat("input.task")
    def task(self):
        order = np.argsort(self.run.input_tokens, kind="stable")
        target = TokenStrip(len(self.tokens)).move_to([LEFT_X, ROW_Y - 2.0, 0])
        sorted_chips = VGroup(*[target.chip(i, self.tokens[j]) for i, j in enumerate(order)])
        sorted_ids = VGroup(*[ValueLabel.of(self.run, "tokens", (int(j),), precision=0,
                                            font_size=style.SIZE_LABEL).next_to(sorted_chips[i], DOWN, buff=0.12)
                              for i, j in enumerate(order)])
        arrow = flow_arrow(self.ids.get_bottom() + DOWN * 0.05, sorted_chips.get_top() + UP * 0.05)
        tag = label(self.words["sort"], font_size=style.SIZE_LABEL, color=style.MUTED).next_to(arrow, RIGHT, buff=0.15)
        self.play(self.unhighlight(), run_time=self.t(0.05))
        self.play(FadeOut(self.vocab_table), *self.dim(self.diagram, opacity=1.0), run_time=self.t(0.08))
        self.play(Create(arrow), FadeIn(tag), run_time=self.t(0.08))
        self.play(*[TransformFromCopy(self.chips[j], sorted_chips[i]) for i, j in enumerate(order)],
                  *[TransformFromCopy(self.ids[j], sorted_ids[i]) for i, j in enumerate(order)],
                  run_time=self.t(0.25))
        self.target = VGroup(arrow, tag, sorted_chips, sorted_ids)
        self.at_word("lets", 0.55, room=0.25)
        self.highlight(self.diagram.blocks, 0.2)   # the map is there since the opening

    @beat("input.array")
    def array(self):
        n = len(self.tokens)
        boxes = VGroup(*[Square(side_length=CELL, stroke_color=style.INK, stroke_width=2) for _ in range(n)])
        boxes.arrange(RIGHT, buff=0).move_to([LEFT_X, ROW_Y - 1.25, 0])
        numbers = VGroup(*[ValueLabel.of(self.run, "tokens", (i,), precision=0, font_size=style.SIZE_LABEL)
                           .move_to(boxes[i]) for i in range(n)])
        self.array_boxes, self.array_ids = boxes, numbers
        self.t_label = DimLabel(f"T = {n}").next_to(boxes, RIGHT, buff=0.3)
        self.play(FadeOut(self.target), run_time=self.t(0.1))
        self.play(Create(boxes), *[TransformFromCopy(self.ids[i], numbers[i]) for i in range(n)],
                  VGroup(self.chips, self.ids).animate.set_opacity(0.35), run_time=self.t(0.3))
        self.play(FadeIn(self.t_label), run_time=self.t(0.08))
        self.highlight(VGroup(boxes, numbers), 0.1)

    @beat("input.vectors")
    def vectors(self):
        x = self.trace["x"]                                     # [T, C]
        top = self.array_boxes.get_bottom()[1] - 0.2
        cell = (top - (style.CAPTION_TOP + 0.12)) / x.shape[1]
        self.x_map = Heatmap(x.T, cell=cell)                   # C rows x T columns
        self.x_map.stretch_to_fit_width(self.array_boxes.width)
        self.x_map.next_to(self.array_boxes, DOWN, buff=0.2)
        self.c_label = DimLabel(f"C = {self.cfg.n_embd}").next_to(self.x_map, LEFT, buff=0.3)
        x_name = label("x", font_size=style.SIZE_BODY, mono=True).next_to(self.x_map, RIGHT, buff=0.3)
        self.highlight(self.diagram.embedding, 0.08)
        self.play(FadeIn(self.x_map, shift=DOWN * 0.3), FadeIn(self.c_label), FadeIn(x_name),
                  run_time=self.t(0.25))
        self.x_name = x_name
        self.at_word("one_each", 0.6, room=0.3)
        self.highlight(VGroup(self.array_boxes[0], self.x_map.cell_rect(0, 0, x.shape[1] - 1, 0)), 0.1)
        last = len(self.tokens) - 1
        self.highlight(VGroup(self.array_boxes[last], self.x_map.cell_rect(0, last, x.shape[1] - 1, last)), 0.15)

    @beat("input.through")
    def through(self):
        d = self.diagram
        self.highlight(d.embedding, 0.08)
        for block in d.blocks:
            self.highlight(block.frame, 0.14)
        self.highlight(VGroup(d.ln_f, d.lm_head, d.softmax, d.probs), 0.12)
        self.highlight(d.blocks, 0.12)
