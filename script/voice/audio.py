"""Audio work with pydub: load a file, clean a voice line, and lay lines out on a track.

Every voice line leaves here in one format: 48 kHz, 16-bit, mono, leading and trailing
silence trimmed, loudness normalised to -16 LUFS integrated (EBU R128 / ITU-R BS.1770, the
common platform target; measured with pyloudnorm) with the true peak (between samples, 4x
oversampled as BS.1770 measures it) kept under PEAK_CEILING_DBTP, so the AAC track the video
carries stays at or under -1 dBTP. Tracks are built sample-exact from the timeline, so
rounding never accumulates over a long video.
"""
from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
from pydub import AudioSegment
from pydub.silence import detect_leading_silence

from common.errors import UserError
from common.files import atomic_write

from ..timeline import reading_time  # (the timeline needs nothing of the voice)

SAMPLE_RATE = 48_000
SAMPLE_WIDTH = 2          # bytes: 16-bit PCM
CHANNELS = 1              # a voice is mono; the muxer can upmix if it wants
TARGET_LUFS = -16.0       # integrated loudness every line (and so the master track) is brought to
PEAK_CEILING_DBTP = -1.5  # ...unless that would push the true peak above this: -1 dBTP in the
                          # AAC track, whose coding lifts peaks by a few tenths of a dB
TRUE_PEAK_OVERSAMPLING = 4  # as ITU-R BS.1770-4 measures a true peak at 48 kHz
RMS_FOR_TARGET = -19.0    # dBFS RMS standing in for TARGET_LUFS on clips too short to measure (< 0.4 s)
SILENCE_BELOW_PEAK = 40   # dB under the line's peak that count as silence when trimming
TRIM_MARGIN_MS = 40       # kept at each end so soft consonants are not clipped
MIN_SPEECH_MS = 50        # shorter than this after trimming is not a voice line
MIN_TAKE_SECONDS = 0.5    # no caption is spoken faster: a shorter take is clipped or truncated
FASTEST_PACE = 2.0        # no narrator speaks above twice the language's reading pace


class VoiceError(UserError):
    """A voice problem a user can fix; the message is one line naming the file or line."""


def load_audio(path: str | Path) -> AudioSegment:
    """Read any file ffmpeg understands; refuse unreadable, empty or zero-length audio."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise VoiceError(f"{path}: empty or missing audio file")
    try:
        audio = _read(path)
    except Exception as err:  # pydub raises many kinds (decode, index, key) for bad input
        reason = str(err).strip().splitlines()[-1:] or [type(err).__name__]
        raise VoiceError(f"{path}: unreadable audio ({reason[0][:120]})") from None
    if audio.frame_count() == 0:
        raise VoiceError(f"{path}: audio has zero length")
    return audio


def _read(path: Path) -> AudioSegment:
    if path.suffix.lower() != ".wav":
        return AudioSegment.from_file(path)
    with open(path, "rb") as file:  # pydub leaves a .wav it opens itself unclosed
        return AudioSegment.from_file(file, format="wav")


def clean(audio: AudioSegment, source: str = "audio") -> AudioSegment:
    """48 kHz mono 16-bit, silence trimmed at both ends, loudness normalised."""
    return clean_timed(audio, source)[0]


def clean_timed(audio: AudioSegment, source: str = "audio") -> tuple[AudioSegment, float]:
    """clean(), and the seconds trimmed off the start (word times shift by that much)."""
    audio = audio.set_channels(CHANNELS).set_sample_width(SAMPLE_WIDTH).set_frame_rate(SAMPLE_RATE)
    audio, lead = _trim(audio)
    if len(audio) < MIN_SPEECH_MS:
        raise VoiceError(f"{source}: contains only silence")
    return normalise(audio), lead / 1000


def trim_silence(audio: AudioSegment) -> AudioSegment:
    return _trim(audio)[0]


def _trim(audio: AudioSegment) -> tuple[AudioSegment, int]:
    if audio.max_dBFS == float("-inf"):
        return audio[:0], 0
    threshold = audio.max_dBFS - SILENCE_BELOW_PEAK
    lead = detect_leading_silence(audio, silence_threshold=threshold, chunk_size=10)
    tail = detect_leading_silence(audio.reverse(), silence_threshold=threshold, chunk_size=10)
    start = max(0, lead - TRIM_MARGIN_MS)
    end = min(len(audio), len(audio) - tail + TRIM_MARGIN_MS)
    return audio[start:end], start


def loudness(audio: AudioSegment) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4); -inf for silence or a clip under 0.4 s."""
    return _lufs(_floats(_conform(audio)))


