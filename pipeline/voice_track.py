"""The video's voice track as AAC, encoded a section at a time and cached per section.

Encoding ten minutes of voice to AAC takes ~16 CPU-seconds, and the whole track changed with
every narration edit (the lines after it move). Here each section's voice is encoded on its
own (media/cache/audio/<digest of its samples>.aac) and the sections' AAC frames are joined:
after an edit only the edited section is encoded again (an encoding no assembly used for a
day is removed).

An AAC frame is 1024 samples; a section starts where the video's section starts, rounded to
the nearest frame (at most 512 samples, ~11 ms, early or late: it never adds up). Each
section's encoding begins with the encoder's priming frame, which is dropped, and ends in
the section's closing silence, so the frames join without a click: the decoder overlaps the
silent tail of one section with the silent head of the next. The joined stream has no
priming, so the first sample plays at 0 with no edit list.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

import numpy as np

from common.files import atomic_path, atomic_write
from script.voice import SAMPLE_RATE

from .options import media_dir

AAC_FRAME = 1024            # samples per AAC-LC frame
AUDIO_BITRATE = "128k"      # mono voice; the "fast" AAC coder is ~3x quicker than the default
ENCODER = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", AUDIO_BITRATE]
TAIL = 2 * AAC_FRAME        # silence appended so every section has frames to round up into
# An encoded section no assembly used for this long is removed (each edit of a line leaves
# its section's old encoding behind, up to ~2.6 MB; encoding one again takes seconds).
KEEP_UNUSED_SECONDS = 24 * 3600


def audio_cache() -> Path:
    return media_dir() / "cache" / "audio"


def write_voice_track(tracks: list, out: Path) -> Path:
    """`tracks`: each section's voice (pydub AudioSegments, 16-bit mono at SAMPLE_RATE, as
    long as its video), back to back. Writes them as one ADTS AAC stream to `out`."""
    sections = [np.frombuffer(track.raw_data, dtype="<i2") for track in tracks]
    starts = np.cumsum([0] + [len(s) for s in sections])
    frame_at = [round(int(s) / AAC_FRAME) for s in starts]   # each section's first AAC frame
    joined = []
    for k, samples in enumerate(sections):
        frames = encoded_frames(samples)
        wanted = frame_at[k + 1] - frame_at[k]
        joined += frames[1:1 + wanted]   # frames[0]: the encoder's priming
        if len(frames) - 1 < wanted:     # never with TAIL; a stream short of frames drifts
            raise RuntimeError(f"AAC encoding gave {len(frames) - 1} frames for {wanted}")
    atomic_write(out, b"".join(joined))
    prune_unused()
    return out


def encode_ahead(tracks: list) -> None:
    """Encode each section's voice into the cache now (write_voice_track then only joins):
    run while the scenes render, a narration edit's AAC encoding costs the assembly nothing."""
    for track in tracks:
        encoded_frames(np.frombuffer(track.raw_data, dtype="<i2"))


def encoded_frames(samples: np.ndarray) -> list[bytes]:
    """The ADTS frames of `samples` (plus TAIL silence), from the cache or encoded now."""
    pcm = np.ascontiguousarray(samples, dtype="<i2").tobytes() + bytes(2 * TAIL)
    key = hashlib.sha256(repr((SAMPLE_RATE, ENCODER)).encode() + pcm).hexdigest()[:24]
    path = audio_cache() / f"{key}.aac"
    try:
        os.utime(path)   # used now (pruning goes by the last use)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            _encode(pcm, tmp)
    return adts_frames(path.read_bytes())


def prune_unused(now: float | None = None) -> int:
    """Remove the encoded sections last used over KEEP_UNUSED_SECONDS ago; returns how many."""
    removed, now = 0, time.time() if now is None else now
    for path in audio_cache().glob("*.aac"):
        try:
            if now - path.stat().st_mtime > KEEP_UNUSED_SECONDS:
                path.unlink()
                removed += 1
        except OSError:   # another run removed or is replacing it
            pass
    return removed


def _encode(pcm: bytes, out: Path) -> None:
    command = ["ffmpeg", "-y", "-v", "error", "-nostdin", "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1",
               "-i", "-", *ENCODER, "-f", "adts", str(out)]
    result = subprocess.run(command, input=pcm, capture_output=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"ffmpeg (AAC encoding of the voice) failed: {reason}")


def adts_frames(data: bytes) -> list[bytes]:
    """Split an ADTS stream into its frames (each header holds its frame's length)."""
    frames, at = [], 0
    while at + 7 <= len(data):
        if data[at] != 0xFF or data[at + 1] & 0xF0 != 0xF0:
            raise RuntimeError(f"not an ADTS frame at byte {at}")
        length = ((data[at + 3] & 0x03) << 11) | (data[at + 4] << 3) | (data[at + 5] >> 5)
        frames.append(data[at:at + length])
        at += length
    return frames
