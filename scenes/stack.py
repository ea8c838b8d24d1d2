"""Stack: a transformer is attention + feed-forward on a residual backbone; the model is a
stack of them, each block's output the next one's input.

Left: the whole model (ModelDiagram). Right, level with each stage: the real residual stream
after it, x -> h.0.out -> h.1.out -> h.2.out, each a T x C heatmap (a row per token), so the
picture changes as the data flows down the stack.
"""
from __future__ import annotations

from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, Group, LaggedStart, TransformFromCopy, VGroup)

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import DimLabel, Heatmap, ModelDiagram, label

CELL = 0.11   # heatmap cell: 48 channels x 0.11 = 5.3 wide


class Stack(NanoScene):
    scene_id = "stack"

    def prepare(self) -> None:
        tokens = [int(t) for t in self.run.input_tokens]
        d = self.diagram = ModelDiagram(tokens, words=self.context.words("model"), n_layer=self.cfg.n_layer,
                                        probs=self.run.steps[0].probs, vocab_size=self.cfg.vocab_size)
        d.shift(LEFT * (d.get_left()[0] + 6.8) + UP * (0.62 - d.get_y()))
        names = ["x"] + [f"h.{l}.out" for l in range(self.cfg.n_layer)]
        sources = [d.embedding] + [block.frame for block in d.blocks]
        levels = [d.embedding.get_y()] + [block.joins[-1].get_y() for block in d.blocks]
        scale = max(style.robust_scale(self.trace[n]) for n in names)
        self.maps, self.links, self.names = Group(), VGroup(), VGroup()
        right_x = 6.8
        for name, source, y in zip(names, sources, levels):
            heatmap = Heatmap(self.trace[name], cell=CELL, scale=scale)   # T rows x C columns
            heatmap.move_to([right_x - heatmap.width / 2, y, 0])
            self.maps.add(heatmap)
            self.links.add(Arrow([source.get_right()[0] + 0.05, y, 0], [heatmap.get_left()[0] - 0.45, y, 0],
                                 buff=0, color=style.MUTED, stroke_width=3, tip_length=0.16,
                                 max_tip_length_to_length_ratio=0.5))
            self.names.add(label(name, font_size=style.SIZE_SMALL, mono=True, color=style.MUTED)
                           .next_to(heatmap, UP, buff=0.06).align_to(heatmap, LEFT))
        self.dims = DimLabel(f"T × C = {len(tokens)} × {self.cfg.n_embd}")
        self.dims.next_to(self.maps[0], UP, buff=0.06).align_to(self.maps[0], RIGHT)

    def frame(self, target, share: float):
        self.highlight(target, share, buff=0.06)

    @beat("stack.summary")
    def summary(self):
        self.play(FadeIn(self.diagram), FadeIn(self.maps[0]), FadeIn(self.links[0]), FadeIn(self.names[0]),
                  FadeIn(self.dims), run_time=self.t(0.12))
        block = self.diagram.blocks[0]
        for cue, default, part in (("attention", 0.25, block.attention),
                                     ("feedforward", 0.45, block.feedforward),
                                     ("backbone", 0.65, block.backbone)):
            self.at_word(cue, default, room=0.12)
            self.frame(part, 0.06)

    @beat("stack.stack")
    def stack(self):
        d = self.diagram
        self.frame(d.blocks, 0.1)
        self.at_word("feeding", 0.4, room=0.5)
        for l, block in enumerate(d.blocks, start=1):
            self.frame(block.frame, 0.05)
            self.play(Create(self.links[l]), TransformFromCopy(self.maps[l - 1], self.maps[l]),
                      FadeIn(self.names[l]), run_time=self.t(0.1))

    @beat("stack.our-model")
    def our_model(self):
        d = self.diagram
        n_params = sum(int(w.size) for w in self.weights.values())
        facts = VGroup(DimLabel(f"n_layer = {self.cfg.n_layer}", font_size=style.SIZE_LABEL),
                       DimLabel(f"n_head = {self.cfg.n_head}", font_size=style.SIZE_LABEL),
                       label(self.words["params"].format(n=f"{n_params:,}"), font_size=style.SIZE_LABEL,
                             color=style.INK))
        facts[1].next_to(facts[0], RIGHT, buff=0.5)
        facts[2].next_to(facts[:2], DOWN, buff=0.15).align_to(facts[:2], RIGHT)
        facts.next_to(self.maps[-1], DOWN, buff=0.3).align_to(self.maps[-1], RIGHT)
        self.frame(VGroup(d.blocks, d.block_labels), 0.08)
        self.play(FadeIn(facts[0]), run_time=self.t(0.06))
        self.at_word("heads", 0.4, room=0.25)
        heads = [self.frame_around(block.attention) for block in d.blocks]
        self.play(FadeIn(facts[1]), self.unhighlight(),
                  LaggedStart(*[Create(h) for h in heads], lag_ratio=0.3), run_time=self.t(0.1))
        self.highlighted = VGroup(*heads)
        self.at_word("parameters", 0.75, room=0.1)
        self.play(FadeIn(facts[2], shift=UP * 0.1), run_time=self.t(0.06))
