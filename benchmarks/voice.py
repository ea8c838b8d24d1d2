"""Neural voice speed: the whole narration of one language synthesised cold (empty cache),
then again warm (all from the cache), with the real-time factor.

    .venv/bin/python benchmarks/voice.py --lang en [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings


sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the project, not benchmarks/


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--voice", default="neural")
    parser.add_argument("--workers", default="2")
    args = parser.parse_args()
    os.environ["NANOGPT_VOICE_THREADS"] = args.threads
    os.environ["NANOGPT_VOICE_WORKERS"] = args.workers
    os.environ["NANOGPT_NEURAL"] = "1"
    with tempfile.TemporaryDirectory() as media:
        os.environ["NANOGPT_MEDIA_DIR"] = media
        from engine import default_run
        from script.voice import backends, narrate

        run = default_run("CBABBC")
        synth = []
        real_close = backends.Neural.close

        def close(self):  # the time the worker itself spent synthesising
            synth.append((self.synth_seconds, sum(v.cpu_seconds for v in self.all_voices()),
                          max([v.ready.get("load_seconds", 0) for v in self.all_voices()] or [0])))
            real_close(self)

        backends.Neural.close = close
        for label in ("cold", "warm"):
            started = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                narrated = narrate(run, args.lang, voice=args.voice)
            took = time.perf_counter() - started
            speech = sum(line.speech for _, line in narrated.timeline.all_lines())
            timed = sum(1 for _, line in narrated.timeline.all_lines() if line.words)
            print(f"{args.lang} {args.voice} workers={args.workers} threads={args.threads} {label}: {took:.1f} s for "
                  f"{len(narrated.audio)} lines, {speech:.1f} s of speech (RTF {took / speech:.3f}), "
                  f"video {narrated.timeline.duration:.1f} s, {timed} lines word-timed; worker: load "
                  f"{synth[-1][2]:.1f} s, synthesis {synth[-1][0]:.1f} s wall (RTF {synth[-1][0] / speech:.3f}), "
                  f"{synth[-1][1]:.1f} s CPU (CPU RTF {synth[-1][1] / speech:.3f}); load average "
                  f"{os.getloadavg()[0]:.1f}"
                  + "".join(f"\n  warning: {w.message}" for w in caught))


if __name__ == "__main__":
    main()
