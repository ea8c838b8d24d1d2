"""The timeline: every narration line with its start and duration, scene by scene.

Times are in seconds. A line's `start` is measured from the start of its own section (scene),
because each scene is rendered on its own; `Timeline.section_start` gives where a section
begins in the whole video.

A line's slot is its speech, then the usual PAUSE, then its hold (`<pause 1.0s>` in the
narration file, 0 for most lines):

    |---- speech ----|- pause -|------ hold ------|
    |  caption cues ...        |  no caption      |   the picture holds still, the voice is silent

so `duration` includes the hold (the scene gets the time) and `held_from` is where it starts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

from .captions import Cue, spoken_length
from .cue_cache import cached_timed_cues
from .languages import language

MIN_DURATION = 2.0   # seconds a silent line stays on screen at least
PAUSE = 0.5          # seconds after each line's speech (at least: see FRAMES_PER_SECOND)
# Every line lasts a whole number of frames at 15, 30 and 60 fps (the pause is stretched by
# under 1/15 s): so a line starts on a whole frame whatever came before it, and its beat's
# frames depend on that line alone (pipeline/segments.py reuses beats after an edited line).
FRAMES_PER_SECOND = 15


def on_frame_grid(seconds: float) -> float:
    """`seconds` rounded up to a whole number of 1/FRAMES_PER_SECOND s frames."""
    return math.ceil(seconds * FRAMES_PER_SECOND - 1e-6) / FRAMES_PER_SECOND


@dataclass(frozen=True)
class TimedLine:
    id: str            # stable id, e.g. "attention.dot-product"
    section: str       # scene id, e.g. "attention"
    text: str          # the caption, filled from the run
    cue: str | None    # the stage direction from the narration file, if any
    start: float       # seconds from the start of the section
    duration: float    # seconds the beat lasts (voice + pause + hold, or reading time + pause + hold)
    cues: tuple[Cue, ...] = ()
    speech: float = 0.0  # seconds of voice inside the slot (0 when silent)
    words: tuple[tuple[int, float, float], ...] = ()  # (char index in text, start s, end s) from the voice
    hold: float = 0.0  # seconds at the end of the slot where the picture holds (silent, no caption)

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def held_from(self) -> float:
        """Seconds into the line at which its hold begins (= duration for a line without one):
        a beat that wants the picture still through the hold finishes its animations by then."""
        return self.duration - self.hold

    def time_of(self, fragment: str) -> float | None:
        """Seconds into the line at which the voice starts saying the caption's `fragment`
        (its first occurrence, any case), from the voice's word times; None without them or
        when the caption does not contain it."""
        at = self.text.lower().find(fragment.lower())
        return None if at < 0 else self.time_at(at)

    def time_at(self, index: int) -> float | None:
        """Seconds into the line at which the voice reaches caption character `index` (the
        start of the first voiced word at or after it); None without word times."""
        return next((t0 for c, t0, _ in self.words if c >= index), None)


@dataclass
class Timeline:
    lang: str
    sections: dict[str, list[TimedLine]] = field(default_factory=dict)  # in narration order
    titles: dict[str, str] = field(default_factory=dict)                # section id -> title

    def lines(self, section: str) -> list[TimedLine]:
        try:
            return self.sections[section]
        except KeyError:
            raise KeyError(f"no section {section!r}; known: {', '.join(self.sections)}") from None

    def section_duration(self, section: str) -> float:
        lines = self.lines(section)
        return lines[-1].end if lines else 0.0

    def section_start(self, section: str) -> float:
        start = 0.0
        for name in self.sections:
            if name == section:
                return start
            start += self.section_duration(name)
        raise KeyError(f"no section {section!r}")

    @property
    def duration(self) -> float:
        return sum(self.section_duration(s) for s in self.sections)

    def all_lines(self):
        """(absolute start, line) for every line of the video, in order."""
        for section in self.sections:
            base = self.section_start(section)
            for line in self.sections[section]:
                yield base + line.start, line

    def line(self, line_id: str) -> TimedLine:
        for lines in self.sections.values():
            for line in lines:
                if line.id == line_id:
                    return line
        raise KeyError(f"no line {line_id!r} in the {self.lang} timeline")

    def cues(self):
        """(absolute start, absolute end, text) for every caption cue of the video, in order."""
        for start, line in self.all_lines():
            for cue in line.cues:
                yield start + cue.offset, start + cue.offset + cue.duration, cue.text


def reading_time(text: str, lang: str) -> float:
    """Seconds a narrator takes for `text` at the language's reading pace (characters a
    second, spaces left out; speaking pace, slower than subtitle reading speed): a silent
    video reads like a narrated one."""
    return spoken_length(text) / language(lang).reading_pace


def build_timeline(narration, run, durations: Mapping[str, float] | None = None,
                   pause: float = PAUSE, min_duration: float = MIN_DURATION,
                   line_width: float | None = None,
                   words: Mapping[str, tuple] | None = None) -> Timeline:
    """Every line of `narration`, filled from `run`, timed and cut into caption cues.

    `durations` (line id -> seconds of speech, from the voice) sets a line's slot to its speech
    plus `pause` (stretched to end on the frame grid); a line without one (silent, no recording) gets its reading time at
    the language's reading pace, at least `min_duration`, plus `pause`. A line with a hold
    (`<pause 1.0s>`) gets the hold on top. Cues share the speech (or reading) time in
    proportion to their length; the last stays up through the pause, never into the hold.
    `words` (line id -> ((char index, start s, end s), ...), from a neural voice) switch the
    cues of a voiced line when the voice reaches their first word instead.
    """
    from .fill import fill_narration  # fill reads the engine's Run: only needed here

    durations, words = dict(durations or {}), dict(words or {})
    ids = set(narration.ids())
    unknown = sorted(set(durations) - ids)
    if unknown:
        raise ValueError(f"durations for lines the {narration.lang} narration does not have: "
                         f"{', '.join(unknown[:5])}")
    bad = [i for i, seconds in durations.items() if not seconds >= 0]
    if bad or pause < 0 or min_duration < 0:
        raise ValueError(f"durations and pauses must be seconds >= 0 (got {bad[:3] or pause})")
    timeline = Timeline(narration.lang, titles=dict(narration.titles))
    for line in fill_narration(narration, run):
        speech = durations.get(line.id, 0.0)
        active = speech if speech > 0 else max(reading_time(line.text, narration.lang), min_duration)
        section = timeline.sections.setdefault(line.section, [])
        start = round(section[-1].end * FRAMES_PER_SECOND) / FRAMES_PER_SECOND if section else 0.0
        captioned = on_frame_grid(active + pause + line.hold) - line.hold
        timed = tuple(words.get(line.id, ())) if speech > 0 else ()
        section.append(TimedLine(line.id, line.section, line.text, line.cue, start,
                                 captioned + line.hold,
                                 _caption_cues(line.text, narration.lang, active, captioned, line_width, timed),
                                 speech, timed, line.hold))
    return timeline


def _caption_cues(text: str, lang: str, active: float, total: float, line_width: float | None,
                  words) -> tuple[Cue, ...]:
    """The cues of `text` (cut into atoms once, then read from media/cache/cues), timed by the
    voice's word times when there are some, else in proportion to their length."""
    return cached_timed_cues(text, lang, active, total, line_width, tuple(words))
