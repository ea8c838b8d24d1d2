"""What x264 alone costs per frame with the render's own settings: the floor under any render.

    .venv/bin/python benchmarks/encoder_floor.py [VIDEO] [--frames 600]

VIDEO is a rendered scene (default: the newest 1080p one in media/cache/video/). Its frames are
decoded to yuv420p first, then encoded the way the render processes encode
(pipeline/manim_ext/frames.py's x264 options, PyAV) twice: as they are (an animated stretch) and as one
frame repeated (a held picture). Printed per frame, and as CPU-seconds per video second at the
video's frame rate: the share of issue 12's budget (<= 0.6 CPU-s per video second at 1080p60)
that encoding takes before anything is drawn. CPU time is the process's, all threads (x264
runs threads of its own), so other work on the machine changes it little.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.manim_ext.frames import copy_frame, x264_options

BUDGET = 0.6   # CPU-seconds per video second, issue 12 (1080p60)


def newest_1080p_scene() -> Path:
    for manifest in sorted((ROOT / "media" / "cache" / "video").glob("*/manifest.json"),
                           key=lambda p: p.stat().st_mtime, reverse=True):
        if json.loads(manifest.read_text()).get("slot", "").endswith("1080p60"):
            return manifest.parent / "scene.mp4"
    sys.exit("no 1080p60 scene in media/cache/video: render one first (make scene SCENE=stack)")


def decoded(video: Path, count: int) -> tuple[list, object]:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frames = []
        for frame in container.decode(stream):
            frames.append(frame.reformat(format="yuv420p"))
            if len(frames) == count:
                break
        return frames, stream.average_rate


def encode_seconds(frames: list, rate) -> float:
    """CPU seconds to encode `frames` (fresh frame objects, as the render hands them over)."""
    with av.open("/dev/null", mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = frames[0].width, frames[0].height, "yuv420p"
        stream.codec_context.options = x264_options(rate)
        pictures = [copy_frame(frame) for frame in frames]
        started = time.process_time()
        for picture in pictures:
            for packet in stream.encode(picture):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", nargs="?", type=Path)
    parser.add_argument("--frames", type=int, default=600)
    args = parser.parse_args()
    video = args.video or newest_1080p_scene()
    frames, rate = decoded(video, args.frames)
    fps = float(rate)
    print(f"{video} ({frames[0].width}x{frames[0].height}, {fps:g} fps), {len(frames)} frames")
    for what, sequence in (("animated (the scene's frames)", frames),
                           ("held (its first frame repeated)", [frames[0]] * len(frames))):
        per_frame = encode_seconds(sequence, rate) / len(sequence)
        per_video_second = per_frame * fps
        print(f"{what:34s} {per_frame * 1000:5.1f} ms per frame = {per_video_second:.2f} CPU-s per "
              f"video second = {per_video_second / BUDGET:.0%} of the {BUDGET} budget")


if __name__ == "__main__":
    main()
