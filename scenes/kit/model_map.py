"""The model as a map: blocks, wires and residual joins, for overviews and a docked map.

    diagram = ModelDiagram(run.input_tokens, words=context.words("model"), probs=run.steps[0].probs)
    diagram.part("attention", layer=0)       # the mobject of one part, to frame or recolour
    diagram.highlight("feedforward", layer=2) # a HIGHLIGHT frame around it (not yet added)

Top to bottom: the input tokens, the embedding, n_layer transformer blocks, the final layer
norm, lm_head, softmax and the output probabilities. Inside a block the residual backbone is
the vertical line on the left; each sub-layer (layer norm -> attention, layer norm ->
feed-forward) branches off it to the right and is added back at a '+'.
"""
from __future__ import annotations

from typing import Mapping

from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Circle, Line, Rectangle, RoundedRectangle, VGroup,
                   VMobject)

from .. import style
from .highlights import highlight_box
from .matrices import VectorStrip
from .values import TokenChip, label


class Block(VGroup):
    """A labelled rounded box for overview diagrams (attention, feed-forward, ...)."""

    def __init__(self, title: str, width: float = 3.0, height: float = 0.8, color=style.EDGE,
                 font_size: float = style.SIZE_LABEL, **kwargs):
        super().__init__(**kwargs)
        self.box = RoundedRectangle(corner_radius=0.12, width=width, height=height,
                                    stroke_color=color, stroke_width=2.5, fill_color=style.PANEL,
                                    fill_opacity=1)
        self.title = label(title, font_size=font_size, color=color)
        if self.title.width > width - 0.2:
            self.title.scale_to_fit_width(width - 0.2)
        self.title.move_to(self.box)
        self.add(self.box, self.title)

class PlusSign(VGroup):
    """The '+' of a residual add or an embedding sum, drawn with lines (no font)."""

    def __init__(self, size: float = 0.3, color=style.INK, stroke_width: float = 5, **kwargs):
        super().__init__(Line(LEFT * size / 2, RIGHT * size / 2, color=color, stroke_width=stroke_width),
                         Line(DOWN * size / 2, UP * size / 2, color=color, stroke_width=stroke_width),
                         **kwargs)

def flow_arrow(start, end, color=style.MUTED, **kwargs) -> Arrow:
    return Arrow(start, end, buff=0.1, color=color, stroke_width=3,
                 max_tip_length_to_length_ratio=0.15, **kwargs)

PARTS = ("tokens", "embedding", "block", "blocks", "ln_1", "attention", "ln_2", "feedforward",
         "backbone", "ln_f", "lm_head", "softmax", "probs")

def _box(title: str, color, font_size: float, width: float, height: float) -> Block:
    return Block(title, width=width, height=height, color=color, font_size=font_size)

class AddJoin(VGroup):
    """The '+' where a branch rejoins the residual backbone: a small disc with a plus."""

    def __init__(self, radius: float = 0.12, color=style.RESID_COLOR, **kwargs):
        self.disc = Circle(radius=radius, stroke_color=color, stroke_width=2.5,
                           fill_color=style.BACKGROUND, fill_opacity=1)
        self.plus = PlusSign(size=radius * 1.1, color=color, stroke_width=3)
        super().__init__(self.disc, self.plus, **kwargs)

