"""Input details: what the model is made of, then how the input becomes vectors.

First an overview in three columns: the weights (left), the structure (the model diagram)
and the intermediates of this input (right), one row per stage. Then the embedding up close,
for the focus time step t: column i = token id of wte, column t of wpe, added into x[t];
then every time step in one sweep into the block x (C x T).
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, AnimationGroup, DashedVMobject, FadeIn, FadeOut, Group, Rectangle,
                   ReplacementTransform, Succession, VGroup)

from scenes import style
from scenes.base import NanoScene, beat
from scenes.kit import (Cells, DimLabel, Heatmap, Magnifier, PlusSign, Thumbnail, TokenChip, align_baselines,
                       digits_for, highlight_box, label)
from scenes.kit.equations import Relation, first_precision, rows_add_up, sign_of

SHOWN = 3              # entries of each vector shown as numbers
COLUMN_H = 3.6         # height of a C-channel column in the close-up (C = 48: 0.075 a channel)
TOP = 1.4              # top of the close-up columns (their frames clear the captions); header rows above it:
CHIP_Y, INDEX_Y, DIM_Y, NAME_Y = TOP + 0.3, TOP + 0.68, TOP + 1.02, TOP + 1.42
NAME_GAP = 0.3   # least space between two matrix names side by side
# the close-up, left to right: wte, wpe (columns wide enough for "10" and "11" to stay apart),
# tok_emb + pos_emb = x, the block x; the right of the header rows stays clear of the dock
WTE_X, WTE_COL, WPE_COL = -5.42, 0.32, 0.36
VECTOR_X = {"tok_emb": -0.05, "pos_emb": 1.3, "x": 2.6}
X_BLOCK_X, X_COL = 4.2, 0.3
OVERVIEW_H, OVERVIEW_CENTER = 5.25, (-0.35, 0.45, 0)   # the overview's map, its frames clear of the captions
THUMB_H = 0.28         # height of a 48-channel thumbnail in the overview (room for names above)
STEP_W = 0.08          # width of one time step in an intermediate's thumbnail


class Embedding(NanoScene):
    scene_id = "embedding"
    map_part = ("embedding", None)   # framed on the model map at the chapter boundaries
    mini_map = True                  # the dock, once the overview's map has shrunk into it
    carry_out = "x"                  # the focus column of x, on into the Transformer

    def carry_spot(self, which: str):
        return self.x_columns[self.focus_t]
    map_dock = "diagram"   # the opening lands the handoff map on the overview's diagram

    def prepare(self) -> None:
        self.tokens = [int(t) for t in self.trace["tokens"]]
        self.T, self.C = len(self.tokens), self.cfg.n_embd
        self.pitch = COLUMN_H / self.C
        self.build_overview()
        self.build_closeup()

    # ---- the overview: weights | structure | intermediates --------------------------------

    def build_overview(self) -> None:
        w, tr, cfg = self.weights, self.trace, self.cfg
        self.diagram = self.model_map().scale_to_fit_height(OVERVIEW_H).move_to(OVERVIEW_CENTER)
        weight = lambda values, width: self.thumb(values, width, THUMB_H, "weight")
        act = lambda values, height=THUMB_H: self.thumb(values, STEP_W * self.T, height, "act")
        heads = lambda probs: Group(*[self.thumb(p, THUMB_H, THUMB_H, "act", 1.0)
                                      for p in probs]).arrange(RIGHT, buff=0.03)
        ln = lambda name: weight(np.stack([w[name + ".weight"], w[name + ".bias"]], 1), 0.06)
        rows = [(self.diagram.embedding,
                 [weight(w["transformer.wte.weight"].T, 0.15), weight(w["transformer.wpe.weight"].T, 0.4)],
                 [act(tr["tok_emb"].T), act(tr["pos_emb"].T), act(tr["x"].T)])]
        for l in range(cfg.n_layer):
            p, h = f"transformer.h.{l}", f"h.{l}"
            rows.append((self.diagram.part("attention", l),
                         [ln(p + ".ln_1"), weight(w[p + ".attn.c_attn.weight"].T, 3 * THUMB_H),
                          weight(w[p + ".attn.c_proj.weight"].T, THUMB_H)],
                         [act(tr[h + ".ln_1.out"].T), act(tr[h + ".attn.qkv"].T),
                          heads(tr[h + ".attn.probs"]), act(tr[h + ".attn.proj"].T),
                          act(tr[h + ".resid_1"].T)]))
            rows.append((self.diagram.part("feedforward", l),
                         [ln(p + ".ln_2"), weight(w[p + ".mlp.c_fc.weight"].T, 4 * THUMB_H),
                          weight(w[p + ".mlp.c_proj.weight"], 4 * THUMB_H)],
                         [act(tr[h + ".ln_2.out"].T), act(tr[h + ".mlp.gelu"].T),
                          act(tr[h + ".mlp.proj"].T), act(tr[h + ".out"].T)]))
        rows.append((self.diagram.ln_f, [ln("transformer.ln_f")], [act(tr["ln_f.out"].T)]))
        rows.append((self.diagram.lm_head, [weight(w["lm_head.weight"].T, 0.15)],
                     [act(tr["logits"].T, 0.2), act(tr["probs"].T, 0.2)]))
        weights_right = self.diagram.block_labels.get_left()[0] - 0.3
        inter_left = self.diagram.get_right()[0] + 0.3
        self.weight_rows, self.inter_rows = Group(), Group()
        for part, weight_thumbs, inter_thumbs in rows:
            wrow = Group(*weight_thumbs).arrange(RIGHT, buff=0.09)
            wrow.move_to([weights_right - wrow.width / 2, part.get_y(), 0])
            irow = Group(*inter_thumbs).arrange(RIGHT, buff=0.12)
            irow.move_to([inter_left + irow.width / 2, part.get_y(), 0])
            self.weight_rows.add(wrow)
            self.inter_rows.add(irow)
        self.thumb_labels = self.label_thumbs()
        self.embedding_thumbs = self.weight_rows[0]           # wte, wpe
        self.x_thumb = self.inter_rows[0][2]
        header_y = self.diagram.get_top()[1] + 0.22
        self.headers = VGroup(*[label(self.words[key], font_size=style.SIZE_LABEL, color=style.MUTED)
                                .move_to([group.get_x(), header_y, 0])
                                for key, group in (("weights", self.weight_rows),
                                                   ("structure", self.diagram.blocks),
                                                   ("intermediates", self.inter_rows))])
        self.add(self.headers)   # the opening brings them in while the map moves to its place

    # The short name of each thumbnail ([embedding] thumb_* words), row by row as built above:
    # the embedding row, the first Transformer's two rows (the later Transformers repeat them,
    # column for column), ln_f and lm_head. Names sit above their thumbnail, the feed-forward
    # row's below it (the attention row is right above); in the bottom two rows (no room between
    # them) beside the row, on its outer side. A row's names share one baseline.
    THUMB_NAMES = [(("wte", "wpe"), ("tok", "pos", "x")),
                   (("ln", "qkv", "proj"), ("ln", "qkv", "attn", "proj", "resid")),
                   (("ln", "fc", "proj"), ("ln", "gelu", "proj", "resid"))]

    def label_thumbs(self) -> VGroup:
        name = lambda key: label(self.words["thumb_" + key], font_size=style.MIN_FONT_SIZE, color=style.MUTED)
        self.weight_names, self.inter_names = VGroup(), VGroup()
        for r, (weight_keys, inter_keys) in enumerate(self.THUMB_NAMES):
            side = DOWN if r == 2 else UP
            for row, keys, outward, names in ((self.weight_rows[r], weight_keys, LEFT, self.weight_names),
                                              (self.inter_rows[r], inter_keys, RIGHT, self.inter_names)):
                row_names = [name(key).next_to(thumb, side, buff=0.06) for thumb, key in zip(row, keys)]
                align_baselines(row_names, side)
                # narrow neighbours: names move apart, outwards (away from the diagram)
                ordered = row_names if outward is RIGHT else row_names[::-1]
                for before, after in zip(ordered, ordered[1:]):
                    gap = (after.get_left()[0] - before.get_right()[0] if outward is RIGHT
                           else before.get_left()[0] - after.get_right()[0])
                    if gap < 0.1:
                        after.shift(outward * (0.1 - gap))
                names.add(*row_names)
        for r, (weight_keys, inter_keys) in ((-2, (("ln",), ("ln",))), (-1, (("lm_head",), ("logits", "probs")))):
            self.weight_names.add(VGroup(*[name(k) for k in weight_keys]).arrange(RIGHT, buff=0.12)
                                  .next_to(self.weight_rows[r], LEFT, buff=0.12))
            self.inter_names.add(VGroup(*[name(k) for k in inter_keys]).arrange(RIGHT, buff=0.12)
                                 .next_to(self.inter_rows[r], RIGHT, buff=0.12))
        return VGroup(self.weight_names, self.inter_names)

    def thumb(self, values, width, height, kind, scale=None):
        picture = Thumbnail(values, width, height, kind=kind, scale=scale)
        if kind == "weight":  # weights get a light outline, as weight cells do
            return Group(picture, Rectangle(width=width, height=height, stroke_color=style.MUTED,
                                            stroke_width=1, fill_opacity=0).move_to(picture))
        return picture

    # ---- the close-up: wte, wpe -> tok_emb[t] + pos_emb[t] = x[t] -> block x ---------------

    def build_closeup(self) -> None:
        T, C, t = self.T, self.C, self.focus_t
        wte, wpe = self.weights["transformer.wte.weight"], self.weights["transformer.wpe.weight"]
        act_scale = style.robust_scale(np.concatenate([self.trace[n].ravel() for n in ("tok_emb", "pos_emb", "x")]))
        middle = TOP - COLUMN_H / 2
        self.wte = self.matrix(wte.T, WTE_COL, "weight").move_to([WTE_X, middle, 0])
        self.wpe = self.matrix(wpe.T, WPE_COL, "weight")
        self.wpe.move_to([self.wte.get_right()[0] + 0.4 + self.wpe.width / 2, middle, 0])
        # positions this pass does not use are dimmed
        unused = self.wpe.cell_rect(0, T, C - 1, wpe.shape[0] - 1, color=style.BACKGROUND, stroke_width=0)
        self.wpe_unused = unused.set_fill(style.BACKGROUND, opacity=0.65)
        self.vocab_chips = self.column_heads(self.wte, [TokenChip(i, size=0.28, font_size=style.SIZE_TINY)
                                                        for i in range(self.cfg.vocab_size)], CHIP_Y)
        self.vocab_ids = self.column_heads(self.wte, self.indices(self.cfg.vocab_size), INDEX_Y)
        self.positions = self.column_heads(self.wpe, self.indices(wpe.shape[0], start=1), CHIP_Y)
        self.c_label = DimLabel(f"C = {C}", font_size=style.SIZE_TINY).rotate(np.pi / 2).next_to(self.wte, LEFT, buff=0.15)
        self.vocab_label = DimLabel(f"n_vocab = {self.cfg.vocab_size}", font_size=style.SIZE_TINY).move_to([self.wte.get_x(), DIM_Y, 0])
        self.block_label = DimLabel(f"block_size = {wpe.shape[0]}", font_size=style.SIZE_TINY).move_to([self.wpe.get_x(), DIM_Y, 0])
        self.wte_name = self.name(self.words["wte"], "wte", self.wte)
        self.wpe_name = self.name(self.words["wpe"], "wpe", self.wpe)
        # Long names ("position embedding") are wider than the gap between the two matrices.
        overlap = self.wte_name.get_right()[0] + NAME_GAP - self.wpe_name.get_left()[0]
        self.wpe_name.shift(RIGHT * max(0.0, overlap))

        xs = VECTOR_X
        # The lenses magnify SHOWN entries that add up as shown: the first three that do at the
        # fewest digits (-0.074 + -0.012 shown as -0.085 does not), else the first three with more.
        vectors = [self.trace[n][t] for n in xs]
        least = digits_for(np.stack([v[:SHOWN] for v in vectors]))
        adds_up = lambda k, p: rows_add_up("sum", vectors[2][k:k + SHOWN], [v[k:k + SHOWN] for v in vectors[:2]], p)
        first = next((k for k in range(C - SHOWN + 1) if adds_up(k, least)), None)
        digits = least if first is not None else first_precision((least, least + 1, least + 2), lambda p: adds_up(0, p))
        first = first or 0
        self.vectors, self.lenses, self.vector_names = {}, {}, {}
        self.vector_slots = VGroup()
        for name, x in xs.items():
            cells = Cells(self.trace[name][t], cell=self.pitch * 0.8, gap=self.pitch * 0.2, scale=act_scale)
            cells.stretch_to_fit_width(0.3).move_to([x, middle, 0])
            lens = Magnifier.of(self.run, name, (t,), count=SHOWN, precision=digits, first=first)
            lens.move_to([x, TOP + 0.7, 0]).attach(VGroup(*cells[first:first + SHOWN]))
            self.vectors[name], self.lenses[name] = cells, lens
            # where the vector will come: an outline from the start, so the close-up has no hole
            self.vector_slots.add(DashedVMobject(Rectangle(width=cells.width, height=cells.height,
                                                           color=style.EDGE, stroke_width=2), num_dashes=24)
                                  .move_to(cells))
            # no code index here: the framed column is position t + 1 on screen
            self.vector_names[name] = label(name, font_size=style.SIZE_TINY, mono=True).move_to([x, NAME_Y, 0])
        row_y = self.lenses["x"].labels[1].get_y()
        self.plus = PlusSign(size=0.22).move_to([(xs["tok_emb"] + xs["pos_emb"]) / 2, row_y, 0])
        self.relations = [Relation("sum", self.lenses["x"].labels[k], [self.lenses[n].labels[k] for n in ("tok_emb", "pos_emb")],
                                   name="tok_emb + pos_emb = x") for k in range(SHOWN)]
        self.equals = label(sign_of(self.relations), font_size=style.SIZE_BODY)
        self.equals.move_to([(xs["pos_emb"] + xs["x"]) / 2, row_y, 0])
        for relation in self.relations:
            relation.mark(self.plus, self.equals)

        self.x_columns = Group(*[self.matrix(self.trace["x"][s][:, None], X_COL, "act", act_scale)
                                 for s in range(T)])
        self.x_columns.arrange(RIGHT, buff=0).move_to([X_BLOCK_X, middle, 0])
        self.x_frame = Rectangle(width=self.x_columns.width, height=self.x_columns.height,
                                 stroke_color=style.EDGE, stroke_width=2).move_to(self.x_columns)
        self.input_chips = self.column_heads(self.x_frame, [TokenChip(tok, size=0.3, font_size=style.SIZE_SMALL)
                                                            for tok in self.tokens], CHIP_Y, T)
        self.times = self.column_heads(self.x_frame, self.indices(T, start=1), INDEX_Y, T)
        self.t_label = DimLabel(f"T = {T}", font_size=style.SIZE_TINY).move_to([self.x_frame.get_x(), DIM_Y, 0])
        self.x_name = self.name(self.words["x"], "x", self.x_frame)

    def name(self, words: str, code: str, over) -> VGroup:
        """Two lines above a matrix: what it is, and its name in the code."""
        title = VGroup(label(words, font_size=style.SIZE_TINY), label(code, font_size=style.SIZE_TINY, mono=True))
        title.arrange(DOWN, buff=0.1).move_to([over.get_x(), NAME_Y + 0.12, 0])
        return title.shift(RIGHT * max(0.0, -6.35 - title.get_left()[0]))

    def column_heads(self, matrix, heads, y: float, columns: int | None = None) -> VGroup:
        """One mobject above each column of `matrix` (a Heatmap, or a frame of `columns`)."""
        columns = columns or matrix.cols
        width = matrix.width / columns
        left = matrix.get_left()[0]
        return VGroup(*[head.move_to([left + width * (c + 0.5), y, 0]) for c, head in enumerate(heads)])

    def indices(self, n: int, start: int = 0) -> list:
        """Column numbers: token ids from 0, positions from 1 (as the narration counts them)."""
        return [label(str(k + start), font_size=style.SIZE_TINY, mono=True, color=style.MUTED) for k in range(n)]

    def matrix(self, values, column_width, kind, scale=None) -> Heatmap:
        """A C-tall heatmap with columns `column_width` wide (values: C x columns)."""
        grid = np.asarray(values)
        heatmap = Heatmap(grid, cell=self.pitch, kind=kind, scale=scale)
        return heatmap.stretch_to_fit_width(grid.shape[1] * column_width)

    # ---- beats --------------------------------------------------------------------------
    # Images are costly to animate at 1080p (each is composited over the whole frame), so the
    # overview's thumbnails stay still: curtains and dimming veils (plain rectangles) move instead.

    @beat("embedding.look-closer")
    def look_closer(self):
        curtains = VGroup(veil(self.weight_rows, 1.0), veil(self.inter_rows, 1.0))
        self.add(self.weight_rows, self.inter_rows, curtains)
        self.play(FadeIn(self.thumb_labels), FadeOut(curtains),
                  run_time=self.t(0.4))   # the map is there
        self.highlight(Group(self.diagram.tokens, self.diagram.embedding), 0.2, buff=0.1)

    @beat("embedding.structure")
    def structure(self):
        for group, cue in ((Group(self.weight_rows, self.weight_names), "weights"), (self.diagram, "inputs"),
                           (Group(self.inter_rows, self.inter_names), "intermediates")):
            self.at_word(cue, 0.0, room=0.1)
            self.play(self.highlight_to(group, buff=0.1), run_time=self.t(0.08))

    @beat("embedding.intermediates")
    def intermediates(self):
        """Only a few are needed at a time: a window walks down the rows, the rest veiled."""
        rows, dim = self.inter_rows, 0.78
        veils = VGroup(*[veil(row, dim) for row in rows])
        veils[0].set_fill(opacity=0)
        self.play(FadeIn(veils), self.highlight_to(rows[0], buff=0.1), run_time=self.t(0.08))
        walk = [AnimationGroup(veils[k - 1].animate.set_fill(opacity=dim), veils[k].animate.set_fill(opacity=0),
                               self.highlight_to(rows[k], buff=0.1))
                for k in range(1, len(rows))]
        but = self.word_share("but", default=0.6)
        self.play(Succession(*walk), run_time=self.t(max(0.2, but - 0.2)))
        self.at_share(but, room=0.12)
        self.play(FadeOut(veils), self.highlight_to(rows, buff=0.1), run_time=self.t(0.1))

    @beat("embedding.steps")
    def steps(self):
        """Start at the top: only the input's matrices and x stay, grown to the close-up."""
        curtain = VGroup(veil(Group(*self.weight_rows[1:]), 1.0), veil(Group(*self.inter_rows[1:]), 1.0),
                         veil(Group(self.inter_rows[0][0], self.inter_rows[0][1]), 1.0))
        self.dock_map(self.diagram, FadeIn(curtain), FadeOut(self.headers), FadeOut(self.thumb_labels),
                      self.unhighlight(), run_time=self.t(0.12))
        thumbs = [self.embedding_thumbs[0], self.embedding_thumbs[1], self.x_thumb]
        self.remove(self.weight_rows, self.inter_rows, curtain)
        self.add(*thumbs)
        targets = [self.wte, self.wpe, self.x_frame]
        self.play(*[thumb.animate.replace(target, stretch=True) for thumb, target in zip(thumbs, targets)],
                  run_time=self.t(0.12))
        self.play(*[FadeOut(thumb) for thumb in thumbs], *[FadeIn(target) for target in targets],
                  run_time=self.t(0.06))
        labels = VGroup(self.c_label, self.vocab_chips, self.vocab_ids, self.vocab_label, self.wte_name,
                        self.positions, self.block_label, self.wpe_name, self.input_chips, self.times,
                        self.t_label, self.x_name)
        self.play(FadeIn(labels), FadeIn(self.wpe_unused), FadeIn(self.vector_slots),
                  *[FadeIn(n) for n in self.vector_names.values()], run_time=self.t(0.12))
        self.highlight(self.input_chips, 0.08, buff=0.08)
        self.at_word("time_step", 0.55, room=0.12)
        self.play(self.highlight_to(VGroup(self.times[self.focus_t], self.x_frame_column(self.focus_t)), buff=0.06),
                  run_time=self.t(0.1))

    @beat("embedding.token")
    def token(self):
        i = self.tokens[self.focus_t]
        self.wte_focus = self.select_column("tok_emb", self.vocab_ids[i], self.wte, i)

    @beat("embedding.position")
    def position(self):
        self.wpe_focus = self.select_column("pos_emb", self.positions[self.focus_t], self.wpe, self.focus_t)

    def select_column(self, name: str, column_label, matrix, column: int):
        """Frame one column of an embedding matrix, pull it out as the vector `name`."""
        focus = self.column_focus(column_label, matrix, column)
        self.play(ReplacementTransform(self.highlighted.copy(), focus), run_time=self.t(0.2))
        self.pull_out(self.vectors[name], matrix, column, share=0.25)
        self.play(FadeIn(self.lenses[name]), run_time=self.t(0.15))
        return focus

    @beat("embedding.add")
    def add_up(self):
        tok, pos, x = self.vectors["tok_emb"], self.vectors["pos_emb"], self.vectors["x"]
        from_pos = pos.copy()  # both columns flow into x; one becomes it, the other fades on arrival
        self.play(FadeIn(self.plus), FadeIn(self.equals), ReplacementTransform(tok.copy(), x),
                  from_pos.animate.move_to(x).set_opacity(0), run_time=self.t(0.1))
        self.remove(from_pos)
        self.play(FadeIn(self.lenses["x"]), run_time=self.t(0.07))
        arriving = x.copy()
        self.play(arriving.animate.replace(self.x_columns[self.focus_t], stretch=True), run_time=self.t(0.05))
        self.play(FadeOut(arriving), FadeIn(self.x_columns[self.focus_t]), run_time=self.t(0.03))
        self.at_word("each_vector", 0.3, room=0.45)
        self.sweep(share=0.3)
        self.at_word("ready", 0.7, room=0.1)
        # ready: the block x, which the hand-off carries on into the Transformer
        self.highlight(VGroup(self.x_frame, self.x_name, self.times), 0.08, FadeOut(self.wte_focus),
                       FadeOut(self.wpe_focus), buff=0.1)

    # ---- helpers ------------------------------------------------------------------------

    def sweep(self, share: float) -> None:
        """Every other time step in one go: the frames walk, the block x fills column by column."""
        others = [s for s in range(self.T) if s != self.focus_t]
        for s in others:
            i = self.tokens[s]
            self.play(self.wte_focus.animate.become(self.column_focus(self.vocab_ids[i], self.wte, i)),
                      self.wpe_focus.animate.become(self.column_focus(self.positions[s], self.wpe, s)),
                      self.highlight_to(VGroup(self.times[s], self.x_frame_column(s)), buff=0.06),
                      FadeIn(self.x_columns[s]), run_time=self.t(share / len(others)))

    def pull_out(self, cells, matrix: Heatmap, column: int, share: float) -> None:
        """The chosen column leaves the matrix and becomes the vector `cells`."""
        start = cells.copy().stretch_to_fit_width(matrix.width / matrix.cols)
        start.move_to(matrix.cell_rect(0, column, self.C - 1, column))
        self.play(ReplacementTransform(start, cells), run_time=self.t(share))

    def x_frame_column(self, s: int) -> Rectangle:
        width = self.x_frame.width / self.T
        return Rectangle(width=width, height=self.x_frame.height, stroke_width=0).move_to(
            self.x_frame.get_left() + RIGHT * width * (s + 0.5))

    def column_focus(self, head, matrix: Heatmap, column: int) -> Rectangle:
        """A frame around one column of a close-up matrix and its index above."""
        return highlight_box(VGroup(head, matrix.cell_rect(0, column, self.C - 1, column)), buff=0.05)


def veil(group, opacity: float) -> Rectangle:
    """A background-coloured rectangle over `group`: opacity 1 hides it, less dims it."""
    return Rectangle(width=group.width + 0.08, height=group.height + 0.08, stroke_width=0,
                     fill_color=style.BACKGROUND, fill_opacity=opacity).move_to(group)

