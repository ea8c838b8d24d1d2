"""Objective checks of a voice nobody here can listen to: espeak-ng vs the neural voice on the
same lines. Per line: seconds of speech per character, pitch (median F0 and its 5-95 % range in
semitones: a flat formant voice has a narrow one), and a spectrogram PNG (espeak above, neural
below). With --asr-python (a Python with pocketsphinx 5, whose package ships a US English
model), English lines are also recognised and the word error rate against the spoken text is
reported. No Chinese recogniser ships inside a registry package, so Chinese gets no WER.

    .venv/bin/python benchmarks/voice_quality.py --lang en --out media/voice-quality \\
        [--asr-python /tmp/asr-venv/bin/python]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the project, not benchmarks/

LINES = {
    "en": ["intro.welcome", "intro.goal", "attention.dot-product", "feedforward.relu", "output.softmax"],
    "zh": ["intro.welcome", "intro.goal", "attention.dot-product", "feedforward.relu", "output.softmax"],
}

ASR = r"""
import json, sys, wave
from pocketsphinx import Decoder
decoder = Decoder(samprate=16000, loglevel="FATAL")
out = {}
for path in sys.argv[1:]:
    with wave.open(path) as wav:
        data = wav.readframes(wav.getnframes())
    decoder.start_utt(); decoder.process_raw(data, full_utt=True); decoder.end_utt()
    out[path] = decoder.hyp().hypstr if decoder.hyp() else ""
print(json.dumps(out))
"""


def pitch(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """Median F0 (Hz) and the 5-95 % F0 range (semitones) of voiced 40 ms frames."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    lo, hi = int(rate / 400), int(rate / 70)
    loud = np.sqrt(np.mean(samples ** 2)) * 0.5
    f0 = []
    for start in range(0, len(samples) - frame, hop):
        x = samples[start:start + frame]
        if np.sqrt(np.mean(x ** 2)) < loud:
            continue
        x = x - x.mean()
        ac = np.correlate(x, x, "full")[frame - 1:]
        if ac[0] <= 0:
            continue
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] / ac[0] > 0.5:
            f0.append(rate / lag)
    if len(f0) < 5:
        return float("nan"), float("nan")
    p5, p50, p95 = np.percentile(f0, [5, 50, 95])
    return float(p50), float(12 * np.log2(p95 / p5))


def spectrogram(samples: np.ndarray, rate: int, height: int = 160) -> np.ndarray:
    n, hop = 1024, 240
    window = np.hanning(n)
    frames = [np.abs(np.fft.rfft(samples[i:i + n] * window))[: n // 4]   # up to rate/4 Hz
              for i in range(0, max(1, len(samples) - n), hop)]
    db = 20 * np.log10(np.array(frames).T + 1e-6)
    db = np.clip((db - db.max() + 80) / 80, 0, 1)[::-1]
    rows = np.linspace(0, db.shape[0] - 1, height).astype(int)
    return (db[rows] * 255).astype(np.uint8)


def wer(reference: str, hypothesis: str) -> float:
    ref = [w for w in reference.lower().replace("-", " ").split() if w.strip(".,!?:;()‘’“”'")]
    ref = [w.strip(".,!?:;()‘’“”'") for w in ref]
    hyp = hypothesis.lower().split()
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, 1):
        prev, d[0] = d.copy(), i
        for j, h in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return float(d[len(hyp)] / max(1, len(ref)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="en")
    parser.add_argument("--out", default="media/voice-quality")
    parser.add_argument("--asr-python", default=None)
    args = parser.parse_args()
    os.environ["NANOGPT_NEURAL"] = "1"
    from PIL import Image

    from engine import default_run
    from script.fill import filled_lines
    from script.narration import load_narration
    from script.spoken import spoken_text
    from script.voice import SAMPLE_RATE, line_audio

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    texts = dict(filled_lines(load_narration(args.lang), default_run("CBABBC")))
    lines = [(i, texts[i]) for i in LINES[args.lang]]
    voices = {name: line_audio(lines, args.lang, name) for name in ("espeak", "neural")}
    wavs = {}
    print("| line | voice | s per char | median F0 Hz | F0 range st |")
    for line_id, text in lines:
        said = spoken_text(text, args.lang)
        chars = len("".join(said.split()))
        pictures = []
        for name, audio in voices.items():
            samples = np.frombuffer(audio[line_id].raw_data, dtype=np.int16).astype(np.float64) / 32768
            f0, spread = pitch(samples, SAMPLE_RATE)
            wav = out / f"{args.lang}-{line_id}-{name}.wav"
            audio[line_id].set_frame_rate(16000).export(wav, format="wav")
            wavs[(line_id, name)] = (wav, said)
            print(f"| {line_id} | {name} | {len(samples) / SAMPLE_RATE / chars:.3f} | {f0:.0f} | {spread:.1f} |")
            pictures.append(spectrogram(samples, SAMPLE_RATE))
        width = max(p.shape[1] for p in pictures)
        stacked = np.vstack([np.pad(p, ((0, 4), (0, width - p.shape[1]))) for p in pictures])
        Image.fromarray(stacked).save(out / f"{args.lang}-{line_id}-spectrogram.png")
    if args.asr_python:
        result = subprocess.run([args.asr_python, "-c", ASR, *[str(w) for w, _ in wavs.values()]],
                                capture_output=True, text=True, check=True)
        heard = json.loads(result.stdout)
        for (line_id, name), (wav, said) in wavs.items():
            print(f"WER {line_id} {name}: {wer(said, heard[str(wav)]):.2f}  heard: {heard[str(wav)]}")


if __name__ == "__main__":
    main()