class BlockDiagram(VGroup):
    """One transformer block: backbone line (x = 0 of the block) with two branches.

    Attributes: ln_1, attention, ln_2, feedforward (Blocks), joins (two AddJoins),
    backbone (the vertical line and the joins), branches (the wires), frame.
    """

    def __init__(self, words: Mapping[str, str], font_size: float = 18, box_height: float = 0.32,
                 ln_width: float | None = None, layer_width: float | None = None,
                 branch: float = 0.3, gap: float = 0.4, drop: float = 0.1, pad: float = 0.1):
        super().__init__()
        w = words
        fit = lambda *texts: max(label(t, font_size=font_size).width for t in texts) + 0.3
        ln_width = ln_width or fit(w["ln"])
        layer_width = layer_width or fit(w["attention"], w["feedforward"])
        h = box_height
        self.ln_1 = _box(w["ln"], style.LN_COLOR, font_size, ln_width, h)
        self.attention = _box(w["attention"], style.ATTN_COLOR, font_size, layer_width, h)
        self.ln_2 = _box(w["ln"], style.LN_COLOR, font_size, ln_width, h)
        self.feedforward = _box(w["feedforward"], style.MLP_COLOR, font_size, layer_width, h)
        pitch = h + drop + 0.12
        wires, joins = VGroup(), VGroup()
        for row, (ln, layer) in enumerate([(self.ln_1, self.attention), (self.ln_2, self.feedforward)]):
            y = -row * pitch
            ln.move_to([branch + ln_width / 2, y, 0])
            layer.move_to([branch + ln_width + gap + layer_width / 2, y, 0])
            y_join = y - h / 2 - drop
            join = AddJoin().move_to([0, y_join, 0])
            wires.add(Line([0, y, 0], ln.get_left(), color=style.RESID_COLOR, stroke_width=2.5),
                      flow_arrow(ln.get_right(), layer.get_left(), color=style.RESID_COLOR)
                      .set_stroke(width=2.5),
                      VMobject(stroke_color=style.RESID_COLOR, stroke_width=2.5)
                      .set_points_as_corners([layer.get_bottom(), [layer.get_x(), y_join, 0],
                                              join.get_right()]))
            joins.add(join)
        top, bottom = h / 2 + pad, -pitch - h / 2 - drop - pad
        self.backbone_line = Line([0, top, 0], [0, bottom, 0], color=style.RESID_COLOR, stroke_width=4)
        self.joins = joins
        self.backbone = VGroup(self.backbone_line, joins)
        self.branches = wires
        right = branch + ln_width + gap + layer_width + pad
        self.frame = RoundedRectangle(corner_radius=0.12, width=right + pad + 0.1, height=top - bottom,
                                      stroke_color=style.EDGE, stroke_width=2, fill_opacity=0)
        self.frame.move_to([(right - pad - 0.1) / 2, (top + bottom) / 2, 0])
        self.add(self.frame, self.backbone_line, wires, self.ln_1, self.attention, self.ln_2,
                 self.feedforward, joins)

    def part(self, name: str) -> VMobject:
        if name == "mlp":
            name = "feedforward"
        if name in ("ln_1", "attention", "ln_2", "feedforward", "backbone", "frame"):
            return getattr(self, name)
        raise KeyError(f"no part {name!r} in a block; known: ln_1, attention, ln_2, feedforward, backbone")

