"""No hard cuts between chapters: a scene's last frame is the next scene's first frame.

Every scene is built by test_scenes.build (dry run, animations skipped, a 480x270 frame) with
NanoScene.capture_boundaries on, which keeps the picture at the first frame of the opening and
at the end of the closing (the handoff map, see NanoScene.open_on_map/close_on_map). The
caption band is left out: the caption is the one thing that changes at a boundary.
"""
from __future__ import annotations

import numpy as np
import pytest

from scenes import style
from scenes.registry import SCENE_IDS

from test_scenes import BOUNDARY_FRAMES, build

MAX_MEAN_DIFF = 1.0      # mean |difference| per channel (0..255) above the caption band
MAX_CHANGED = 0.002      # share of pixels that differ by more than 32 (anti-aliasing aside)


def boundary_frames(scene_id: str, input_text: str, lang: str) -> dict:
    """The scene's first/last frames: from test_scenes' builds when it ran first, else built."""
    key = (scene_id, input_text, lang)
    if key not in BOUNDARY_FRAMES:
        build(scene_id, input_text, lang)
    return BOUNDARY_FRAMES[key]


def above_captions(image: np.ndarray) -> np.ndarray:
    rows = int(image.shape[0] * (style.FRAME_H / 2 - style.CAPTION_TOP) / style.FRAME_H)
    return image[:rows].astype(np.int16)


def difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    d = np.abs(above_captions(a) - above_captions(b))
    return float(d.mean()), float((d.max(axis=2) > 32).mean())


# Run after test_scenes (same session) these reuse its builds and cost nothing more.
CASES = [pytest.param(("CBABBC", "zh"), id="CBABBC-zh"), pytest.param(("CABACA", "en"), id="CABACA-en")]
PAIRS = [pytest.param(a, b, id=f"{a}-{b}") for a, b in zip(SCENE_IDS, SCENE_IDS[1:])]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("before,after", PAIRS)
def test_last_frame_is_next_first_frame(before, after, case):
    last = boundary_frames(before, *case).get("last")
    first = boundary_frames(after, *case).get("first")
    assert last is not None, f"{before} does not close on the map"
    assert first is not None, f"{after} does not open on the map"
    mean, changed = difference(last, first)
    assert mean <= MAX_MEAN_DIFF and changed <= MAX_CHANGED, (
        f"{before} -> {after}: the picture jumps (mean difference {mean:.2f}, "
        f"{changed:.2%} of pixels changed)")
