"""Render benchmark: the whole video at low and at high quality, then the cache at work.

    .venv/bin/python benchmarks/render.py [--qualities low,high] [--jobs N] [--keep]

The benchmark runs on a snapshot of the code (engine/, script/, scenes/, pipeline/ copied
into its own media folder), so edits others make meanwhile neither change the figures nor
get touched. For each quality, from an empty scene cache (only the voice cache is shared:
synthesis is not rendering): the video's length, wall time, speed factor (video seconds per
wall second), CPU time, time per scene and peak memory (all render processes together, and the
largest one). Then, at the last quality: a second run with nothing changed (nothing may
render), and runs after changing one narration line in the snapshot, first the attention
chapter's first line and then a late one (only that scene may draw: one beat, or a few). The
machine's load average is printed too: other work on a 2-core machine slows every
wall-clock figure; CPU seconds do not depend on it.

Targets on 2 cores (issue 12): 1080p60 >= 3x real time and <= 0.6 CPU-s per video second;
480p15 preview <= 30 s; one line edited <= 20 s; nothing changed <= 1 s; peak memory <= 1.2 GB.

    .venv/bin/python benchmarks/render.py --compare [--scenes S,...] [--qualities high] [--rounds 2]

compares, in one run and from empty caches, the same scenes rendered three ways: "before" (the
code of --before-ref, default the commit before the one titled "Manim 0.22", in the venv
--before-venv, default .venv-manim021: Manim 0.21), "after" (this code and venv) and "plain"
(this code and venv with NANOGPT_SPEEDUPS=off: Manim's own rendering). Each figure is a ratio
(video seconds per wall second, CPU-seconds per video second) beside the load average; with
--rounds 2 the order is run forwards then backwards, so load that rises or falls during the
run weighs on every variant alike.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [str(Path(sys.executable).with_name("nanogpt-video"))]
CODE = ("common", "engine", "script", "scenes", "pipeline")
FIGURES: dict = {}   # title -> figures, written to FIGURES_FILE as they come
FIGURES_FILE = ROOT / "benchmarks" / "render.json"   # the README's table; a --scenes run writes
                                                     # into its media folder instead
EDITED_SECTION = "attention"  # the first line of this section gets a few words more


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--qualities", default="low,high")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's media folder")
    parser.add_argument("--scenes", default="", help="only these scenes (a quick check), e.g. transformer,stack")
    parser.add_argument("--compare", action="store_true", help="before (Manim 0.21) | after | plain Manim")
    parser.add_argument("--before-venv", type=Path, default=ROOT / ".venv-manim021")
    parser.add_argument("--before-ref", default="", help="the code of 'before' (a git ref)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if args.compare:
        return compare(args)
    extra = ["--scenes", args.scenes] if args.scenes else []
    edited_section = args.scenes.split(",")[-1] if args.scenes else EDITED_SECTION
    media = Path(tempfile.mkdtemp(prefix="bench-", dir=ROOT / "media" if (ROOT / "media").is_dir() else None))
    share_voice_cache(media)
    code = snapshot(media)
    global FIGURES_FILE
    if args.scenes:   # a part of the video: not the figures of the README's table
        FIGURES_FILE = media / "render.json"
    elif FIGURES_FILE.is_file():   # rows of qualities not run now are kept
        FIGURES.update(json.loads(FIGURES_FILE.read_text()))
    print(f"media folder: {media}   load average at start: {load()}")
    try:
        for quality in args.qualities.split(","):
            result = render(media, code, quality, args.jobs, extra)
            report(f"full video, {quality}", result, per_scene=True)
        result = render(media, code, quality, args.jobs, extra)
        report(f"second run, nothing changed ({quality})", result)
        assert not result["scenes"], f"a no-change run rendered {sorted(result['scenes'])}"
        for which in ("first", "late"):
            line = edit_line(code / "script" / "narration.zh.txt", edited_section, which)
            result = render(media, code, quality, args.jobs, extra)
            report(f"one narration line edited, {which} in '{edited_section}' ({line}, {quality})", result,
                   per_scene=True)
            drew = sorted(s for s, made in result["scenes"].items() if made.get("beats_drawn"))
            assert drew == [edited_section], f"expected beats drawn in {edited_section} only, got {drew}"
    finally:
        if not args.keep:
            shutil.rmtree(media, ignore_errors=True)


def compare(args) -> None:
    """The same scenes before (Manim 0.21) | after | plain Manim, each from an empty cache."""
    before_ref = args.before_ref or f"{git('log', '-1', '--format=%H', '--grep=^Manim 0.22$')}~1"
    variants = {  # name -> (the render command, the code, more environment)
        "before": ([str(args.before_venv / "bin" / "nanogpt-video")], before_ref, {}),
        "after": (CLI, None, {}),
        "plain": (CLI, None, {"NANOGPT_SPEEDUPS": "off"}),
    }
    manim = {name: manim_version(Path(cli[0]).parent / "python") for name, (cli, _, _) in variants.items()}
    extra = ["--scenes", args.scenes] if args.scenes else []
    root = Path(tempfile.mkdtemp(prefix="bench-compare-", dir=ROOT / "media" if (ROOT / "media").is_dir() else None))
    if FIGURES_FILE.is_file():
        FIGURES.update(json.loads(FIGURES_FILE.read_text()))
    print(f"media folder: {root}   before = {before_ref} ({git('rev-parse', '--short', before_ref)}), "
          f"Manim {manim['before']}; after and plain: Manim {manim['after']}; load average at start: {load()}")
    order = list(variants) + (list(reversed(variants)) if args.rounds > 1 else [])
    try:
        warm_voice_cache(root)   # synthesis is not rendering: no variant pays for it
        for quality in args.qualities.split(","):
            runs: dict[str, list[dict]] = {name: [] for name in variants}
            for i, name in enumerate(order):
                cli, ref, env = variants[name]
                media = root / f"{quality}-{i}-{name}"
                media.mkdir()
                share_voice_cache(media)
                code = snapshot(media, ref)
                result = render(media, code, quality, args.jobs, extra, cli=cli, env=env)
                report(f"{name} (Manim {manim[name]}), {quality}", result, keep=False)
                runs[name].append(result)
            record_comparison(quality, args.scenes or "all", runs, manim, before_ref)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def record_comparison(quality: str, scenes: str, runs: dict, manim: dict, before_ref: str) -> None:
    """Speed and CPU per video second of each variant (summed over its rounds), and their ratios."""
    rows = {}
    for name, results in runs.items():
        video, wall, cpu = (sum(r[key] for r in results) for key in ("length", "wall", "cpu"))
        rows[name] = {"manim": manim[name], "video_seconds": video / len(results), "wall_seconds": wall / len(results),
                      "cpu_seconds": cpu / len(results), "speed": video / wall, "cpu_per_video_second": cpu / video,
                      "load": [r["load_start"] + " -> " + r["load"] for r in results]}
    ratios = {"after / before speed": rows["after"]["speed"] / rows["before"]["speed"],
              "after / before CPU per video second": rows["after"]["cpu_per_video_second"]
              / rows["before"]["cpu_per_video_second"],
              "after / plain speed": rows["after"]["speed"] / rows["plain"]["speed"],
              "plain / after CPU per video second": rows["plain"]["cpu_per_video_second"]
              / rows["after"]["cpu_per_video_second"]}
    title = f"compare {quality}, scenes {scenes}"
    FIGURES[title] = {"before_code": git("rev-parse", "--short", before_ref), "rounds": len(runs["after"]),
                      **rows, "ratios": ratios}
    FIGURES_FILE.write_text(json.dumps(FIGURES, indent=1))
    print(f"\n== {title}")
    for name, row in rows.items():
        print(f"  {name:<7} Manim {row['manim']:<7} {row['speed']:.2f}x real time, "
              f"{row['cpu_per_video_second']:.2f} CPU-s per video second (load {'; '.join(row['load'])})")
    for what, value in ratios.items():
        print(f"  {what}: {value:.2f}")


def warm_voice_cache(root: Path) -> None:
    """Every narration line voiced into the shared voice cache (`nanogpt-video voice track`)."""
    media = root / "voice-warm-up"
    share_voice_cache(media)
    env = {**os.environ, "NANOGPT_MEDIA_DIR": str(media), "LANG": "C.UTF-8", "PYTHONPATH": str(snapshot(media))}
    subprocess.run(CLI + ["voice", "track", "--out", str(media / "voice.wav")], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()


def manim_version(python: Path) -> str:
    out = subprocess.run([str(python), "-c", "from importlib.metadata import version; print(version('manim'))"],
                         capture_output=True, text=True, check=False).stdout.strip()
    return out or "?"


def share_voice_cache(media: Path) -> None:
    voices = ROOT / "media" / "cache" / "voice"
    voices.mkdir(parents=True, exist_ok=True)
    (media / "cache").mkdir(parents=True, exist_ok=True)
    (media / "cache" / "voice").symlink_to(voices)


def snapshot(media: Path, ref: str | None = None) -> Path:
    """A copy of the code the renders run (put first on PYTHONPATH): the working tree's, or the
    commit `ref`'s."""
    code = media / "code"
    if ref:
        code.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, *CODE], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
    else:
        for folder in CODE:
            shutil.copytree(ROOT / folder, code / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for voice in ROOT.glob(".venv-voice-*"):   # the installed neural voices, as for make video
        (code / voice.name).symlink_to(voice.resolve())
    return code


def render(media: Path, code: Path, quality: str, jobs: int | None, extra: list[str], cli=CLI, env=None) -> dict:
    """One `nanogpt-video render` of the snapshot; what it took and which scenes it rendered."""
    before = {p.parent.name for p in (media / "cache" / "video").glob("*/manifest.json")}
    command = cli + ["render", "--quality", quality] + (["--jobs", str(jobs)] if jobs else []) + extra
    env = {**os.environ, "NANOGPT_MEDIA_DIR": str(media), "LANG": "C.UTF-8", "PYTHONPATH": str(code), **(env or {})}
    load_start = load()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = MemorySampler(process.pid)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    memory.stop()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        sys.exit(f"render --quality {quality} failed:\n{stderr[-2000:]}")
    video = Path(next(word for word in stdout.split() if word.endswith(".mp4")))   # the file table's first
    scenes = {}
    for manifest in (media / "cache" / "video").glob("*/manifest.json"):
        if manifest.parent.name not in before:
            made = json.loads(manifest.read_text())
            scenes[made["scene"]] = made
    return {"wall": wall, "length": video_length(video), "video": video, "scenes": scenes,
            "cpu": (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime),
            "peak_total": memory.peak_total, "peak_single": memory.peak_single, "load": load(),
            "load_start": load_start}


def report(title: str, r: dict, per_scene: bool = False, keep: bool = True) -> None:
    print(f"\n== {title}: {r['video'].name}")
    cores = os.cpu_count() or 1
    print(f"video length {r['length']:.1f} s | wall {r['wall']:.1f} s | speed {r['length'] / r['wall']:.2f}x "
          f"real time | CPU {r['cpu']:.0f} s (all {cores} cores to ourselves: ~{r['cpu'] / cores:.0f} s, "
          f"{r['length'] / max(r['cpu'] / cores, 1e-9):.2f}x) | peak memory {r['peak_total'] / 2**20:.0f} MB "
          f"in all processes, {r['peak_single'] / 2**20:.0f} MB the largest | load average {r['load_start']} -> {r['load']}")
    drawn = sum(m.get("beats_drawn", 0) for m in r["scenes"].values())
    drew = sum(1 for m in r["scenes"].values() if m.get("beats_drawn"))
    print(f"scenes sealed: {len(r['scenes'])}, of which {drew} drew beats: {drawn} beats drawn "
          f"(the others' segments from the cache)")
    if not keep:
        return
    FIGURES[title] = {"video_seconds": r["length"], "wall_seconds": r["wall"], "cpu_seconds": r["cpu"],
                      "speed": r["length"] / r["wall"], "cpu_per_video_second": r["cpu"] / r["length"],
                      "peak_memory_mb": r["peak_total"] / 2**20, "largest_process_mb": r["peak_single"] / 2**20,
                      "beats_drawn": drawn, "load": f"{r['load_start']} -> {r['load']}"}
    FIGURES_FILE.write_text(json.dumps(FIGURES, indent=1))
    if per_scene:
        for scene, made in sorted(r["scenes"].items(), key=lambda kv: -kv[1]["seconds"]):
            cpu = made.get("cpu_seconds", 0)
            print(f"  {scene:<12} wall {made['seconds']:7.1f} s  CPU {cpu:7.1f} s  {made['frames']:6d} frames  "
                  f"{made['frames'] / max(cpu, 1e-9):6.1f} frames per CPU second")


def edit_line(narration: Path, section: str, which: str) -> str:
    """The `which` (first, or late: the one before the last) line of `section` gets a few words
    more; returns the line's id. A late line is the slow case: the beats before it are played
    (without drawing) to reach its start."""
    text = narration.read_text(encoding="utf-8")
    matches = list(re.finditer(rf"^\[({re.escape(section)}\.[a-z0-9-]+)\] “([^”]*)”", text, re.M))
    if len(matches) < 2:
        sys.exit(f"no two lines of section {section} in {narration}")
    match = matches[0] if which == "first" else matches[-2]
    narration.write_text(text[:match.end(2)] + "（基准测试）" + text[match.end(2):], encoding="utf-8")
    return match.group(1)


class MemorySampler:
    """Peak resident memory of a process and its descendants, sampled from /proc."""

    def __init__(self, pid: int, every: float = 0.2):
        self.pid, self.every = pid, every
        self.peak_total = self.peak_single = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.running = False
        self.thread.join()

    def _run(self) -> None:
        while self.running:
            sizes = [rss(p) for p in descendants(self.pid)]
            self.peak_total = max(self.peak_total, sum(sizes))
            self.peak_single = max(self.peak_single, max(sizes, default=0))
            time.sleep(self.every)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def video_length(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                          str(path)], capture_output=True, text=True, check=True).stdout
    return float(out)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
