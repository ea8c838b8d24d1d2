"""A scene's cache key reads its lines as dataclasses.asdict would (pipeline/cache.py): the
same JSON, so keys stay those of the renders already in the cache."""
from __future__ import annotations

import dataclasses
import json

from pipeline import cache
from script.captions import Cue
from script.timeline import TimedLine


def as_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def test_line_fields_are_asdict():
    line = TimedLine("attention.dot-product", "attention", "点积。", "cue", 1.5, 3.0,
                     (Cue("点", 0.0, 1.0), Cue("积。", 1.0, 2.0)), 2.2, ((0, 0.1, 0.4), (1, 0.4, 0.9)), 0.5)
    assert as_json(cache._line_fields(line)) == as_json(dataclasses.asdict(line))
    assert cache._line_fields(line)["cues"][1] == {"text": "积。", "offset": 1.0, "duration": 2.0}