class ModelDiagram(VGroup):
    """The whole model as one vertical stack (see the module docstring).

    tokens: the token ids drawn at the top; probs: optional [vocab] probabilities drawn as
    bars at the bottom (e.g. run.steps[0].probs). Build it once and place it; highlight with
    part()/highlight() rather than rebuilding.
    """

    def __init__(self, tokens, words: Mapping[str, str], n_layer: int = 3, probs=None, vocab_size: int = 3,
                 font_size: float = 18, chip: float = 0.32, row_gap: float = 0.12):
        super().__init__()
        w = words
        h = 0.32
        self.tokens = VGroup(*[TokenChip(t, size=chip, font_size=font_size) for t in tokens])
        self.tokens.arrange(RIGHT, buff=0.06)
        self.blocks = VGroup(*[BlockDiagram(words, font_size=font_size) for _ in range(n_layer)])
        self.blocks.arrange(DOWN, buff=row_gap)
        bb_x = self.blocks[0].backbone_line.get_x()
        self.block_labels = VGroup()
        for n, block in enumerate(self.blocks, start=1):
            tag = label(w["block"].format(n=n), font_size=font_size, color=style.MUTED)
            self.block_labels.add(tag.next_to(block.frame, LEFT, buff=0.12))
        width = 1.6
        self.embedding = _box(w["embedding"], style.MUTED, font_size, width, h)
        self.embedding.next_to(self.blocks, UP, buff=row_gap).set_x(bb_x)
        self.tokens.next_to(self.embedding, UP, buff=row_gap).set_x(bb_x)
        self.ln_f = _box(w["ln_f"], style.LN_COLOR, font_size, width, h)
        self.ln_f.next_to(self.blocks, DOWN, buff=row_gap).set_x(bb_x)
        self.lm_head = _box(w["lm_head"], style.MUTED, font_size, width, h)
        self.lm_head.next_to(self.ln_f, DOWN, buff=row_gap).set_x(bb_x)
        self.softmax = _box(w["softmax"], style.MUTED, font_size, 1.3, h)
        self.softmax.next_to(self.lm_head, RIGHT, buff=0.5)
        self.probs = self._prob_bars(probs, vocab_size, font_size, chip)
        self.probs.next_to(self.softmax, RIGHT, buff=0.5).align_to(self.softmax, DOWN)
        self.wires = self._wires(bb_x)
        self.add(self.wires, self.tokens, self.embedding, self.blocks, self.block_labels, self.ln_f,
                 self.lm_head, self.softmax, self.probs)

    def _prob_bars(self, probs, vocab_size: int, font_size: float, chip: float) -> VGroup:
        """One chip per token; with probs, a bar above each chip as tall as its probability."""
        group = VGroup()
        for t in range(vocab_size):
            c = TokenChip(t, size=chip * 0.85, font_size=max(18, font_size - 2))
            column = VGroup(c)
            if probs is not None:
                bar = Rectangle(width=chip * 0.6, height=max(0.02, 0.45 * float(probs[t])),
                                stroke_width=0, fill_color=style.TOKEN_COLORS[t], fill_opacity=0.9)
                column.add(bar.next_to(c, UP, buff=0.04))
            group.add(column)
        group.arrange(RIGHT, buff=0.1, aligned_edge=DOWN)
        return group

    def _wires(self, bb_x: float) -> VGroup:
        """The backbone between the pieces (inside blocks it belongs to the block)."""
        color, wires = style.RESID_COLOR, VGroup()
        links = [(self.tokens, self.embedding)]
        links += [(self.embedding, self.blocks[0].backbone_line)]
        links += [(a.backbone_line, b.backbone_line) for a, b in zip(self.blocks, self.blocks[1:])]
        links += [(self.blocks[-1].backbone_line, self.ln_f), (self.ln_f, self.lm_head)]
        for upper, lower in links:
            wires.add(Line([bb_x, upper.get_bottom()[1], 0], [bb_x, lower.get_top()[1], 0],
                           color=color, stroke_width=4))
        wires.add(flow_arrow(self.lm_head.get_right(), self.softmax.get_left(), color=color),
                  flow_arrow(self.softmax.get_right(), self.probs.get_left() + LEFT * 0.02, color=color))
        self.backbone_wires = VGroup(*wires[1:-3])
        return wires

    # ---- the API scenes use ----------------------------------------------------------

    def part(self, name: str, layer: int | None = None) -> VMobject:
        """A part by name (see PARTS); per-block parts need `layer` (0-based, as h.{layer}).

        'backbone' without a layer is the whole residual line through every block;
        'tokens' with a layer index is that one token chip."""
        if name == "mlp":
            name = "feedforward"
        if name == "tokens":
            return self.tokens if layer is None else self.tokens[layer]
        if name == "blocks":
            return self.blocks
        if name == "block":
            return self.blocks[self._layer(name, layer)]
        if name == "backbone" and layer is None:
            return VGroup(self.backbone_wires, *[b.backbone for b in self.blocks])
        if name in ("ln_1", "attention", "ln_2", "feedforward", "backbone"):
            return self.blocks[self._layer(name, layer)].part(name)
        if name in ("embedding", "ln_f", "lm_head", "softmax", "probs"):
            return getattr(self, name)
        raise KeyError(f"no part {name!r}; known: {', '.join(PARTS)}")

    def highlight(self, name: str, layer: int | None = None, buff: float = 0.06,
                  color=style.HIGHLIGHT) -> Rectangle:
        """A HIGHLIGHT frame around part(name, layer); the caller adds/animates it."""
        target = self.part(name, layer)
        if name == "block":
            target = target.frame
        return highlight_box(target, color=color, buff=buff)

    def _layer(self, name: str, layer: int | None) -> int:
        if layer is None or not 0 <= layer < len(self.blocks):
            raise KeyError(f"part {name!r} needs layer in 0..{len(self.blocks) - 1}, got {layer}")
        return layer


