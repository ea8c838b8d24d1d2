"""Stack: a transformer is attention + feed-forward on a residual backbone; the model is a
stack of them, each block's output the next one's input.

Left: the whole model (ModelDiagram, where the opening's map lands). Right, in a row: the real
residual stream after each stage, x -> h.0.out -> h.1.out -> h.2.out, each T columns x C rows
as everywhere, so the picture changes as the data flows down the stack.
"""
from __future__ import annotations

from manim import (DOWN, LEFT, PI, RIGHT, UP, Arrow, Create, DashedVMobject, FadeIn, FadeOut, Group, Indicate, LaggedStart,
                   Rectangle, TransformFromCopy, VGroup)

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import DimLabel, Heatmap, label

MAP_H, MAP_W, MAP_GAP = 3.5, 1.2, 0.62   # each stream: C rows MAP_H tall, T columns MAP_W wide
MAPS_Y = 0.85                            # their row's centre: the facts fit under it, clear of the captions


class Stack(NanoScene):
    scene_id = "stack"
    map_part = ("blocks", None)   # framed on the model map at the chapter boundaries
    mini_map = True               # the dock: "you are here" on the mini-map
    carry_in, carry_out = "h.0.out", "h.2.out"   # the focus column: out of the first block, out of the last

    def carry_spot(self, which: str):
        heatmap, t = self.maps[1 if which == "in" else -1], self.focus_t
        return heatmap.cell_rect(0, t, heatmap.rows - 1, t)
    map_dock = "diagram"   # the opening lands the handoff map on the left, the blocks framed

    def prepare(self) -> None:
        tokens = [int(t) for t in self.run.input_tokens]
        d = self.diagram = self.model_map(dock="left")
        names = ["x"] + [f"h.{l}.out" for l in range(self.cfg.n_layer)]
        scale = max(style.robust_scale(self.trace[n]) for n in names)
        # The residual stream after each stage, as everywhere: T columns x C rows, in a row
        # left to right (x -> h.0.out -> h.1.out -> h.2.out), each block's output the next's input.
        self.maps, self.links, self.names = Group(), VGroup(), VGroup()
        for name in names:
            heatmap = Heatmap(self.trace[name].T, cell=MAP_H / self.cfg.n_embd, scale=scale)
            self.maps.add(heatmap.stretch_to_fit_width(MAP_W))
        self.maps.arrange(RIGHT, buff=MAP_GAP)
        left, right = d.get_right()[0] + 0.45, 6.25      # the stage right of the map, title-safe
        if self.maps.width > right - left:
            self.maps.stretch_to_fit_width(right - left)
        self.maps.move_to([(left + right) / 2, MAPS_Y, 0])
        for a, b in zip(self.maps, self.maps[1:]):
            self.links.add(Arrow(a.get_right(), b.get_left(), buff=0.08, color=style.MUTED, stroke_width=3,
                                 tip_length=0.16, max_tip_length_to_length_ratio=0.5))
        for heatmap, name in zip(self.maps, names):
            self.names.add(label(name, font_size=style.SIZE_SMALL, mono=True, color=style.MUTED)
                           .next_to(heatmap, UP, buff=0.12))
        self.sources = [d.embedding] + [block.frame for block in d.blocks]
        self.dims = VGroup(DimLabel(f"T = {len(tokens)}").next_to(self.maps[0], DOWN, buff=0.12),
                           DimLabel(f"C = {self.cfg.n_embd}").rotate(PI / 2).next_to(self.maps[0], LEFT, buff=0.12))
        # The later streams wait as outlines: the whole row is there from the start, and the
        # first block's output (where the feed-forward chapter left off) is already filled in.
        self.slots = VGroup(*[DashedVMobject(Rectangle(width=m.width, height=m.height, color=style.EDGE,
                                                       stroke_width=2), num_dashes=30).move_to(m)
                              for m in self.maps])
        self.add(d, self.maps[0], self.maps[1], self.names[:2], self.links[0], self.dims, self.slots[2:],
                 self.names[2:])

    def frame(self, target, share: float):
        self.highlight(target, share, buff=0.06)

    @beat("stack.summary")
    def summary(self):
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
            if l == 1:   # there already: block 1 turned x into h.0.out
                self.play(Indicate(self.maps[1], scale_factor=1.04, color=style.HIGHLIGHT), run_time=self.t(0.1))
                continue
            self.play(Create(self.links[l - 1]), TransformFromCopy(self.maps[l - 1], self.maps[l]),
                      FadeOut(self.slots[l]), run_time=self.t(0.1))

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
        facts.next_to(self.maps, DOWN, buff=0.45).align_to(self.maps, RIGHT)
        self.frame(VGroup(d.blocks, d.block_labels), 0.08)
        # all three facts at once, so the parameter count is readable for the whole line
        self.play(FadeIn(facts), run_time=self.t(0.08))
        self.at_word("heads", 0.4, room=0.25)
        heads = [self.frame_around(block.attention) for block in d.blocks]
        self.play(self.unhighlight(), LaggedStart(*[Create(h) for h in heads], lag_ratio=0.3),
                  facts[1].animate.set_color(style.HIGHLIGHT), run_time=self.t(0.1))
        self.highlighted = VGroup(*heads)
        self.at_word("parameters", 0.75, room=0.1)
        self.play(facts[1].animate.set_color(style.MUTED), facts[2].animate.set_color(style.HIGHLIGHT),
                  run_time=self.t(0.06))
