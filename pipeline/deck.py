"""The deck: the video's beats as slides, one per narration line, grouped by chapter.

Nothing is rendered for a deck: a slide is the beat segment the video is made of
(media/cache/segments/<key>.mp4, pipeline/segments.py), its end still and its line. The
writers (pipeline/deck_html.py, deck_pptx.py, handout.py) all read the same `Deck`:

    Deck      the title, the input and its sorted output, the chapters, the credits
    Chapter   a section: its title and its beats
    Beat      a narration line: the caption (the speaker notes), its segment and end still,
              and its voice

`write_clips` gives each beat a clip of its own: the segment's frames (stream copy) with the
line's voice, so a slide speaks its line (or the frames alone, for a silent deck).
"""
from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from common.files import atomic_path

from . import segments

# The voice as the video carries it (pipeline/voice_track.py ENCODER): AAC at 128 kb/s, its
# "fast" coder (~3x quicker than the default, and the encoding is most of a clip's time).
CLIP_AUDIO_CODEC, CLIP_AUDIO_BITRATE, CLIP_AUDIO_OPTIONS = "aac", 128_000, {"aac_coder": "fast"}
POSTER_QUALITY = 90   # a clip's first frame, <clip>.poster.jpg (JPEG: ~5x quicker than PNG)
CLIP_WORKERS = 2      # clips made at once (PyAV encodes without the GIL)


class DeckError(RuntimeError):
    """A beat's segment is missing or a clip could not be made; the message is one line."""


@dataclass(frozen=True)
class Beat:
    line: object            # script.timeline.TimedLine
    segment: Path           # the beat's frames, as the video has them
    still: Path             # the picture the beat ends on (the video's quality)
    voice: object | None    # the line's voice (pydub AudioSegment), None when silent

    @property
    def caption(self) -> str:
        """The line as written (filled from the run): the slide's speaker notes."""
        return self.line.text


@dataclass(frozen=True)
class Chapter:
    section: str
    title: str
    beats: tuple[Beat, ...]


@dataclass(frozen=True)
class Credits:
    heading: str                           # "致谢"
    entries: tuple[tuple[str, str], ...]   # (who made what, where: a web address)


@dataclass(frozen=True)
class Deck:
    title: str              # the video's title in the deck's language
    subtitle: str           # "CBABBC → ABBBCC"
    lang: str
    font: str               # the language's caption font (fontconfig family)
    chapters: tuple[Chapter, ...]
    credits: Credits

    @property
    def beats(self) -> list[Beat]:
        return [beat for chapter in self.chapters for beat in chapter.beats]

    def digest(self, *more: str) -> str:
        """Everything the deck's files show: the words, the segments (their keys name their
        frames), the voices, and `more` (the writers' code, settings)."""
        digest = hashlib.sha256()
        for part in (self.title, self.subtitle, self.lang, self.font, repr(self.credits), *more):
            digest.update(part.encode())
        for chapter in self.chapters:
            digest.update(chapter.title.encode())
            for beat in chapter.beats:
                digest.update(f"{beat.line.id}\0{beat.caption}\0{beat.segment.name}".encode())
                digest.update(beat.voice.raw_data if beat.voice is not None else b"silent")
        return digest.hexdigest()


def build_deck(context, voice, rendered, title: str, subtitle: str) -> Deck:
    """The deck of the rendered video entries (pipeline/render.py `Rendered`, kind video),
    in their order: each entry's manifest lists its beats' segment keys in line order."""
    timeline = context.timeline
    chapters = []
    for entry in rendered:
        keys = json.loads((entry.folder / "manifest.json").read_text())["segments"]
        lines = timeline.lines(entry.scene_id)
        if len(keys) != len(lines):
            raise DeckError(f"scene {entry.scene_id}: {len(keys)} beat segments for {len(lines)} lines "
                            "(the cache entry is from another narration); delete media/cache/video")
        beats = tuple(Beat(line, segments.segment_path(key), segments.still_path(key), voice.audio.get(line.id))
                      for line, key in zip(lines, keys))
        chapters.append(Chapter(entry.scene_id, timeline.titles.get(entry.scene_id, entry.scene_id), beats))
    return Deck(title, subtitle, context.lang, context.language.font, tuple(chapters), credits_of(context.tables))


