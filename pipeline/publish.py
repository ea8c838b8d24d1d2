"""What a video platform asks for beside the video: the chapter list for its description and a
thumbnail.

    <name>.chapters.txt   0:00 简介 / 1:05 词元嵌入 ... one line per chapter, as platforms read
                          chapters from a description: the first at 0:00, each at the first
                          whole second of its first line (never before: a click must not land
                          in the last words of the chapter before), each at least 10 s (a
                          shorter section is joined to the chapter before it)
    <name>.jpg            1280x720: the title in the video's language and the run (CBABBC → ABBBCC)
                          in type that still reads at 320 px wide, over a key frame of the video

Both come from the same real timeline as the MP4's own chapters (pipeline/assemble.py).
"""
from __future__ import annotations

import math
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from common.files import atomic_path, atomic_write
from script.timeline import Timeline

MIN_CHAPTER = 10.0                  # seconds: platforms ignore the list with a shorter chapter
THUMBNAIL_SIZE = (1280, 720)
# A thumbnail is mostly seen 320 px wide (a quarter): the words are set to read there, the
# title's letters ~30 px tall and the run's ~26 px at that size.
TITLE_PX, RUN_PX, MARGIN_PX = 128, 104, 24
# The end of this beat is the video's most telling picture that no highlight box cuts into:
# every head's causal attention pattern over the tokens of the input, in real weights.
THUMBNAIL_LINE = "attention.other-heads"


@dataclass(frozen=True)
class Cover:
    """The words on the thumbnail: the title, a second line, and the language's font."""
    title: str          # "nano-gpt 讲解"
    subtitle: str       # "CBABBC → ABBBCC"
    font: str           # a fontconfig family name, e.g. "Noto Sans CJK SC"


def chapters(timeline: Timeline) -> list[tuple[float, str]]:
    """(start in whole seconds, title) per chapter as a description lists it: a section each,
    from the first whole second of its first line (rounded up: never before the line), a
    chapter shorter than MIN_CHAPTER by those times joined to the one before it (the first:
    to the one after it)."""
    starts = [0.0 if i == 0 else float(math.ceil(round(timeline.section_start(s), 3)))
              for i, s in enumerate(timeline.sections)]
    ends = starts[1:] + [timeline.duration]
    merged: list[list] = []
    for start, end, section in zip(starts, ends, timeline.sections):
        if merged and merged[-1][1] - merged[-1][0] < MIN_CHAPTER:   # the chapter so far is too short
            merged[-1][1] = end
        else:
            merged.append([start, end, timeline.titles.get(section, section)])
    if len(merged) > 1 and merged[-1][1] - merged[-1][0] < MIN_CHAPTER:
        merged[-2][1] = merged.pop()[1]
    return [(start, title) for start, _, title in merged]


def clock(seconds: float) -> str:
    """0:00, 12:05, 1:02:03: how descriptions write times (whole seconds; chapters() has
    rounded a chapter's start up already)."""
    total = int(seconds)
    hours, minutes, secs = total // 3600, total // 60 % 60, total % 60
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def chapters_text(timeline: Timeline) -> str:
    return "".join(f"{clock(start)} {title}\n" for start, title in chapters(timeline))


def write_chapters(timeline: Timeline, out: Path) -> Path:
    return atomic_write(out, chapters_text(timeline))


def key_frame_time(timeline: Timeline) -> float:
    """Near the end of the THUMBNAIL_LINE beat (its picture complete) when the video has it,
    else the middle of the longest section."""
    for start, line in timeline.all_lines():
        if line.id == THUMBNAIL_LINE:
            return start + 0.95 * line.duration
    section = max(timeline.sections, key=timeline.section_duration)
    return timeline.section_start(section) + 0.5 * timeline.section_duration(section)


def write_thumbnail(video: Path, at: float, cover: Cover, out: Path) -> Path:
    """A 1280x720 JPEG: the cover's title and second line across the top in large type (both
    read at 320 px wide), below them the frame of `video` at `at` seconds without its caption
    band (nothing but captions is drawn there, scenes/style.py), on the video's background
    colour."""
    from PIL import Image, ImageDraw

    from scenes import style

    width, height = THUMBNAIL_SIZE
    with tempfile.TemporaryDirectory() as folder:
        frame = Path(folder) / "frame.png"
        subprocess.run(["ffmpeg", "-y", "-v", "error", "-nostdin", "-ss", f"{at:.3f}", "-i", str(video),
                        "-frames:v", "1", "-vf", f"scale={width}:{height}:flags=lanczos", str(frame)],
                       check=True, capture_output=True)
        picture = Image.open(frame).convert("RGB")
    picture_share = (style.FRAME_H / 2 - style.CAPTION_TOP) / style.FRAME_H  # above the captions
    picture = picture.crop((0, 0, picture.width, round(picture.height * picture_share)))
    image = Image.new("RGB", THUMBNAIL_SIZE, style.BACKGROUND.to_hex()[:7])
    draw = ImageDraw.Draw(image)
    title_font = _fit(draw, cover.title, _font(cover.font, TITLE_PX, bold=True), cover.font, width - 2 * MARGIN_PX, True)
    draw.text((width / 2, MARGIN_PX), cover.title, font=title_font, fill=(255, 255, 255), anchor="mt")
    subtitle_top = MARGIN_PX + title_font.size + MARGIN_PX
    subtitle_font = _fit(draw, cover.subtitle, _font(cover.font, RUN_PX, bold=True), cover.font, width - 2 * MARGIN_PX, True)
    draw.text((width / 2, subtitle_top), cover.subtitle, font=subtitle_font, fill=(255, 214, 102), anchor="mt")
    top = subtitle_top + subtitle_font.size + MARGIN_PX
    scale = min((height - top - MARGIN_PX / 2) / picture.height, (width - 2 * MARGIN_PX) / picture.width)
    picture = picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.LANCZOS)
    image.paste(picture, ((width - picture.width) // 2, top))
    with atomic_path(out) as tmp:
        image.save(tmp, format="JPEG", quality=90)
    return out


def _fit(draw, text: str, font, family: str, max_width: int, bold: bool):
    """`font`, smaller until `text` fits in `max_width`."""
    size = font.size
    while size > 24 and draw.textlength(text, font=font) > max_width:
        size -= 4
        font = _font(family, size, bold)
    return font


def _font(family: str, size: int, bold: bool = False):
    """The font file fontconfig picks for `family` (the language's caption font), at `size`."""
    from PIL import ImageFont

    pattern = f"{family}:bold" if bold else family
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", pattern],
                               capture_output=True, text=True, check=True).stdout.split("\n")
        return ImageFont.truetype(found[0], size, index=int(found[1] or 0))
    except (OSError, subprocess.CalledProcessError, ValueError, IndexError):
        return ImageFont.load_default(size)
