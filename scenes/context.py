"""What a scene needs to know: the Run (engine), the Timeline (script), the language.

The pipeline and the plain Manim CLI agree through environment variables:
NANOGPT_INPUT (default CBABBC), NANOGPT_LANG (zh), NANOGPT_VOICE (auto), NANOGPT_WEIGHTS.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from engine import DEFAULT_WEIGHTS, Run, default_run
from script.timeline import Timeline

DEFAULTS = {"NANOGPT_INPUT": "CBABBC", "NANOGPT_LANG": "zh", "NANOGPT_VOICE": "auto",
            "NANOGPT_WEIGHTS": str(DEFAULT_WEIGHTS)}


@dataclass(frozen=True)
class Context:
    input_text: str
    lang: str
    voice: str
    run: Run
    timeline: Timeline | None


def settings_from_env() -> tuple[str, str, str, str]:
    get = lambda key: os.environ.get(key) or DEFAULTS[key]
    return get("NANOGPT_INPUT"), get("NANOGPT_LANG"), get("NANOGPT_VOICE"), get("NANOGPT_WEIGHTS")


@lru_cache(maxsize=8)
def load_context(input_text: str, lang: str, voice: str, weights: str = str(DEFAULT_WEIGHTS)) -> Context:
    run = default_run(input_text, weights=weights)
    return Context(input_text, lang, voice, run, narrate_timeline(run, lang, voice))


def narrate_timeline(run: Run, lang: str, voice: str) -> Timeline | None:
    try:
        from script.voice import narrate  # the voice decides each line's duration
        return narrate(run, lang, voice=voice).timeline
    except ImportError:  # the narration stage is not there yet: scenes use placeholder beats
        return None
