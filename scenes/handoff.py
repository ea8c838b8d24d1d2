"""The chapter hand-off (a mixin of NanoScene): a chapter change is a camera move through the
model map, and a scene's last frame is the next scene's first frame (captions aside;
tests/test_scenes.py checks it).

Two kinds of boundary, chosen by the two scenes' `mini_map` (the one-line opt-in of a detail
chapter):

- Between two detail chapters, the *dock*: the mini-map stays where it is (top right), its
  "you are here" cursor slides from this chapter's part to the next one's. The closing shrinks
  the chapter's drawing into its part of the mini-map (the camera pulls out of the block); the
  opening grows the next chapter's drawing out of its part (the camera pushes into the next
  block). The focus token's column rides across: the closing lifts it out of this chapter
  (`carry_out`, `carry_spot("out")`) into the hand-off slot, the opening sets it down where the
  next chapter uses it (`carry_in`, `carry_spot("in")`), so the frame between the two is never
  empty.
- Otherwise the *map*: the model map docked on the right with the next chapter's part framed.
  An overview chapter keeps its map there (`map_dock`), so the map never swings.

The opening takes the first OPEN_SHARE of a scene's first line (at most OPEN_SECONDS), the
closing the last CLOSE_SHARE of its last line: 2-3 s from one chapter into the next. Beats need
not know: self.t(share) and the at_* holds share out what is left of the line.
"""
from __future__ import annotations

import numpy as np
from manim import RIGHT, UP, Create, FadeIn, FadeOut, FadeTransform, Group, ReplacementTransform, Transform

from . import style

from .kit import Dock, MiniMap, ModelDiagram, boundary_block, carried_column, flow_arrow
from .kit.highlights import highlight_box, is_visible, set_look

OPEN_SECONDS, OPEN_SHARE = 1.3, 0.25     # the opening: at most this long / this share of line 1
CLOSE_SECONDS, CLOSE_SHARE = 1.3, 0.25   # the closing, in the last line


def scene_class_of(scene_id: str | None):
    if scene_id is None:
        return None
    from .registry import scene_class

    return scene_class(scene_id)


