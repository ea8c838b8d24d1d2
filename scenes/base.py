"""NanoScene: a Manim scene driven by the narration.

Each narration line of the scene's section is one *beat*. A beat method, marked with
@beat("line-id"), plays the animations for that line; the base scene shows the line's caption
cues at their times and then holds the picture until the line's audio has finished, so every
beat lasts exactly its line's duration. A line without a beat method simply holds the picture
(a writer can add lines without touching code).

Timing is counted in whole frames so no rounding drift builds up across a scene: the scene's
length equals the sum of its lines' durations within one frame.
"""
from __future__ import annotations

from pathlib import Path

from manim import Animation, Scene, Text, VGroup, Wait, config

from common.files import atomic_path

from . import style
from .beats import Beats
from .context import SceneContext, context_from_env
from .kit import ValueLabel


class BeatOverrun(RuntimeError):
    """A beat's animations took longer than its narration line."""


def beat(line_id: str):
    """Mark a NanoScene method as the animation for narration line `line_id`."""
    def mark(method):
        method.beat_id = line_id
        return method
    return mark


class CaptionTrack(Animation):
    """Shows the right caption cue at each frame of a play that crosses a cue boundary."""

    def __init__(self, captions: "CaptionArea", start: float, run_time: float, **kwargs):
        self.captions, self.start = captions, start
        super().__init__(captions, run_time=run_time, rate_func=lambda t: t, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        self.captions.show_at(self.start + alpha * self.run_time)


class CaptionArea(VGroup):
    """The caption band at the bottom: one Text per cue of the current line, one visible."""

    def __init__(self, language):
        super().__init__()
        self.language = language
        self.cues = []

    def set_line(self, line) -> None:
        self.remove(*self.submobjects)
        self.cues = list(line.cues) or []
        texts = [self._text(cue.text) for cue in self.cues]
        if texts:
            self.add(*texts)
        self.show_at(0.0)

    def _text(self, text: str) -> Text:
        t = Text(text, font=self.language.font, font_size=self.language.caption_size, color=style.INK,
                 line_spacing=0.9)
        max_w, max_h = 2 * style.SAFE_X, style.CAPTION_TOP - (-style.FRAME_H / 2) - 0.25
        if t.width > max_w:
            t.scale_to_fit_width(max_w)
        if t.height > max_h:
            t.scale_to_fit_height(max_h)
        return t.move_to([0, style.CAPTION_CENTER_Y, 0])

    def active_index(self, t: float) -> int | None:
        for i, cue in enumerate(self.cues):
            if cue.offset <= t + 1e-9 < cue.offset + cue.duration:
                return i
        return None

    def show_at(self, t: float) -> None:
        active = self.active_index(t)
        for i, text in enumerate(self.submobjects):
            text.set_opacity(1.0 if i == active else 0.0)

    def boundaries(self) -> list[float]:
        return sorted({c.offset for c in self.cues} | {c.offset + c.duration for c in self.cues})


class NanoScene(Beats, Scene):
    """Base for every section scene. Subclasses set `scene_id`, build their layout in
    `prepare()` and define @beat methods, speaking the vocabulary of scenes/beats.py."""

    scene_id: str = ""
    on_frames = None   # called with the frame count after each play (the render's progress bar)

    def __init__(self, context: SceneContext | None = None, **kwargs):
        self.context = context   # None: the plain Manim CLI, read from the environment in setup()
        super().__init__(**kwargs)

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
        self.captions = CaptionArea(self.context.language)
        self.fps = config.frame_rate
        self.frames = 0          # frames written so far (our clock; see module docstring)
        self.line = None
        self.beat_start = 0      # frame at which the current beat began
        self.auditing = False    # tests switch this on: every play is checked (see audit())
        self.audit_log: list[str] = []
        self.unsaid = []
        self.shown_labels: set = set()

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

    def t(self, share: float) -> float:
        """A share of the current line's duration, in seconds (for run_time budgets)."""
        return share * self.line.duration

    def remaining(self) -> float:
        """Seconds left in the current beat."""
        end = round((self.line.start + self.line.duration) * self.fps)
        return max(0, end - self.frames) / self.fps

    # ---- playing -----------------------------------------------------------------------

    def construct(self) -> None:
        self.prepare()
        beats = self.beats()
        for line in self.lines():
            self.play_beat(line, beats.get(line.id))

    def prepare(self) -> None:
        """Build the scene's persistent layout (override)."""

    def play_beat(self, line, method) -> None:
        self.line = line
        self.beat_start = self.frames
        self.captions.set_line(line)
        if self.captions not in self.mobjects:
            self.add(self.captions)
        if method is not None:
            method()
        end = round((line.start + line.duration) * self.fps)
        if self.frames > end:
            raise BeatOverrun(f"{type(self).__name__}: beat {line.id!r} took "
                              f"{(self.frames - self.beat_start) / self.fps:.2f}s of its "
                              f"{line.duration:.2f}s")
        self.hold((end - self.frames) / self.fps)
        if self.auditing:
            self.audit()
        if self.context.stills_dir is not None:
            self.save_still(self.context.stills_dir)

    def save_still(self, folder: Path) -> Path:
        """The current frame as <folder>/<scene>-<nn>-<line id>.png (a slide per beat)."""
        folder.mkdir(parents=True, exist_ok=True)
        index = [line.id for line in self.lines()].index(self.line.id) + 1
        path = folder / f"{self.scene_id}-{index:02d}-{self.line.id}.png"
        self.renderer.update_frame(self, ignore_skipping=True)
        with atomic_path(path) as tmp:
            self.camera.get_image().convert("RGB").save(tmp, format="PNG")
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
        start = self._beat_time()
        crossing = [b for b in self.captions.boundaries() if start < b < start + n / self.fps]
        if crossing and self.captions.submobjects:
            # Manim redraws every frame all mobjects from the first animated one on; with the
            # captions last, a cue change redraws only them (not every heatmap after them).
            self.bring_to_front(self.captions)
            animations = (*animations, CaptionTrack(self.captions, start, (n - 0.5) / self.fps))
        else:
            self.captions.show_at(start)
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
            for part in [mob, *mob.get_family()]:
                if part is not mob and not _is_visible(part):
                    continue
                if _has_points(part) and isinstance(part, ValueLabel):
                    self.shown_labels.add(part)
            if not _has_points(mob):
                continue
            left, right = mob.get_left()[0], mob.get_right()[0]
            bottom, top = mob.get_bottom()[1], mob.get_top()[1]
            name = type(mob).__name__
            if left < -half_w or right > half_w or top > half_h or bottom < -half_h:
                self.audit_log.append(f"{where}: {name} leaves the frame "
                                      f"(x {left:.2f}..{right:.2f}, y {bottom:.2f}..{top:.2f})")
            elif bottom < style.CAPTION_TOP - 1e-6:
                self.audit_log.append(f"{where}: {name} reaches into the caption band "
                                      f"(bottom {bottom:.2f} < {style.CAPTION_TOP})")

    def hold(self, duration: float) -> None:
        """Keep the picture still for `duration` seconds, switching caption cues on time."""
        n_total = round(duration * self.fps)
        start = self._beat_time()
        cuts = [b for b in self.captions.boundaries() if start < b < start + n_total / self.fps]
        edges = [self.beat_start + round(start * self.fps)] + \
                [self.beat_start + round(b * self.fps) for b in cuts] + [self.frames + n_total]
        for a, b in zip(edges, edges[1:]):
            if b <= a:
                continue
            self.captions.show_at(self._beat_time())
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


def _is_visible(mob) -> bool:
    """False for fully transparent VMobjects (e.g. faded out but still in the scene)."""
    if mob.__class__.__name__ == "ImageMobject" or not hasattr(mob, "get_fill_opacity"):
        return True
    family = mob.get_family()
    return any(m.get_fill_opacity() > 0.01 or (m.get_stroke_width() > 0 and m.get_stroke_opacity() > 0.01)
               for m in family if m.has_points())