def _floats(audio: AudioSegment) -> np.ndarray:
    return np.frombuffer(audio.raw_data, dtype=np.int16).astype(np.float64) / 32768


@functools.lru_cache(maxsize=1)
def _meter():
    import pyloudnorm
    return pyloudnorm.Meter(SAMPLE_RATE)


def load_meter_meanwhile() -> None:
    """Import the loudness meter in a thread (pyloudnorm imports scipy.signal: ~1.5 s), for a
    caller about to wait on something else, such as a neural voice loading its model."""
    import threading

    threading.Thread(target=_meter, daemon=True).start()


def _lufs(samples: np.ndarray) -> float:
    if len(samples) < int(0.4 * SAMPLE_RATE) or not samples.any():
        return float("-inf")
    return float(_meter().integrated_loudness(samples))


def normalise(audio: AudioSegment) -> AudioSegment:
    """The one place loudness is set: TARGET_LUFS integrated, true peak at most PEAK_CEILING_DBTP.

    Speech is peaky (espeak-ng especially): where the gain to -16 LUFS would push peaks over
    the ceiling, a limiter (5 ms windows, gain eased over 10 ms either side) turns just those
    peaks down instead of the whole line, so the line still reaches the target, unclipped.
    Peaks are measured between the samples too (true_peaks): a waveform can swing past its
    samples, and a player's reconstruction (or the AAC coding) does."""
    audio = _conform(audio)
    samples = _floats(audio)
    measured = _lufs(samples)
    if measured == float("-inf"):  # too short for the meter: an RMS stand-in, peak-capped
        peak = true_peaks(samples).max(initial=0.0)
        ceiling_gain = PEAK_CEILING_DBTP - 20 * np.log10(peak) if peak > 0 else 0.0
        return audio.apply_gain(min(RMS_FOR_TARGET - audio.dBFS, ceiling_gain))
    ceiling = 10 ** (PEAK_CEILING_DBTP / 20)
    for _ in range(3):  # limiting lowers loudness a little: measure again and top up
        samples = _limit(samples * 10 ** ((TARGET_LUFS - measured) / 20), ceiling)
        measured = _lufs(samples)
        if abs(measured - TARGET_LUFS) < 0.2:
            break
    pcm = np.round(np.clip(samples, -ceiling, ceiling) * 32767).astype(np.int16)
    return _segment(pcm)


def true_peaks(samples: np.ndarray) -> np.ndarray:
    """Per sample, the largest magnitude the waveform reaches around it: the samples and the
    points between them, TRUE_PEAK_OVERSAMPLING times oversampled (ITU-R BS.1770-4 annex 2)."""
    from scipy.signal import resample_poly   # scipy comes with the loudness meter

    if len(samples) < 2:
        return np.abs(samples)
    up = np.abs(resample_poly(samples, TRUE_PEAK_OVERSAMPLING, 1))[:len(samples) * TRUE_PEAK_OVERSAMPLING]
    between = up.reshape(len(samples), TRUE_PEAK_OVERSAMPLING).max(axis=1)
    return np.maximum(np.abs(samples), between)


def _limit(samples: np.ndarray, ceiling: float, window: int = 240, spread: int = 2) -> np.ndarray:
    peaks = true_peaks(samples)
    if peaks.max(initial=0.0) <= ceiling:
        return samples
    padded = np.pad(peaks, (0, -len(samples) % window))
    gain = np.minimum(1.0, ceiling / np.maximum(padded.reshape(-1, window).max(axis=1), 1e-12))
    eased = gain.copy()
    for k in range(1, spread + 1):  # a window's gain reaches its neighbours: no sudden steps
        eased[k:] = np.minimum(eased[k:], gain[:-k])
        eased[:-k] = np.minimum(eased[:-k], gain[k:])
    centres = np.arange(len(eased)) * window + window / 2
    per_sample = np.minimum(np.interp(np.arange(len(samples)), centres, eased),
                            np.repeat(gain, window)[:len(samples)])
    return samples * per_sample


