"""Tiny NanoScenes for tests/test_pipeline.py: real sections, real timing, almost no drawing,
so the whole pipeline (workers, cache, assembly) runs in seconds whatever the real scenes do.

Run as a script it is the nanogpt-video CLI with these scenes registered for the sections
`transformer` and `stack` (the render processes import this module by name):

    python tests/pipeline_scenes.py render --quality low --scenes transformer,stack

With NANOGPT_TEST_BROKEN=<section>, that section's scene raises halfway through instead.
"""
from __future__ import annotations

import os
import sys

from manim import FadeIn, Square

from scenes.base import NanoScene

TINY_SCENES = {"transformer": "TinyTransformer", "stack": "TinyStack"}


class TinyScene(NanoScene):
    def prepare(self) -> None:
        self.square = Square(side_length=1.5)

    def play_beat(self, line, method) -> None:  # one short animation in the first beat
        if method is None and self.square not in self.mobjects:
            method = lambda: self.play(FadeIn(self.square), run_time=self.t(0.2))
        super().play_beat(line, method)


class TinyTransformer(TinyScene):
    scene_id = "transformer"


class TinyStack(TinyScene):
    scene_id = "stack"


class Broken:
    """Raises at the start of its last beat, after writing part of its video."""

    def play_beat(self, line, method) -> None:
        if line == self.lines()[-1]:
            raise RuntimeError("a scene bug, on purpose")
        super().play_beat(line, method)


class BrokenTransformer(Broken, TinyTransformer):
    pass


class BrokenStack(Broken, TinyStack):
    pass


def register() -> None:
    """Point the registry at the tiny scenes (in this process: the parent looks scenes up)."""
    from scenes import registry

    for section, name in TINY_SCENES.items():
        registry.SCENES[section] = ("pipeline_scenes", name)
    broken = os.environ.get("NANOGPT_TEST_BROKEN")
    if broken:
        registry.SCENES[broken] = ("pipeline_scenes", "Broken" + TINY_SCENES[broken][len("Tiny"):])

if __name__ == "__main__":
    register()
    from pipeline.cli import main

    sys.exit(main(sys.argv[1:]))
