"""ModelDiagram: every named part exists, is where the model order says, and fits a scene."""
from __future__ import annotations

import pytest
from manim import tempconfig

from scenes import style
from scenes.kit import PARTS, ModelDiagram
from script.languages import words

TOKENS = [2, 1, 0, 1, 1, 2]


@pytest.fixture(scope="module", params=["zh", "en"])
def diagram(request, tmp_path_factory):
    with tempconfig({"media_dir": str(tmp_path_factory.mktemp("manim"))}):  # Manim's text cache
        return ModelDiagram(TOKENS, words=words(request.param, "model"), probs=[0.5, 0.3, 0.2])


def test_parts_run_top_to_bottom_in_model_order(diagram):
    order = [diagram.part("tokens"), diagram.part("embedding")]
    for layer in range(3):
        order += [diagram.part("ln_1", layer), diagram.part("attention", layer),
                  diagram.part("ln_2", layer), diagram.part("feedforward", layer)]
    order += [diagram.part("ln_f"), diagram.part("lm_head")]
    ys = [m.get_y() for m in order]
    assert all(a >= b - 1e-6 for a, b in zip(ys, ys[1:])), ys


def test_every_part_resolves_and_bad_names_say_what_is_allowed(diagram):
    for name in PARTS:
        layer = 1 if name in ("block", "ln_1", "attention", "ln_2", "feedforward") else None
        assert diagram.part(name, layer).get_family()
        assert diagram.highlight(name, layer).width > 0
    assert diagram.part("mlp", 0) is diagram.part("feedforward", 0)
    with pytest.raises(KeyError, match="known"):
        diagram.part("decoder")
    with pytest.raises(KeyError, match="layer"):
        diagram.part("attention", 3)


def test_fits_the_stage_above_the_captions(diagram):
    assert diagram.height <= style.STAGE_TOP - style.STAGE_BOTTOM
    assert diagram.width <= style.FRAME_W / 2  # at most half the frame: room for data beside it (en: 6.47)
