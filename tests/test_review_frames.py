"""tools/review_frames.py: its table names real evidence PNGs and real narration lines, and a
moment lands inside its line (in the timeline the render uses)."""
import importlib.util
from pathlib import Path

import pytest

from script.narration import load_narration

TOOL = Path(__file__).resolve().parents[1] / "tools" / "review_frames.py"
spec = importlib.util.spec_from_file_location("review_frames", TOOL)
review_frames = importlib.util.module_from_spec(spec)
spec.loader.exec_module(review_frames)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_moment_names_a_line_of_the_narration(lang):
    ids = set(load_narration(lang).ids())
    for png, (line_id, share) in review_frames.MOMENTS.items():
        assert line_id in ids, f"{png}: no line {line_id!r} in narration.{lang}.txt"
        assert 0.0 <= share <= 1.0, png


@pytest.mark.skipif(not review_frames.REVIEW_DIR.is_dir(), reason="the review's evidence is not here")
def test_every_moment_is_an_evidence_png_and_every_full_frame_has_a_moment():
    pngs = {p.name for p in review_frames.REVIEW_DIR.glob("*.png")}
    assert set(review_frames.MOMENTS) <= pngs
    from PIL import Image
    full = {p for p in pngs if not p.startswith(("crop_", "sheet_", "strip_"))
            and Image.open(review_frames.REVIEW_DIR / p).size == (1920, 1080)}
    assert full <= set(review_frames.MOMENTS), sorted(full - set(review_frames.MOMENTS))


def test_a_moment_falls_inside_its_line():
    from scenes.context import SceneContext
    from script.sections import SCENE_IDS

    timeline = SceneContext.narrated("CABACA", "en", voice="silent").timeline
    times = review_frames.moment_times(timeline, SCENE_IDS)
    for png, (line_id, _) in review_frames.MOMENTS.items():
        line = timeline.line(line_id)
        start = timeline.section_start(line.section) + line.start
        assert start <= times[png] < start + line.duration, png
    partial = review_frames.moment_times(timeline, ("output",))
    assert set(partial) == {png for png, (line_id, _) in review_frames.MOMENTS.items() if line_id.startswith("output.")}
    assert min(partial.values()) < timeline.section_duration("output")