class Handoff:
    """Mixin for NanoScene: open on the boundary picture and move in; close by moving out."""

    # The scene's part of the model map: (ModelDiagram.part name, layer), e.g. ("attention", 0).
    # None: the scene neither opens on the map nor is framed on it (the first scene).
    map_part: tuple[str, int | None] | None = None
    # The scene's own ModelDiagram (an attribute name) that a map opening lands the map on; the
    # first beat must then not fade that diagram in.
    map_dock: str | None = None
    # The one-line opt-in of a detail chapter: the docked mini-map with its "you are here" cursor
    # on map_part (self.dock), and dock boundaries with the detail chapters beside it.
    mini_map: bool = False
    # Trace names of the focus column the scene receives at its opening / hands on at its
    # closing (e.g. "h.0.ln_1.out"); carried when one scene's carry_out is the next's carry_in.
    carry_in: str | None = None
    carry_out: str | None = None

    dock: Dock | None = None   # the dock, once on screen (mini_map scenes)
    stand_in = None            # the carried column, waiting on its spot for the scene's first move

    def carry_spot(self, which: str):
        """Where the carried column sits in this scene's drawing ("in": where it lands at the
        opening, "out": where it leaves from at the closing). Override with carry_in/out."""
        return None

    # ---- who is next to whom ---------------------------------------------------------------

    def neighbour_id(self, step: int) -> str | None:
        from script.sections import SCENE_IDS
        ids = list(SCENE_IDS)
        i = ids.index(self.scene_id) if self.scene_id in ids else -1
        j = i + step
        return ids[j] if i >= 0 and 0 <= j < len(ids) else None

    def next_scene_id(self) -> str | None:
        return self.neighbour_id(1)

    def boundary_kind(self, before, after) -> str:
        """"dock" between two detail chapters, else "map"."""
        return "dock" if before is not None and before.mini_map and after.mini_map else "map"

    def carried(self, before, after) -> str | None:
        """The trace name carried across the boundary, if the two scenes agree on one."""
        if before is None or before.carry_out is None or before.carry_out != after.carry_in:
            return None
        return before.carry_out

    def opening_seconds(self, line) -> float:
        """Seconds of the first line the opening takes (0: the scene does not open on the map)."""
        return min(OPEN_SECONDS, OPEN_SHARE * line.duration) if self.map_part else 0.0

    def closing_seconds(self, line) -> float:
        """Seconds of the last line the closing takes (0: the last scene)."""
        return min(CLOSE_SECONDS, CLOSE_SHARE * line.duration) if self.next_scene_id() else 0.0

    # ---- what a boundary shows ---------------------------------------------------------------

    def new_dock(self) -> Dock:
        """The dock with its cursor on this scene's part."""
        mini = MiniMap([int(t) for t in self.run.input_tokens], n_layer=self.cfg.n_layer, n_head=self.cfg.n_head,
                       probs=self.run.steps[0].probs, vocab_size=self.cfg.vocab_size)
        return Dock(mini, self.context.words("model"), n_layer=self.cfg.n_layer).place(*self.map_part)

    def carry_picture(self, name: str):
        """The carried column in the hand-off slot (the same picture on both sides)."""
        return carried_column(self.trace[name][self.focus_t], f"{name}[{self.focus_t + 1}]")

    def map_outline(self, diagram: ModelDiagram, part):
        if part is None:
            return None
        return highlight_box(diagram.part(*part).frame if part[0] == "block" else diagram.part(*part),
                             buff=0.08).set_z_index(10)

    # ---- the opening -----------------------------------------------------------------------

    def open_on_map(self) -> None:
        """First frame: the boundary picture; then move into this scene in self.lead seconds."""
        if self.map_part is None:
            return
        # What prepare() already put on screen comes in with the opening, not at frame 0.
        early = [m for m in self.mobjects if m is not self.captions]
        self.remove(*early)
        before = scene_class_of(self.neighbour_id(-1))
        if self.boundary_kind(before, type(self)) == "dock":
            self._open_from_dock(early, self.carried(before, type(self)))
        else:
            self._open_from_map(early)

    def boundary_picture(self, part, carried: str | None) -> tuple:
        """(block, arrow, column) between two detail chapters: the block the camera is at,
        named; the carried column in its slot with an arrow into the block (None, None without)."""
        words = self.context.words("model")
        block = boundary_block(words, *part, n_layer=self.cfg.n_layer)
        if not carried:
            return block, None, None
        column = self.carry_picture(carried)
        arrow = flow_arrow(column[0].get_right() + RIGHT * 0.1, block[0].get_left(), color=style.MUTED)
        return block, arrow, column

    def _open_from_dock(self, early, carried: str | None) -> None:
        self.dock = self.new_dock()
        block, arrow, column = self.boundary_picture(self.map_part, carried)
        self.add(self.dock, block, *([arrow, column] if column else []))
        self.capture("first")
        own = getattr(self, self.map_dock) if self.map_dock else None
        if own is not None:   # the whole map: the mini-map opens up into it, the dock leaves
            early = [m for m in early if m is not own]
            self.remove(self.dock)
            dock, self.dock = self.dock, None
            moves = [FadeTransform(dock.mini, own), FadeOut(dock.cursor), FadeOut(dock.name)]
        else:
            moves = []
        arrivals = grow_from(early, block[0])
        moves += [FadeOut(block, scale=2.5)] + ([FadeOut(arrow)] if arrow else [])
        spot = self.carry_spot("in") if column else None
        if spot is not None and arrivals:   # it lands as the drawing arrives around it
            landed = column_at(column, spot)
            set_look(landed, 0.0)
            moves += [Transform(part, target, remover=True) for part, target in zip(column, landed)]
        elif spot is not None:              # nothing drawn yet: it waits on its spot (see hand_over)
            moves += [Transform(part, target) for part, target in zip(column, column_at(column, spot))]
        elif column is not None:
            moves.append(FadeOut(column))
        self.play(*arrivals, *moves, run_time=self.lead)
        if spot is not None and not arrivals:
            self.stand_in = column

    def hand_over(self, animations) -> list:
        """The scene's first move after an opening that found nothing drawn: the carried column
        waiting on its spot fades as the scene's own drawing comes in."""
        if self.stand_in is None or not animations:
            return list(animations)
        stand_in, self.stand_in = self.stand_in, None
        return [*animations, FadeOut(stand_in)]

    def _open_from_map(self, early) -> None:
        home = self.model_map(dock="right")
        frame = self.map_outline(home, self.map_part)
        self.add(home, frame)
        self.capture("first")
        own = getattr(self, self.map_dock) if self.map_dock else None
        if own is not None:
            self.play(Transform(home, own.copy()), Transform(frame, self.map_outline(own, self.map_part)),
                      *[FadeIn(m) for m in early if m is not own], run_time=self.lead)
            self.remove(home)
            self.add(own)
            self.highlighted = frame   # the beat frame starts on the part
        else:
            self.play(FadeOut(home), FadeOut(frame), *grow_from(early, frame), run_time=self.lead)

    # ---- the dock inside a chapter -------------------------------------------------------------

    def dock_map(self, diagram: ModelDiagram, *also, run_time: float) -> None:
        """The scene's big map shrinks into the dock (the mini-map takes its place), while
        `also` plays."""
        self.dock = self.new_dock()
        self.play(FadeTransform(diagram, self.dock.mini), FadeIn(self.dock.cursor), FadeIn(self.dock.name),
                  *also, run_time=run_time)
        self.remove(self.dock.mini, self.dock.cursor, self.dock.name)
        self.add(self.dock)

    def you_are_here(self, name: str, layer: int | None = None, head: int | None = None) -> list:
        """Animations moving the dock's cursor (e.g. onto the head a chapter follows)."""
        return self.dock.go(name, layer, head)

    # ---- the closing -----------------------------------------------------------------------

    def close_on_map(self, seconds: float) -> None:
        """Last frame: the next scene's boundary picture."""
        after = scene_class_of(self.next_scene_id())
        if after.map_part is None:
            raise ValueError(f"{after.__name__} follows {type(self).__name__} but has no map_part: a scene after "
                             f"another needs its part of the model map (scenes/handoff.py)")
        if self.boundary_kind(type(self), after) == "dock":
            self._close_into_dock(seconds, after)
        else:
            self._close_onto_map(seconds, after)
        self.highlighted = None
        self.capture("last")

    def _close_into_dock(self, seconds: float, after) -> None:
        own = next((m for m in self.mobjects if isinstance(m, ModelDiagram) and is_visible(m)), None)
        docking = []
        if self.dock is None or self.dock not in self.mobjects:
            self.dock = self.new_dock()
            if own is not None:   # the whole map closes up into the mini-map
                docking = [FadeTransform(own, self.dock.mini), FadeIn(self.dock.cursor), FadeIn(self.dock.name)]
            else:
                self.add(self.dock)
        carried = self.carried(type(self), after)
        block, arrow, column = self.boundary_picture(after.map_part, carried)
        here = self.boundary_picture(self.map_part, None)[0]
        others = [m for m in self.mobjects if m is not self.captions and m is not self.dock
                  and not (docking and m is own)]
        lift = []
        if column is not None:
            spot = self.carry_spot("out")
            start = column_at(column, spot) if spot is not None else set_look(column.copy(), 0.0)
            lift += [ReplacementTransform(a, b) for a, b in zip(start, column)]
        first = seconds * 0.55
        self.play(*shrink_into(others, here[0]), FadeIn(here, scale=2.5), *lift, *docking, run_time=first)
        self.remove(*others)
        if docking:
            self.remove(self.dock.mini, self.dock.cursor, self.dock.name)
            self.add(self.dock)
        self.play(FadeOut(here), FadeIn(block), *([Create(arrow)] if arrow else []),
                  *self.dock.go(*after.map_part), run_time=seconds - first)

    def _close_onto_map(self, seconds: float, after) -> None:
        home = self.model_map(dock="right")
        own = next((m for m in self.mobjects if isinstance(m, ModelDiagram) and is_visible(m)), None)
        others = [m for m in self.mobjects if m is not self.captions and m is not own]
        first = seconds * 0.65
        here = self.map_outline(home, self.map_part)
        if own is not None:
            self.play(Transform(own, home), *[FadeOut(m) for m in others], run_time=first)
        else:
            self.play(FadeIn(home), *[FadeOut(m) for m in others], run_time=first)
        self.remove(*others)
        target = self.map_outline(home, after.map_part)
        frame = here if here is not None else target.copy().set_stroke(opacity=0)
        self.add(frame)
        self.play(Transform(frame, target), run_time=seconds - first)


