"""Assembly: scene videos -> one MP4 with the voice (AAC) and a chapter per section, plus beside
it .srt and .vtt files and what a video platform asks for (pipeline/publish.py): the chapter
list for the description and a thumbnail. One caption delivery per file: with the captions
drawn in the picture (SUBS=picture) the MP4 has no subtitle track (a player would show them
twice); with SUBS=track it carries them as a mov_text track, on by default. The audio, the
subtitle and the chapter tracks are tagged with the video's language.

Everything is timed from the REAL scene lengths (frames counted by ffprobe): the timeline is
adjusted so each section lasts exactly as long as its video, then the voice track, the
subtitles and the chapters are all built from that one adjusted timeline.
"""
from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import shutil
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from common.files import atomic_write, fresh_folder
from common.paths import media_dir
from script.languages import language as language_of
from script.subtitles import write_subtitles
from script.timeline import Timeline
from script.voice import section_track

from .publish import Cover, key_frame_time, write_chapters, write_thumbnail
from .segments import concat_path, frame_timestamps
from .voice_track import write_voice_track


class AssemblyError(RuntimeError):
    """ffmpeg/ffprobe failed; the message is one line."""


@dataclass(frozen=True)
class Probe:
    frames: int
    fps: Fraction
    width: int
    height: int
    codec: str
    pix_fmt: str

    @property
    def seconds(self) -> float:
        return float(self.frames / self.fps)

    @property
    def format(self) -> tuple:
        """What must match for the concat demuxer to copy streams."""
        return self.codec, self.width, self.height, self.pix_fmt, self.fps


def probe(path: Path) -> Probe:
    """The video stream of `path`; the frame count is read from the container's index."""
    out = _run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name,width,height,pix_fmt,r_frame_rate,nb_frames",
                "-of", "json", str(path)], f"ffprobe {path.name}")
    stream = json.loads(out)["streams"][0]
    return Probe(int(stream["nb_frames"]), Fraction(stream["r_frame_rate"]), int(stream["width"]),
                 int(stream["height"]), stream["codec_name"], stream["pix_fmt"])


def recorded_probe(path: Path) -> Probe:
    """probe(path), read back when this very file (same path, inode, size and modification
    time: a rewrite is a new file) was probed before: a render with nothing to do still
    reports the video's real length without running ffprobe."""
    stat = path.stat()
    identity = {"path": str(path.resolve()), "inode": stat.st_ino, "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns}
    where = hashlib.blake2b(identity["path"].encode(), digest_size=8).hexdigest()   # scene.mp4 x 10
    record_file = media_dir() / "cache" / "probes" / f"{path.name}-{where}.json"
    record = _read_record(record_file)
    if record is not None and record.get("file") == identity:
        return Probe(**{**record["probe"], "fps": Fraction(record["probe"]["fps"])})
    found = probe(path)
    try:
        atomic_write(record_file, json.dumps({"file": identity, "probe": {
            **dataclasses.asdict(found), "fps": str(found.fps)}}))
    except OSError:  # a record that cannot be written only costs the next run an ffprobe
        pass
    return found


def _read_record(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def real_timeline(timeline: Timeline, sections: list[str], lengths: list[float]) -> Timeline:
    """`timeline` reduced to `sections`, each ending exactly at its video's real length (the
    last line absorbs the difference, at most about a frame)."""
    adjusted = Timeline(timeline.lang, titles={s: timeline.titles.get(s, s) for s in sections})
    for section, length in zip(sections, lengths):
        lines = list(timeline.lines(section))
        last = lines[-1]
        lines[-1] = dataclasses.replace(last, duration=max(0.0, length - last.start))
        adjusted.sections[section] = lines
    return adjusted


def chapters_metadata(timeline: Timeline, title: str) -> str:
    """An FFMETADATA1 file: the video's title and one chapter per section (times in ms)."""
    out = [";FFMETADATA1", f"title={_escape(title)}", ""]
    for section in timeline.sections:
        start = timeline.section_start(section)
        end = start + timeline.section_duration(section)
        out += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(start * 1000)}",
                f"END={round(end * 1000)}", f"title={_escape(timeline.titles.get(section, section))}", ""]
    return "\n".join(out)


