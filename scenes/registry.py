"""The scenes in narration order: scene id (= narration section id) -> module and class.

Import-light on purpose (strings only) so the pipeline can list scenes without Manim work.
Render one with the plain Manim CLI, e.g. `manim -qh scenes/attention.py Attention`.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from script.sections import SCENE_IDS as _NARRATION_SECTIONS

SCENES: dict[str, tuple[str, str]] = {
    "intro": ("scenes.intro", "Intro"),
    "input": ("scenes.input", "Input"),
    "prediction": ("scenes.prediction", "Prediction"),
    "embedding": ("scenes.embedding", "Embedding"),
    "transformer": ("scenes.transformer", "Transformer"),
    "layernorm": ("scenes.layernorm", "LayerNorm"),
    "attention": ("scenes.attention", "Attention"),
    "feedforward": ("scenes.feedforward", "FeedForward"),
    "stack": ("scenes.stack", "Stack"),
    "output": ("scenes.output", "Output"),
}
SCENE_IDS = tuple(SCENES)
assert SCENE_IDS == _NARRATION_SECTIONS, "scenes.registry and script.sections must list the same ids"


def scene_file(scene_id: str) -> Path:
    module, _ = SCENES[scene_id]
    return Path(__file__).parent / (module.split(".")[-1] + ".py")


def scene_class(scene_id: str):
    module, name = SCENES[scene_id]
    return getattr(importlib.import_module(module), name)
