"""NanoScene: a Manim scene driven by the narration.

Each narration line of the scene's section is one *beat*. A beat method, marked with
@beat("line-id"), plays the animations for that line; the base scene shows the line's caption
cues at their times and then holds the picture until the line's audio has finished, so every
beat lasts exactly its line's duration. A line without a beat method simply holds the picture
(a writer can add lines without touching code).

Timing is counted in whole frames so no rounding drift builds up across a scene: the scene's
length equals the sum of its lines' durations within one frame.

Chapter boundaries (no hard cuts): every scene but the first opens on the model map
(ModelDiagram at MAP_HEIGHT/MAP_CENTER) with its own part framed (MAP_PARTS) and zooms into that
part during the first OPEN_SHARE of its first line (at most OPEN_SECONDS), or lands the map on
its own diagram (map_dock). Every scene but the last closes in the last CLOSE_SHARE of its last
line: its drawing fades out while the map comes back, and the frame moves to the next scene's
part. So a scene's last frame is the next scene's first frame (tests/test_boundaries.py).
Beats need not know: self.t(share) and the at_* holds share out what is left of the line.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from manim import ORIGIN, Animation, FadeIn, FadeOut, Scene, Text, Transform, Wait, config

from common.files import atomic_path
from pipeline.manim_ext.renderer import NanoRenderer

from . import style
from .beats import Beats
from .captions import CaptionArea, CaptionTrack
from .context import SceneContext, context_from_env
from .kit import ModelDiagram, ValueLabel
from .kit.highlights import highlight_box
from .kit.values import use_font

# ---- the handoff: every chapter boundary is the model map --------------------------------
# Each scene's part of the model map (ModelDiagram.part name, layer). A scene opens on the map
# with its part framed and zooms into that part while its first line starts; it closes by
# fading its drawing away while the map comes back, then moves the frame to the next scene's
# part. So the last frame of a scene and the first frame of the next are the same picture
# (captions aside): tests/test_boundaries.py checks it.
MAP_PARTS: dict[str, tuple[str, int | None]] = {
    "input": ("tokens", None), "prediction": ("probs", None), "embedding": ("embedding", None),
    "transformer": ("block", 0), "layernorm": ("ln_1", 0), "attention": ("attention", 0),
    "feedforward": ("feedforward", 0), "stack": ("blocks", None), "output": ("lm_head", None),
    "learned": ("blocks", None),
}
OPEN_SECONDS, OPEN_SHARE = 1.0, 0.12     # the opening: at most this long / this share of line 1
CLOSE_SECONDS, CLOSE_SHARE = 1.4, 0.15   # the closing, in the last line
MAP_HEIGHT, MAP_CENTER = 5.6, np.array([0.0, 0.55, 0.0])   # the map at the handoff

# ---- legibility: what the audit enforces on every text --------------------------------------
PX_PER_UNIT = 1080 / style.FRAME_H        # 135 px per scene unit at 1080p
DIGIT_PX_PER_SIZE = 1.417                 # a digit's height in px at 1080p per font_size point
MIN_TEXT_PX = 24                          # no text under 24 px at 1080p
TEXT_GAP = 0.0                            # scene units two texts' boxes keep apart (at least)
FOREGROUND_OPACITY = 0.5                  # texts at least this opaque must not overlap
TITLE_SAFE_X, TITLE_SAFE_Y = style.TITLE_SAFE_X, style.TITLE_SAFE_Y


class BeatOverrun(RuntimeError):
    """A beat's animations took longer than its narration line."""


def beat(line_id: str):
    """Mark a NanoScene method as the animation for narration line `line_id`."""
    def mark(method):
        method.beat_id = line_id
        return method
    return mark


