"""Voice-over: one cleaned audio clip per narration line, its length, and the tracks.

    audio = line_audio([(line_id, text), ...], "zh", voice="auto")   # id -> AudioSegment | None
    timeline = build_timeline(narration, run, durations(audio))      # slots follow the speech
    master_track(timeline, audio).export("voice.wav", format="wav")

Voices: a narrator's recording (script/voice/<lang>/<line-id>.wav ...), the language's neural
voice (script/voice/neural.py, its own environment), espeak-ng, or silent. `auto` takes a
recording where there is one, else the neural voice, else espeak-ng, else silence; a voice
that is missing is said once, in one line. Neural voices also give each word's time, and the
timeline switches captions (and the scenes' word cues) on those times.
"""
from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

from pydub import AudioSegment

from .audio import (SAMPLE_RATE, VoiceError, clean, durations, load_audio, master_track,
                    section_track, seconds, silence)
from .audio import loudness
from .backends import (RECORDING_EXTENSIONS, VOICES, Auto, Espeak, Neural, Recorded, Silent, VoiceWarning,
                       espeak_available, find_recording, line_audio, make_backend, recordings_dir,
                       voice_lines)
from .cache import cache_dir, media_dir
from .recordings import RecordingCheck, check_recordings, recording_script


@dataclass
class Narrated:
    """A timeline whose slots fit the voice, and the voice per line id (None = silent)."""
    timeline: object  # script.timeline.Timeline
    audio: dict[str, AudioSegment | None]

    def track(self, sections=None, fps: int | None = None) -> AudioSegment:
        return master_track(self.timeline, self.audio, sections, fps)

    def section_track(self, section: str, fps: int | None = None) -> AudioSegment:
        return section_track(self.timeline, section, self.audio, fps)


def narrate(run, lang: str, voice: str = "auto", pause: float = 0.5, rate: int | None = None,
            pitch: int | None = None, recordings=None) -> Narrated:
    """Narration of `lang` filled from `run`, voiced, and timed to the voice."""
    from ..fill import filled_lines  # imported late: script.voice needs only (id, text, lang)
    from ..narration import load_narration
    from ..timeline import build_timeline

    narration = load_narration(lang)
    lines = filled_lines(narration, run)
    splitting = threading.Thread(target=_split_captions, args=(lines, lang), daemon=True)
    splitting.start()   # text only: a new line is cut into cues while the voice speaks it
    audio, words = voice_lines(lines, lang, voice, rate=rate, pitch=pitch, recordings=recordings)
    splitting.join()
    words = {line_id: times for line_id, times in words.items() if audio.get(line_id) is not None}
    return Narrated(build_timeline(narration, run, durations(audio), pause=pause, words=words), audio)


def _split_captions(lines, lang: str) -> None:
    """Caption cues of every line into their cache (script/cue_cache.py; jieba takes ~1 s to
    load for Chinese), for build_timeline to read back."""
    from ..cue_cache import cached_split_cues

    with contextlib.suppress(Exception):   # build_timeline splits again and says what failed
        for _, text in lines:
            cached_split_cues(text, lang)


__all__ = ["VOICES", "SAMPLE_RATE", "RECORDING_EXTENSIONS", "VoiceError", "VoiceWarning", "Narrated",
           "narrate", "line_audio", "voice_lines", "loudness", "Neural", "durations", "section_track", "master_track", "make_backend",
           "Auto", "Recorded", "Espeak", "Silent", "load_audio", "clean", "seconds", "silence",
           "find_recording", "recordings_dir", "espeak_available", "cache_dir", "media_dir",
           "RecordingCheck", "check_recordings", "recording_script"]
