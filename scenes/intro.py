"""Intro: the whole inference in a few sentences.

Right: the model (ModelDiagram), there from the first line. Left: the story told on the real
input: the task (input -> the Run's output), tokens and the vocabulary, letters to numbers,
numbers to 48-number vectors (x), and at the end the probabilities at position 6 and the
chosen token fed back in at position 7.
"""
from __future__ import annotations

from manim import (DOWN, LEFT, RIGHT, UP, Create, FadeIn, FadeOut, Group, Line, RoundedRectangle, Transform, TransformFromCopy, VGroup, LaggedStart)

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import (DimLabel, Heatmap, NextTokenBars, TokenChip, TokenStrip, flow_arrow,
                       label)
from scenes.kit.highlights import remember_look, set_look

LEFT_X = -3.3          # centre of the story panel (the model is on the right)
ROW_Y = 3.0            # the token row
COVER_W = 5.6          # the widest the opening's title may be (the story panel, inside title-safe)
TAG_W = 2.7            # the inference and training boxes, side by side in the story panel


class Intro(NanoScene):
    scene_id = "intro"

    def prepare(self) -> None:
        tokens = [int(t) for t in self.run.input_tokens]
        # The model on the right, where it stays for the overview chapters (the map never swings);
        # the story is told on the left. The first frame already holds the video's title and task.
        self.diagram = self.model_map(dock="right")
        title = label(self.context.language.title, font_size=style.SIZE_DISPLAY, weight="BOLD")
        task = label(f"{self.run.input_letters}  →  {self.run.output_letters}", font_size=style.SIZE_TITLE,
                     color=style.MUTED, mono=True)
        if title.width > COVER_W:
            title.scale_to_fit_width(COVER_W)
        self.cover = VGroup(title, task).arrange(DOWN, buff=0.45).move_to([LEFT_X, 0.9, 0])
        self.add(self.cover)
        self.strip = TokenStrip(len(tokens) + 1).move_to([LEFT_X, ROW_Y, 0])
        self.chips = VGroup(*[self.strip.chip(i, t) for i, t in enumerate(tokens)])
        self.positions = self.strip.positions(len(tokens) + 1)
        self.ids = VGroup(*[self.strip.id_label(i, self.run, "tokens", (i,)) for i in range(len(tokens))])

    # ---- beats -------------------------------------------------------------------------

    @beat("intro.welcome")
    def welcome(self):
        d = self.diagram
        parts = [d.tokens, d.embedding, *[VGroup(b, lbl) for b, lbl in zip(d.blocks, d.block_labels)],
                 VGroup(d.ln_f, d.lm_head, d.softmax, d.probs, d.wires)]
        self.play(LaggedStart(*[FadeIn(p, shift=DOWN * 0.15) for p in parts], lag_ratio=0.3),
                  run_time=self.t(0.5))

    @beat("intro.why-gpt")
    def why_gpt(self):
        names = ["GPT-2", "GPT-3", "ChatGPT"]
        badges = VGroup()
        for name in names:
            box = RoundedRectangle(corner_radius=0.12, width=2.4, height=0.62, stroke_color=style.EDGE,
                                   stroke_width=2, fill_color=style.PANEL, fill_opacity=1)
            badges.add(VGroup(box, label(name, font_size=style.SIZE_BODY).move_to(box)))
        badges.arrange(DOWN, buff=0.3).move_to([LEFT_X - 0.8, 0.9, 0])
        # the arrow joins the badges to the Transformer blocks they share (no rule in mid-air)
        blocks = VGroup(self.diagram.blocks, self.diagram.block_labels)
        arrow = flow_arrow(badges.get_right(), [blocks.get_left()[0], badges.get_y(), 0])
        arrow.put_start_and_end_on(badges.get_right() + RIGHT * 0.05, [blocks.get_left()[0] - 0.05, badges.get_y(), 0])
        core = label(self.words["core"], font_size=style.SIZE_SMALL, color=style.MUTED)
        core.next_to(arrow, UP, buff=0.1)
        self.badges = VGroup(badges, arrow, core)
        self.at_word("gpt2", 0.1, room=0.4)
        self.play(FadeOut(self.cover), run_time=self.t(0.06))
        self.play(LaggedStart(*[FadeIn(b, shift=RIGHT * 0.2) for b in badges], lag_ratio=0.5),
                  run_time=self.t(0.25))
        self.at_word("heart", 0.6, room=0.1)
        self.highlight(blocks, 0.1, Create(arrow), FadeIn(core), buff=0.08)

    @beat("intro.inference")
    def inference(self):
        # the two halves of machine learning side by side, each in its box across the story panel
        boxed = lambda word: VGroup(word, RoundedRectangle(corner_radius=0.15, width=TAG_W, height=1.1,
                                                          stroke_color=style.EDGE, stroke_width=2).move_to(word))
        self.inference_tag = boxed(label(self.words["inference"], font_size=style.SIZE_TITLE))
        self.training_tag = boxed(label(self.words["training"], font_size=style.SIZE_TITLE, color=style.MUTED))
        # inference beside the model it runs (the one that is about today), training further out
        pair = VGroup(self.training_tag, self.inference_tag).arrange(RIGHT, buff=0.35)
        pair.move_to([0, 0.9, 0]).align_to([self.diagram.get_left()[0] - 0.45, 0, 0], RIGHT)
        self.play(FadeOut(self.badges), run_time=self.t(0.15))
        self.highlight(self.inference_tag, 0.25, FadeIn(self.inference_tag), buff=0.15)
        set_look(remember_look(self.training_tag), 0.0)   # there, unseen, until its line
        self.add(self.training_tag)

    @beat("intro.inference-meaning")
    def inference_meaning(self):
        self.highlight(self.diagram.tokens, 0.15)
        self.highlight(self.diagram.probs, 0.35)

    @beat("intro.no-training")
    def no_training(self):
        tag = self.training_tag
        word = tag[0]   # the word, not its box
        strike = Line(word.get_left() + LEFT * 0.1, word.get_right() + RIGHT * 0.1, color=style.MUTED, stroke_width=4)
        self.play(self.unhighlight(), run_time=self.t(0.05))
        self.play(*self.dim(tag, opacity=1.0), run_time=self.t(0.15))
        self.at_word("another_day", 0.6, room=0.12)
        self.play(Create(strike), run_time=self.t(0.12))   # struck, not faded: it stays readable
        self.strike = strike

    @beat("intro.nano-gpt")
    def nano_gpt(self):
        cfg = self.cfg
        name = label("nano-gpt", font_size=style.SIZE_DISPLAY, weight="BOLD")
        facts = VGroup(*[DimLabel(text, font_size=style.SIZE_LABEL) for text in
                         (f"n_layer = {cfg.n_layer}", f"n_head = {cfg.n_head}", f"C = {cfg.n_embd}",
                          f"n_vocab = {cfg.vocab_size}")]).arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        n_params = sum(int(w.size) for w in self.weights.values())
        params = label(f"{n_params:,} {self.words['params']}", font_size=style.SIZE_BODY, color=style.HIGHLIGHT)
        group = VGroup(name, facts, params).arrange(DOWN, buff=0.4).move_to([LEFT_X, 0.6, 0])
        self.play(FadeOut(VGroup(self.inference_tag, self.training_tag, self.strike)), self.unhighlight(),
                  run_time=self.t(0.08))
        self.play(FadeIn(name, scale=0.9), run_time=self.t(0.12))
        self.play(LaggedStart(*[FadeIn(f) for f in facts], lag_ratio=0.4), run_time=self.t(0.15))
        self.at_word("smaller", 0.5, room=0.1)
        self.play(FadeIn(params, shift=UP * 0.1), run_time=self.t(0.1))
        self.nano = group

    @beat("intro.goal")
    def goal(self):
        self.play(FadeOut(self.nano), run_time=self.t(0.05))
        self.play(LaggedStart(*[FadeIn(c, shift=RIGHT * 0.4) for c in self.chips], lag_ratio=0.25),
                  FadeIn(self.positions[:len(self.chips)]), run_time=self.t(0.25))
        out_row = TokenStrip(len(self.chips)).move_to([LEFT_X, ROW_Y - 1.75, 0])
        outputs = VGroup(*[out_row.chip(i, int(t)) for i, t in enumerate(self.run.output_tokens)])
        arrow = flow_arrow([LEFT_X, ROW_Y - 0.45, 0], [LEFT_X, outputs.get_top()[1] + 0.05, 0])
        sort = label(self.words["sort"], font_size=style.SIZE_LABEL, color=style.MUTED).next_to(arrow, RIGHT, buff=0.15)
        self.at_word("sort", 0.5, room=0.25)
        self.play(Create(arrow), FadeIn(sort), run_time=self.t(0.08))
        self.at_said([self.run.output_letters], 0.75, room=0.12)
        self.play(LaggedStart(*[FadeIn(c, shift=DOWN * 0.2) for c in outputs], lag_ratio=0.2),
                  run_time=self.t(0.12))
        self.task = VGroup(arrow, sort, outputs)

    @beat("intro.tokens")
    def tokens(self):
        self.play(FadeOut(self.task), run_time=self.t(0.08))
        self.highlight(self.chips, 0.1)
        vocab_chips = VGroup(*[TokenChip(t) for t in range(self.cfg.vocab_size)]).arrange(RIGHT, buff=0.5)
        title = label(self.words["vocab"], font_size=style.SIZE_LABEL, color=style.MUTED)
        body = VGroup(title, vocab_chips).arrange(DOWN, buff=0.3)
        box = RoundedRectangle(corner_radius=0.15, width=body.width + 0.8, height=body.height + 0.5,
                               stroke_color=style.EDGE, stroke_width=2)
        self.vocab = VGroup(box, body).move_to([LEFT_X, 0.9, 0])
        box.move_to(body)
        self.vocab_chips = vocab_chips
        self.at_word("vocabulary", 0.45, room=0.25)
        self.play(self.unhighlight(), run_time=self.t(0.05))
        self.play(FadeIn(box), FadeIn(title),
                  *[TransformFromCopy(self.chips[list(self.run.input_tokens).index(t)], c)
                    if t in self.run.input_tokens else FadeIn(c) for t, c in enumerate(vocab_chips)],
                  run_time=self.t(0.2))

    @beat("intro.vocab-size")
    def vocab_size(self):
        size = DimLabel(f"n_vocab = {self.cfg.vocab_size}", font_size=style.SIZE_LABEL, color=style.HIGHLIGHT)
        self.size_label = size.next_to(self.vocab, DOWN, buff=0.2)
        self.play(FadeIn(size), run_time=self.t(0.2))
        self.highlight(self.vocab_chips, 0.2)

    @beat("intro.bigger-vocab")
    def bigger_vocab(self):
        self.play(self.unhighlight(), run_time=self.t(0.05))
        self.play(self.size_label.animate.set_color(style.MUTED), run_time=self.t(0.05))
        eg = label(self.words["eg"], font_size=style.SIZE_SMALL, color=style.MUTED)
        chars = label(self.words["chars"], font_size=style.SIZE_LABEL, color=style.MUTED, mono=True)
        words = label(self.words["words"], font_size=style.SIZE_LABEL, color=style.MUTED, mono=True)
        rows = VGroup(chars, words).arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        self.bigger = VGroup(eg, rows).arrange(RIGHT, buff=0.35).next_to(self.size_label, DOWN, buff=0.35)
        self.play(FadeIn(eg), FadeIn(chars, shift=UP * 0.1), run_time=self.t(0.15))
        self.at_word("every_word", 0.55, room=0.12)
        self.play(FadeIn(words, shift=UP * 0.1), run_time=self.t(0.12))

    @beat("intro.token-ids")
    def token_ids(self):
        self.play(FadeOut(self.bigger), FadeOut(self.size_label), run_time=self.t(0.08))
        self.vocab_ids = VGroup(*[label(str(t), font_size=style.SIZE_BODY, mono=True)
                                  .next_to(c, DOWN, buff=0.7) for t, c in enumerate(self.vocab_chips)])
        arrows = VGroup(*[flow_arrow(c.get_bottom(), n.get_top(), color=style.MUTED)
                          for c, n in zip(self.vocab_chips, self.vocab_ids)])
        box = self.vocab[0]
        grown = RoundedRectangle(corner_radius=0.15, width=box.width, height=box.height + 1.15,
                                 stroke_color=style.EDGE, stroke_width=2).move_to(box).align_to(box, UP)
        self.at_word("letter_a", 0.35, room=0.4)
        self.play(Transform(box, grown), run_time=self.t(0.08))
        self.play(LaggedStart(*[Create(a) for a in arrows], lag_ratio=0.3),
                  LaggedStart(*[FadeIn(n) for n in self.vocab_ids], lag_ratio=0.3), run_time=self.t(0.3))
        self.vocab.add(arrows, self.vocab_ids)

    @beat("intro.ready")
    def ready(self):
        moves = [TransformFromCopy(self.vocab_ids[int(t)], self.ids[i])
                 for i, t in enumerate(self.run.input_tokens)]
        self.play(LaggedStart(*moves, lag_ratio=0.3), run_time=self.t(0.6))

    @beat("intro.run")
    def run_model(self):
        self.play(FadeOut(self.vocab), run_time=self.t(0.08))
        self.highlight(self.ids, 0.1)
        self.at_word("run", 0.6, room=0.12)
        self.highlight(self.diagram.tokens, 0.12)

    @beat("intro.embed")
    def embed(self):
        x = self.trace["x"]                       # [T, C]: tok_emb + pos_emb
        scale = style.robust_scale(x)
        # One value-coloured column per token (a Heatmap each: cheap to draw, widened to read).
        self.vectors = Group(*[Heatmap(x[i], cell=0.08, scale=scale).stretch_to_fit_width(0.42)
                               for i in range(len(x))])
        for i, column in enumerate(self.vectors):
            column.next_to(self.ids[i], DOWN, buff=0.2).set_x(self.strip.slots[i].get_x())
        self.c_label = DimLabel(f"C = {self.cfg.n_embd}").next_to(self.vectors, RIGHT, buff=0.25)
        self.highlight(self.diagram.embedding, 0.1)
        self.play(LaggedStart(*[FadeIn(v, shift=DOWN * 0.3) for v in self.vectors], lag_ratio=0.2),
                  FadeIn(self.c_label), run_time=self.t(0.35))

    @beat("intro.transformers")
    def transformers(self):
        d = self.diagram
        sweep = [d.blocks[i].frame for i in range(len(d.blocks))] + [VGroup(d.ln_f, d.lm_head, d.softmax)]
        self.play(self.vectors.animate.fade(0.6), run_time=self.t(0.08))
        for part in sweep:
            self.highlight(part, 0.12)
        self.at_word("more_numbers", 0.78, room=0.06)
        self.highlight(d.probs, 0.06)

    @beat("intro.output-question")
    def output_question(self):
        self.play(FadeOut(self.vectors), FadeOut(self.c_label), run_time=self.t(0.25))

    @beat("intro.output-answer")
    def output_answer(self):
        self.bars = NextTokenBars(self.run, 0)
        self.bars.move_to([LEFT_X, 0, 0]).shift(UP * (-1.9 - self.bars.chips.get_y()))
        self.bars_title = label(self.words["next"].format(n=len(self.chips)), font_size=style.SIZE_LABEL,
                                color=style.MUTED).next_to(self.bars, UP, buff=0.35)
        self.play(TransformFromCopy(self.diagram.probs, VGroup(self.bars.chips, self.bars.bars)),
                  run_time=self.t(0.3))
        self.play(FadeIn(self.bars.values), FadeIn(self.bars_title), run_time=self.t(0.15))

    @beat("intro.probabilities")
    def probabilities(self):
        last = len(self.chips) - 1
        self.play(self.positions[last].animate.set_color(style.HIGHLIGHT), run_time=self.t(0.05))
        self.highlight(VGroup(self.chips[last], self.ids[last]), 0.12)
        self.at_word("probability", 0.3, room=0.12)
        self.highlight(self.bars, 0.12)

    @beat("intro.obvious")
    def obvious(self):
        self.highlight(self.bars.column(self.run.steps[0].chosen), 0.2)

    @beat("intro.feed-back")
    def feed_back(self):
        step = self.run.steps[0]
        n = len(self.chips)
        slot = self.strip.slots[n]
        new_chip = self.strip.chip(n, step.chosen)
        new_id = self.strip.id_label(n, self.run, "step0/.chosen")
        self.play(FadeIn(slot), self.positions[n - 1].animate.set_color(style.MUTED),
                  FadeIn(self.positions[n]), run_time=self.t(0.08))
        self.play(TransformFromCopy(self.bars.chips[step.chosen], new_chip), run_time=self.t(0.25))
        small = TokenChip(step.chosen, size=self.diagram.tokens[0].width, font_size=style.SIZE_TINY)
        small.next_to(self.diagram.tokens, RIGHT, buff=0.06)
        self.play(FadeIn(new_id), TransformFromCopy(new_chip, small), FadeOut(slot),
                  self.positions[n].animate.set_color(style.HIGHLIGHT), run_time=self.t(0.2))
        self.highlight(VGroup(new_chip, new_id), 0.1)
