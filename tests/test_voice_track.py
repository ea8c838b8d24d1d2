"""pipeline/voice_track.py: the voice track encoded a section at a time plays like the whole
track encoded at once (same timing within half an AAC frame, no clicks at the joins), and an
edit encodes only its section again."""
from __future__ import annotations

import av
import numpy as np
import pytest
from pydub import AudioSegment

from pipeline import voice_track
from script.voice import SAMPLE_RATE


def tone_section(seconds: float, pitch: float) -> np.ndarray:
    """A voice-like section: a tone in bursts, silence at the start and a pause at the end."""
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    x = 0.3 * np.sin(2 * np.pi * pitch * t) * (np.sin(2 * np.pi * 0.7 * t) > -0.3)
    x[: SAMPLE_RATE // 5] = 0
    x[-SAMPLE_RATE // 2:] = 0
    return (x * 32767).astype(np.int16)


def voiced(samples: np.ndarray) -> AudioSegment:
    return AudioSegment(samples.tobytes(), frame_rate=SAMPLE_RATE, sample_width=2, channels=1)


def decode(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]).astype(float) * 32767


@pytest.fixture
def sections(tmp_path, monkeypatch):
    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path / "media"))
    # lengths on the 1/15 s video grid, none a whole number of AAC frames
    return [tone_section(s, p) for s, p in ((4.2, 330.0), (3.4667, 440.0), (2.0667, 262.0))]


def test_sections_play_in_place(sections, tmp_path):
    track = decode(voice_track.write_voice_track([voiced(s) for s in sections], tmp_path / "voice.aac"))
    total = sum(len(s) for s in sections)
    assert abs(len(track) - total) <= voice_track.AAC_FRAME // 2
    start = 0
    for samples in sections:
        shift = round(start / voice_track.AAC_FRAME) * voice_track.AAC_FRAME - start
        assert abs(shift) <= voice_track.AAC_FRAME // 2
        played = track[start + shift:start + shift + len(samples)]
        ref = samples[:len(played)].astype(float)
        error = np.sqrt(np.mean((played - ref) ** 2))
        assert error < 0.01 * np.sqrt(np.mean(ref ** 2)), error   # codec noise only: in step, no clicks
        start += len(samples)


def test_an_edit_encodes_only_its_section(sections, tmp_path):
    voice_track.write_voice_track([voiced(s) for s in sections], tmp_path / "a.aac")
    assert len(list(voice_track.audio_cache().glob("*.aac"))) == 3
    edited = [sections[0], tone_section(4.0, 500.0), sections[2]]
    voice_track.write_voice_track([voiced(s) for s in edited], tmp_path / "b.aac")
    assert len(list(voice_track.audio_cache().glob("*.aac"))) == 4
    frames_a = voice_track.adts_frames((tmp_path / "a.aac").read_bytes())
    frames_b = voice_track.adts_frames((tmp_path / "b.aac").read_bytes())
    first = round(len(sections[0]) / voice_track.AAC_FRAME)
    assert frames_a[:first] == frames_b[:first]   # the first section's frames reused as they were


def test_encodings_unused_for_a_day_are_pruned(sections, tmp_path):
    """Each edit leaves its section's old encoding behind; what no assembly used for
    KEEP_UNUSED_SECONDS goes, what the last one used stays (a use counts as new)."""
    import os
    import time

    voice_track.write_voice_track([voiced(s) for s in sections], tmp_path / "a.aac")
    edited = [sections[0], tone_section(4.0, 500.0), sections[2]]
    voice_track.write_voice_track([voiced(s) for s in edited], tmp_path / "b.aac")
    day_ago = time.time() - voice_track.KEEP_UNUSED_SECONDS - 60
    for path in voice_track.audio_cache().glob("*.aac"):
        os.utime(path, (day_ago, day_ago))
    voice_track.write_voice_track([voiced(s) for s in edited], tmp_path / "c.aac")
    kept = list(voice_track.audio_cache().glob("*.aac"))
    assert len(kept) == 3   # the edited section's old encoding is gone
    assert (tmp_path / "c.aac").read_bytes() == (tmp_path / "b.aac").read_bytes()