class MiniMap(VGroup):
    """The model as a small schematic for the dock: the same top-to-bottom order as
    ModelDiagram (tokens, embedding, the blocks, ln_f, lm_head, the probabilities), drawn in the
    stage colours without any text, so it stays crisp at a fifth of the map's size. Each
    attention box is split into its heads, so a cursor can stand on one head.

        mini = MiniMap(tokens, n_layer=3, n_head=3, probs=run.steps[0].probs)
        mini.part("attention", 0, head=1)       # the second head of the first block
    """

    ROW, GAP, PAD = 0.11, 0.07, 0.05        # a box's height, the gap between rows, a block's padding

    def __init__(self, tokens, n_layer: int = 3, n_head: int = 3, probs=None, vocab_size: int = 3,
                 width: float = 1.0):
        super().__init__()
        row, gap, pad = self.ROW, self.GAP, self.PAD
        line = dict(stroke_width=1.5, fill_color=style.PANEL, fill_opacity=1)
        box = lambda w, color: RoundedRectangle(corner_radius=0.025, width=w, height=row, stroke_color=color, **line)
        step = width / max(len(tokens), 1)
        self.tokens = VGroup(*[RoundedRectangle(corner_radius=0.02, width=step * 0.78, height=step * 0.78,
                                                stroke_color=style.TOKEN_COLORS[t], stroke_width=1.5,
                                                fill_color=style.TOKEN_COLORS[t], fill_opacity=0.18)
                               for t in tokens]).arrange(RIGHT, buff=step * 0.22)
        self.embedding = box(width * 0.8, style.MUTED)
        self.blocks = VGroup()
        ln_w, layer_w = width * 0.22, width * 0.58
        for _ in range(n_layer):
            ln_1, ln_2 = box(ln_w, style.LN_COLOR), box(ln_w, style.LN_COLOR)
            heads = VGroup(*[Rectangle(width=layer_w / n_head, height=row, stroke_color=style.ATTN_COLOR,
                                       stroke_width=1.2, fill_color=style.PANEL, fill_opacity=1)
                             for _ in range(n_head)]).arrange(RIGHT, buff=0)
            mlp = box(layer_w, style.MLP_COLOR)
            rows = VGroup(VGroup(ln_1, heads).arrange(RIGHT, buff=0.06),
                          VGroup(ln_2, mlp).arrange(RIGHT, buff=0.06)).arrange(DOWN, buff=gap, aligned_edge=LEFT)
            frame = RoundedRectangle(corner_radius=0.04, width=width, height=rows.height + 2 * pad,
                                     stroke_color=style.EDGE, stroke_width=1.2).move_to(rows)
            rows.align_to(frame, RIGHT).shift(LEFT * pad)
            block = VGroup(frame, rows)
            block.ln_1, block.attention, block.ln_2, block.feedforward, block.frame = ln_1, heads, ln_2, mlp, frame
            self.blocks.add(block)
        self.blocks.arrange(DOWN, buff=gap)
        self.ln_f = box(width * 0.6, style.LN_COLOR)
        self.lm_head = box(width * 0.6, style.MUTED)
        bars = VGroup()
        for t in range(vocab_size):
            p = float(probs[t]) if probs is not None else 1.0 / vocab_size
            bars.add(Rectangle(width=step * 0.6, height=max(0.02, 0.16 * p), stroke_width=0,
                               fill_color=style.TOKEN_COLORS[t], fill_opacity=0.9))
        self.probs = bars.arrange(RIGHT, buff=step * 0.3, aligned_edge=DOWN)
        stack = VGroup(self.tokens, self.embedding, self.blocks, self.ln_f, self.lm_head, self.probs)
        stack.arrange(DOWN, buff=gap)
        x = self.blocks.get_left()[0] + pad + 0.02      # the backbone, left inside every block
        self.backbone = Line([x, self.embedding.get_bottom()[1], 0], [x, self.ln_f.get_top()[1], 0],
                             color=style.RESID_COLOR, stroke_width=2)
        self.add(self.backbone, stack)

    def part(self, name: str, layer: int | None = None, head: int | None = None) -> VMobject:
        """A part by ModelDiagram's names (see PARTS); `head` picks one head of an attention."""
        if name == "mlp":
            name = "feedforward"
        if name in ("tokens", "embedding", "ln_f", "lm_head", "probs", "blocks", "backbone"):
            return self.tokens[layer] if name == "tokens" and layer is not None else getattr(self, name)
        if name == "softmax":
            return self.probs
        if layer is None or not 0 <= layer < len(self.blocks):
            raise KeyError(f"part {name!r} needs layer in 0..{len(self.blocks) - 1}, got {layer}")
        block = self.blocks[layer]
        if name == "block":
            return block.frame
        if name == "attention" and head is not None:
            return block.attention[head]
        if name in ("ln_1", "attention", "ln_2", "feedforward"):
            return getattr(block, name)
        raise KeyError(f"no part {name!r}; known: {', '.join(PARTS)}")


def here_name(words: Mapping[str, str], name: str, layer: int | None = None, head: int | None = None,
              n_layer: int = 3) -> list[str]:
    """Where a part is, in words ([model] table), outermost first: ["Transformer 1", "头 2"],
    ["Transformer 1", "前馈"], ["嵌入"]."""
    w = words
    if name == "blocks":
        return [w["block"].format(n=f"1–{n_layer}")]
    if layer is None:
        return [w.get(name, name) if name != "probs" else w["softmax"]]
    block = w["block"].format(n=layer + 1)
    if name == "block":
        return [block]
    what = w["here_head"].format(h=head + 1) if name == "attention" and head is not None else \
        w["ln" if name in ("ln_1", "ln_2") else name]
    return [block, what]


