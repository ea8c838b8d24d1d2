"""Transformer: one block, its three parts named one at a time.

A large BlockDiagram in the middle; the residual stream going in (x) on the left and coming
out (h.0.out) on the right, both C x T heatmaps. While the caption says 'self-attention',
'feed-forward', 'residual backbone', that part is framed.
"""
from __future__ import annotations

from manim import DOWN, LEFT, PI, RIGHT, UP, Arrow, Line, VGroup

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import BlockDiagram, DimLabel, Heatmap, label

# Where in its line each part is named if the caption does not say its [transformer.cues] word.
DEFAULT_SHARE = {"attention": 0.15, "feedforward": 0.45, "backbone": 0.7}
# Layout: the stream in (x), the block, the stream out, left to right, clear of the dock.
X_IN, X_BLOCK, X_OUT, Y_MID = -5.1, -0.45, 4.2, 0.45
STREAM_H = 3.6


def stream_map(values, height: float, scale: float) -> Heatmap:
    """A [T, C] residual stream drawn as C rows x T columns, `height` tall, columns widened."""
    heatmap = Heatmap(values.T, cell=height / values.shape[1], scale=scale)
    return heatmap.stretch_to_fit_width(0.22 * values.shape[0])


class Transformer(NanoScene):
    scene_id = "transformer"
    map_part = ("block", 0)   # framed on the model map at the chapter boundaries
    mini_map = True           # the dock: "you are here" on the mini-map
    carry_in = carry_out = "x"   # the focus column: from the embedding, on to the layer norm

    def carry_spot(self, which: str):
        return self.x_map.cell_rect(0, self.focus_t, self.cfg.n_embd - 1, self.focus_t)

    def prepare(self) -> None:
        self.block = BlockDiagram(self.context.words("model"), font_size=style.SIZE_BODY, box_height=0.62,
                                  branch=0.45, gap=0.55, drop=0.22, pad=0.25)
        self.block.move_to([X_BLOCK, Y_MID, 0])
        title = label(self.words["block"], font_size=style.SIZE_LABEL, color=style.MUTED)
        self.title = title.next_to(self.block.frame, UP, buff=0.12).align_to(self.block.frame, RIGHT)
        x, out = self.trace["x"], self.trace["h.0.out"]
        scale = max(style.robust_scale(x), style.robust_scale(out))  # one scale: comparable
        self.x_map = stream_map(x, STREAM_H, scale).move_to([X_IN, Y_MID, 0])
        self.out_map = stream_map(out, STREAM_H, scale).move_to([X_OUT, Y_MID, 0])
        # The stream enters the backbone from above-left and leaves below-right (elbows).
        top, bottom = self.block.backbone_line.get_top(), self.block.backbone_line.get_bottom()
        y_in, y_out = top[1] + 0.35, bottom[1] - 0.35
        wire = dict(color=style.MUTED, stroke_width=3)
        arrow = dict(buff=0, color=style.MUTED, stroke_width=3, tip_length=0.18, max_tip_length_to_length_ratio=0.6)
        self.arrows = VGroup(
            Line([self.x_map.get_right()[0] + 0.1, y_in, 0], [top[0], y_in, 0], **wire),
            Arrow([top[0], y_in, 0], top, **arrow),
            Line(bottom, [bottom[0], y_out, 0], **wire),
            Arrow([bottom[0], y_out, 0], [self.out_map.get_left()[0] - 0.1, y_out, 0], **arrow))
        self.tags = VGroup(
            label(self.words["in"], font_size=style.SIZE_LABEL).next_to(self.x_map, UP, buff=0.15),
            label(self.words["out"], font_size=style.SIZE_LABEL).next_to(self.out_map, UP, buff=0.15),
            DimLabel(f"C = {self.cfg.n_embd}").rotate(PI / 2).next_to(self.x_map, LEFT, buff=0.15),
            DimLabel(f"T = {x.shape[0]}").next_to(self.x_map, DOWN, buff=0.12),
            DimLabel(f"T = {out.shape[0]}").next_to(self.out_map, DOWN, buff=0.12))
        # the opening grows the whole picture out of the mini-map: it is all there from the start
        self.add(self.block, self.title, self.x_map, self.out_map, self.tags, self.arrows)

    def frame_for(self, name: str):
        target = self.block.part(name)
        return self.frame_around(target, buff=0.1 if name != "backbone" else 0.12)

    @beat("transformer.parts")
    def parts(self):
        for name, default in DEFAULT_SHARE.items():
            self.at_word(name, default, room=0.12)
            here = self.you_are_here(name, 0) if name != "backbone" else self.you_are_here("block", 0)
            self.highlight(self.frame_for(name), 0.04, *here)
            if name == "backbone":
                self.play(self.block.backbone.animate.set_stroke(style.HIGHLIGHT), run_time=self.t(0.03))
