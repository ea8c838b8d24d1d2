"""Beat segments (pipeline/segments.py), on the real attention scene at a tiny frame: a beat
rendered alone (the beats before it skipped) has the same frames as in the whole scene, and
after one narration line is edited only that line's beat is drawn again."""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import av
import pytest

from pipeline import segments, worker
from scenes.context import SceneContext
from scenes.registry import SCENES

SCENE = "attention"
TINY = (("pixel_width", 160), ("pixel_height", 90), ("frame_rate", 15))


@pytest.fixture(scope="module")
def context() -> SceneContext:
    return SceneContext.narrated("CBABBC", "zh", voice="silent")


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


def render(media: Path, context, beats=(0, 10**6), name="run") -> list:
    """A render job of the scene's `beats`; returns (beat index, key, drawn) per beat."""
    work = media / name
    work.mkdir()
    job = worker.Job(0, "video", SCENE, context, "low_quality", str(work), dict(SCENES), beats=beats,
                     segment_base="test", manim_options=TINY)
    return worker.run(job)["segments"]


def frame_hashes(path: Path) -> list[str]:
    with av.open(str(path)) as video:
        return [hashlib.sha1(f.to_ndarray(format="rgb24").tobytes()).hexdigest() for f in video.decode(video=0)]


@pytest.fixture(scope="module")
def whole(media, context, monkeypatch_module):
    monkeypatch_module.setenv("NANOGPT_MEDIA_DIR", str(media))
    return render(media, context)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_every_beat_is_drawn_once_into_its_own_segment(whole, context):
    assert [index for index, _, drawn in whole if drawn] == list(range(len(context.timeline.lines(SCENE))))
    assert len({key for _, key, _ in whole}) == len(whole)


def test_a_beat_rendered_alone_equals_the_same_beat_in_the_whole_scene(whole, media, context, tmp_path):
    index, key, _ = whole[3]
    in_scene = frame_hashes(segments.segment_path(key))
    segments.segment_path(key).unlink()
    alone = render(media, context, beats=(index, index + 1), name="alone")
    assert alone == [(index, key, True)]   # same key: the skipped beats left the same picture
    assert frame_hashes(segments.segment_path(key)) == in_scene
    assert len(in_scene) == round(context.timeline.lines(SCENE)[index].duration * 15)


def test_editing_one_line_draws_only_its_beat(whole, media, context):
    lines = list(context.timeline.lines(SCENE))
    edited = 2
    lines[edited] = dataclasses.replace(lines[edited], text=lines[edited].text + "（改）",
                                        duration=lines[edited].duration + 1.0)
    for i in range(edited + 1, len(lines)):
        lines[i] = dataclasses.replace(lines[i], start=lines[i].start + 1.0)
    timeline = dataclasses.replace(context.timeline, sections={**context.timeline.sections, SCENE: lines})
    made = render(media, dataclasses.replace(context, timeline=timeline), name="edited")
    assert [index for index, _, drawn in made if drawn] == [edited]
    assert [key for i, key, _ in made if i != edited] == [key for i, key, _ in whole if i != edited]