class NanoScene(Beats, Scene):
    """Base for every section scene. Subclasses set `scene_id`, build their layout in
    `prepare()` and define @beat methods, speaking the vocabulary of scenes/beats.py."""

    scene_id: str = ""
    on_frames = None   # called with the frame count after each play (the render's progress bar)
    # Set by the render job (pipeline/segments.py BeatRecorder): per beat, whether to draw it,
    # skip it or reuse its cached segment. None: every beat is drawn.
    beat_recorder = None
    # The scene's own ModelDiagram (an attribute name) that the opening lands the map on
    # instead of zooming through it; the first beat must then not fade that diagram in.
    map_dock: str | None = None

    def __init__(self, context: SceneContext | None = None, skip_animations: bool = False, **kwargs):
        self.context = context   # None: the plain Manim CLI, read from the environment in setup()
        # Our renderer: the render speed-ups, and skip() for the beat cache (pipeline/manim_ext/)
        if kwargs.get("renderer") is None:
            kwargs["renderer"] = NanoRenderer(skip_animations=skip_animations)
        super().__init__(skip_animations=skip_animations, **kwargs)

    # ---- setup -------------------------------------------------------------------------

    def setup(self) -> None:
        if self.context is None:
            self.context = context_from_env()
        self.run = self.context.run
        self.trace = self.run.trace
        self.weights = self.run.weights
        self.cfg = self.run.config
        self.lang = self.context.lang
        self.words = self.context.words(self.scene_id)
        self.timeline = self.context.timeline
        self.camera.background_color = style.BACKGROUND
        self.fps = config.frame_rate
        self.captions = CaptionArea(self.context.language, self.fps, shown=self.context.captions_in_picture)
        use_font(self.context.language.font)   # labels and captions in the language's font
        self.frames = 0          # frames written so far (our clock; see module docstring)
        self.line = None
        self.beat_start = 0      # frame at which the current beat began
        self.keep_still = True   # save the beat-end still (not for beats a render job skips)
        self.last_still = None   # the still saved for the current beat
        # Tests switch this on before render() (which calls setup()): every play is checked.
        self.auditing = self.__dict__.get("auditing", False)
        self.audit_log: list[str] = []
        self.unsaid = []
        self.shown_labels: set = set()
        self.legibility_log: list[str] = []   # texts under MIN_TEXT_PX or outside title-safe
        self.lead = self.tail = 0.0           # seconds of the current line the handoff uses
        self.handoff_map = None                      # the handoff map while it is on screen
        self.handoff_frame = None
        self.boundary_images: dict[str, "np.ndarray"] = {}   # "first"/"last" when capturing
        self.capture_boundaries = self.__dict__.get("capture_boundaries", False)   # set before render()

    # ---- the handoff map ---------------------------------------------------------------

    @classmethod
    def map_part(cls, scene_id: str):
        return MAP_PARTS.get(scene_id)

    def next_scene_id(self) -> str | None:
        from script.sections import SCENE_IDS
        ids = list(SCENE_IDS)
        i = ids.index(self.scene_id) if self.scene_id in ids else -1
        return ids[i + 1] if 0 <= i < len(ids) - 1 else None

    def home_map(self) -> ModelDiagram:
        """The model map as every chapter boundary shows it (the same picture each time)."""
        tokens = [int(t) for t in self.run.input_tokens]
        d = ModelDiagram(tokens, words=self.context.words("model"), n_layer=self.cfg.n_layer,
                         probs=self.run.steps[0].probs, vocab_size=self.cfg.vocab_size)
        return d.scale_to_fit_height(MAP_HEIGHT).move_to(MAP_CENTER)

    def map_outline(self, diagram: ModelDiagram, scene_id: str | None):
        part = self.map_part(scene_id) if scene_id else None
        if part is None:
            return None
        return highlight_box(diagram.part(*part).frame if part[0] == "block" else diagram.part(*part),
                             buff=0.08).set_z_index(10)

    def open_on_map(self) -> None:
        """First frame: the handoff map with this scene's part framed; then zoom into the part
        (or land on the scene's own diagram, see map_dock) in self.lead seconds."""
        part = self.map_part(self.scene_id)
        if part is None:
            return
        # What prepare() already put on screen comes in with the opening, not at frame 0.
        early = [m for m in self.mobjects if m is not self.captions]
        self.remove(*early)
        arrive = [FadeIn(m) for m in early]
        self.handoff_map = self.home_map()
        self.handoff_frame = self.map_outline(self.handoff_map, self.scene_id)
        self.add(self.handoff_map, self.handoff_frame)
        self.capture("first")
        dock = getattr(self, self.map_dock) if self.map_dock else None
        if dock is not None:
            target = dock.copy()
            frame_target = self.map_outline(target, self.scene_id)
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
        own = next((m for m in self.mobjects if isinstance(m, ModelDiagram) and _is_visible(m)), None)
        others = [m for m in self.mobjects if m is not self.captions and m is not own]
        here = self.map_outline(home, self.scene_id) if self.map_part(self.scene_id) else None
        if own is not None:
            start = own
        else:
            start = home.copy()
            focus = here.get_center() if here is not None else MAP_CENTER
            start.scale(3.0, about_point=focus).shift(ORIGIN - focus).set_opacity(0)
            self.add(start)
        fades = [FadeOut(m) for m in others]
        first = seconds * (0.65 if nxt else 1.0)
        self.play(Transform(start, home), *fades, run_time=first)
        self.remove(*others)
        self.highlighted = None
        self.handoff_map = start
        if nxt is not None:
            target = self.map_outline(home, nxt)
            begin = here if here is not None else target.copy().set_stroke(opacity=0)
            self.handoff_frame = begin
            self.play(Transform(self.handoff_frame, target), run_time=seconds - first)
        self.capture("last")

    def capture(self, which: str) -> None:
        """Keep the current picture as the scene's first/last frame (boundary tests)."""
        if not self.capture_boundaries:
            return
        self.renderer.update_frame(self, ignore_skipping=True)
        self.boundary_images[which] = np.array(self.camera.get_image().convert("RGB"))

    def beats(self) -> dict:
        """line id -> bound beat method, in definition order (base classes first)."""
        found = {}
        for cls in reversed(type(self).__mro__):
            for name, member in vars(cls).items():
                if callable(member) and hasattr(member, "beat_id"):
                    found[member.beat_id] = getattr(self, name)
        return found

    def lines(self):
        return self.timeline.lines(self.scene_id)

    # ---- the clock ---------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        """Seconds of video written so far (whole frames)."""
        return self.frames / self.fps

    @property
    def span(self) -> float:
        """Seconds of the current line the beat has: up to its hold (the narration's pause, kept
        still), less the handoff's opening and closing."""
        return self.line.held_from - self.lead - self.tail

    def t(self, share: float) -> float:
        """A share of the current line's beat time, in seconds (for run_time budgets); the
        handoff's opening and closing are taken out first."""
        return share * self.span

    def remaining(self) -> float:
        """Seconds left in the current beat (before the closing, in the last line)."""
        end = round((self.line.start + self.line.held_from - self.tail) * self.fps)
        return max(0, end - self.frames) / self.fps

    # ---- playing -----------------------------------------------------------------------

    def construct(self) -> None:
        self.prepare()
        beats = self.beats()
        lines = list(self.lines())
        for i, line in enumerate(lines):
            self.lead = min(OPEN_SECONDS, OPEN_SHARE * line.duration) if i == 0 and self.map_part(self.scene_id) else 0.0
            self.tail = (min(CLOSE_SECONDS, CLOSE_SHARE * line.duration)
                         if i == len(lines) - 1 and self.next_scene_id() else 0.0)
            self.play_recorded_beat(i, line, beats.get(line.id))

    def play_recorded_beat(self, index: int, line, method) -> None:
        """play_beat, told by the beat recorder (if any) whether to draw its frames."""
        recorder = self.beat_recorder
        self.keep_still = recorder is None or recorder.begin(self, index, line)
        self.last_still = None
        self.play_beat(line, method)
        if recorder is not None:
            recorder.end(self, index, self.last_still)

    def prepare(self) -> None:
        """Build the scene's persistent layout (override)."""

    def play_beat(self, line, method) -> None:
        self.line = line
        self.beat_start = self.frames
        # A skipped beat (no frames, no still) needs the cue times, not their texts.
        self.captions.set_line(line, texts=self.keep_still or not self.renderer.skipping)
        if self.captions not in self.mobjects:
            self.add(self.captions)
        if self.lead:
            self.open_on_map()
        if method is not None:
            method()
        end = round((line.start + line.duration) * self.fps)
        close_at = end - round(self.tail * self.fps)
        if self.frames > close_at:
            raise BeatOverrun(f"{type(self).__name__}: beat {line.id!r} took "
                              f"{(self.frames - self.beat_start) / self.fps:.2f}s of its "
                              f"{line.duration:.2f}s")
        if self.tail:
            self.hold((close_at - self.frames) / self.fps)
            if self.context.stills_dir is not None and self.keep_still:   # the beat's slide, not the map
                self.save_still(self.context.stills_dir)
            self.close_on_map((end - self.frames) / self.fps)
        self.hold((end - self.frames) / self.fps)
        if self.auditing:
            self.audit()
        if self.context.stills_dir is not None and self.keep_still and not self.tail:
            self.save_still(self.context.stills_dir)

    def save_still(self, folder: Path) -> Path:
        """The current frame as <folder>/<scene>-<nn>-<line id>.png (a slide per beat)."""
        folder.mkdir(parents=True, exist_ok=True)
        index = [line.id for line in self.lines()].index(self.line.id) + 1
        path = folder / f"{self.scene_id}-{index:02d}-{self.line.id}.png"
        self.renderer.update_frame(self, ignore_skipping=True)
        with atomic_path(path) as tmp:
            self.camera.get_image().convert("RGB").save(tmp, format="PNG")
        self.last_still = path
        return path

    def _beat_time(self) -> float:
        """Seconds since the current beat began (on our frame clock)."""
        return (self.frames - self.beat_start) / self.fps

    def play(self, *animations, run_time: float | None = None, **kwargs) -> None:
        """Scene.play on whole frames, with the caption cues kept in step."""
        if run_time is None:
            run_time = max((getattr(a, "run_time", 1.0) for a in animations
                            if isinstance(a, Animation)), default=1.0)
        n = max(1, round(run_time * self.fps))
        animations = self.lift_movers(animations)
        first = self.frames - self.beat_start   # the play's first frame, in the line
        if any(first < f < first + n for f in self.captions.changes()) and self.captions.submobjects:
            # Manim redraws every frame all mobjects from the first animated one on; with the
            # captions last, a cue change redraws only them (not every heatmap after them).
            self.bring_to_front(self.captions)
            animations = (*animations, CaptionTrack(self.captions, first, (n - 0.5) / self.fps))
        else:
            self.captions.show_frame(first)
        # Manim writes ceil(run_time * fps) frames for a play: ask for n - 0.5 frames' time.
        super().play(*animations, run_time=(n - 0.5) / self.fps, **kwargs)
        self._advance(n)
        if self.auditing:
            self.audit()

    # ---- checks (for tests) --------------------------------------------------------------

    def visible_mobjects(self):
        """Top-level mobjects on screen other than the captions."""
        return [m for m in self.mobjects if m is not self.captions and _is_visible(m)]

    def audit(self) -> None:
        """Record layout problems: off-frame, or reaching into the caption band."""
        where = f"{type(self).__name__} beat {self.line.id if self.line else '-'}"
        half_w, half_h = style.FRAME_W / 2, style.FRAME_H / 2
        for mob in self.visible_mobjects():
            family = mob.get_family()
            for part in family:
                # ValueLabels are few: the type test first spares a visibility walk per part.
                if isinstance(part, ValueLabel) and _has_any_points(part) and (part is mob or _is_visible(part)):
                    self.shown_labels.add(part)
            if not any(_has_points(m) for m in family):
                continue
            # get_left()[0], get_bottom()[1]... each walk the boundary points: one walk here
            points = mob.get_points_defining_boundary()
            (left, bottom), (right, top) = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
            name = type(mob).__name__
            if left < -half_w or right > half_w or top > half_h or bottom < -half_h:
                self.audit_log.append(f"{where}: {name} leaves the frame "
                                      f"(x {left:.2f}..{right:.2f}, y {bottom:.2f}..{top:.2f})")
            elif bottom < style.CAPTION_TOP - 1e-6:
                self.audit_log.append(f"{where}: {name} reaches into the caption band "
                                      f"(bottom {bottom:.2f} < {style.CAPTION_TOP})")
        self.audit_text()

    def audit_text(self) -> None:
        """Record texts a viewer cannot read comfortably: under MIN_TEXT_PX at 1080p (a
        digit's height, from the font size after any scaling), outside title-safe, or over
        another text (of those in the foreground: a dimmed layer steps back on purpose)."""
        where = f"{self.scene_id} beat {self.line.id if self.line else '-'}"
        seen = getattr(self, "_legibility_seen", set())
        self._legibility_seen = seen
        boxes = []   # (text, box) of every foreground text, for the overlap check
        for mob in self.visible_mobjects():
            for part in mob.get_family():
                if not isinstance(part, Text) or not _has_any_points(part) or not _is_visible(part):
                    continue
                shown = " ".join(str(part.text).split())[:30]
                px = part.font_size * DIGIT_PX_PER_SIZE
                if px < MIN_TEXT_PX - 0.05 and (shown, "size") not in seen:
                    seen.add((shown, "size"))
                    self.legibility_log.append(f"{where}: text {shown!r} is {px:.1f} px at 1080p "
                                               f"(font_size {part.font_size:.1f}; min {MIN_TEXT_PX} px)")
                points = part.get_points_defining_boundary()
                (left, bottom), (right, top) = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
                if _opacity(part) >= FOREGROUND_OPACITY:   # a dimmed layer steps back on purpose
                    boxes.append((shown, (left, bottom, right, top)))
                if (left < -TITLE_SAFE_X - 1e-3 or right > TITLE_SAFE_X + 1e-3 or top > TITLE_SAFE_Y + 1e-3
                        or bottom < -TITLE_SAFE_Y - 1e-3) and (shown, "margin") not in seen:
                    seen.add((shown, "margin"))
                    edge = min(left + style.FRAME_W / 2, style.FRAME_W / 2 - right,
                               style.FRAME_H / 2 - top, bottom + style.FRAME_H / 2) * PX_PER_UNIT
                    self.legibility_log.append(f"{where}: text {shown!r} is {edge:.0f} px from the frame's "
                                               f"edge at 1080p (title-safe: {0.05 * 1920:.0f} px)")
        for a, b in _overlapping(boxes):
            if (a, b, "overlap") not in seen:
                seen.add((a, b, "overlap"))
                self.legibility_log.append(f"{where}: text {a!r} runs into text {b!r}")

    def hold(self, duration: float) -> None:
        """Keep the picture still for `duration` seconds, switching caption cues on time."""
        n_total = round(duration * self.fps)
        first = self.frames - self.beat_start   # in the line, as the caption's cue changes
        edges = [first, *(f for f in self.captions.changes() if first < f < first + n_total), first + n_total]
        for a, b in zip(edges, edges[1:]):
            if b > a:
                self.captions.show_frame(a)
                self._wait_frames(b - a)

    def wait(self, duration: float = 1.0, **kwargs) -> None:
        self.hold(duration)

    def _wait_frames(self, n: int) -> None:
        # A frozen wait writes int(run_time * fps) frames, a live one ceil(run_time * fps).
        frozen = not (self.always_update_mobjects or self.updaters or any(
            m.has_time_based_updater() for m in self.get_mobject_family_members()))
        run_time = (n + 0.5) / self.fps if frozen else (n - 0.5) / self.fps
        Scene.play(self, Wait(run_time=run_time, frozen_frame=frozen))
        self._advance(n)

    def _advance(self, n: int) -> None:
        self.frames += n
        if self.on_frames is not None:
            self.on_frames(self.frames)


