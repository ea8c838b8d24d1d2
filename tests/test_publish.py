"""The chapter list for a video description (pipeline/publish.py): first at 0:00, every
chapter at least 10 s long and never listed before its first line, times written as platforms
read them."""
from __future__ import annotations

from pipeline.publish import chapters, chapters_text, clock
from script.timeline import Timeline, TimedLine


def _timeline(lengths: dict[str, float]) -> Timeline:
    timeline = Timeline("zh", titles={s: f"title {s}" for s in lengths})
    for section, length in lengths.items():
        timeline.sections[section] = [TimedLine(f"{section}.a", section, "", None, 0.0, length)]
    return timeline


def test_clock_is_how_descriptions_write_times():
    assert [clock(s) for s in (0, 9.99, 65, 600, 3723.5)] == ["0:00", "0:09", "1:05", "10:00", "1:02:03"]


def test_one_line_per_section_from_0_00_never_before_its_first_line():
    # embedding's first line starts at 65.2 s: listed at 1:06, not 1:05 (the intro's last words)
    text = chapters_text(_timeline({"intro": 65.2, "embedding": 30.0, "attention": 120.0}))
    assert text == "0:00 title intro\n1:06 title embedding\n1:36 title attention\n"
    assert chapters_text(_timeline({"intro": 65.0, "embedding": 30.0})) == "0:00 title intro\n1:05 title embedding\n"


def test_a_section_under_10_s_joins_a_neighbour():
    # a short first section carries on into the next; a short last one joins the one before
    got = chapters(_timeline({"a": 4.0, "b": 20.0, "c": 30.0, "d": 3.0}))
    assert got == [(0.0, "title a"), (24.0, "title c")]
    starts = [start for start, _ in got] + [57.0]
    assert all(b - a >= 10 for a, b in zip(starts, starts[1:]))
    assert chapters(_timeline({"a": 5.0})) == [(0.0, "title a")]
    # lengths by the listed (rounded-up) times: 1:06 to 1:16 is 10 s, 1:06 to 1:15 is not
    assert chapters(_timeline({"a": 65.2, "b": 10.3, "c": 30.0}))[1:] == [(66.0, "title b"), (76.0, "title c")]
    assert chapters(_timeline({"a": 65.2, "b": 9.6, "c": 30.0}))[1:] == [(66.0, "title b")]


def test_the_thumbnail_frame_is_the_end_of_the_attention_beat_else_the_longest_section():
    from pipeline.publish import THUMBNAIL_LINE, key_frame_time

    section = THUMBNAIL_LINE.split(".")[0]
    timeline = _timeline({"intro": 20.0, section: 0.0, "output": 40.0})
    timeline.sections[section] = [TimedLine("attention.first", section, "", None, 0.0, 10.0),
                                  TimedLine(THUMBNAIL_LINE, section, "", None, 10.0, 10.0)]
    assert key_frame_time(timeline) == 20.0 + 10.0 + 9.5
    del timeline.sections[section]
    assert key_frame_time(timeline) == 20.0 + 20.0  # the middle of output
