"""Subtitles of the whole video from a Timeline: SRT (the `srt` library) and WebVTT (webvtt-py).

A cue's time in the video is its section's start + its line's start + its own offset. Times are
rounded to whole milliseconds once, here, so both formats agree and cues never overlap.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from common.files import atomic_path

from .timeline import Timeline

FORMATS = (".srt", ".vtt")


def subtitle_cues(timeline: Timeline) -> list[tuple[int, int, str]]:
    """(start ms, end ms, text) for every cue of the video, in order, without overlaps."""
    cues = [(round(start * 1000), round(end * 1000), text) for start, end, text in timeline.cues()]
    for i in range(len(cues) - 1):
        start, end, text = cues[i]
        cues[i] = (start, min(end, cues[i + 1][0]), text)  # float sums may disagree by 1 ms
    return [cue for cue in cues if cue[1] > cue[0]]


def to_srt(timeline: Timeline) -> str:
    import srt  # here, not at the top: a render with nothing to assemble never writes subtitles

    return srt.compose([srt.Subtitle(index, timedelta(milliseconds=start), timedelta(milliseconds=end), text)
                        for index, (start, end, text) in enumerate(subtitle_cues(timeline), start=1)])


def to_vtt(timeline: Timeline) -> str:
    import webvtt  # (as srt above)
    from webvtt.models import Timestamp

    vtt = webvtt.WebVTT()
    for start, end, text in subtitle_cues(timeline):
        caption = webvtt.Caption(text=text)
        caption.start_time = Timestamp.from_seconds(start / 1000)
        caption.end_time = Timestamp.from_seconds(end / 1000)
        vtt.captions.append(caption)
    return vtt.content


def write_subtitles(timeline: Timeline, path: str | os.PathLike) -> Path:
    """Write .srt or .vtt (by the suffix) atomically: a temp file, then a rename."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unknown subtitle format {suffix or '(none)'!r}; allowed: "
                         f"{', '.join(FORMATS)}")
    text = to_srt(timeline) if suffix == ".srt" else to_vtt(timeline)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return path
