"""Displayed maths that holds as displayed.

A Relation is one equation on screen: its result (a ValueLabel) is `op` of its operands, each a
ValueLabel on screen or an exact constant written out (the 0.25 of "× 1/√16"). It *holds* when
the operands, read as shown and computed exactly, round to the result as shown: strictly within
half a unit of its last digit (a tie does not count: a student may round it either way).

    rel = Relation("sum", x_label, [tok_label, pos_label])     # -0.0054 + -0.0191 = -0.0245
    rel.holds, rel.sign                                        # True, "="

A scene chooses its precisions so that its equations hold (`first_precision`: more digits where
fewer do not add up), and where none the layout allows does, it draws `rel.sign` ("≈") instead
of "=" (`approx`). Either way the result stays the Run's value at its precision (the value-label
test). tests/test_equations.py walks every relation a scene shows and computes it again.
"""
from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Callable, Sequence

import numpy as np

APPROX_ULPS = 5   # an "≈" result may be this many units of its last digit off the computed one


def _gelu(x: Decimal) -> Decimal:
    from engine.model import gelu
    return Decimal(repr(float(gelu(np.array([float(x)]))[0])))


def _softmax(logits: Sequence[Decimal], index: Decimal, temperature: Decimal) -> Decimal:
    z = [value / temperature for value in logits]
    top = max(z)
    e = [(value - top).exp() for value in z]
    return e[int(index)] / sum(e)


# op name -> (its operands as Decimals, constants last) -> the exact (or 28-digit) result
OPS: dict[str, Callable[..., Decimal]] = {
    "sum": lambda *xs: sum(xs, Decimal(0)),
    "difference": lambda a, b: a - b,
    "product": lambda a, b: a * b,
    "scale": lambda a, k: a * k,                  # a × an exact constant (1/√A)
    "affine": lambda x, g, b: x * g + b,          # x̂ × γ + β
    "divide": lambda a, b: a / b,
    "exp": lambda a: a.exp(),
    "sqrt_eps": lambda a, eps: (a + eps).sqrt(),  # σ = √(σ² + ε)
    "gelu": _gelu,
    "softmax": lambda *xs: _softmax(xs[:-2], xs[-2], xs[-1]),   # logits..., index, T
}


def shown(value: float, precision: int) -> Decimal:
    """The number a ValueLabel of `value` at `precision` decimals shows, exactly."""
    from .values import ValueLabel
    return Decimal(ValueLabel.format(float(value), precision))


def unit(precision: int) -> Decimal:
    return Decimal(1).scaleb(-precision)


def computes(op: str, operands: Sequence[Decimal], constants: Sequence = ()) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return OPS[op](*operands, *[_decimal(c) for c in constants])


def _decimal(constant) -> Decimal:
    """An exact constant (1/√16 = 0.25, ε = 1e-05, an index) as a Decimal."""
    if isinstance(constant, Decimal):
        return constant
    if isinstance(constant, (int, np.integer)):
        return Decimal(int(constant))
    return Decimal(repr(float(constant)))


def holds_as_shown(op: str, result: Decimal, precision: int, operands: Sequence[Decimal],
                   constants: Sequence = ()) -> bool:
    """Do the shown operands, computed, round to the shown result (ties do not count)?"""
    return abs(computes(op, operands, constants) - result) < unit(precision) / 2


def first_precision(precisions: Sequence, holds_at: Callable[[object], bool]):
    """The first of `precisions` (numbers of decimals, or pairs of them) at which `holds_at(p)`
    is true; else the first (its relations are then drawn with ≈)."""
    return next((p for p in precisions if holds_at(p)), precisions[0])


def rows_add_up(op: str, results, operand_rows, precision: int | tuple[int, int], constants: Sequence = ()) -> bool:
    """Does result[k] = op(operand_rows[0][k], operand_rows[1][k], ...) hold for every k, as
    shown? `precision`: the decimals of every number, or (the results', the operands')
    (e.g. tok_emb + pos_emb = x entry by entry; x̂ × γ + β = out with operands a digit longer)."""
    result_p, operand_p = precision if isinstance(precision, tuple) else (precision, precision)
    return all(holds_as_shown(op, shown(r, result_p), result_p, [shown(row[k], operand_p) for row in operand_rows],
                              constants) for k, r in enumerate(results))


def sign_of(relations) -> str:
    """The sign a row of relations sharing one "=" draws: "≈" if any of them does not hold."""
    return "≈" if any(r.approx for r in relations) else "="


class Exact:
    """A result written as an exact number (the 1 of "Σ = 1"), compared at `precision` decimals."""

    def __init__(self, value: float, precision: int):
        self.value, self.precision = float(value), precision

    @property
    def shown(self) -> str:
        return f"{self.value:.{self.precision}f}"


class Relation:
    """`result` = op(operands, constants) on screen. `sign` is the text the scene draws between
    them ("=" or "≈"): "≈" exactly when the shown operands do not compute to the shown result.
    `marks` are the mobjects that show the relation's sign or formula (the test checks an "≈"
    relation shows an "≈" among them)."""

    def __init__(self, op: str, result, operands: Sequence, constants: Sequence = (), name: str = ""):
        if op not in OPS:
            raise ValueError(f"unknown relation {op!r}; known: {', '.join(OPS)}")
        self.op, self.result, self.operands, self.constants = op, result, list(operands), list(constants)
        self.name = name or op
        self.marks: list = []
        self.approx = not self.holds

    @staticmethod
    def _number(label) -> Decimal:
        return Decimal(label.shown)

    @property
    def computed(self) -> Decimal:
        return computes(self.op, [self._number(o) for o in self.operands], self.constants)

    @property
    def error_units(self) -> Decimal:
        """How far the shown result is from the computed one, in units of its last digit."""
        return abs(self.computed - self._number(self.result)) / unit(self.result.precision)

    @property
    def holds(self) -> bool:
        return self.error_units < Decimal("0.5")

    @property
    def sign(self) -> str:
        return "≈" if self.approx else "="

    def mark(self, *mobjects) -> "Relation":
        """Note the mobjects that draw this relation's sign (returns self, for chaining)."""
        self.marks.extend(mobjects)
        return self

    def labels(self) -> list:
        """The numbers on screen this relation reads (a written-out Exact result is in `marks`)."""
        return [m for m in (self.result, *self.operands) if hasattr(m, "get_family")]

    def describe(self) -> str:
        ops = ", ".join(o.shown for o in self.operands)
        consts = "".join(f", {c}" for c in self.constants)
        return (f"{self.name}: {self.op}({ops}{consts}) = {self.computed:.{self.result.precision + 3}f}, "
                f"shown {self.result.shown}")
