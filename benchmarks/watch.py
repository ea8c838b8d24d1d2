"""Author mode benchmark (issue 25): a save of one attention line -> its beat playable in the page.

    .venv/bin/python benchmarks/watch.py [--qualities low,high] [--lang zh] [--voice auto]
                                         [--media DIR] [--edits N]

For each quality, `nanogpt-video watch --scene attention` runs on a copy of the narration, in its
own media folder (the voice cache shared with media/; --media DIR reuses a folder, so its beat
store is warm). Once it prints `preview: http://127.0.0.1:N/`, the page's event stream is opened
and N lines of the attention chapter are edited in turn (a few words more each, as an author
does), each timed from the file's save to its beat being playable: the page's event naming the
line, then its clip (the beat's MP4 with its voice, named in GET /beats.json) downloaded whole.
The memory is the proportional set size (shared pages counted once) of the watcher and every
process under it (the warm render process, the voice worker), at rest after the edits. Then
Ctrl-C, and `nanogpt-video render --scenes attention` at the same quality must draw 0 beats.
The machine's load average is printed beside the times: a 2-core machine shared with other
work slows every wall-clock figure.

Targets: <= 3 s at QUALITY=low, <= 8 s at 1080p60, 0 beats drawn afterwards, <= 1.2 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from render import descendants   # benchmarks/render.py: a process and every one under it (/proc)

ROOT = Path(__file__).resolve().parents[1]
CLI = [str(Path(sys.executable).with_name("nanogpt-video"))]
SECTION = "attention"
EDITED = ("attention.qkv", "attention.scores", "attention.projection")   # early, middle, late
MORE = {"zh": "，第{n}遍", "en": ", take {n}"}   # n: new each run, so each edit is new to the store
FIGURES_FILE = ROOT / "benchmarks" / "watch.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--qualities", default="low,high")
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--voice", default="auto")
    parser.add_argument("--media", default="", help="a media folder to use (and keep)")
    parser.add_argument("--edits", type=int, default=len(EDITED))
    args = parser.parse_args()
    figures = json.loads(FIGURES_FILE.read_text()) if FIGURES_FILE.is_file() else {}
    for quality in args.qualities.split(","):
        media = Path(args.media) if args.media else Path(tempfile.mkdtemp(prefix="bench-watch-"))
        share_voice_cache(media)
        narration = media / "narration"
        shutil.rmtree(narration, ignore_errors=True)
        shutil.copytree(ROOT / "script", narration, ignore=lambda d, names: [
            n for n in names if not re.match(r"(narration|words|lexicon)\.\w+\.(txt|toml)$", n)])
        env = {**os.environ, "NANOGPT_MEDIA_DIR": str(media), "NANOGPT_NARRATION_DIR": str(narration),
               "LANG": "C.UTF-8"}
        row = run(quality, args, env, narration, media)
        figures[f"{quality} {args.lang} {args.voice}"] = row
        FIGURES_FILE.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n")
        print(json.dumps(row, ensure_ascii=False))
        if not args.media:
            shutil.rmtree(media, ignore_errors=True)


def share_voice_cache(media: Path) -> None:
    voices = ROOT / "media" / "cache" / "voice"
    voices.mkdir(parents=True, exist_ok=True)
    (media / "cache").mkdir(parents=True, exist_ok=True)
    if not (media / "cache" / "voice").exists():
        (media / "cache" / "voice").symlink_to(voices)


def run(quality: str, args, env: dict, narration: Path, media: Path) -> dict:
    started = time.perf_counter()
    watcher = subprocess.Popen([*CLI, "watch", "--scene", SECTION, "--quality", quality, "--lang", args.lang,
                                "--voice", args.voice, "--port", "0"], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(watcher.stderr), daemon=True).start()
    url = None
    for line in watcher.stdout:
        if line.startswith("preview: "):
            url = line.split()[1]
            break
    if url is None:
        raise SystemExit("the watcher ended before its page was ready:\n" + "".join(log[-20:]))
    ready = time.perf_counter() - started
    print(f"{quality}: ready in {ready:.1f} s (load {load()})", flush=True)
    events = EventStream(url + "events")
    times = []
    for line_id in EDITED[:args.edits]:
        time.sleep(2.0)   # the page at rest, as between an author's saves
        before = load()
        more = MORE[args.lang].format(n=int(time.time() * 10) % 100000)
        saved = edit(narration / f"narration.{args.lang}.txt", line_id, more)
        event_at = events.wait_for(line_id, saved, timeout=120)
        beat = next(b for b in get_json(url + "beats.json") if b["id"] == line_id)
        size = len(urllib.request.urlopen(url.rstrip("/") + beat["clip"], timeout=60).read())
        playable = time.perf_counter() - saved
        times.append(round(playable, 2))
        said = next((e for _, e in reversed(events.seen) if e.get("type") == "beats"), {}).get("timings")
        print(f"  {line_id}: {said}")
        print(f"  {line_id}: event {event_at - saved:.2f} s, clip ({size // 1024} KB, {beat['duration']:.1f} s) "
              f"playable {playable:.2f} s, load {before} -> {load()}", flush=True)
    time.sleep(3.0)
    memory = tree_pss_mb(watcher.pid)
    watcher.send_signal(signal.SIGINT)
    code = watcher.wait(timeout=60)
    leftovers = descendants(watcher.pid)[1:]
    check = subprocess.run([*CLI, "render", "--scenes", SECTION, "--quality", quality, "--lang", args.lang,
                            "--voice", args.voice], env=env, cwd=ROOT, capture_output=True, text=True)
    drawn = (re.search(r"video: \d+ of \d+ beats drawn", check.stderr)
             or re.search(r"video: all \d+ scenes are up to date", check.stderr))
    return {"quality": quality, "ready_s": round(ready, 1), "save_to_playable_s": times,
            "median_s": statistics.median(times) if times else None, "memory_mb": round(memory),
            "exit_code": code, "processes_left": len(leftovers),
            "render_after": drawn.group(0) if drawn else check.stderr.strip().splitlines()[-3:],
            "load": load()}


def edit(path: Path, line_id: str, more: str) -> float:
    """A few words more at the end of the line's caption, saved as an editor does (replace)."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"^(\[{re.escape(line_id)}\]\s*[“\"])(.*?)([”\"])", re.M)
    new, count = pattern.subn(lambda m: m.group(1) + m.group(2) + more + m.group(3), text, count=1)
    assert count == 1, line_id
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new, encoding="utf-8")
    saved = time.perf_counter()
    os.replace(tmp, path)
    return saved


