"""The worker side of the line protocol (see __init__.py): standard library only, because it
runs inside a voice environment without the project installed."""
from __future__ import annotations

import json
import math
import sys
import time
import traceback
import wave


def serve(load, synthesize) -> None:
    """load() -> (engine, voice, sample_rate, state); then for each request
    synthesize(state, text) -> (int16 samples as bytes, words) is written to request["out"]."""
    out = sys.stdout
    sys.stdout = sys.stderr  # engines that print must not break the protocol
    started = time.perf_counter()
    try:
        engine, voice, rate, state = load()
    except Exception as err:  # the one line the parent shows
        _send(out, {"ready": False, "error": f"{type(err).__name__}: {err}".splitlines()[0]})
        return
    _send(out, {"ready": True, "engine": engine, "voice": voice, "sample_rate": rate,
                "load_seconds": round(time.perf_counter() - started, 3)})
    for raw in sys.stdin:
        if not raw.strip():
            break
        try:
            request = json.loads(raw)
            began, cpu = time.perf_counter(), time.process_time()
            samples, words = synthesize(state, request["text"])
            with wave.open(request["out"], "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(rate)
                wav.writeframes(samples)
            _send(out, {"ok": True, "seconds": len(samples) / 2 / rate, "words": words,
                        "synth_seconds": round(time.perf_counter() - began, 3),
                        "cpu_seconds": round(time.process_time() - cpu, 3)})
        except Exception as err:
            traceback.print_exc(file=sys.stderr)
            _send(out, {"ok": False, "error": f"{type(err).__name__}: {err}".splitlines()[0]})


def _send(out, message: dict) -> None:
    out.write(json.dumps(message, ensure_ascii=False) + "\n")
    out.flush()


def spread(text, word_spans, phoneme_words):
    """Times [first, end, start_s, end_s] for the words of `text` (`word_spans`: their char
    spans) from the engine's `phoneme_words` ([(start_s, end_s, phonemes)] in speaking order).

    The two lists need not match: the engine runs words together ("of the" -> "ʌvðə") or splits
    one. A small dynamic programme pairs groups of up to 3 words with groups of up to 3 engine
    words so that letters and phonemes agree best; a group's time is shared by letters."""
    n, m = len(word_spans), len(phoneme_words)
    if not n or not m:
        return []
    letters = [max(1, sum(c.isalnum() for c in text[a:b])) for a, b in word_spans]
    ratio = sum(letters) / sum(max(1, p[2]) for p in phoneme_words)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if cost[i][j] == inf:
                continue
            for di, dj in ((1, 1), (2, 1), (3, 1), (1, 2), (1, 3), (2, 2)):
                if i + di > n or j + dj > m:
                    continue
                have = sum(letters[i:i + di])
                want = ratio * sum(max(1, p[2]) for p in phoneme_words[j:j + dj])
                c = cost[i][j] + abs(math.log(have / want)) + 0.3 * (di + dj - 2)
                if c < cost[i + di][j + dj]:
                    cost[i + di][j + dj], back[i + di][j + dj] = c, (di, dj)
    if back[n][m] is None:
        return []
    groups, i, j = [], n, m
    while i or j:
        di, dj = back[i][j]
        groups.append((i - di, i, j - dj, j))
        i, j = i - di, j - dj
    out = []
    for i0, i1, j0, j1 in reversed(groups):
        start, end = phoneme_words[j0][0], phoneme_words[j1 - 1][1]
        total, done = sum(letters[i0:i1]), 0
        for k in range(i0, i1):
            a = start + (end - start) * done / total
            done += letters[k]
            b = start + (end - start) * done / total
            out.append([word_spans[k][0], word_spans[k][1], round(a, 3), round(b, 3)])
    return out
