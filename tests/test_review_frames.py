"""tools/review_frames.py: its tables name real evidence PNGs and real narration lines, a moment
lands inside its line (in the timeline the render uses), and every chapter boundary is found."""
import importlib.util
from pathlib import Path

import pytest

from script.narration import load_narration

TOOL = Path(__file__).resolve().parents[1] / "tools" / "review_frames.py"
spec = importlib.util.spec_from_file_location("review_frames", TOOL)
review_frames = importlib.util.module_from_spec(spec)
spec.loader.exec_module(review_frames)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("review", sorted(review_frames.REVIEW_MOMENTS))
def test_every_moment_names_a_line_of_the_narration(lang, review):
    ids = set(load_narration(lang).ids())
    for png, (line_id, share) in review_frames.REVIEW_MOMENTS[review].items():
        assert line_id in ids, f"{review}/{png}: no line {line_id!r} in narration.{lang}.txt"
        assert 0.0 <= share <= 1.0, png


# the evidence of a review that shows no moment of the picture: the audio, the caption timing, the thumbnail
NOT_A_MOMENT = ("audio_", "thumb_", "strip_captions", "sheet_")


@pytest.mark.parametrize("review", sorted(review_frames.REVIEW_MOMENTS))
def test_every_moment_is_an_evidence_png_and_every_cited_frame_has_a_moment(review):
    folder = review_frames.REVIEWS_DIR / review
    if not folder.is_dir():
        pytest.skip(f"the review's evidence is not here ({folder})")
    pngs = {p.name for p in folder.glob("*.png")}
    moments = review_frames.REVIEW_MOMENTS[review]
    assert set(moments) <= pngs
    if review == "video-1":   # its crops were not all of one moment: only the full frames count
        from PIL import Image
        cited = {p for p in pngs if not p.startswith(("crop_", "sheet_", "strip_"))
                 and Image.open(folder / p).size == (1920, 1080)}
    else:
        cited = {p for p in pngs if not p.startswith(NOT_A_MOMENT)}
    assert cited <= set(moments), sorted(cited - set(moments))


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
    times = review_frames.video_times(timeline, SCENE_IDS)
    bounds = review_frames.boundaries_in(times)
    assert list(bounds) == [f"{a}-{b}" for a, b in zip(SCENE_IDS, SCENE_IDS[1:])]
    for pair, start in bounds.items():
        assert start == pytest.approx(timeline.section_start(pair.split("-")[1]))