class EventStream:
    """The page's server-sent events, read in a thread: (arrival time, event)."""

    def __init__(self, url: str):
        self.seen: list[tuple[float, dict]] = []
        self.condition = threading.Condition()
        threading.Thread(target=self._read, args=(url,), daemon=True).start()

    def _read(self, url: str) -> None:
        with urllib.request.urlopen(url, timeout=3600) as stream:
            for raw in stream:
                line = raw.decode().strip()
                if line.startswith("data: "):
                    with self.condition:
                        self.seen.append((time.perf_counter(), json.loads(line[6:])))
                        self.condition.notify_all()

    def wait_for(self, line_id: str, after: float, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        with self.condition:
            while True:
                for at, event in self.seen:
                    if at >= after and event.get("type") == "beats" and line_id in event.get("changed", []):
                        return at
                    if at >= after and event.get("type") == "problems" and event.get("errors"):
                        raise SystemExit(f"the watcher reports: {event['errors'][0]}")
                if not self.condition.wait(timeout=max(0.0, deadline - time.perf_counter())):
                    raise SystemExit(f"no event for {line_id} within {timeout} s")


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of `pid` and every process under it, in MB."""
    total = 0
    for process in descendants(pid):
        try:
            rollup = Path(f"/proc/{process}/smaps_rollup").read_text()
        except OSError:
            continue
        total += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1))
    return total / 1024


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
