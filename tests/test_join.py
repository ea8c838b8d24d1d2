"""Joined videos keep exact frame timing: a scene's segments (each itself joined from Manim's
partial movie files) make a video whose frame N is at N / fps, read back as 15 fps, so the
final assembly copies it without drift and without re-encoding."""
from __future__ import annotations

import json
import subprocess

from pipeline import segments, worker
from scenes.context import SceneContext
from scenes.registry import SCENES

TINY = (("pixel_width", 160), ("pixel_height", 90), ("frame_rate", 15))


def test_a_scene_joined_from_segments_has_exact_frame_times(tmp_path, monkeypatch):
    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path))
    context = SceneContext.narrated("CBABBC", "zh", voice="silent")
    job = worker.Job(0, "video", "transformer", context, "low_quality", str(tmp_path), dict(SCENES),
                     segment_base="join", manim_options=TINY)
    made = worker.run(job)["segments"]
    out = segments.join_videos([segments.segment_path(key) for _, key, _ in made], tmp_path / "scene.mp4", 15)
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=r_frame_rate,nb_frames,time_base:packet=pts,dts", "-of", "json", str(out)],
        capture_output=True, text=True, check=True).stdout)
    stream, packets = probe["streams"][0], probe["packets"]
    frames = round(sum(line.duration for line in context.timeline.lines("transformer")) * 15)
    assert stream["r_frame_rate"] == "15/1" and int(stream["nb_frames"]) == frames == len(packets)
    den = int(stream["time_base"].split("/")[1])
    assert [int(p["pts"]) for p in packets] == [round(i * den / 15) for i in range(frames)]
    assert all(p["pts"] == p["dts"] for p in packets)
