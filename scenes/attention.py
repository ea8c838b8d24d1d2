"""Self-attention, layer 0 (Transformer 1, h.0.attn): one head and one query followed closely,
then all of them.

Three acts, every piece built once in prepare() and only shown, highlighted or dimmed later:
  I   (whole) the normalised input X (T columns x C rows) and, for the focus head, Wq, Wk, Wv as
              magnified slices of their first rows (the rest summarised, their A x C shape
              written), their biases and the q, k, v vectors of every time step, across the
              stage; when act II starts, only q, k, v stay, docked at the left;
  II  (right) the focus query (the 6th position, counted from 1 on screen) against every key:
              a dot product cell by cell (each product, the raw sum, then x 1/√A, the score
              sliding up a clear lane into the matrix), the causal mask (shown acting on a row
              that has masked keys), softmax of the row step by step (the row s, exp, Σ, ÷ Σ;
              then s - max, which changes nothing), and the weighted sum of the value vectors;
  III (whole) every head's pattern (rows labelled by query) and output, concatenated,
              projected (a slice of W_proj and its bias) and added to the residual stream.
Every number and colour is read from the Run's layer-0 trace (h.0.attn.*) and weights. Every
equation on screen holds as shown (scenes/kit/equations.py): each row of the softmax takes as
many digits as it needs (chain_digits), and a cell that still cannot is marked ≈. Text is never
under font 18 (24 px caps at 1080p); numbers slide, then fade; highlights are outlines only.
"""
from __future__ import annotations

import itertools

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Animation, ArcBetweenPoints, Create, DashedVMobject, FadeIn, FadeOut,
                   Group, LaggedStart, Line, MoveAlongPath, Rectangle, ReplacementTransform, Transform, VGroup, VMobject)

from scenes import style
from scenes.base import NanoScene, beat
from scenes.beats import FRONT, as_frame
from scenes.kit import (Block, BlockDiagram, Cells, DimLabel, GridFrame, PlusSign, RowSlice, SpacedColumns,
                        TokenChip, ValueLabel, block, column_rect, highlight_box, label, lay_flat, masked,
                        pour, title_safe, turn_onto)
from scenes.kit.equations import Exact, Relation, first_precision, holds_as_shown, shown

LAYER = 0
SMALL = style.SIZE_SMALL
TINY = 18            # the smallest text here: font 18 is 25 px digits / capitals at 1080p
INF_SIZE = 30        # the "−∞" marks (a proportional font: no gap between − and ∞)
CALM = 0.08          # share of a line kept calm at its end (more than the default: dense beats)
TITLE_SAFE = style.TITLE_SAFE_X
# The softmax rows' digits, tried in order (fewest first) until every equation holds as shown:
# (s, s - max, exp, Σ) as decimals, or ("sig", n) for n significant digits; ÷ Σ has 3 decimals.
CHAIN_DIGITS = [c for c in itertools.product((2, 3, 4), (2, 3), (2, ("sig", 3), 3), (2, ("sig", 3)))]
PROB_DIGITS = 3
WORKSHOP_GAP = 0.45  # from the matrix's bottom to the top of q, k, q × k (their names fit between)


def focus_head(probs: np.ndarray, t: int) -> int:
    """Head 0, unless another head's focus row is clearly more peaked (more telling)."""
    peaks = probs[:, t, :].max(axis=-1)
    best = int(np.argmax(peaks))
    return best if peaks[best] > peaks[0] + 0.15 else 0


def decimals(value: float, digits) -> int:
    """Decimals for `value` shown with `digits` (an int: decimals; ("sig", n): significant digits)."""
    if isinstance(digits, int):
        return digits
    magnitude = int(np.floor(np.log10(abs(value)))) if value else 0
    return int(max(0, digits[1] - 1 - magnitude))


def chain_failures(digits, s, m, d, e_plain, e, sum_plain, sum_e, probs) -> int:
    """How many equations of the softmax rows would not hold as shown with `digits` (s, s - max,
    exp, Σ): s - max, exp(s), exp(s - max), both Σ, both ÷ Σ."""
    ds, dd, de, dsum = digits
    S = [shown(v, ds) for v in s]
    M = shown(m, ds)
    D = [shown(v, dd) for v in d]
    fails = sum(not holds_as_shown("difference", D[i], dd, [S[i], M]) for i in range(len(s)))
    for row, operands, total in ((e_plain, S, sum_plain), (e, D, sum_e)):
        E = [shown(v, decimals(v, de)) for v in row]
        fails += sum(not holds_as_shown("exp", E[i], decimals(v, de), [operands[i]]) for i, v in enumerate(row))
        total = float(total)
        sum_p = decimals(total, dsum)
        fails += not holds_as_shown("sum", shown(total, sum_p), sum_p, E)
        fails += sum(not holds_as_shown("divide", shown(p, PROB_DIGITS), PROB_DIGITS, [E[i], shown(total, sum_p)])
                     for i, p in enumerate(probs))
    return fails


def arc_angle(distance: int) -> float:
    """Bend of a link spanning `distance` time steps (longer links bow a little more)."""
    return -min(2.2, 0.9 + 0.25 * distance)


