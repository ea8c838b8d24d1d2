"""CPU-seconds per video second of one scene, with and without the render speed-ups (pipeline/manim_ext/).

    .venv/bin/python benchmarks/profile_frames.py [SCENE] [--quality high] [--variants all,off,-joins]

Each variant renders SCENE through the project's CLI (VOICE=silent, one job, a fresh media
folder) with NANOGPT_SPEEDUPS set: "all" = every speed-up, "off" = none, "-NAME" = all but NAME,
"-A+B" = all but A and B.
CPU-seconds are the render's whole process tree (all threads: the encoder has its own), so a
shared machine's load changes them little; each figure is also printed as a ratio to the first
variant measured in the same run. Wall time alone is not a result on a shared machine.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def video_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return float(container.duration) / 1_000_000


def measure(scene: str, quality: str, variant: str) -> dict:
    setting = {"all": "", "off": "off"}.get(variant, variant.lstrip("-").replace("+", ","))
    with tempfile.TemporaryDirectory(prefix="profile-frames-") as media:
        env = {**os.environ, "NANOGPT_MEDIA_DIR": media, "NANOGPT_SPEEDUPS": setting}
        cpu, wall = children_cpu(), time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/nanogpt-video"), "scene", "--voice", "silent",
                        "--jobs", "1", "--quality", quality, scene], env=env, check=True,
                       stdout=subprocess.DEVNULL, cwd=ROOT)
        cpu, wall = children_cpu() - cpu, time.perf_counter() - wall
        movie = next(Path(media, "scenes").glob(f"*-{scene}.mp4"))
        seconds = video_seconds(movie)
    return {"variant": variant, "cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2),
            "video_seconds": round(seconds, 2), "cpu_per_video_second": round(cpu / seconds, 3),
            "wall_per_video_second": round(wall / seconds, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scene", nargs="?", default="stack")
    parser.add_argument("--quality", default="high")
    parser.add_argument("--variants", default="off,-joins,all")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = []
    for variant in args.variants.split(","):
        result = measure(args.scene, args.quality, variant)
        result["cpu_ratio_to_first"] = round(result["cpu_seconds"] / (results or [result])[0]["cpu_seconds"], 3)
        results.append(result)
        print(json.dumps(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