def _has_points(mob) -> bool:
    return mob.has_points() if hasattr(mob, "has_points") else True


def _has_any_points(mob) -> bool:
    """True if the mobject or any part of it has points (a Text's points are in its glyphs)."""
    return any(_has_points(m) for m in mob.get_family())


def _overlapping(boxes):
    """The pairs of texts, of (text, (left, bottom, right, top)) `boxes`, whose boxes come
    closer than TEXT_GAP across both axes (one text over or against another)."""
    for i, (a, (l1, b1, r1, t1)) in enumerate(boxes):
        for b, (l2, b2, r2, t2) in boxes[i + 1:]:
            if min(r1, r2) - max(l1, l2) > -TEXT_GAP and min(t1, t2) - max(b1, b2) > -TEXT_GAP:
                yield a, b


def _opacity(mob) -> float:
    """The most opaque fill among the mobject's drawn parts (a Text's glyphs)."""
    return max((m.get_fill_opacity() for m in mob.get_family() if m.has_points()), default=0.0)


def _is_visible(mob) -> bool:
    """False for fully transparent VMobjects (e.g. faded out but still in the scene)."""
    if mob.__class__.__name__ == "ImageMobject" or not hasattr(mob, "get_fill_opacity"):
        return True
    family = mob.get_family()
    return any(m.get_fill_opacity() > 0.01 or (m.get_stroke_width() > 0 and m.get_stroke_opacity() > 0.01)
               for m in family if m.has_points())
