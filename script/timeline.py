"""The timeline: every narration line with its start and duration, scene by scene.

Times are in seconds. A line's `start` is measured from the start of its own section (scene),
because each scene is rendered on its own; `Timeline.section_start` gives where a section
begins in the whole video.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cue:
    """One on-screen caption chunk (at most 2 lines), timed relative to its line's start."""
    text: str
    offset: float
    duration: float


@dataclass(frozen=True)
class TimedLine:
    id: str            # stable id, e.g. "attention.dot-product"
    section: str       # scene id, e.g. "attention"
    text: str          # the caption, filled from the run
    cue: str | None    # the stage direction from the narration file, if any
    start: float       # seconds from the start of the section
    duration: float    # seconds the beat lasts (voice + pause, or reading time)
    cues: tuple[Cue, ...] = ()
    speech: float = 0.0  # seconds of voice inside the slot (0 when silent)

    @property
    def end(self) -> float:
        return self.start + self.duration


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
