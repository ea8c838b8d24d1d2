"""The length a render reports for its video (pipeline/assemble.py recorded_probe): ffprobe's,
read back while the file is the one probed, probed again once it is rewritten."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline import assemble


def tiny_video(path: Path, seconds: int) -> Path:
    subprocess.run(["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=64x36:rate=15:duration={seconds}",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


@pytest.fixture
def probes(tmp_path, monkeypatch):
    """The files ffprobe really looked at."""
    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path / "media"))
    looked = []

    def counting(path):
        looked.append(path)
        return real_probe(path)

    real_probe = assemble.probe
    monkeypatch.setattr(assemble, "probe", counting)
    return looked


def test_an_unchanged_video_is_probed_once(tmp_path, probes):
    video = tiny_video(tmp_path / "video.mp4", 2)
    first, second = assemble.recorded_probe(video), assemble.recorded_probe(video)
    assert first == second == assemble.probe(video) and first.seconds == 2.0
    assert len(probes) == 2          # the first call and the check above: never the second call


def test_a_rewritten_video_is_probed_again(tmp_path, probes):
    video = tiny_video(tmp_path / "video.mp4", 2)
    assert assemble.recorded_probe(video).seconds == 2.0
    tiny_video(tmp_path / "other.mp4", 3).replace(video)      # as assembly publishes: a rename
    assert assemble.recorded_probe(video).seconds == 3.0 and len(probes) == 2


def test_a_damaged_record_is_probed_again(tmp_path, probes):
    video = tiny_video(tmp_path / "video.mp4", 1)
    assemble.recorded_probe(video)
    record, = (tmp_path / "media" / "cache" / "probes").glob("video.mp4-*.json")
    record.write_text("{")
    assert assemble.recorded_probe(video).seconds == 1.0 and len(probes) == 2


def test_videos_of_one_name_in_two_folders_keep_their_own_records(tmp_path, probes):
    """Every scene's cache entry holds a scene.mp4: each is probed once, not again and again."""
    videos = [tiny_video((tmp_path / name).mkdir() or tmp_path / name / "scene.mp4", seconds)
              for name, seconds in (("a", 1), ("b", 2))]
    for _ in range(2):
        assert [assemble.recorded_probe(v).seconds for v in videos] == [1.0, 2.0]
    assert len(probes) == 2
