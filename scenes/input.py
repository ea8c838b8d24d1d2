"""Input: tokens are numbers; our vocabulary; the task; the array of T ids; the T x C block x.

The model map stays docked on the right, as in the intro (never dimmed, never drawn over). The
left tells what the intro only named: the real input (chips, ids), two example mappings
(characters, GPT-2 words) and ours beside GPT-2's with both vocabulary sizes, the sort of the
ids, the ids as one array, x = tok_emb + pos_emb as a C x T block with its time steps, and at
the end x itself travelling down the map.
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, AnimationGroup, Create, FadeIn, FadeOut, LaggedStart, Square,
                   Transform, TransformFromCopy, VGroup)

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import (DimLabel, Heatmap, TokenChip, TokenStrip, ValueLabel, flow_arrow,
                       label)

# Illustrations, not model data: Unicode code points and GPT-2's token ids (r50k vocabulary).
CHAR_EXAMPLES = [(f'"{c}"', ord(c)) for c in "abcz"]
WORD_EXAMPLES = [('"Hello"', 15496), ('" world"', 995), ('" the"', 262), ('"."', 13)]
GPT2_VOCAB = 50_257    # GPT-2's vocabulary size (r50k), for scale only

LEFT_X, ROW_Y = -2.9, 3.0   # the token row: room on its left for the sort arrow and its label
TABLE_LEFT, TABLE_GAP = -6.3, 0.35   # two tables side by side, left of the map
TABLE_TOP = 1.95
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
        self.add(self.chips)   # the first picture: the input beside the map (the opening brings it in)

    def table(self, title: str, note: str, rows, key_mono=True) -> VGroup:
        """A small mapping table: title, then 'key -> number' rows, then a muted note."""
        head = label(title, font_size=style.SIZE_SMALL)
        lines = VGroup()
        for key, value in rows:
            k = label(f"{key}", font_size=style.SIZE_SMALL, mono=key_mono)
            arrow = label("→", font_size=style.SIZE_SMALL, color=style.MUTED)
            v = label(str(value), font_size=style.SIZE_SMALL, mono=True)
            lines.add(VGroup(k, arrow, v))
        lines.arrange(DOWN, buff=0.24)
        key_w = max(line[0].width for line in lines)
        for line in lines:   # keys right-aligned, numbers left-aligned, arrows in one column
            line[1].set_x(key_w + 0.2)
            line[0].next_to(line[1], LEFT, buff=0.2)
            line[2].next_to(line[1], RIGHT, buff=0.2)
        dots = label("…", font_size=style.SIZE_LABEL, color=style.MUTED)
        foot = VGroup(*[label(part, font_size=style.SIZE_SMALL, color=style.MUTED) for part in note])
        foot.arrange(DOWN, buff=0.08)
        group = VGroup(head, lines, dots, foot).arrange(DOWN, buff=0.24)
        group.lines = lines
        return group

    def at_table(self, group: VGroup, slot: int) -> VGroup:
        """Slot 0: the left table, its left edge at TABLE_LEFT; slot 1 right of the widest left one."""
        left = TABLE_LEFT if slot == 0 else TABLE_LEFT + self.slot_width + TABLE_GAP
        return group.move_to([left + group.width / 2, TABLE_TOP - group.height / 2, 0])

    # ---- beats -------------------------------------------------------------------------

    @beat("input.tokens")
    def tokens_are_numbers(self):
        for i in range(3):
            self.highlight(VGroup(self.chips[i], self.ids[i]), 0.06)
            self.play(FadeIn(self.ids[i], shift=DOWN * 0.1), run_time=self.t(0.08))
        self.highlight(VGroup(self.chips, self.ids), 0.08)
        self.play(LaggedStart(*[FadeIn(n, shift=DOWN * 0.1) for n in self.ids[3:]], lag_ratio=0.3),
                  run_time=self.t(0.12))

    @beat("input.mappings")
    def mappings(self):
        chars = self.table(self.words["chars"], (f"{self.words['example']}:", self.words["unicode"]), CHAR_EXAMPLES)
        words = self.table(self.words["words"], (f"{self.words['example']}:", self.words["gpt2"]), WORD_EXAMPLES)
        self.slot_width = max(chars.width, words.width)
        self.at_table(chars, 0), self.at_table(words, 1)
        self.chars_table, self.words_table = chars, words
        # the tables sit left of the map, which stays as it is (nothing is drawn over it)
        self.play(self.unhighlight(), run_time=self.t(0.05))
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
        title = label(self.words["vocab"], font_size=style.SIZE_LABEL)
        ours = DimLabel(f"n_vocab = {self.cfg.vocab_size}", font_size=style.SIZE_LABEL, color=style.HIGHLIGHT)
        theirs = DimLabel(f"n_vocab = {GPT2_VOCAB:,}", font_size=style.SIZE_LABEL)
        self.vocab_table = VGroup(title, rows).arrange(DOWN, buff=0.35)
        self.at_table(self.vocab_table, 1)
        self.vocab_arrows = VGroup(*[r[1] for r in rows])
        for part in (self.vocab_arrows, self.vocab_ids):
            part.set_opacity(0)
        # what is new: ours beside GPT-2's, and how many tokens each has
        gpt2 = self.words_table.copy()
        self.at_table(gpt2, 0)
        bottom = min(gpt2.get_bottom()[1], self.vocab_table.get_bottom()[1]) - 0.3
        theirs.move_to([0, bottom, 0]).align_to(gpt2, LEFT)
        ours.move_to([0, bottom, 0]).align_to(self.vocab_table, LEFT)
        if ours.get_left()[0] < theirs.get_right()[0] + 0.3:   # a long size pushes ours along
            ours.next_to(theirs, RIGHT, buff=0.3)
        self.sizes = VGroup(theirs, ours)
        self.play(FadeOut(self.chars_table), Transform(self.words_table, gpt2), run_time=self.t(0.1))
        self.play(FadeIn(title), LaggedStart(*[FadeIn(c, shift=LEFT * 0.2) for c in self.vocab_chips],
                                             lag_ratio=0.3), FadeIn(theirs), run_time=self.t(0.2))
        self.play(FadeIn(ours), run_time=self.t(0.08))
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
        target = TokenStrip(len(self.tokens)).move_to([LEFT_X, ROW_Y - 2.2, 0])
        sorted_chips = VGroup(*[target.chip(i, self.tokens[j]) for i, j in enumerate(order)])
        sorted_ids = VGroup(*[ValueLabel.of(self.run, "tokens", (int(j),), precision=0,
                                            font_size=style.SIZE_LABEL).next_to(sorted_chips[i], DOWN, buff=0.12)
                              for i, j in enumerate(order)])
        # the arrow and its label stand left of both rows, out of the way of the moving tokens
        x = self.chips.get_left()[0] - 0.3
        arrow = flow_arrow([x, self.ids.get_bottom()[1] - 0.05, 0], [x, sorted_chips.get_top()[1] + 0.05, 0])
        tag = label(self.words["sort"], font_size=style.SIZE_LABEL, color=style.MUTED).next_to(arrow, LEFT, buff=0.12)
        self.play(self.unhighlight(), FadeOut(VGroup(self.vocab_table, self.words_table, self.sizes)),
                  run_time=self.t(0.08))
        self.play(Create(arrow), FadeIn(tag), run_time=self.t(0.08))
        # one token at a time, on an arc: no two moving tokens share a frame's path
        moves = [AnimationGroup(TransformFromCopy(self.chips[j], sorted_chips[i], path_arc=-0.6),
                                TransformFromCopy(self.ids[j], sorted_ids[i], path_arc=-0.6))
                 for i, j in enumerate(order)]
        self.play(LaggedStart(*moves, lag_ratio=0.55), run_time=self.t(0.3))
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
        # left of the row, as C is left of x (on the right, English "Transformer 1" ran into it)
        self.t_label = DimLabel(f"T = {n}").next_to(boxes, LEFT, buff=0.3)
        self.play(FadeOut(self.target), run_time=self.t(0.1))
        self.play(Create(boxes), *[TransformFromCopy(self.ids[i], numbers[i]) for i in range(n)],
                  *self.dim(self.chips, self.ids, opacity=0.45), run_time=self.t(0.3))
        self.play(FadeIn(self.t_label), run_time=self.t(0.08))
        self.highlight(VGroup(boxes, numbers), 0.1)

    @beat("input.vectors")
    def vectors(self):
        x = self.trace["x"]                                     # [T, C]
        top = self.array_boxes.get_bottom()[1] - 0.2
        cell = (top - style.STAGE_BOTTOM - 0.1) / x.shape[1]
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
        """What the intro only pointed at: x itself travels down the map, stage by stage."""
        d = self.diagram
        traveller = self.x_map.copy()
        self.highlight(d.embedding, 0.08, traveller.animate.scale_to_fit_height(0.5).next_to(d.embedding, LEFT, 0.15))
        stops = [block.frame for block in d.blocks] + [VGroup(d.ln_f, d.lm_head)]
        for stop in stops:
            beside = [d.block_labels.get_left()[0] - 0.15 - traveller.width / 2, stop.get_y(), 0]
            self.highlight(stop, 0.13, traveller.animate.move_to(beside))
        self.highlight(VGroup(d.softmax, d.probs), 0.1, FadeOut(traveller, target_position=d.probs.get_center(),
                                                                scale=0.3))
        self.highlight(d.blocks, 0.12)
