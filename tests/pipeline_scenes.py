"""Two tiny NanoScenes for tests/test_pipeline.py: real sections, real timing, almost no drawing,
so the whole pipeline (workers, cache, assembly) runs in seconds whatever the real scenes do.
The test points scenes.registry at them; the render processes import this module by name."""
from __future__ import annotations

from manim import FadeIn, Square

from scenes.base import NanoScene


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
