"""The chapter hand-off: every chapter boundary is the model map (a mixin of NanoScene).

Every scene but the first opens on the model map (ModelDiagram at style.MAP_HEIGHT /
style.MAP_CENTER) with its own part framed (the scene class's `map_part`) and zooms into that
part during the first OPEN_SHARE of its first line (at most OPEN_SECONDS), or lands the map on
its own diagram (`map_dock`). Every scene but the last closes in the last CLOSE_SHARE of its
last line: its drawing fades out while the map comes back, and the frame moves to the next
scene's part. So a scene's last frame is the next scene's first frame, captions aside
(tests/test_scenes.py checks it). Beats need not know: self.t(share) and the at_* holds share
out what is left of the line.
"""
from __future__ import annotations

import numpy as np
from manim import ORIGIN, FadeIn, FadeOut, Transform

from . import style
from .kit import ModelDiagram
from .kit.highlights import highlight_box, is_visible

OPEN_SECONDS, OPEN_SHARE = 1.0, 0.12     # the opening: at most this long / this share of line 1
CLOSE_SECONDS, CLOSE_SHARE = 1.4, 0.15   # the closing, in the last line


def scene_part(scene_id: str | None):
    """The map part (ModelDiagram.part name, layer) of scene `scene_id`, None if it has none."""
    if scene_id is None:
        return None
    from .registry import scene_class

    return scene_class(scene_id).map_part


class Handoff:
    """Mixin for NanoScene: open on the map and zoom in; close by zooming out to it."""

    # The scene's part of the model map: (ModelDiagram.part name, layer), e.g. ("attention", 0).
    # None: the scene neither opens on the map nor is framed on it (the first scene).
    map_part: tuple[str, int | None] | None = None
    # The scene's own ModelDiagram (an attribute name) that the opening lands the map on
    # instead of zooming through it; the first beat must then not fade that diagram in.
    map_dock: str | None = None

    handoff_map = None     # the map while the hand-off shows it
    handoff_frame = None   # the frame on its part

    def next_scene_id(self) -> str | None:
        from script.sections import SCENE_IDS
        ids = list(SCENE_IDS)
        i = ids.index(self.scene_id) if self.scene_id in ids else -1
        return ids[i + 1] if 0 <= i < len(ids) - 1 else None

    def opening_seconds(self, line) -> float:
        """Seconds of the first line the opening takes (0: the scene does not open on the map)."""
        return min(OPEN_SECONDS, OPEN_SHARE * line.duration) if self.map_part else 0.0

    def closing_seconds(self, line) -> float:
        """Seconds of the last line the closing takes (0: the last scene)."""
        return min(CLOSE_SECONDS, CLOSE_SHARE * line.duration) if self.next_scene_id() else 0.0

    def home_map(self) -> ModelDiagram:
        """The model map as every chapter boundary shows it (the same picture each time)."""
        return self.model_map(dock=None)

    def map_outline(self, diagram: ModelDiagram, part):
        if part is None:
            return None
        return highlight_box(diagram.part(*part).frame if part[0] == "block" else diagram.part(*part),
                             buff=0.08).set_z_index(10)

    def open_on_map(self) -> None:
        """First frame: the handoff map with this scene's part framed; then zoom into the part
        (or land on the scene's own diagram, see map_dock) in self.lead seconds."""
        if self.map_part is None:
            return
        # What prepare() already put on screen comes in with the opening, not at frame 0.
        early = [m for m in self.mobjects if m is not self.captions]
        self.remove(*early)
        arrive = [FadeIn(m) for m in early]
        self.handoff_map = self.home_map()
        self.handoff_frame = self.map_outline(self.handoff_map, self.map_part)
        self.add(self.handoff_map, self.handoff_frame)
        self.capture("first")
        dock = getattr(self, self.map_dock) if self.map_dock else None
        if dock is not None:
            target = dock.copy()
            frame_target = self.map_outline(target, self.map_part)
            self.play(Transform(self.handoff_map, target), Transform(self.handoff_frame, frame_target), *arrive,
                      run_time=self.lead)
            self.remove(self.handoff_map)
            self.add(dock)
            self.highlighted = self.handoff_frame   # the beat frame starts on the part
        else:
            focus = self.handoff_frame.get_center()
            zoomed = self.handoff_map.copy().scale(3.0, about_point=focus).shift(ORIGIN - focus)
            frame = self.handoff_frame.copy().scale(3.0, about_point=focus).shift(ORIGIN - focus)
            zoomed.set_opacity(0)
            frame.set_stroke(opacity=0)
            self.play(Transform(self.handoff_map, zoomed), Transform(self.handoff_frame, frame), *arrive,
                      run_time=self.lead)
            self.remove(self.handoff_map, self.handoff_frame)
        self.handoff_map = self.handoff_frame = None

    def close_on_map(self, seconds: float) -> None:
        """Last frame: the handoff map with the next scene's part framed. Whatever is on screen
        fades away while the map comes back (this scene's ModelDiagram, if one is on screen,
        moves into place; otherwise the map zooms out of this scene's part)."""
        nxt = self.next_scene_id()
        home = self.home_map()
        own = next((m for m in self.mobjects if isinstance(m, ModelDiagram) and is_visible(m)), None)
        others = [m for m in self.mobjects if m is not self.captions and m is not own]
        here = self.map_outline(home, self.map_part)
        if own is not None:
            start = own
        else:
            start = home.copy()
            focus = here.get_center() if here is not None else style.MAP_CENTER
            start.scale(3.0, about_point=focus).shift(ORIGIN - focus).set_opacity(0)
            self.add(start)
        fades = [FadeOut(m) for m in others]
        first = seconds * (0.65 if nxt else 1.0)
        self.play(Transform(start, home), *fades, run_time=first)
        self.remove(*others)
        self.highlighted = None
        self.handoff_map = start
        if nxt is not None:
            target = self.map_outline(home, scene_part(nxt))
            begin = here if here is not None else target.copy().set_stroke(opacity=0)
            self.handoff_frame = begin
            self.play(Transform(self.handoff_frame, target), run_time=seconds - first)
        self.capture("last")
