"""What a video platform asks for beside the video: the chapter list for its description and a
thumbnail.

    <name>.chapters.txt   0:00 简介 / 1:05 词元嵌入 ... one line per chapter, as platforms read
                          chapters from a description: the first at 0:00, each at least 10 s
                          (a shorter section is joined to the chapter before it)
    <name>.jpg            1280x720, a key frame of the video with the title in its language

Both come from the same real timeline as the MP4's own chapters (pipeline/assemble.py).
"""
from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from common.files import atomic_path, atomic_write
from script.timeline import Timeline

MIN_CHAPTER = 10.0                  # seconds: platforms ignore the list with a shorter chapter
THUMBNAIL_SIZE = (1280, 720)
# The end of this beat is the video's most telling picture: every query's attention weights,
# the softmax row and the weighted values, all on screen with the real numbers.
THUMBNAIL_LINE = "attention.every-query"


@dataclass(frozen=True)
class Cover:
    """The words on the thumbnail: the title, a second line, and the language's font."""
    title: str          # "nano-gpt 讲解"
    subtitle: str       # "CBABBC → ABBBCC"
    font: str           # a fontconfig family name, e.g. "Noto Sans CJK SC"


def chapters(timeline: Timeline) -> list[tuple[float, str]]:
    """(start in seconds, title) per chapter: a section each, a section shorter than
    MIN_CHAPTER joined to the one before it (the first: to the one after it)."""
    spans = [[timeline.section_start(s), timeline.section_duration(s), timeline.titles.get(s, s)]
             for s in timeline.sections]
    merged: list[list] = []
    for start, duration, title in spans:
        if merged and merged[-1][1] < MIN_CHAPTER:   # the chapter so far is too short: extend it
            merged[-1][1] += duration
        else:
            merged.append([start, duration, title])
    if len(merged) > 1 and merged[-1][1] < MIN_CHAPTER:
        merged[-2][1] += merged.pop()[1]
    if merged:
        merged[0][0] = 0.0
    return [(start, title) for start, _, title in merged]


def clock(seconds: float) -> str:
    """0:00, 12:05, 1:02:03: how descriptions write times (whole seconds, rounded down)."""
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
    """A 1280x720 JPEG: the cover's title and second line across the top, below them the
    frame of `video` at `at` seconds without its caption band (nothing but captions is drawn
    there, scenes/style.py), on the video's background colour."""
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
    title_font = _fit(draw, cover.title, _font(cover.font, 96, bold=True), cover.font, width - 100, True)
    draw.text((width / 2, 28), cover.title, font=title_font, fill=(255, 255, 255), anchor="mt")
    subtitle_top = 28 + title_font.size + 22
    subtitle_font = _font(cover.font, 50)
    draw.text((width / 2, subtitle_top), cover.subtitle, font=subtitle_font, fill=(255, 214, 102), anchor="mt")
    top = subtitle_top + subtitle_font.size + 24
    scale = min((height - top - 12) / picture.height, (width - 40) / picture.width)
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