def column_at(column, spot):
    """The carried column set down on `spot` (its strip and outline on it, its name faded)."""
    strip, outline, title = column.copy()
    strip.replace(spot, stretch=True)
    outline.replace(spot, stretch=True)
    set_look(title.next_to(spot, UP, buff=0.1), 0.0)
    return Group(strip, outline, title)


def grow_from(mobs, box) -> list:
    """Animations bringing `mobs` in out of `box`, as one picture (each starts shrunk about
    the group's centre to the box's size, and invisible): the camera pushes into a block."""
    mobs = [m for m in mobs if is_visible(m)]
    if not mobs:
        return []
    whole = Group(*mobs)
    factor = min(box.width / whole.width, box.height / whole.height)
    starts = [_shrunk(m, whole.get_center(), box.get_center(), factor) for m in mobs]
    return [ReplacementTransform(s, m) for s, m in zip(starts, mobs)]


def shrink_into(mobs, box) -> list:
    """Animations taking `mobs` into `box`, as one picture (the reverse of grow_from)."""
    mobs = [m for m in mobs if is_visible(m)]
    if not mobs:
        return []
    whole = Group(*mobs)
    factor = min(box.width / whole.width, box.height / whole.height)
    return [Transform(m, _shrunk(m, whole.get_center(), box.get_center(), factor)) for m in mobs]


def _shrunk(mob, center, point, factor: float):
    copy = mob.copy()
    copy.scale(factor, about_point=center).shift(np.asarray(point) - center)
    return set_look(copy, 0.0)