def outputs(out: Path) -> list[Path]:
    """Every file assemble() writes for the video `out`, the video first."""
    return [out] + [out.with_suffix(suffix) for suffix in (".srt", ".vtt", ".chapters.txt", ".jpg")]


def assemble(out: Path, videos: list[Path], sections: list[str], timeline: Timeline, audio: dict,
             title: str, cover: Cover | None = None, subtitles_shown: bool = False) -> Path:
    """Write `out` (and beside it .srt, .vtt, .chapters.txt and, given a `cover`, the .jpg
    thumbnail) from scene `videos`, one per section in `sections`. `subtitles_shown`: the
    picture has no captions, so the MP4 carries them as a subtitle track, on by default
    (without it, no subtitle track at all). `out` only appears when complete: everything is
    built under a temporary name first."""
    probes = [recorded_probe(v) for v in videos]   # cached scenes: probed once
    timed = real_timeline(timeline, sections, [p.seconds for p in probes])
    parts = fresh_folder(out.parent, f".{out.name}.parts-")
    beside = ThreadPoolExecutor(max_workers=1)   # the thumbnail's ffmpeg runs beside the muxing
    try:
        thumbnail = (beside.submit(_thumbnail, videos, sections, timed, cover, parts / "cover.jpg")
                     if cover is not None else None)
        (parts / "scenes.txt").write_text("".join(f"file '{concat_path(v)}'\n" for v in videos))
        write_voice_track([section_track(timed, s, audio) for s in sections], parts / "voice.aac")
        write_subtitles(timed, parts / "captions.srt")
        (parts / "chapters.txt").write_text(chapters_metadata(timed, title), encoding="utf-8")
        _mux(parts, probes, timed.lang, parts / "video.mp4", out.parent, subtitles_shown)
        # ffmpeg's mov muxer tags the chapter track "eng" whatever the video's language is
        set_track_language(parts / "video.mp4", CHAPTER_HANDLER, language_of(timed.lang).subtitle_tag)
        for suffix in (".srt", ".vtt"):
            write_subtitles(timed, out.with_suffix(suffix))
        write_chapters(timed, out.with_suffix(".chapters.txt"))
        if thumbnail is not None:
            os.replace(thumbnail.result(), out.with_suffix(".jpg"))
        os.replace(parts / "video.mp4", out)
    except OSError as err:  # name the output folder, not our temporary files (or none: ENOSPC)
        if err.filename is None or str(err.filename).startswith(str(parts)):
            raise type(err)(err.errno, err.strerror, str(out.parent)) from err
        raise
    finally:
        beside.shutdown()
        shutil.rmtree(parts, ignore_errors=True)
    return out


def _thumbnail(videos: list[Path], sections: list[str], timed: Timeline, cover: Cover, out: Path) -> Path:
    """The thumbnail, from the frame at key_frame_time taken from its scene's own video (the
    joined video is not written yet)."""
    at = key_frame_time(timed)
    ends = [timed.section_start(s) + timed.section_duration(s) for s in sections]
    k = next((i for i, end in enumerate(ends) if at < end), len(sections) - 1)
    return write_thumbnail(videos[k], max(0.0, at - timed.section_start(sections[k])), cover, out)


def _mux(parts: Path, probes: list[Probe], lang: str, out: Path, folder: Path,
         subtitles_shown: bool) -> None:
    first = probes[0]
    if all(p.format == first.format for p in probes):
        video = ["-c:v", "copy", "-bsf:v", frame_timestamps(first.fps)]
    else:  # never from one render, but a mixed set must still play: re-encode to the first
        video = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-vf",
                 f"scale={first.width}:{first.height},fps={first.fps},format=yuv420p"]
    language = language_of(lang).subtitle_tag
    subtitles = (["-i", str(parts / "captions.srt")], ["-map", "3:s:0"],
                 ["-c:s", "mov_text", "-metadata:s:s:0", f"language={language}", "-disposition:s:0", "default"]
                 ) if subtitles_shown else ([], [], [])   # SUBS=picture: the captions are drawn, no track
    command = ["ffmpeg", "-y", "-v", "error", "-nostdin",
               "-f", "concat", "-safe", "0", "-i", str(parts / "scenes.txt"),
               "-f", "aac", "-i", str(parts / "voice.aac"), "-i", str(parts / "chapters.txt"),
               *subtitles[0],
               "-map", "0:v:0", "-map", "1:a:0", *subtitles[1],
               "-map_metadata", "2", "-map_chapters", "2",
               *video, "-c:a", "copy", "-metadata:s:a:0", f"language={language}", *subtitles[2],
               "-movflags", "+faststart", "-f", "mp4", str(out)]
    _run(command, f"ffmpeg (muxing into {folder})", folder)


