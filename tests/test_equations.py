"""Displayed maths holds as displayed (issue 23 item 2): every equation a scene shows, read from
the numbers as they are drawn and computed again, rounds to the result as drawn; where it cannot
(an exp of a rounded number, a sum of six rounded terms), the scene draws "≈", never "=".

Each scene lists its equations as Relations (scenes/kit/equations.py); tests/test_scenes.build
notes those whose numbers and signs were all on screen together (NanoScene.audit, after every
play). A scene that shows arithmetic must show the relations named in SHOWN below, so an
equation that stops being registered (or never appears) fails too."""
from __future__ import annotations

from decimal import Decimal

import pytest

from scenes.kit.equations import APPROX_ULPS
from scenes.registry import SCENE_IDS

from test_scenes import CASES, build   # (rootdir-relative: tests/ is on sys.path, as for every test file)

# scene -> the relation names it must show (each relation is checked wherever it appears)
SHOWN = {
    "embedding": {"tok_emb + pos_emb = x"},
    "layernorm": {"σ = √(σ² + ε)", "x̂ × γ + β = out"},
    "attention": {"q × k", "Σ × 1/√A", "s − max", "exp(s)", "exp(s − max)", "Σ exp(s)", "Σ exp(s − max)",
                  "exp(s) ÷ Σ", "exp(s − max) ÷ Σ", "Σ softmax = 1"},
    "feedforward": {"GELU", "resid + proj = out"},
    "output": {"softmax at T = 1"},
}


@pytest.mark.parametrize("case", CASES, ids=lambda case: "-".join(case))
@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_every_displayed_equation_holds_as_displayed(scene_id, case):
    scene = build(scene_id, *case)
    shown = scene.shown_relations
    missing = SHOWN.get(scene_id, set()) - {r.name for r in shown}
    assert not missing, f"{scene_id}: equations never shown whole (numbers and signs on screen together): {missing}"
    wrong = []
    for relation in shown:
        drawn = " ".join(str(getattr(m, "text", "")) for m in relation.marks)
        if relation.holds:
            continue   # (a sign shared with a row that does not hold may read ≈: still true)
        if not relation.approx or "≈" not in drawn:
            wrong.append(f"does not add up as shown: {relation.describe()}")
        elif relation.error_units > APPROX_ULPS:
            wrong.append(f"too far off even for ≈: {relation.describe()}")
    assert not wrong, f"{scene_id} ({'-'.join(case)}):\n" + "\n".join(wrong)


def test_the_check_computes_from_the_shown_digits():
    """The review's example: -0.005 + -0.019 shown as -0.025 does not add up; -0.0054 +
    -0.0191 = -0.0245 does; -7.25 x 1/sqrt(16) = -1.8125 rounds to -1.81."""
    from scenes.kit.equations import holds_as_shown
    assert not holds_as_shown("sum", Decimal("-0.025"), 3, [Decimal("-0.005"), Decimal("-0.019")])
    assert holds_as_shown("sum", Decimal("-0.0245"), 4, [Decimal("-0.0054"), Decimal("-0.0191")])
    assert holds_as_shown("scale", Decimal("-1.81"), 2, [Decimal("-7.25")], [0.25])
    # a tie is no match: 0.5 x 0.25 = 0.125 may be rounded to 0.12 or 0.13
    assert not holds_as_shown("product", Decimal("0.12"), 2, [Decimal("0.5"), Decimal("0.25")])
