"""The captions drawn in the picture follow the voice: every cue of the subtitle file appears
in the picture within TOLERANCE of its start (and is still up shortly before its end), for every
cue of both narrations, timed by the real neural voices (tests/voice_timings.py's fixture).

The picture's caption state is read frame by frame from real NanoScenes (scenes/base.py's clock,
scenes/captions.py's caption band): a renderer that draws nothing notes, for every frame the
scene writes, the cue it shows. Each section is played with every line paced the ways real
beats pace a line: held whole, one play across it, short plays between holds, and holds that
wait for each cue (at_cue) before a play. The speed-ups of pipeline/speedups.py are not
involved: they change how a frame is drawn and encoded, not which cue a frame shows.
"""
from __future__ import annotations

import functools

import pytest
import srt
from manim import RIGHT, Square, tempconfig
from manim.renderer.cairo_renderer import CairoRenderer

import voice_timings
from scenes.base import NanoScene
from scenes.context import SceneContext
from script.subtitles import to_srt

TOLERANCE = 0.2                   # seconds a cue may appear before or after its start
FRAME_RATES = (15, 60)            # QUALITY=low and high
PATTERNS = ("hold", "play", "steps", "at_cues")


class FrameLog(CairoRenderer):
    """Draws nothing; notes the caption text the scene shows in every frame it writes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scene = None
        self.shown: list[str | None] = []

    def update_frame(self, *args, **kwargs) -> None:
        pass

    def get_frame(self):
        return None

    def add_frame(self, frame, num_frames: int = 1) -> None:
        self.shown.extend([shown_cue(self.scene.captions)] * num_frames)


def shown_cue(captions) -> str | None:
    """The text of the cue the caption band shows (None: none)."""
    visible = [cue.text for cue, text in zip(captions.cues, captions.submobjects) if text.get_fill_opacity() > 0.5]
    assert len(visible) <= 1, f"{len(visible)} cues shown at once"
    return visible[0] if visible else None


class Paced(NanoScene):
    """One section's lines, each paced by `pattern`; no handoff map (its opening and closing
    are plays like any other)."""

    pattern = "hold"
    map_part = None   # no opening on the map (scenes/handoff.py)

    def next_scene_id(self):
        return None

    def setup(self) -> None:
        super().setup()
        # A square stands for each cue's text: which cue is shown is what counts here, and
        # setting glyphs (~50 ms a cue) would cost most of the test's time.
        self.captions._text = lambda text: Square(side_length=0.1)

    def prepare(self) -> None:
        self.dot = Square(side_length=0.2)
        self.add(self.dot)

    def play_beat(self, line, method) -> None:
        super().play_beat(line, getattr(self, f"_{self.pattern}"))

    def _nudge(self, seconds: float) -> None:
        if seconds * self.fps >= 1:
            self.play(self.dot.animate.shift(RIGHT * 0.01), run_time=seconds)

    def _hold(self) -> None:
        pass   # the base scene holds the picture to the line's end

    def _play(self) -> None:
        self._nudge(self.remaining() * 0.97)

    def _steps(self) -> None:
        for share in (0.07, 0.11) * 3:
            self._nudge(self.t(share / 2))
            self.at_share(min(0.95, self._beat_time() / self.line.held_from + share / 2))

    def _at_cues(self) -> None:
        for i in range(1, len(self.line.cues)):
            self._nudge(self.t(0.04))
            self.at_cue(i)


@functools.lru_cache(maxsize=None)
def timeline(lang: str):
    return voice_timings.timeline(lang)


def picture_cues(lang: str, fps: int, pattern: str) -> list[str | None]:
    """The cue shown in every frame of the whole video (sections played one after another)."""
    from engine import default_run

    tl = timeline(lang)
    context = SceneContext.build(default_run(voice_timings.INPUT), tl)
    frames: list[str | None] = []
    for section in tl.sections:
        scene_class = type(f"Paced_{section}", (Paced,), {"scene_id": section, "pattern": pattern})
        with tempconfig({"dry_run": True, "disable_caching": True, "frame_rate": fps,
                         "pixel_width": 64, "pixel_height": 36, "progress_bar": "none", "verbosity": "WARNING"}):
            renderer = FrameLog()
            scene = scene_class(context=context, renderer=renderer)
            renderer.scene = scene
            scene.render()
        assert len(renderer.shown) == round(tl.section_duration(section) * fps), section
        frames += renderer.shown
    return frames


def out_of_step(frames: list[str | None], subtitles: list[srt.Subtitle], fps: int) -> list[str]:
    """Every cue of `subtitles` that the picture shows late, never, or takes away early."""
    problems = []
    for cue in subtitles:
        start, end = cue.start.total_seconds(), cue.end.total_seconds()
        first = max(0, int((start - TOLERANCE) * fps) + 1)   # the first frame that may show it
        onset = next((k for k in range(first, min(len(frames), int((end + TOLERANCE) * fps) + 1))
                      if frames[k] == cue.content), None)
        if onset is None:
            problems.append(f"cue {cue.index} at {start:.2f} s never shown: {cue.content!r}")
        elif onset / fps > start + TOLERANCE:
            problems.append(f"cue {cue.index} at {start:.2f} s shown {onset / fps - start:.2f} s late: "
                            f"{cue.content!r}")
        elif end - start > 2 * TOLERANCE and frames[int((end - TOLERANCE) * fps)] != cue.content:
            problems.append(f"cue {cue.index} at {start:.2f} s gone before {end - TOLERANCE:.2f} s: "
                            f"{cue.content!r}")
    return problems


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("fps", FRAME_RATES)
@pytest.mark.parametrize("lang", voice_timings.LANGS)
def test_every_cue_appears_in_the_picture_when_the_voice_says_it(lang, fps, pattern):
    subtitles = list(srt.parse(to_srt(timeline(lang))))
    frames = picture_cues(lang, fps, pattern)
    problems = out_of_step(frames, subtitles, fps)
    assert not problems, (f"{len(problems)} of {len(subtitles)} {lang} cues out of step at {fps} fps "
                          f"({pattern}):\n" + "\n".join(problems))