class Attention(NanoScene):
    scene_id = "attention"
    map_part = ("attention", 0)   # framed on the model map at the chapter boundaries
    mini_map = True                # the dock: "you are here" on the mini-map (scenes/handoff.py)
    carry_in, carry_out = "h.0.ln_1.out", "h.0.resid_1"   # the focus column across the boundaries

    def carry_spot(self, which: str):
        return column_rect(self.x_in if which == "in" else self.resid, self.tf)

    # ---- data ----------------------------------------------------------------------------

    def name(self, part: str) -> str:
        return f"h.{LAYER}.{part}"

    def data(self, part: str) -> np.ndarray:
        return self.trace[self.name(part)]

    def value(self, part: str, index=(), font_size: float = SMALL, **kwargs) -> ValueLabel:
        return ValueLabel.of(self.run, self.name(part), index, font_size=font_size, **kwargs)

    def weight(self, part: str) -> np.ndarray:
        return self.weights[f"transformer.h.{LAYER}.{part}"]

    def prepare(self) -> None:
        cfg = self.cfg
        self.T = len(self.trace["tokens"])
        self.A, self.C, self.H = cfg.head_size, cfg.n_embd, cfg.n_head
        self.tf = self.T - 1                              # the focus query: the 6th (last) position
        self.h = focus_head(self.data("attn.probs"), self.tf)
        self.relations: list[Relation] = []
        model = self.context.words("model")
        self.layer_name = f"{model['block'].format(n=LAYER + 1)} · h.{LAYER}.attn"
        self.build_input()
        self.build_qkv()
        self.build_matrix()
        self.build_workshop()
        self.build_softmax()
        self.build_values()
        self.build_heads()
        self.build_output()

    # ---- act I: input and q, k, v (across the whole stage) ---------------------------------------

    def build_input(self) -> None:
        tokens = self.trace["tokens"]
        self.x_in = block(self.data("ln_1.out").T, style.ATTN_X_COL, style.ATTN_ROW)
        self.x_in.move_to([style.ATTN_X_LEFT, 0.45, 0], aligned_edge=LEFT)
        self.x_chips = VGroup(*[TokenChip(tok, size=0.32, font_size=SMALL)
                                .next_to(self.x_in.cell_rect(0, t), UP, buff=0.1)
                                for t, tok in enumerate(tokens)])
        self.x_pos = VGroup(*[label(str(t + 1), TINY, style.MUTED).next_to(chip, UP, buff=0.06)
                              for t, chip in enumerate(self.x_chips)])
        self.x_dims = VGroup(VGroup(DimLabel(f"T = {self.T}", font_size=TINY), DimLabel(f"C = {self.C}", font_size=TINY))
                             .arrange(RIGHT, buff=0.4),
                             label(self.words["ln_input"], TINY, style.MUTED))
        self.x_dims.arrange(DOWN, buff=0.08).next_to(self.x_in, DOWN, buff=0.12)
        title_safe(self.x_dims)
        self.map = BlockDiagram(self.context.words("model"), font_size=18).move_to([2.4, 2.6, 0])
        # the sequence as big chips; an arrow from every earlier position into each later one:
        # a position reads the ones before it (and itself), never the ones after (causal)
        self.seq = VGroup(*[TokenChip(tok, size=0.5, font_size=style.SIZE_BODY) for tok in tokens])
        self.seq.arrange(RIGHT, buff=0.4).move_to([2.4, -0.9, 0])
        self.arcs = VGroup()
        for t in range(1, self.T):
            for s in range(t):
                arc = ArcBetweenPoints(self.seq[s].get_top() + UP * 0.05 + RIGHT * 0.06,
                                       self.seq[t].get_top() + UP * 0.05 + LEFT * 0.06,
                                       angle=arc_angle(t - s), color=style.ATTN_COLOR, stroke_width=2.5)
                arc.add_tip(tip_length=0.13, tip_width=0.13)
                self.arcs.add(arc)

    def build_qkv(self) -> None:
        A, C, h, n_rows = self.A, self.C, self.h, style.ATTN_SLICE_ROWS
        W, b = self.weight("attn.c_attn.weight"), self.weight("attn.c_attn.bias")
        rows = [slice(i * C + h * A, i * C + (h + 1) * A) for i in range(3)]   # Q, K, V of head h
        w_scale = style.robust_scale(np.concatenate([W[r] for r in rows]))
        b_scale = style.robust_scale(np.concatenate([b[r] for r in rows]))
        vecs = [self.data(f"attn.{n}")[h].T for n in "qkv"]                  # [A, T] each
        self.qkv_scale = style.robust_scale(np.concatenate(vecs))
        self.W, self.B, self.QKV = [], [], []
        for i, (r, vec) in enumerate(zip(rows, vecs)):
            top = style.ATTN_SLICE_TOP - i * style.ATTN_SLICE_PITCH
            # A x C weights, magnified: the first rows readable, the rest summarised
            piece = RowSlice(W[r], 0, n_rows - 1, style.ATTN_SLICE_W, style.ATTN_SLICE_ROW_H, self.words["more_rows"],
                             shape=f"A × C = {A} × {C}", scale=w_scale)
            self.W.append(piece.move_to([style.ATTN_SLICE_LEFT, top, 0], aligned_edge=LEFT + UP))
            self.B.append(block(b[r][:n_rows], 0.24, style.ATTN_SLICE_ROW_H, kind="weight", scale=b_scale)
                          .next_to(piece.strip, RIGHT, buff=0.15))
            self.QKV.append(block(vec, style.ATTN_QKV_COL, style.ATTN_ROW, scale=self.qkv_scale)
                            .move_to([style.ATTN_QKV_LEFT, top, 0], aligned_edge=LEFT + UP))
        self.w_names = VGroup(*[label(f"W{n}", SMALL, style.MUTED).next_to(Wi.strip, LEFT, buff=0.12)
                                for n, Wi in zip("qkv", self.W)])
        self.qkv_names = VGroup(*[label(n, SMALL).next_to(v, LEFT, buff=0.1) for n, v in zip("qkv", self.QKV)])
        self.b_names = VGroup(*[label("b", SMALL, style.MUTED).next_to(bb, DOWN, buff=0.08) for bb in self.B])
        self.a_dim = DimLabel(f"A = {A}", font_size=TINY).next_to(self.QKV[2], DOWN, buff=0.12)
        self.head_frame = self.frame_for(Group(*self.W, *self.QKV, self.w_names, self.a_dim))
        self.head_tag = label(self.words["head"].format(n=h + 1), SMALL, style.ATTN_COLOR)
        self.head_tag.next_to(self.head_frame, UP, buff=0.06, aligned_edge=LEFT)
        self.layer_tag = label(self.layer_name, TINY, style.MUTED)
        self.layer_tag.next_to(self.head_tag, RIGHT, buff=0.3)   # clear of the dock's name, top right
        self.cards = VGroup(*[Block(self.words["head"].format(n=n + 1), width=self.head_frame.width, height=1.2,
                                    color=style.ATTN_COLOR, font_size=SMALL)
                              .move_to([self.head_frame.get_x(), 2.25 - n * 1.6, 0]) for n in range(self.H)])
        x_col = block(self.data("ln_1.out").T[:, self.tf], style.ATTN_X_COL, style.ATTN_ROW)
        self.x_col = x_col.move_to(self.x_in.cell_rect(0, self.tf, self.C - 1, self.tf))
        self.x_flat = lay_flat(self.x_col, self.W[0].strip, buff=0.05)
        self.matvec_formula = label(f"q{self.tf + 1} = Wq · x{self.tf + 1} + b", SMALL)
        self.matvec_formula.next_to(self.QKV[0], DOWN, buff=0.15).align_to(self.QKV[0], RIGHT)
        # docked for act II: q, k, v alone at the left, the same size
        dx = style.ATTN_DOCK_LEFT - self.qkv_names.get_left()[0]
        dock = Group(*[m.copy().shift(RIGHT * dx) for m in (*self.QKV, self.qkv_names, self.a_dim)])
        self.dock_shift = RIGHT * dx
        self.dock_frame = self.frame_for(dock)
        self.dock_tag = title_safe(self.head_tag.copy().next_to(self.dock_frame, UP, buff=0.06, aligned_edge=LEFT))

    @staticmethod
    def frame_for(group) -> Rectangle:
        frame = highlight_box(group, color=style.ATTN_COLOR, buff=0.15, stroke_width=2.5)
        return frame.stretch_to_fit_height(frame.height + 0.15).shift(UP * 0.075)

    # ---- act II: the focus query against every key -------------------------------------------------

    def build_matrix(self) -> None:
        h, t, T = self.h, self.tf, self.T
        tokens = self.trace["tokens"]
        left = style.ATTN_GRID_LEFT
        self.grid = g = GridFrame(T, T, style.ATTN_CELL_W, style.ATTN_CELL_H)
        g.move_to([left, style.ATTN_GRID_TOP, 0], aligned_edge=LEFT + UP)
        self.key_chips = VGroup(*[TokenChip(tok, size=0.3, font_size=TINY).move_to([g.column_x(s), g.get_top()[1] + 0.25, 0])
                                  for s, tok in enumerate(tokens)])
        self.query_chips = VGroup(*[TokenChip(tok, size=0.3, font_size=TINY).move_to([left - 0.26, g.row_y(r), 0])
                                    for r, tok in enumerate(tokens)])
        self.query_pos = VGroup(*[label(str(r + 1), TINY, style.MUTED).move_to([left - 0.62, g.row_y(r), 0])
                                  for r in range(T)])
        self.key_axis = label(self.words["key"], SMALL, style.MUTED).next_to(self.key_chips, RIGHT, buff=0.25)
        self.query_axis = label(self.words["query"], SMALL, style.MUTED)
        # in the corner over the query chips (right of the grid, English "query" reached the dock)
        self.query_axis.next_to(self.key_chips[0], LEFT, buff=0.3)
        self.scores = VGroup(*[self.value("attn.scores", (h, t, s)).move_to(g.cell_center(t, s)) for s in range(T)])
        finite = np.isfinite(self.data("attn.scores")[h])
        hidden = [(r, s) for r in range(T) for s in range(T) if not finite[r, s]]
        self.mask_shade = VGroup(*[g.cell(r, s).copy().set_fill(style.BACKGROUND, 1) for r, s in hidden])
        self.mask_labels = VGroup(*[self.value("attn.scores", (h, r, s), font_size=INF_SIZE, color=style.MUTED)
                                    .move_to(g.cell_center(r, s)) for r, s in hidden]).set_z_index(1)
        # a row the mask really acts on: the middle query sees keys 1..r+1 only
        self.rm = max(0, min(T - 2, T // 2 - 1))
        self.masked_row = VGroup(*[self.value("attn.scores", (h, self.rm, s)).move_to(g.cell_center(self.rm, s))
                                   for s in range(T) if finite[self.rm, s]])
        # the lane a score slides up in, from the dot product below into its cell of the matrix
        self.lane_x = g.get_right()[0] + style.ATTN_LANE_X

    def build_workshop(self) -> None:
        """q x k = products -> raw sum -> x 1/√A: under the matrix, before softmax needs the room."""
        h, t, T, A = self.h, self.tf, self.T, self.A
        q, k = self.data("attn.q")[h], self.data("attn.k")[h]
        top, left = self.grid.get_bottom()[1] - WORKSHOP_GAP, style.ATTN_GRID_LEFT
        cells = dict(cell=0.12, gap=0.02, scale=self.qkv_scale)
        self.q_cells = Cells(q[t], **cells).move_to([left + 0.55, top, 0], aligned_edge=UP)
        self.k_cells = [Cells(k[s], **cells).move_to([left + 1.25, top, 0], aligned_edge=UP) for s in range(T)]
        products = self.data("attn.qk")[h, t]      # [T, A]: q[t] x k[s], cell by cell
        p_scale = style.robust_scale(products)
        self.p_cells = [Cells(products[s], cell=0.12, gap=0.02, scale=p_scale).move_to([left + 1.95, top, 0], aligned_edge=UP)
                        for s in range(T)]
        mid = self.q_cells.get_y()
        self.times = label("×", SMALL, style.MUTED).move_to([left + 0.9, mid, 0])
        self.equals = label("=", SMALL, style.MUTED).move_to([left + 1.6, mid, 0])
        self.q_name = label("q", SMALL).next_to(self.q_cells, UP, buff=0.06)
        self.k_name = label("k", SMALL).next_to(self.k_cells[0], UP, buff=0.06)
        text_left = left + 2.45
        self.slow = 4   # the first pairs one by one, each with its numbers; the rest in one sweep
        # q and k with as many digits as q x k = product needs to hold as shown (to 2 decimals)
        qk = self.data("attn.qk")[h, t, 0]
        factor_digits = first_precision((2, 3), lambda p: all(holds_as_shown(
            "product", shown(qk[i], 2), 2, [shown(q[t, i], p), shown(k[0, i], p)]) for i in range(self.slow)))

        def product(i):
            row = VGroup(self.value("attn.q", (h, t, i), precision=factor_digits), label("×", SMALL, style.MUTED),
                         self.value("attn.k", (h, 0, i), precision=factor_digits), label("=", SMALL, style.MUTED),
                         self.value("attn.qk", (h, t, 0, i)))
            row.arrange(RIGHT, buff=0.14).move_to([text_left, self.q_cells.cell(i).get_y(), 0], aligned_edge=LEFT)
            relation = Relation("product", row[4], [row[0], row[2]], name="q × k")
            if relation.approx:
                row[3].become(label("≈", SMALL, style.MUTED).move_to(row[3]))
            self.relations.append(relation.mark(row[1], row[3]))
            return row
        self.product_rows = [product(i) for i in range(self.slow)]
        # the raw sum with the digits "x 1/√A = score" needs to hold as shown
        raw, scores = self.data("attn.qk_sum")[h, t], self.data("attn.scores")[h, t]
        scale = 1 / np.sqrt(A)
        raw_digits = first_precision((2, 3, 4), lambda p: all(holds_as_shown(
            "scale", shown(scores[s], 2), 2, [shown(raw[s], p)], [scale]) for s in range(T)))
        self.raw_sums, self.scaled = [], []
        for s in range(T):
            raw_sum = VGroup(label("Σ =", SMALL), self.value("attn.qk_sum", (h, t, s), precision=raw_digits))
            score = self.value("attn.scores", (h, t, s))
            relation = Relation("scale", score, [raw_sum[1]], [scale], name="Σ × 1/√A")
            scaled = VGroup(label(f"× 1/√{A} {relation.sign}", SMALL), score)
            self.relations.append(relation.mark(scaled[0]))
            raw_sum.arrange(RIGHT, buff=0.14).move_to([text_left, mid - 0.15, 0], aligned_edge=LEFT)
            scaled.arrange(RIGHT, buff=0.14).move_to([text_left, mid - 0.75, 0], aligned_edge=LEFT)
            self.raw_sums.append(raw_sum)
            self.scaled.append(scaled)
        self.work_scores = [row[1] for row in self.scaled]

    def build_softmax(self) -> None:
        """The focus row s and the steps of softmax, one row each under the matrix: s, s - max,
        exp, ÷ Σ; each row with the digits its equations need (chain_digits)."""
        h, t, T, g = self.h, self.tf, self.T, self.grid
        left, right = g.get_left()[0], g.get_right()[0] + 0.12
        below = g.get_bottom()[1] - 0.2
        grids = [GridFrame(1, T, style.ATTN_CELL_W, style.ATTN_ROW_H).move_to(
            [left, below - i * style.ATTN_ROW_PITCH, 0], aligned_edge=LEFT + UP) for i in range(4)]
        self.s_grid, self.shift_grid, self.exp_grid, self.prob_grid = grids
        digits = self.chain_digits()
        ds, dd, de, dsum = digits
        at = lambda grid: lambda s, mob: mob.move_to(grid.cell_center(0, s))
        row = lambda part, grid, precision, **kw: VGroup(*[
            at(grid)(s, self.value(part, (h, t, s), font_size=TINY,
                                   precision=precision(float(self.data(part)[h, t, s])), **kw)) for s in range(T)])
        self.s_row = row("attn.scores", self.s_grid, lambda v: ds)
        self.shifted = row("attn.shifted", self.shift_grid, lambda v: dd)
        self.exps_plain = row("attn.exp_plain", self.exp_grid, lambda v: decimals(v, de))
        self.exps = row("attn.exp", self.exp_grid, lambda v: decimals(v, de))
        self.probs = row("attn.probs", self.prob_grid, lambda v: PROB_DIGITS)
        name = lambda text, grid, color=style.MUTED: label(text, SMALL, color).next_to(grid, LEFT, buff=0.2)
        self.s_name = name("s", self.s_grid, style.INK)
        self.shift_name = name("s − max", self.shift_grid)
        self.exp_name = name("exp(s)", self.exp_grid)
        self.exp_name_max = name("exp(s − max)", self.exp_grid)
        self.div_name = name("÷ Σ", self.prob_grid)
        self.softmax_name = name("softmax", self.prob_grid, style.HIGHLIGHT)
        side = lambda group, grid: group.arrange(RIGHT, buff=0.08).move_to([right, grid.get_y(), 0], aligned_edge=LEFT)
        self.row_max = side(VGroup(label(self.words["max"] + " =", SMALL, style.MUTED),
                                   self.value("attn.scores_max", (h, t), font_size=TINY, precision=ds)), self.s_grid)
        sum_value = lambda part: self.value(part, (h, t), font_size=TINY,
                                            precision=decimals(float(self.data(part)[h, t]), dsum))
        plain_sum, shifted_sum = sum_value("attn.exp_plain_sum"), sum_value("attn.exp_sum")
        # the equations of the rows; a cell whose numbers cannot hold as shown is marked ≈
        rel = self.relations.append
        maximum = self.row_max[1]
        self.approx = {key: VGroup() for key in ("shifted", "exps_plain", "exps", "probs_plain", "probs")}
        for s in range(T):
            for key, relation in (
                    ("shifted", Relation("difference", self.shifted[s], [self.s_row[s], maximum], name="s − max")),
                    ("exps_plain", Relation("exp", self.exps_plain[s], [self.s_row[s]], name="exp(s)")),
                    ("exps", Relation("exp", self.exps[s], [self.shifted[s]], name="exp(s − max)")),
                    ("probs_plain", Relation("divide", self.probs[s], [self.exps_plain[s], plain_sum], name="exp(s) ÷ Σ")),
                    ("probs", Relation("divide", self.probs[s], [self.exps[s], shifted_sum], name="exp(s − max) ÷ Σ"))):
                marks = [{"shifted": self.shift_name, "exps_plain": self.exp_name, "exps": self.exp_name_max,
                          "probs_plain": self.div_name, "probs": self.div_name}[key]]
                if relation.approx:   # "≈" right before the number
                    sign = label("≈", TINY, style.MUTED).next_to(relation.result, LEFT, buff=0.03)
                    self.approx[key].add(sign)
                    marks.append(sign)
                rel(relation.mark(*marks))
        self.exp_sum_plain = side(VGroup(label("Σ", SMALL, style.MUTED), plain_sum), self.exp_grid)
        self.exp_sum = side(VGroup(label("Σ", SMALL, style.MUTED), shifted_sum), self.exp_grid)
        for total, items, name_ in ((self.exp_sum_plain, self.exps_plain, "Σ exp(s)"), (self.exp_sum, self.exps, "Σ exp(s − max)")):
            relation = Relation("sum", total[1], list(items), name=name_)
            if relation.approx:
                total[0].become(label("Σ ≈", SMALL, style.MUTED).move_to(total[0], aligned_edge=LEFT))
                total.arrange(RIGHT, buff=0.08).move_to([right, total.get_y(), 0], aligned_edge=LEFT)
            rel(relation.mark(total[0]))
        one = Relation("sum", Exact(1, PROB_DIGITS), list(self.probs), name="Σ softmax = 1")
        self.sum_one = label(f"Σ {one.sign} 1", SMALL, style.MUTED)
        self.sum_one.move_to([right, self.prob_grid.get_y(), 0], aligned_edge=LEFT)
        rel(one.mark(self.sum_one))

    def chain_digits(self):
        """The softmax rows' digits (s, s - max, exp, Σ): the first of CHAIN_DIGITS with which every
        equation holds as shown, else the one with the fewest that do not (marked ≈)."""
        h, t = self.h, self.tf
        arrays = [self.data(p)[h, t] for p in ("attn.scores", "attn.scores_max", "attn.shifted", "attn.exp_plain",
                                               "attn.exp", "attn.exp_plain_sum", "attn.exp_sum", "attn.probs")]
        failures = [chain_failures(d, *arrays) for d in CHAIN_DIGITS]
        return CHAIN_DIGITS[int(np.argmin(failures))]   # the first with the fewest (argmin keeps order)

    def build_values(self) -> None:
        h, t, g = self.h, self.tf, self.grid
        heads = self.data("attn.heads")[h]                     # [T, A]
        v = self.data("attn.v")[h].T                           # [A, T]
        probs = self.data("attn.probs")[h, t]
        # in the weighted sum the softmax row moves up to where s was, the values under it
        self.prob_up = self.s_grid.get_center() - self.prob_grid.get_center()
        top = self.s_grid.get_bottom()[1] - 0.2
        place = lambda img: img.move_to([g.column_x(0) - 0.12, top, 0], aligned_edge=LEFT + UP)
        self.v_cols = place(SpacedColumns(v, style.ATTN_CELL_W, 0.24, 0.1, scale=self.qkv_scale))
        # each value vector as strong as its weight in the sum (the strongest at full colour)
        self.v_weighted = place(SpacedColumns(v, style.ATTN_CELL_W, 0.24, 0.1, scale=self.qkv_scale,
                                              shares=0.15 + 0.85 * probs / probs.max()))
        self.v_name = label(self.words["value"], SMALL, style.MUTED).next_to(self.v_cols, LEFT, buff=0.3)
        self.out_scale = style.robust_scale(heads)
        self.out_cells = Cells(heads[t], cell=0.085, gap=0.015, scale=self.out_scale)
        self.out_cells.move_to([5.85, top, 0], aligned_edge=UP)
        self.out_eq = label("=", SMALL, style.MUTED).move_to([self.lane_x + 0.05, self.out_cells.get_y(), 0])
        self.out_name = label(self.words["new"], TINY, style.HIGHLIGHT).next_to(self.out_cells, DOWN, buff=0.08)
        self.out_name.shift(LEFT * max(0.0, self.out_name.get_right()[0] - TITLE_SAFE))
        self.out_full = block(heads.T, 0.12, 0.1, scale=self.out_scale)
        self.out_full.move_to(self.out_cells.get_corner(UP + RIGHT), aligned_edge=UP + RIGHT)
        self.pattern = block(masked(self.data("attn.probs")[h], self.data("attn.scores")[h]), style.ATTN_CELL_W,
                             style.ATTN_CELL_H, scale=1.0).move_to(g)

    # ---- act III: every head, concatenated, projected, added back -----------------------------------

    def build_heads(self) -> None:
        probs, scores, heads = self.data("attn.probs"), self.data("attn.scores"), self.data("attn.heads")
        tokens = self.trace["tokens"]
        cell, pitch = style.ATTN_HEAD_CELL, style.ATTN_HEAD_PITCH
        self.mats, self.head_outs, self.head_labels, self.mat_chips = Group(), Group(), VGroup(), VGroup()
        self.mat_queries = VGroup()
        for n in range(self.H):
            x = (n - (self.H - 1) / 2) * pitch + style.ATTN_HEADS_X
            mat = block(masked(probs[n], scores[n]), cell, cell, scale=1.0).move_to([x, style.ATTN_HEADS_TOP, 0],
                                                                                   aligned_edge=UP)
            out = block(heads[n].T, *style.ATTN_HEAD_OUT_CELL, scale=self.out_scale).next_to(mat, DOWN, buff=0.35)
            color = style.ATTN_COLOR if n == self.h else style.MUTED
            self.mats.add(mat), self.head_outs.add(out)
            # keys above the columns, queries left of the rows (row r: what query r attends to)
            self.mat_chips.add(VGroup(*[TokenChip(tok, size=0.28, font_size=TINY).next_to(mat.cell_rect(0, s), UP, buff=0.06)
                                        for s, tok in enumerate(tokens)]))
            self.mat_queries.add(VGroup(*[TokenChip(tok, size=0.28, font_size=TINY).next_to(mat.cell_rect(r, 0), LEFT, buff=0.06)
                                          for r, tok in enumerate(tokens)]))
            self.head_labels.add(label(self.words["head"].format(n=n + 1), SMALL, color)
                                 .next_to(self.mat_chips[-1], UP, buff=0.1))
        self.outs_name = label(self.words["heads"], TINY, style.MUTED).next_to(self.head_outs[0], LEFT, buff=0.2)
        title_safe(self.outs_name)
        row = style.ATTN_III_ROW
        self.concat_tops = [style.ATTN_III_TOP - n * self.A * row for n in range(self.H)]
        left, right = style.ATTN_X_LEFT, style.ATTN_X_LEFT + self.T * 0.16
        self.head_seams = VGroup(*[Line([left - 0.08, y, 0], [right + 0.08, y, 0], color=style.ATTN_COLOR, stroke_width=2.5)
                                   for y in self.concat_tops[1:]]).set_z_index(FRONT - 1)

    def build_output(self) -> None:
        C, T, row = self.C, self.T, style.ATTN_III_ROW
        concat = self.data("attn.concat").T                           # [C, T]
        at = lambda mob, x: mob.move_to([x, style.ATTN_III_TOP, 0], aligned_edge=LEFT + UP)
        self.concat = at(block(concat, 0.16, row, scale=self.out_scale), style.ATTN_X_LEFT)
        # W_proj (C x C) as a slice of its first rows; the row shown is the one with the largest output
        proj = self.data("attn.proj")[self.tf]
        n_rows = style.ATTN_PROJ_ROWS
        self.chan = int(np.argmax(np.abs(proj[:n_rows])))
        W, b = self.weight("attn.c_proj.weight"), self.weight("attn.c_proj.bias")
        self.W_proj = RowSlice(W, 0, n_rows - 1, style.ATTN_PROJ_W, style.ATTN_PROJ_ROW_H, self.words["more_rows"],
                               shape=f"W_proj: C × C = {C} × {C}")
        self.W_proj.move_to([-4.9, 1.75, 0], aligned_edge=LEFT + UP)
        self.b_proj = block(b[:n_rows], 0.26, style.ATTN_PROJ_ROW_H, kind="weight", scale=style.robust_scale(b))
        self.b_proj.next_to(self.W_proj.strip, RIGHT, buff=0.15)
        x_in = self.trace["x"] if LAYER == 0 else self.trace[f"h.{LAYER - 1}.out"]
        stream = [self.data("attn.proj").T, x_in.T, self.data("resid_1").T]
        scale = style.robust_scale(np.concatenate(stream))
        self.proj, self.x_res, self.resid = (block(a, 0.16, row, scale=scale) for a in stream)
        to_proj, between = style.ATTN_STREAM_GAPS
        xs = [self.b_proj.get_right()[0] + to_proj, 0, 0]
        xs[1] = xs[0] + T * 0.16 + between
        xs[2] = xs[1] + T * 0.16 + between
        for mob, x in zip((self.proj, self.x_res, self.resid), xs):
            at(mob, x)
        # where the projection will stand, until it does
        self.proj_slot = DashedVMobject(Rectangle(width=self.proj.width, height=self.proj.height, color=style.EDGE,
                                                  stroke_width=1.5), num_dashes=40).move_to(self.proj)
        mid = self.proj.get_y()
        self.proj_eq = label("=", style.SIZE_LABEL).move_to([(self.b_proj.get_right()[0] + xs[0]) / 2, self.W_proj.strip.get_y(), 0])
        self.plus = PlusSign(0.22, color=style.INK).move_to([(self.proj.get_right()[0] + xs[1]) / 2, mid, 0])
        self.res_eq = label("=", style.SIZE_LABEL).move_to([(self.x_res.get_right()[0] + xs[2]) / 2, mid, 0])
        below = lambda text, mob: label(text, TINY, style.MUTED).next_to(mob, DOWN, buff=0.12)
        self.concat_name = below(self.words["concat"], self.concat)
        self.b_name = label("b", TINY, style.MUTED).next_to(self.b_proj, UP, buff=0.08).align_to(self.b_proj, LEFT)
        self.bias_note = label(self.words["bias"] + " b", SMALL, style.HIGHLIGHT).move_to(self.b_name, aligned_edge=LEFT)
        self.proj_names = VGroup(self.b_name, below(self.words["proj"], self.proj))
        self.x_name = below(self.words["x"], self.x_res)
        self.resid_name = below(self.words["resid"], self.resid)
        self.c_dims = VGroup(DimLabel(f"C = {C}").next_to(self.concat_name, DOWN, buff=0.08),
                             DimLabel(f"C = {C}").next_to(self.x_name, DOWN, buff=0.08))
        self.length_note = label(f"{self.H} × {self.A} = {C}", SMALL).next_to(self.c_dims[0], DOWN, buff=0.08)
        title_safe(self.length_note)
        self.cat_col = block(concat[:, self.tf], 0.16, row, scale=self.out_scale)
        self.cat_col.move_to(self.concat.cell_rect(0, self.tf, C - 1, self.tf))
        self.cat_flat = lay_flat(self.cat_col, self.W_proj.strip, buff=0.05)
        self.build_same_length(concat[:, self.tf], x_in[self.tf], scale)
        # the small model map, top left over W_proj, with this layer's attention framed: we are here
        self.map_small = BlockDiagram(self.context.words("model"), font_size=self.words["small_map_font"])
        self.map_small.move_to([self.W_proj.strip.get_left()[0], 3.5, 0], aligned_edge=LEFT + UP)
        self.here = highlight_box(self.map_small.attention, color=style.ATTN_COLOR, buff=0.05, stroke_width=2.5)

    def build_same_length(self, cat: np.ndarray, x: np.ndarray, x_scale: float) -> None:
        """The focus position's concatenated vector over its input vector, both laid flat at one
        cell width: the heads' three parts (seams between them) and x run the same length."""
        left, right = self.W_proj.strip.get_left()[0], self.x_res.get_left()[0] - style.ATTN_FLAT_GAP
        cell = (right - left) / self.C
        flats = [block(v[None, :], cell, style.ATTN_FLAT_H, scale=s).move_to([left, y, 0], aligned_edge=LEFT)
                 for v, s, y in zip((cat, x), (self.out_scale, x_scale), style.ATTN_FLAT_YS)]
        self.cat_line, self.x_line = flats
        top, bottom = self.cat_line.get_top()[1], self.cat_line.get_bottom()[1]
        seams = VGroup(*[Line([left + n * self.A * cell, bottom - 0.06, 0], [left + n * self.A * cell, top + 0.06, 0],
                              color=style.ATTN_COLOR, stroke_width=2.5) for n in range(1, self.H)])
        names = [label(self.words[key], TINY, style.MUTED).next_to(line, DOWN, buff=0.08).align_to(line, LEFT)
                 for key, line in (("concat", self.cat_line), ("x", self.x_line))]
        self.flat_lines = Group(self.cat_line, seams, self.x_line, *names)

    # ---- helpers ---------------------------------------------------------------------------------------

    def col_frame(self, heat, t: int, **kwargs):
        return as_frame(column_rect(heat, t, **kwargs))

    @staticmethod
    def swap(old, new) -> list:
        """Numbers change by cross-fade in place, never by morphing glyphs into each other."""
        return [FadeOut(old), FadeIn(new)]

    def slide(self, pairs, seconds: float, via=lambda start, end: [], lag: float = 0.1) -> None:
        """Numbers slide, then fade: a copy of each source slides to its target (through the
        points `via(start, end)` gives: a lane clear of labels), then gives way to the target."""
        ghosts = [source.copy() for source, _ in pairs]
        paths = [VMobject().set_points_as_corners([source.get_center(), *via(source.get_center(), target.get_center()),
                                                   target.get_center()]) for (source, target) in pairs]
        self.add(*ghosts)
        self.play(LaggedStart(*[MoveAlongPath(g, p) for g, p in zip(ghosts, paths)], lag_ratio=lag), run_time=seconds * 0.75)
        self.play(*[FadeOut(g) for g in ghosts], *[FadeIn(target) for _, target in pairs], run_time=seconds * 0.25)

    def up_the_lane(self, start, end) -> list:
        """From the dot product to its cell of the matrix: down off its own label, right to the
        lane beside the grid, up it, then left along the focus row (its later cells still empty)."""
        low = start[1] - 0.3
        return [[start[0], low, 0], [self.lane_x, low, 0], [self.lane_x, end[1], 0]]

    def clear_stage(self, keep, share: float) -> None:
        """Fade everything but `keep` away: a background-coloured curtain drops over the
        stage (one shape to animate instead of every image), then what it hid is removed.
        The dock stays: it is the chapter's "you are here" to its end."""
        keep = [*keep, *([self.dock] if self.dock is not None and self.dock in self.mobjects else [])]
        curtain = Rectangle(width=style.FRAME_W - 0.02, height=style.FRAME_H / 2 - style.CAPTION_TOP,
                            stroke_width=0, fill_color=style.BACKGROUND, fill_opacity=0)
        curtain.move_to([0, style.CAPTION_TOP, 0], aligned_edge=DOWN).set_z_index(FRONT + 1)
        for mob in keep:
            mob.set_z_index(FRONT + 2)
        self.play(curtain.animate.set_fill(opacity=1), *[Animation(mob) for mob in keep], run_time=self.t(share))
        self.remove(*[m for m in self.mobjects if m is not self.captions and m not in keep])
        for mob in keep:
            mob.set_z_index(0)

    def clean_turn(self, flat) -> None:
        """After turn_onto: keep exactly one flat copy on screen."""
        self.remove(*[m for m in self.mobjects if type(m) is type(flat) and m is not flat
                      and np.allclose(m.get_center(), flat.get_center())])
        self.add(flat)

    # ---- beats: act I ----------------------------------------------------------------------------------

    @beat("attention.apply")
    def apply(self):
        self.play(FadeIn(self.map), FadeIn(self.x_in), FadeIn(self.x_chips), FadeIn(self.x_pos), FadeIn(self.x_dims),
                  run_time=self.t(0.3))
        self.highlight(self.frame_around(self.map.attention), 0.25)

    @beat("attention.mixing")
    def mixing(self):
        self.play(FadeIn(self.seq, shift=UP * 0.2), run_time=self.t(0.15))
        self.play(LaggedStart(*[Create(a) for a in self.arcs], lag_ratio=0.1), run_time=self.t(0.35))
        self.at_share(self.cue_share(1), room=0.2, calm=CALM)
        alone = VGroup(*[highlight_box(chip, color=style.MUTED, buff=0.08, stroke_width=2) for chip in self.seq],
                       *[column_rect(self.x_in, t, color=style.MUTED, stroke_width=2) for t in range(self.T)])
        self.play(*self.dim(self.arcs, opacity=0.15), FadeIn(alone), run_time=self.t(0.2))
        self.alone = alone

    @beat("attention.one-head")
    def one_head(self):
        self.play(self.unhighlight(), FadeOut(self.map), FadeOut(self.seq), FadeOut(self.arcs), FadeOut(self.alone),
                  LaggedStart(*[FadeIn(c) for c in self.cards], lag_ratio=0.3), run_time=self.t(0.3))
        focus = self.cards[self.h]
        # the dock's cursor steps onto the head we follow: "Transformer 1 · head 2"
        here = self.you_are_here("attention", LAYER, head=self.h) if self.dock is not None else []
        self.play(*here, *[FadeOut(c) for n, c in enumerate(self.cards) if n != self.h],
                  ReplacementTransform(focus.box, self.head_frame), ReplacementTransform(focus.title, self.head_tag),
                  FadeIn(Group(*self.W, *self.B)), FadeIn(self.w_names), FadeIn(self.b_names), FadeIn(self.layer_tag),
                  run_time=self.t(0.35))

    @beat("attention.qkv")
    def qkv(self):
        self.play(LaggedStart(*[FadeIn(v) for v in self.QKV], lag_ratio=0.35), FadeIn(self.qkv_names),
                  run_time=self.t(0.25))
        for i in range(3):   # name each as the caption does: query, key, value
            self.at_share(0.38 + 0.13 * i, calm=CALM)
            self.highlight(self.frame_around(Group(self.QKV[i], self.qkv_names[i])), 0.07)
        self.play(FadeIn(self.a_dim), run_time=self.t(0.06))

    @beat("attention.matvec")
    def matvec(self):
        self.highlight(self.col_frame(self.x_in, self.tf), 0.12)
        self.play(turn_onto(self.x_col, self.x_flat), run_time=self.t(0.25))
        self.clean_turn(self.x_flat)
        # one row of Wq times x (plus its bias) gives one entry of q: row by row, a sweep
        W, q, t = self.W[0], self.QKV[0], self.tf
        shown_rows = style.ATTN_SLICE_ROWS
        step = lambda i: VGroup(as_frame(W.row_rect(i)), as_frame(self.B[0].cell_rect(i, 0)), as_frame(q.cell_rect(i, t)))
        self.highlight(step(0), 0.1, FadeIn(self.matvec_formula))
        for i in range(1, shown_rows):
            self.highlight(step(i), 0.06)
        # ... and the rows not drawn, the same way
        self.highlight(VGroup(self.frame_around(W.below, buff=0.04), as_frame(q.cell_rect(shown_rows, t, self.A - 1, t))), 0.12)
        self.highlight(self.col_frame(q, t), 0.12)

    # ---- beats: act II ---------------------------------------------------------------------------------

    @beat("attention.query")
    def query(self):
        gone = [self.x_flat, self.matvec_formula, self.x_in, self.x_chips, self.x_pos, self.x_dims, *self.W, *self.B,
                self.w_names, self.b_names, self.layer_tag]
        self.play(self.unhighlight(), *[FadeOut(m) for m in gone],
                  *[m.animate.shift(self.dock_shift) for m in (*self.QKV, self.qkv_names, self.a_dim)],
                  Transform(self.head_frame, self.dock_frame), self.head_tag.animate.move_to(self.dock_tag),
                  run_time=self.t(0.25))
        self.play(FadeIn(self.grid), FadeIn(self.query_chips), FadeIn(self.query_pos), FadeIn(self.key_chips),
                  FadeIn(self.key_axis), run_time=self.t(0.2))
        self.q_hl = self.frame_around(self.q_cells)
        self.highlight(VGroup(self.col_frame(self.QKV[0], self.tf), self.frame_around(self.query_chips[self.tf])), 0.25,
                       FadeIn(self.q_cells, shift=RIGHT * 0.3), FadeIn(self.q_name), FadeIn(self.q_hl))

    @beat("attention.purpose")
    def purpose(self):
        self.highlight(VGroup(self.frame_around(self.QKV[1]), self.frame_around(self.key_chips)), 0.25)
        self.row_hl = self.grid.row_rect(self.tf).set_z_index(FRONT)
        self.play(Create(self.row_hl), run_time=self.t(0.25))

    @beat("attention.dot-product")
    def dot_product(self):
        self.key_hl = self.frame_around(self.key_chips[0])
        self.highlight(self.col_frame(self.QKV[1], 0), 0.1, FadeIn(self.key_hl),
                       FadeIn(self.k_cells[0], shift=RIGHT * 0.3), FadeIn(self.k_name), FadeIn(self.times),
                       FadeIn(self.equals))
        q, k, p, rows = self.q_cells, self.k_cells[0], self.p_cells[0], self.product_rows
        pair = as_frame(highlight_box(VGroup(q.cell(0), k.cell(0)), buff=0.03, stroke_width=2.5))
        self.play(Create(pair), FadeIn(p.cell(0)), FadeIn(rows[0]), run_time=self.t(0.05))
        for i in range(1, self.slow):   # each product with its numbers
            self.play(pair.animate.move_to(VGroup(q.cell(i), k.cell(i))), FadeIn(p.cell(i)), *self.swap(rows[i - 1], rows[i]),
                      run_time=self.t(0.05))
        last = as_frame(highlight_box(VGroup(q.cell(self.A - 1), k.cell(self.A - 1)), buff=0.03, stroke_width=2.5))
        self.play(Transform(pair, last), LaggedStart(*[FadeIn(p.cell(i)) for i in range(self.slow, self.A)], lag_ratio=0.3),
                  FadeOut(rows[self.slow - 1]), run_time=self.t(0.12))
        self.remove(*p.submobjects)
        self.add(p)
        self.play(FadeOut(pair), FadeIn(self.raw_sums[0]), run_time=self.t(0.08))      # ... then add up
        self.at_share(max(self.cue_share(1) - 0.02, 0.0), room=0.22, calm=CALM)
        self.highlight(self.frame_around(self.scaled[0]), 0.1, FadeIn(self.scaled[0]))   # scale by 1/√A
        self.slide([(self.work_scores[0], self.scores[0])], self.t(0.12), via=self.up_the_lane)

    @beat("attention.scores")
    def score_rest(self):
        self.play(self.unhighlight(), run_time=self.t(0.05))
        self.highlighted = self.col_frame(self.QKV[1], 0)
        self.add(self.highlighted)
        for s in range(1, self.T):   # the next key: its cells, products, sum and score, then into the matrix
            self.play(Transform(self.k_cells[0], self.k_cells[s]), Transform(self.p_cells[0], self.p_cells[s]),
                      self.highlighted.animate.become(self.col_frame(self.QKV[1], s)),
                      self.key_hl.animate.move_to(self.key_chips[s]),
                      *self.swap(self.raw_sums[s - 1], self.raw_sums[s]), *self.swap(self.scaled[s - 1], self.scaled[s]),
                      run_time=self.t(0.05))
            self.slide([(self.work_scores[s], self.scores[s])], self.t(0.08), via=self.up_the_lane)
        self.play(FadeOut(self.key_hl), self.unhighlight(), run_time=self.t(0.08))

    @beat("attention.causal")
    def causal(self):
        self.play(FadeIn(self.mask_shade), FadeIn(self.query_axis), run_time=self.t(0.2))
        self.play(LaggedStart(*[FadeIn(m) for m in self.mask_labels], lag_ratio=0.05), run_time=self.t(0.25))
        self.at_share(self.cue_share(1), room=0.2, calm=CALM)
        # a row the mask really acts on: its later keys are -inf, only past and present count
        self.highlight(as_frame(self.grid.row_rect(self.rm)), 0.2, FadeIn(self.masked_row))

    @beat("attention.softmax-row")
    def softmax_row(self):
        work = VGroup(self.q_cells, self.k_cells[0], self.p_cells[0], self.times, self.equals, self.q_name,
                      self.k_name, self.raw_sums[-1], self.scaled[-1], self.q_hl, self.masked_row)
        self.play(FadeOut(work), self.unhighlight(), FadeIn(self.s_grid), FadeIn(self.s_name), run_time=self.t(0.15))
        # the focus row slides down out of the matrix, with the digits the steps below need
        self.slide(list(zip(self.scores, self.s_row)), self.t(0.2), lag=0.08)
        self.play(FadeIn(self.prob_grid), FadeIn(self.sum_one), run_time=self.t(0.12))
        self.at_share(self.cue_share(1), room=0.15, calm=CALM)
        self.highlight(self.frame_around(self.prob_grid), 0.12, FadeIn(self.softmax_name))

    @beat("attention.softmax-share")
    def softmax_share(self):
        self.play(LaggedStart(*[FadeIn(p) for p in self.probs], lag_ratio=0.15), run_time=self.t(0.3))
        best = int(np.argmax(self.data("attn.probs")[self.h, self.tf]))
        self.highlight(VGroup(as_frame(self.s_grid.rect(0, best)), as_frame(self.prob_grid.rect(0, best))), 0.2)

    @beat("attention.softmax-how")
    def softmax_how(self):
        """exp of each score, their sum, and each divided by it: the row s, as shown."""
        self.play(self.unhighlight(), FadeIn(self.exp_grid), FadeIn(self.exp_name), run_time=self.t(0.1))
        self.slide(list(zip(self.s_row, self.exps_plain)), self.t(0.25), lag=0.12)
        self.play(FadeIn(self.approx["exps_plain"]), run_time=self.t(0.04))
        self.at_word("divide", 0.45, room=0.3)
        self.highlight(self.frame_around(VGroup(self.exp_grid, self.exp_sum_plain)), 0.15, FadeIn(self.exp_sum_plain))
        self.highlight(VGroup(self.frame_around(self.exp_sum_plain), self.frame_around(self.prob_grid)), 0.15,
                       *self.swap(self.softmax_name, self.div_name), FadeIn(self.approx["probs_plain"]))

    @beat("attention.softmax-max")
    def softmax_max(self):
        """Subtract the row's max first: exp and sum change, the shares do not."""
        best = int(np.argmax(self.data("attn.scores")[self.h, self.tf]))
        self.highlight(VGroup(as_frame(self.s_grid.rect(0, best)), self.frame_around(self.row_max)), 0.15,
                       FadeIn(self.row_max))
        self.play(FadeIn(self.shift_grid), FadeIn(self.shift_name), run_time=self.t(0.06))
        self.slide(list(zip(self.s_row, self.shifted)), self.t(0.16), lag=0.1)
        self.play(FadeIn(self.approx["shifted"]), run_time=self.t(0.03))
        self.highlight(self.frame_around(VGroup(self.exp_grid, self.exp_sum)), 0.2,
                       *self.swap(VGroup(self.exps_plain, self.approx["exps_plain"]), VGroup(self.exps, self.approx["exps"])),
                       *self.swap(self.exp_name, self.exp_name_max), *self.swap(self.exp_sum_plain, self.exp_sum),
                       *self.swap(self.approx["probs_plain"], self.approx["probs"]))
        self.at_share(self.cue_share(1), room=0.15, calm=CALM)
        self.highlight(self.frame_around(VGroup(self.prob_grid, self.sum_one)), 0.15)

    @beat("attention.weighted-sum")
    def weighted_sum(self):
        steps = VGroup(self.s_grid, self.s_row, self.s_name, self.shift_grid, self.shifted, self.shift_name,
                       self.exp_grid, self.exps, self.exp_name_max, self.exp_sum, self.row_max, self.approx["shifted"],
                       self.approx["exps"])
        softmax = VGroup(self.prob_grid, self.probs, self.div_name, self.sum_one, self.approx["probs"])
        self.play(self.unhighlight(), FadeOut(steps), run_time=self.t(0.1))
        self.play(softmax.animate.shift(self.prob_up), run_time=self.t(0.1))          # the softmax row slides up
        self.play(FadeIn(self.v_cols), FadeIn(self.v_name), run_time=self.t(0.1))
        self.highlight(self.frame_around(self.prob_grid), 0.15, FadeOut(self.v_cols), FadeIn(self.v_weighted))
        self.play(FadeIn(self.out_eq), pour([self.v_weighted], self.out_cells), run_time=self.t(0.3))

    @beat("attention.new-vector")
    def new_vector(self):
        self.highlight(self.frame_around(self.out_cells), 0.15, FadeIn(self.out_name))
        self.at_share(self.cue_share(1), room=0.2, calm=CALM)
        self.highlight(VGroup(self.frame_around(self.v_weighted), self.frame_around(self.out_cells)), 0.2)

    @beat("attention.every-query")
    def every_query(self):
        # the pattern of every query replaces the focus row's numbers; the mask's cells stay blank
        self.play(self.unhighlight(), FadeOut(self.out_name), FadeOut(self.scores), FadeOut(self.mask_labels),
                  FadeOut(self.mask_shade), FadeIn(self.pattern), FadeOut(self.v_weighted), FadeIn(self.v_cols),
                  run_time=self.t(0.3))
        self.play(FadeOut(self.out_cells), FadeIn(self.out_full), run_time=self.t(0.25))
        self.highlight(VGroup(self.frame_around(self.pattern), self.frame_around(self.out_full)), 0.15)

    # ---- beats: act III --------------------------------------------------------------------------------

    @beat("attention.other-heads")
    def other_heads(self):
        others = [n for n in range(self.H) if n != self.h]
        self.highlighted = None
        self.clear_stage([self.pattern, self.out_full], 0.12)
        self.play(ReplacementTransform(self.pattern, self.mats[self.h]),
                  ReplacementTransform(self.out_full, self.head_outs[self.h]),
                  FadeIn(self.head_labels[self.h]), FadeIn(self.mat_chips[self.h]), FadeIn(self.mat_queries[self.h]),
                  run_time=self.t(0.2))
        self.play(LaggedStart(*[FadeIn(Group(self.mats[n], self.head_outs[n], self.head_labels[n], self.mat_chips[n],
                                             self.mat_queries[n]))
                                for n in others],
                              lag_ratio=0.4), FadeIn(self.outs_name),
                  *(self.you_are_here("attention", LAYER) if self.dock is not None else []),   # every head now
                  run_time=self.t(0.25))
        self.at_share(self.cue_share(1), room=0.12, calm=CALM)
        self.highlight(VGroup(*[self.frame_around(m) for m in self.mats]), 0.12)

    @beat("attention.unmix")
    def unmix(self):
        """Back to one time step at a time: a frame walks the time steps of every head's output."""
        # the patterns stay in full (a ghosted half of the frame left the outputs alone at 32 %):
        # the frames on the outputs carry the beat
        self.play(self.unhighlight(), run_time=self.t(0.15))
        walk = lambda t: VGroup(*[as_frame(column_rect(out, t, color=style.HIGHLIGHT, stroke_width=2.5))
                                  for out in self.head_outs])
        self.highlight(walk(0), 0.08)
        for t in range(1, self.T):
            self.highlight(walk(t), 0.55 / self.T)
        self.play(self.unhighlight(), run_time=self.t(0.08))

    @beat("attention.concat")
    def join_heads(self):
        height = self.A * style.ATTN_III_ROW
        # copies join: each head's pattern and output stay where they are, so the column's three
        # parts say where they came from (alone at the left edge it spanned 39 % of the width)
        moving = [out.copy() for out in self.head_outs]
        moves = [out.animate.stretch_to_fit_height(height).move_to([self.concat.get_x(), top - height / 2, 0])
                 for out, top in zip(moving, self.concat_tops)]
        self.play(FadeOut(self.outs_name), FadeOut(self.mat_queries), run_time=self.t(0.12))   # room for the column
        self.play(*moves, run_time=self.t(0.25))
        self.remove(*moving)
        self.add(self.concat, self.head_seams)
        self.highlight(self.col_frame(self.concat, self.tf), 0.2, FadeIn(self.concat_name))

    @beat("attention.same-length")
    def same_length(self):
        # the heads give way to the layer drawn out (its residual path) and to the two vectors
        # laid flat, one length
        self.play(self.unhighlight(), FadeOut(self.mats), FadeOut(self.mat_chips),
                  FadeOut(self.head_labels), FadeOut(self.head_outs), FadeIn(self.map_small), FadeIn(self.here),
                  run_time=self.t(0.12))
        self.play(FadeIn(self.x_res), FadeIn(self.x_name), FadeIn(self.c_dims), FadeIn(self.length_note),
                  FadeIn(self.flat_lines), run_time=self.t(0.25))
        self.highlight(VGroup(self.col_frame(self.concat, self.tf), self.col_frame(self.x_res, self.tf),
                              self.frame_around(self.cat_line), self.frame_around(self.x_line)), 0.15)

    @beat("attention.projection")
    def projection(self):
        self.play(self.unhighlight(), FadeOut(self.length_note), FadeOut(self.flat_lines), FadeIn(self.W_proj), FadeIn(self.b_proj),
                  FadeIn(self.b_name), FadeIn(self.proj_eq), FadeIn(self.proj_slot), run_time=self.t(0.15))
        self.play(turn_onto(self.cat_col, self.cat_flat), run_time=self.t(0.2))
        self.clean_turn(self.cat_flat)
        row = self.chan
        self.highlight(VGroup(as_frame(self.W_proj.row_rect(row)), self.frame_around(self.cat_flat, buff=0.03)), 0.12)
        self.at_share(self.cue_share(1), room=0.25, calm=CALM)
        self.highlight(VGroup(as_frame(self.W_proj.row_rect(row)), as_frame(self.b_proj.cell_rect(row, 0)),
                              as_frame(self.proj.cell_rect(row, self.tf))), 0.12,
                       FadeOut(self.proj_slot), FadeIn(self.proj), FadeIn(self.proj_names[1]), FadeOut(self.cat_flat))
        self.highlight(self.col_frame(self.proj, self.tf), 0.1)

    @beat("attention.projection-bias")
    def projection_bias(self):
        # the one bias label says what it is: "b" becomes "bias b" in place
        self.highlight(VGroup(self.frame_around(self.b_proj), self.col_frame(self.proj, self.tf)), 0.2,
                       *self.swap(self.b_name, self.bias_note))
        self.at_share(self.cue_share(1), room=0.15, calm=CALM)
        self.highlight(self.frame_around(self.bias_note), 0.15)

    @beat("attention.residual-common")
    def residual_common(self):
        self.play(self.unhighlight(), *self.swap(self.bias_note, self.b_name), run_time=self.t(0.25))
        self.at_share(self.cue_share(1), room=0.15, calm=CALM)
        self.highlight(self.frame_around(VGroup(self.map_small.backbone_line, self.map_small.joins[0])), 0.15)

    @beat("attention.residual-add")
    def residual_add(self):
        self.play(FadeIn(self.plus), FadeIn(self.res_eq), run_time=self.t(0.15))
        self.highlight(VGroup(self.frame_around(self.proj), self.frame_around(self.x_res), self.frame_around(self.map_small.joins[0])), 0.15)
        self.at_share(self.cue_share(1), room=0.25, calm=CALM)
        self.play(pour([self.proj, self.x_res], self.resid, lag_ratio=0.2), FadeIn(self.resid_name), run_time=self.t(0.25))

    @beat("attention.backbone")
    def backbone(self):
        self.highlight(VGroup(self.frame_around(self.x_res), self.frame_around(self.resid), self.frame_around(self.map_small.backbone)), 0.25)