def _boxes(data: bytes, start: int, end: int):
    """(type, payload start, box end) of each ISO-BMFF box in data[start:end]."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[at + 8:at + 16])[0], 16
        elif size == 0:
            size = end - at
        if size < header:
            return
        yield kind, at + header, at + size
        at += size


CHAPTER_HANDLER = b"text"   # the handler of the QuickTime chapter track ffmpeg writes


def _tracks(moov: bytearray):
    """(handler type, tkhd payload offset, mdhd payload offset) of each trak of a moov box."""
    for kind, start, end in _boxes(moov, 8, len(moov)):
        if kind != b"trak":
            continue
        tkhd = hdlr = mdhd = None
        for inner, payload, inner_end in _boxes(moov, start, end):
            if inner == b"tkhd":
                tkhd = payload
            if inner == b"mdia":
                for part, part_payload, _ in _boxes(moov, payload, inner_end):
                    if part == b"hdlr":
                        hdlr = bytes(moov[part_payload + 8:part_payload + 12])
                    if part == b"mdhd":
                        mdhd = part_payload
        yield hdlr, tkhd, mdhd


def _edit_moov(path: Path, edit) -> int:
    """Call edit(moov, handler, tkhd, mdhd) -> bool for every track of `path`'s moov box and
    write the box back in place (its size never changes). Returns how many tracks changed."""
    with open(path, "r+b") as file:
        offset, size = 0, path.stat().st_size
        while offset + 8 <= size:  # the top-level boxes, to the moov box
            file.seek(offset)
            length, kind = struct.unpack(">I4s", file.read(8))
            if length == 1:
                length = struct.unpack(">Q", file.read(8))[0]
            elif length == 0:
                length = size - offset
            if kind == b"moov":
                break
            offset += max(length, 8)
        else:
            raise AssemblyError(f"{path.name}: no moov box")
        file.seek(offset)
        moov = bytearray(file.read(length))
        changed = sum(bool(edit(moov, *track)) for track in list(_tracks(moov)))
        file.seek(offset)
        file.write(moov)
    return changed


def set_track_language(path: Path, handler: bytes, code: str) -> int:
    """Tag every track of `path` whose handler is `handler` with ISO 639-2/T `code` ("zho",
    "eng"), in place (the mdhd box's packed language). Returns how many tracks were changed."""
    if len(code) != 3 or not code.isascii() or not code.islower():
        raise ValueError(f"language {code!r}: expected a three-letter ISO 639-2 code")
    packed = struct.pack(">H", sum((ord(c) - 0x60) << shift for c, shift in zip(code, (10, 5, 0))))

    def edit(moov, kind, tkhd, mdhd):
        if kind != handler or mdhd is None:
            return False
        at = mdhd + (28 if moov[mdhd] == 1 else 20)   # after version, flags, times, timescale, duration
        moov[at:at + 2] = packed
        return True
    return _edit_moov(path, edit)


def _escape(text: str) -> str:
    for char in "\\=;#\n":
        text = text.replace(char, "\\" + char)
    return text


def _run(command: list[str], what: str, folder: Path | None = None) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise AssemblyError(f"{command[0]} is not installed; install it with: apt-get install ffmpeg") from None
    if result.returncode != 0 and folder is not None and "No space left on device" in result.stderr:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))   # said as for our own writes
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise AssemblyError(f"{what} failed: {reason}")
    return result.stdout