def write_wav(audio: AudioSegment, path: str | Path) -> Path:
    """`audio` as a WAV file, complete or not there at all. Encoded in memory first: pydub's
    own writer, when the disk fills, hides the ENOSPC behind 'I/O operation on closed file'."""
    buffer = io.BytesIO()
    audio.export(buffer, format="wav")
    return atomic_write(path, buffer.getvalue())


def shortest_take(text: str, lang: str) -> float:
    """Seconds a take of `text` lasts at least; a shorter one is flagged (the caption would
    flash by, and the take is most likely clipped)."""
    return max(MIN_TAKE_SECONDS, reading_time(text, lang) / FASTEST_PACE)


def too_short(line_id: str, length: float, text: str | None, lang: str) -> str | None:
    """A one-line warning when a take is shorter than its text can be spoken, else None."""
    least = shortest_take(text, lang) if text else MIN_TAKE_SECONDS
    if length >= least:
        return None
    return (f"line {line_id}: the recording lasts {length:.2f} s, shorter than its caption "
            f"can be spoken ({least:.1f} s at least); a clipped take?")


def seconds(audio: AudioSegment) -> float:
    """Exact length in seconds (len() is whole milliseconds)."""
    return audio.frame_count() / audio.frame_rate


def durations(audio_by_id: Mapping[str, AudioSegment | None]) -> dict[str, float]:
    """Speech seconds per line id, for build_timeline; silent lines are left out so the
    timeline gives them reading-pace time instead."""
    return {line_id: seconds(audio) for line_id, audio in audio_by_id.items() if audio is not None}


def section_track(timeline, section: str, audio_by_id: Mapping[str, AudioSegment | None],
                  fps: int | None = None) -> AudioSegment:
    """One section's voice: every line at its start, silence elsewhere, exactly as long as
    the section (to the sample), or as its video when `fps` is given (whole frames)."""
    placed = [(line.start, line) for line in timeline.lines(section)]
    return _render(placed, audio_by_id, _frames(_section_length(timeline, section, fps)))


def master_track(timeline, audio_by_id: Mapping[str, AudioSegment | None],
                 sections: Iterable[str] | None = None, fps: int | None = None) -> AudioSegment:
    """The voice of the whole video (or of `sections`, in the order given, back to back).

    With `fps`, each section takes the whole frames its scene video has (round(duration * fps)),
    so the track stays in step with the scene videos concatenated."""
    sections = list(timeline.sections if sections is None else sections)
    placed, offset = [], 0.0
    for section in sections:
        placed += [(offset + line.start, line) for line in timeline.lines(section)]
        offset += _section_length(timeline, section, fps)
    return _render(placed, audio_by_id, _frames(offset))


def _section_length(timeline, section: str, fps: int | None) -> float:
    duration = timeline.section_duration(section)
    return duration if fps is None else round(duration * fps) / fps


def silence(duration: float) -> AudioSegment:
    return _segment(np.zeros(_frames(duration), dtype=np.int16))


def _frames(duration: float) -> int:
    return round(duration * SAMPLE_RATE)


def _segment(samples: np.ndarray) -> AudioSegment:
    return AudioSegment(samples.tobytes(), frame_rate=SAMPLE_RATE,
                        sample_width=SAMPLE_WIDTH, channels=CHANNELS)


def _render(placed, audio_by_id, total_frames: int) -> AudioSegment:
    """Write each line's audio in at its absolute start (seconds) on a silent buffer.

    Positions are rounded per line from absolute times, so errors never add up. Lines never
    overlap (each fits its slot), so writing is enough: no mixing, no clipping."""
    track = np.zeros(total_frames, dtype=np.int16)
    for start, line in placed:
        audio = audio_by_id.get(line.id)
        if audio is None:
            continue
        if seconds(audio) > line.duration + 1e-3:
            raise VoiceError(f"line {line.id}: voice lasts {seconds(audio):.2f}s but its slot is "
                             f"{line.duration:.2f}s; build the timeline with durations(audio)")
        first = _frames(start)
        samples = np.frombuffer(_conform(audio).raw_data, dtype=np.int16)[: max(0, total_frames - first)]
        track[first:first + len(samples)] = samples
    return _segment(track)


def _conform(audio: AudioSegment) -> AudioSegment:
    if (audio.frame_rate, audio.sample_width, audio.channels) == (SAMPLE_RATE, SAMPLE_WIDTH, CHANNELS):
        return audio
    return audio.set_channels(CHANNELS).set_sample_width(SAMPLE_WIDTH).set_frame_rate(SAMPLE_RATE)
