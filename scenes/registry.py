"""The scenes in narration order, found by convention: section `attention` is the module
scenes/attention.py, and its scene is the NanoScene there whose `scene_id` is 'attention'.

So a new scene is a narration section (script/sections.py) plus one module, nothing else
(docs/adding-a-scene.md). Looking a scene up imports nothing until its class is asked for, so
the pipeline lists and checks scenes without Manim work. Tests may point a section at another
module and class through SCENES. Render one with the plain Manim CLI, e.g.
`manim -qh scenes/attention.py Attention`.
"""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from script.sections import SCENE_IDS

# scene id -> (module, class name or None: the module's NanoScene with that scene_id)
SCENES: dict[str, tuple[str, str | None]] = {scene_id: (f"scenes.{scene_id}", None) for scene_id in SCENE_IDS}


def scene_file(scene_id: str) -> Path:
    return Path(__file__).parent / f"{SCENES[scene_id][0].split('.')[-1]}.py"


def scene_class(scene_id: str):
    module_name, class_name = SCENES[scene_id]
    module = importlib.import_module(module_name)
    if class_name is not None:
        return getattr(module, class_name)
    from .base import NanoScene

    found = [cls for _, cls in inspect.getmembers(module, inspect.isclass)
             if issubclass(cls, NanoScene) and cls.__module__ == module.__name__
             and cls.scene_id == scene_id]
    if len(found) != 1:
        raise LookupError(f"{module_name} must define one NanoScene with scene_id = {scene_id!r} "
                          f"(found {len(found)})")
    return found[0]
