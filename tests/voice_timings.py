"""The neural voices' real timings as a test fixture: tests/fixtures/voice-timings.<lang>.json.

The tests run without the neural voices (1.5 GB, not installed in CI), yet the captions' timing
and reading speed depend on them: how long each line is spoken, and when each word starts
(cues switch on those word times). So the timings of the default input, CBABBC, are recorded
here per line, both languages: the caption text they were spoken for, the speech's length and
every word's (caption character index, start s, end s). `timeline(lang)` builds the video's
Timeline from them exactly as a render with the neural voice does (script/timeline.py).

When a narration line changes, its recorded timing no longer fits and the tests say so. Run as
a script (with the voices installed, `make voices LANG=zh` and `LANG=en`) to record them again:

    .venv/bin/python tests/voice_timings.py            # both languages
    .venv/bin/python tests/voice_timings.py en         # one
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
INPUT = "CBABBC"
LANGS = ("zh", "en")
REGENERATE = "record them again with: .venv/bin/python tests/voice_timings.py"


class StaleTimings(AssertionError):
    """The narration changed since its voice timings were recorded."""


def fixture_path(lang: str) -> Path:
    return FIXTURES / f"voice-timings.{lang}.json"


def record(lang: str) -> Path:
    """Voice every line of `lang` with its neural voice and write the fixture (atomically)."""
    os.environ["NANOGPT_NEURAL"] = "1"
    from common.files import atomic_write
    from engine import default_run
    from script.fill import filled_lines
    from script.languages import language
    from script.narration import load_narration
    from script.voice import durations, narrate

    run = default_run(INPUT)
    narrated = narrate(run, lang, voice="neural")
    speech = durations(narrated.audio)
    texts = dict(filled_lines(load_narration(lang), run))
    lines = {}
    for _, line in narrated.timeline.all_lines():
        if line.id not in speech:
            raise SystemExit(f"line {line.id} has no neural voice: is the {lang} voice installed? "
                             f"(make voices LANG={lang})")
        lines[line.id] = {"text": texts[line.id], "speech": round(speech[line.id], 4),
                          "words": [[c, round(t0, 4), round(t1, 4)] for c, t0, t1 in line.words]}
    record = {"input": INPUT, "lang": lang, "voice": language(lang).neural_voice,
              "made_by": "tests/voice_timings.py", "lines": lines}
    path = fixture_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, _one_line_each(record))
    return path


def _one_line_each(record: dict) -> str:
    """JSON with each narration line on a line of its own (a re-recording diffs line by line)."""
    dump = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    head = ",\n".join(f"{dump(k)}:{dump(v)}" for k, v in record.items() if k != "lines")
    body = ",\n".join(f"{dump(k)}:{dump(v)}" for k, v in record["lines"].items())
    return f"{{{head},\n\"lines\":{{\n{body}\n}}}}\n"


def recorded(lang: str) -> dict:
    """The fixture of `lang`; StaleTimings when a line's text is not the one it was voiced for."""
    from engine import default_run
    from script.fill import filled_lines
    from script.narration import load_narration

    data = json.loads(fixture_path(lang).read_text(encoding="utf-8"))
    lines = data["lines"]
    texts = dict(filled_lines(load_narration(lang), default_run(data["input"])))
    changed = [i for i, text in texts.items() if lines.get(i, {}).get("text") != text]
    gone = [i for i in lines if i not in texts]
    if changed or gone:
        raise StaleTimings(f"{lang} voice timings are stale (changed or new lines: {changed[:4]}, "
                           f"removed: {gone[:4]}); {REGENERATE}")
    return data


def timeline(lang: str):
    """The Timeline of INPUT in `lang` as the neural voice times it (cues by its word times)."""
    from engine import default_run
    from script.narration import load_narration
    from script.timeline import build_timeline

    data = recorded(lang)
    lines = data["lines"]
    return build_timeline(load_narration(lang), default_run(data["input"]),
                          {i: line["speech"] for i, line in lines.items()},
                          words={i: tuple(map(tuple, line["words"])) for i, line in lines.items()})


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    for code in sys.argv[1:] or LANGS:
        print(f"wrote {record(code)}")