class Dock(VGroup):
    """The docked mini-map with its "you are here" cursor and the name of where that is,
    top right inside title-safe (style.DOCK_*). Marked is_dock: the scene audit measures a
    chapter's drawing without it.

        dock = Dock(mini, words).place("ln_1", 0)        # the cursor on the first layer norm
        self.play(*dock.go("attention", 0, head=1))       # the cursor slides, the name changes
    """

    is_dock = True

    def __init__(self, mini: MiniMap, words: Mapping[str, str], n_layer: int = 3):
        super().__init__()
        self.mini, self.words, self.n_layer = mini, words, n_layer
        mini.scale_to_fit_height(style.DOCK_MAP_HEIGHT)
        mini.move_to([style.TITLE_SAFE_X - 0.06 - mini.width / 2,   # its cursor inside title-safe too
                      style.DOCK_TOP - style.DOCK_LABEL_BAND - mini.height / 2, 0])
        self.where = None
        self.cursor, self.name = self.at("blocks")
        self.add(mini, self.cursor, self.name)

    def at(self, name: str, layer: int | None = None, head: int | None = None) -> tuple[VMobject, VMobject]:
        """The cursor frame and name label for a place (not added: go() animates to them)."""
        cursor = highlight_box(self.mini.part(name, layer, head), buff=0.035, stroke_width=2.5)
        words = [label(part, font_size=style.SIZE_SMALL, color=style.HIGHLIGHT)
                 for part in here_name(self.words, name, layer, head, self.n_layer)]
        dots = [Circle(radius=0.035, stroke_width=0, fill_color=style.HIGHLIGHT, fill_opacity=1) for _ in words[1:]]
        text = VGroup(*[m for pair in zip(words, dots + [None]) for m in pair if m is not None])
        text.arrange(RIGHT, buff=0.14)
        text.move_to([style.TITLE_SAFE_X - text.width / 2, style.DOCK_TOP - text.height / 2, 0])
        return cursor, text

    def place(self, name: str, layer: int | None = None, head: int | None = None) -> "Dock":
        """Put the cursor and its name on a place at once."""
        cursor, text = self.at(name, layer, head)
        self.cursor.become(cursor)
        self.remove(self.name)
        self.name = text
        self.add(self.name)
        self.where = (name, layer, head)
        return self

    def go(self, name: str, layer: int | None = None, head: int | None = None) -> list:
        """Animations moving the cursor to a place while its name cross-fades."""
        from manim import FadeIn, FadeOut, Transform

        cursor, text = self.at(name, layer, head)
        old = self.name
        self.remove(old)
        self.name = text
        self.add(self.name)
        self.where = (name, layer, head)
        return [Transform(self.cursor, cursor), FadeOut(old), FadeIn(text)]


STAGE_COLORS = {"tokens": style.MUTED, "embedding": style.MUTED, "block": style.MUTED, "blocks": style.MUTED,
                "ln_1": style.LN_COLOR, "ln_2": style.LN_COLOR, "ln_f": style.LN_COLOR,
                "attention": style.ATTN_COLOR, "feedforward": style.MLP_COLOR, "lm_head": style.MUTED,
                "softmax": style.MUTED, "probs": style.MUTED}


def boundary_block(words: Mapping[str, str], name: str, layer: int | None = None, n_layer: int = 3) -> VGroup:
    """The block the camera is at between two detail chapters: a box in the part's stage colour
    named after the part, with its Transformer above it (style.BOUNDARY_BLOCK_*)."""
    width, height = style.BOUNDARY_BLOCK_SIZE
    color = STAGE_COLORS.get(name, style.EDGE)
    parts = here_name(words, name, layer, None, n_layer)
    box = Block(parts[-1], width=width, height=height, color=color, font_size=style.SIZE_TITLE)
    box.box.set_stroke(width=4)
    group = VGroup(box).move_to(style.BOUNDARY_BLOCK_CENTER)
    if len(parts) > 1:
        group.add(label(parts[0], font_size=style.SIZE_LABEL, color=style.MUTED).next_to(box, UP, buff=0.15)
                  .align_to(box, LEFT))
    return group


def carried_column(values, name: str):
    """The focus token's column as it crosses a chapter boundary (in style.CARRY_SLOT): its
    C values as one strip, outlined, with its name (e.g. "h.0.ln_1.out[6]") above."""
    from manim import Group

    strip = VectorStrip(values, length=style.CARRY_HEIGHT, thickness=0.42, px=6).move_to(style.CARRY_SLOT)
    outline = Rectangle(width=strip.width, height=strip.height, stroke_color=style.HIGHLIGHT, stroke_width=2.5)
    outline.move_to(strip)
    title = label(name, font_size=style.SIZE_SMALL, mono=True).next_to(strip, UP, buff=0.15)
    return Group(strip, outline, title)
