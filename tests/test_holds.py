"""Room to breathe (issue 23 item 5): the narration holds the picture, silent, after the
reveals a viewer must take in, at least MIN_HOLDS times in the video, in every language.

A hold is a `<pause Ns>` marker (docs/narration.md): the viewer gets the usual gap between lines
plus the hold, silent and without a caption. After each reveal of REVEALS that silence is a
0.8-1.5 s hold, the pacing the review asks for (video-2.md, S3 "Few holds")."""
from __future__ import annotations

import pytest

from script.languages import language_codes
from script.narration import load_narration
from script.timeline import PAUSE as LINE_GAP

MIN_HOLDS = 12
SILENCE = (0.8, 1.5)     # seconds of silence after a listed reveal: the gap between lines + its hold
# the reveals the review lists: LN output, the new attention vector, GELU, each residual add, the logits
REVEALS = ("layernorm.scale-shift", "attention.new-vector", "feedforward.gelu", "attention.residual-add",
           "feedforward.residual", "output.logits")


@pytest.mark.parametrize("lang", language_codes())
def test_the_narration_holds_after_every_listed_reveal(lang):
    lines = {line.id: line for line in load_narration(lang).lines()}
    holds = [line.id for line in lines.values() if line.hold > 0]
    assert len(holds) >= MIN_HOLDS, f"{lang}: {len(holds)} holds ({', '.join(holds)}); at least {MIN_HOLDS}"
    for line_id in REVEALS:
        silence = LINE_GAP + lines[line_id].hold
        assert SILENCE[0] <= silence <= SILENCE[1], (
            f"{lang} {line_id}: {silence:.2f} s of silence after the reveal; {SILENCE[0]}-{SILENCE[1]} s "
            f"(<pause {SILENCE[0] - LINE_GAP:.1f}s> to <pause {SILENCE[1] - LINE_GAP:.1f}s>)")