def missing_segments(rendered) -> list[str]:
    """The scenes among `rendered` whose beat segments are not all in the store (removed by
    hand): their video entries must be rendered again before a deck can use them."""
    missing = []
    for entry in rendered:
        keys = json.loads((entry.folder / "manifest.json").read_text()).get("segments", [])
        if not keys or not all(segments.complete(key) for key in keys):
            missing.append(entry.scene_id)
    return missing


def credits_of(tables) -> Credits:
    """The closing card's words (the words table with a `credits` key): the heading, then each
    credit_<k> with its credit_<k>_where, in the file's order."""
    table = next((words for words in tables.values() if "credits" in list(words)), None)
    if table is None:
        return Credits("", ())
    keys = list(table)   # (Words raises on a missing key: `in` asks the list)
    entries = tuple((table[key], table[f"{key}_where"]) for key in keys
                    if key.startswith("credit_") and not key.endswith("_where") and f"{key}_where" in keys)
    return Credits(table["credits"], entries)


# ---- clips: a beat's frames with its line's voice -------------------------------------

def write_clips(deck: Deck, folder: Path, audio: bool = True) -> dict[str, Path]:
    """One MP4 per beat in `folder` (<nnn>-<line id>.mp4, and its first frame as
    <nnn>-<line id>.poster.jpg), by line id: the segment's frames, copied, and with `audio`
    the line's voice from the beat's start (silence when the line has none), as long as the
    frames."""
    folder.mkdir(parents=True, exist_ok=True)
    beats = deck.beats
    names = [folder / f"{i:03d}-{beat.line.id.replace('.', '-')}.mp4" for i, beat in enumerate(beats, start=1)]
    with ThreadPoolExecutor(CLIP_WORKERS) as pool:
        made = list(pool.map(lambda beat, out: _clip(beat, out, audio), beats, names))
    return {beat.line.id: path for beat, path in zip(beats, made)}


def poster_of(clip: Path) -> Path:
    return clip.with_suffix(".poster.jpg")


def _clip(beat: Beat, out: Path, audio: bool) -> Path:
    """The beat's clip at `out` and its first frame beside it, with PyAV (in this process: no
    ffmpeg process per beat)."""
    import av

    if not beat.segment.is_file():
        raise DeckError(f"beat {beat.line.id}: its segment {beat.segment} is gone; run the same command again")
    try:
        with atomic_path(out) as tmp:
            _remux(beat, tmp, audio)
        with av.open(str(beat.segment)) as source, atomic_path(poster_of(out)) as poster:
            next(source.decode(video=0)).to_image().save(poster, format="JPEG", quality=POSTER_QUALITY)
    except (av.FFmpegError, StopIteration) as err:
        raise DeckError(f"beat {beat.line.id}: its clip could not be made from {beat.segment.name}: {err}") from None
    return out


def _remux(beat: Beat, out: Path, audio: bool) -> None:
    """The segment's video packets copied into `out` and, with `audio`, the line's voice
    encoded beside them: from the beat's start, silence after it, exactly as long as the video."""
    import av
    import numpy as np

    with av.open(str(beat.segment)) as source, \
            av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as clip:
        video_in = source.streams.video[0]
        video_out = clip.add_stream_from_template(video_in)
        voice = clip.add_stream(CLIP_AUDIO_CODEC, rate=_voice_rate(), layout="mono") if audio else None
        if voice is not None:
            voice.bit_rate, voice.options = CLIP_AUDIO_BITRATE, CLIP_AUDIO_OPTIONS
        for packet in source.demux(video_in):
            if packet.dts is None:   # the demuxer's last, empty packet
                continue
            packet.stream = video_out
            clip.mux(packet)
        if voice is None:
            return
        frames = video_in.frames or round(video_in.duration * video_in.time_base * video_in.average_rate)
        length = round(frames / video_in.average_rate * _voice_rate())
        samples = np.zeros(length, dtype=np.int16)
        spoken = np.frombuffer(beat.voice.raw_data, dtype="<i2") if beat.voice is not None else samples[:0]
        samples[:min(length, len(spoken))] = spoken[:length]
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts = _voice_rate(), 0
        for packet in [*voice.encode(frame), *voice.encode(None)]:
            clip.mux(packet)


def _voice_rate() -> int:
    from script.voice import SAMPLE_RATE
    return SAMPLE_RATE
