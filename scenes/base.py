"""NanoScene: a Manim scene driven by the narration.

Each narration line of the scene's section is one *beat*. A beat method, marked with
@beat("line-id"), plays the animations for that line; the base scene shows the line's caption
cues at their times and then holds the picture until the line's audio has finished, so every
beat lasts exactly its line's duration. A line without a beat method simply holds the picture
(a writer can add lines without touching code).

Timing is counted in whole frames so no rounding drift builds up across a scene: the scene's
length equals the sum of its lines' durations within one frame.

NanoScene's other jobs are mixins, one module each: the chapter hand-off (scenes/handoff.py:
the map at every boundary), the layout audit tests switch on (scenes/audit.py), and the beat
vocabulary (scenes/beats.py).
"""
from __future__ import annotations

from pathlib import Path

from manim import RIGHT, UP, Animation, Scene, Wait, config

from common.files import atomic_path
from pipeline.manim_ext.renderer import NanoRenderer

from . import style
from .audit import Audit
from .beats import Beats
from .captions import CaptionArea, CaptionTrack
from .context import SceneContext, context_from_env
from .handoff import Handoff
from .kit import ModelDiagram
from .kit.values import use_font


class BeatOverrun(RuntimeError):
    """A beat's animations took longer than its narration line."""


def beat(line_id: str):
    """Mark a NanoScene method as the animation for narration line `line_id`."""
    def mark(method):
        method.beat_id = line_id
        return method
    return mark


class NanoScene(Handoff, Audit, Beats, Scene):
    """Base for every section scene. Subclasses set `scene_id`, build their layout in
    `prepare()` and define @beat methods, speaking the vocabulary of scenes/beats.py."""

    scene_id: str = ""
    on_frames = None   # called with the frame count after each play (the render's progress bar)
    # Set by the render job (pipeline/segments.py BeatRecorder): per beat, whether to draw it,
    # skip it or reuse its cached segment. None: every beat is drawn.
    beat_recorder = None

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
        self.unsaid = []
        self.lead = self.tail = 0.0           # seconds of the current line the handoff uses

    # ---- what every scene draws from ---------------------------------------------------

    @property
    def focus_t(self) -> int:
        """The time step every chapter follows up close (0-based): the last input position,
        whose output is the first prediction (the 6th token, counted from 1 on screen)."""
        return len(self.run.input_tokens) - 1

    def model_map(self, dock: str | None = None) -> ModelDiagram:
        """The model map of this run: docked on the "right" or "left" at its natural size
        (beside an overview), or None: as every chapter boundary shows it."""
        tokens = [int(t) for t in self.run.input_tokens]
        d = ModelDiagram(tokens, words=self.context.words("model"), n_layer=self.cfg.n_layer,
                         probs=self.run.steps[0].probs, vocab_size=self.cfg.vocab_size)
        if dock is None:
            return d.scale_to_fit_height(style.MAP_HEIGHT).move_to(style.MAP_CENTER)
        if dock not in ("left", "right"):
            raise ValueError(f"model_map dock {dock!r}: use 'left', 'right' or None")
        edge = d.get_right()[0] if dock == "right" else d.get_left()[0]
        target = style.MAP_DOCK_EDGE if dock == "right" else -style.MAP_DOCK_EDGE
        return d.shift(RIGHT * (target - edge) + UP * (style.MAP_DOCK_Y - d.get_y()))

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
            self.lead = self.opening_seconds(line) if i == 0 else 0.0
            self.tail = self.closing_seconds(line) if i == len(lines) - 1 else 0.0
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
        self.audit_beat_start()
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
        self.audit_beat_end()
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
        animations = self.lift_movers(self.hand_over(animations))
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
        self.audit_play(self.frames - n)

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

