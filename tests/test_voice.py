"""Voice-over: espeak-ng speaks, recordings win, the cache saves work, tracks keep time."""
from __future__ import annotations

import multiprocessing

import pytest
from click.testing import CliRunner
from pydub import AudioSegment
from pydub.generators import Sine

from script import voice
from script.timeline import Timeline, TimedLine
from script.voice import backends

FRAME = 1 / 60
ZH = "注意力让每个位置看向它前面的位置。"
EN = "Attention lets each position look at the positions before it."


@pytest.fixture(autouse=True)
def media(tmp_path, monkeypatch):
    """Each test gets its own empty cache and recordings folder."""
    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("NANOGPT_RECORDINGS_DIR", str(tmp_path / "recordings"))
    return tmp_path


@pytest.fixture
def synth_calls(monkeypatch):
    """Count espeak-ng runs."""
    calls = []
    real = backends.synthesize

    def counting(text, *args):
        calls.append(text)
        return real(text, *args)

    monkeypatch.setattr(backends, "synthesize", counting)
    return calls


def tone(seconds: float, freq: int = 440) -> AudioSegment:
    return Sine(freq, sample_rate=44_100).to_audio_segment(duration=seconds * 1000, volume=-10)


def record(root, lang, line_id, audio: AudioSegment, ext="wav"):
    folder = root / "recordings" / lang
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{line_id}.{ext}"
    with open(path, "wb") as file:  # pydub leaves a file it opens itself unclosed
        audio.export(file, format=ext)
    return path


def test_espeak_is_installed():
    assert voice.espeak_available(), "espeak-ng is missing: apt-get install espeak-ng (tools/setup.sh does)"


@pytest.mark.parametrize("lang,text", [("zh", ZH), ("en", EN)])
def test_espeak_speaks_audibly(lang, text):
    audio = voice.line_audio([("a", text)], lang, voice="espeak")["a"]
    assert audio.frame_rate == voice.SAMPLE_RATE and audio.channels == 1
    assert 1.0 < voice.seconds(audio) < 15
    assert voice.loudness(audio) == pytest.approx(-16, abs=1.5) or audio.max_dBFS > -1.5  # -16 LUFS unless peak-limited
    assert audio.max_dBFS <= -0.9                        # peaks kept under the ceiling


def test_clean_trims_silence_and_evens_loudness():
    padded = AudioSegment.silent(700) + tone(1.0).apply_gain(-25) + AudioSegment.silent(1200)
    cleaned = voice.clean(padded)
    assert voice.seconds(cleaned) == pytest.approx(1.0 + 2 * 0.040, abs=0.03)  # a 40 ms margin each end
    assert cleaned.frame_rate == voice.SAMPLE_RATE and cleaned.channels == 1
    assert voice.loudness(cleaned) == pytest.approx(-16, abs=0.2)


def test_rate_changes_the_speech_length():
    slow = voice.line_audio([("a", EN)], "en", voice="espeak", rate=120)["a"]
    fast = voice.line_audio([("a", EN)], "en", voice="espeak", rate=300)["a"]
    assert voice.seconds(slow) > 1.8 * voice.seconds(fast)


def test_recordings_override_synthesis_line_by_line(media, synth_calls):
    record(media, "en", "intro.hello", tone(1.5))
    record(media, "en", "intro.ogg-line", tone(0.8, 660), ext="ogg")
    lines = [("intro.hello", EN), ("intro.synth", EN), ("intro.ogg-line", EN)]
    audio = voice.line_audio(lines, "en")  # auto
    assert synth_calls == [EN]  # only the line without a recording was synthesised
    assert voice.seconds(audio["intro.hello"]) == pytest.approx(1.5, abs=0.02)
    assert voice.seconds(audio["intro.ogg-line"]) == pytest.approx(0.8, abs=0.03)
    assert voice.seconds(audio["intro.synth"]) != pytest.approx(1.5, abs=0.1)
    with pytest.warns(voice.VoiceWarning, match="1 of 3 lines"):
        assert voice.line_audio(lines, "en", voice="recorded").keys() == audio.keys()


def test_recorded_voice_leaves_missing_lines_silent_with_one_warning(media, synth_calls):
    record(media, "zh", "a", tone(2.5))  # long enough for its caption: no "too short" warning
    with pytest.warns(voice.VoiceWarning, match=r"2 of 3 lines have no recording") as caught:
        audio = voice.line_audio([("a", ZH), ("b", ZH), ("c", ZH)], "zh", voice="recorded")
    assert [w.category for w in caught].count(voice.VoiceWarning) == 1 and synth_calls == []
    assert audio["b"] is None and audio["c"] is None
    assert voice.durations(audio) == {"a": pytest.approx(2.5, abs=0.02)}


def test_a_long_recording_stretches_its_slot(media):
    record(media, "zh", "a", tone(12.0))
    audio = voice.line_audio([("a", "短")], "zh")
    assert voice.durations(audio)["a"] == pytest.approx(12.0, abs=0.02)  # never cut to a reading pace


def test_auto_without_espeak_is_silent_and_warns_once(monkeypatch, synth_calls):
    monkeypatch.setattr(backends, "espeak_available", lambda: False)
    with pytest.warns(voice.VoiceWarning, match="apt-get install espeak-ng") as caught:
        audio = voice.line_audio([("a", ZH), ("b", ZH)], "zh")
    assert [w.category for w in caught].count(voice.VoiceWarning) == 1 and synth_calls == []
    assert audio == {"a": None, "b": None} and voice.durations(audio) == {}
    with pytest.raises(voice.VoiceError, match="apt-get install espeak-ng"):
        voice.line_audio([("a", ZH)], "zh", voice="espeak")


def test_silent_voice_gives_no_durations(synth_calls):
    audio = voice.line_audio([("a", ZH)], "zh", voice="silent")
    assert audio == {"a": None} and voice.durations(audio) == {} and synth_calls == []


def test_bad_names_list_what_is_allowed():
    with pytest.raises(ValueError, match="allowed: auto, recorded, neural, espeak, silent"):
        voice.line_audio([("a", ZH)], "zh", voice="festival")
    with pytest.raises(voice.VoiceError, match="allowed: zh, en"):
        voice.line_audio([("a", "hola")], "es", voice="espeak")
    with pytest.raises(voice.VoiceError, match=r"allowed: 0\.\.99"):
        voice.line_audio([("a", ZH)], "zh", voice="espeak", pitch=120)


def test_cache_hits_do_not_synthesise(media, synth_calls):
    lines = [("a", ZH), ("b", "第二句。")]
    first = voice.line_audio(lines, "zh", voice="espeak")
    again = voice.line_audio(lines, "zh", voice="espeak")
    assert len(synth_calls) == 2
    assert again["a"].raw_data == first["a"].raw_data
    voice.line_audio(lines, "zh", voice="espeak", rate=150)  # another rate is another sound
    assert len(synth_calls) == 4
    cached = list((media / "media" / "cache" / "voice").iterdir())
    assert len(cached) == 4 and all(p.suffix == ".wav" for p in cached)


def _fill_cache(media_dir):
    import os
    os.environ["NANOGPT_MEDIA_DIR"] = media_dir
    return {k: len(v.raw_data) for k, v in
            voice.line_audio([(str(i), f"第{i}句。") for i in range(6)], "zh", voice="espeak").items()}


def test_two_processes_filling_the_cache_at_once_leave_it_whole(media):
    media_dir = str(media / "shared-media")
    with multiprocessing.get_context("fork").Pool(2) as pool:
        first, second = pool.map(_fill_cache, [media_dir, media_dir])
    assert first == second
    files = list((media / "shared-media" / "cache" / "voice").iterdir())
    assert len(files) == 6 and all(p.suffix == ".wav" for p in files)  # no temp files left
    for path in files:
        assert voice.seconds(voice.load_audio(path)) > 0.1


# --- tracks -------------------------------------------------------------------------------

def hand_timeline(speech: dict[str, float], pause=0.5) -> Timeline:
    """Two sections with awkward lengths, built from the dataclasses as build_timeline would."""
    sections = {"intro": ["intro.a", "intro.b", "intro.silent"], "attention": ["attention.a", "attention.b"]}
    timeline = Timeline("zh", titles={s: s for s in sections})
    for section, ids in sections.items():
        start, lines = 0.0, []
        for line_id in ids:
            duration = speech.get(line_id, 2.3456789) + pause
            lines.append(TimedLine(line_id, section, "...", None, start, duration,
                                   speech=speech.get(line_id, 0.0)))
            start += duration
        timeline.sections[section] = lines
    return timeline


def test_master_track_is_as_long_as_the_timeline(media):
    lengths = {"intro.a": 1.0001, "intro.b": 2.71828, "attention.a": 0.3333, "attention.b": 3.14159}
    audio = {line_id: tone(seconds, 300 + 50 * i) for i, (line_id, seconds) in enumerate(lengths.items())}
    audio = {k: v.set_frame_rate(voice.SAMPLE_RATE) for k, v in audio.items()}
    audio["intro.silent"] = None
    timeline = hand_timeline(voice.durations(audio), pause=0.4567)
    master = voice.master_track(timeline, audio)
    assert abs(voice.seconds(master) - timeline.duration) < FRAME
    assert master.frame_rate == voice.SAMPLE_RATE
    for section in timeline.sections:
        track = voice.section_track(timeline, section, audio)
        assert abs(voice.seconds(track) - timeline.section_duration(section)) <= 1 / voice.SAMPLE_RATE
    # each line sounds where the timeline puts it, and the pause after it is silent
    for start, line in timeline.all_lines():
        ms = round(start * 1000)
        if audio[line.id] is None:
            assert master[ms + 10: ms + round(line.duration * 1000) - 10].dBFS == float("-inf")
        else:
            assert master[ms + 5: ms + 100].dBFS > -30
            assert master[round((start + line.speech) * 1000) + 5: round((start + line.duration) * 1000) - 5].dBFS \
                == float("-inf")
    only_attention = voice.master_track(timeline, audio, sections=["attention"])
    assert abs(voice.seconds(only_attention) - timeline.section_duration("attention")) < FRAME
    # on whole frames: as long as the scene videos put end to end, each line in its own scene
    videos = [round(timeline.section_duration(s) * 60) for s in timeline.sections]
    framed = voice.master_track(timeline, audio, fps=60)
    assert framed.frame_count() == sum(videos) * voice.SAMPLE_RATE // 60
    attention_start = videos[0] / 60
    assert framed[round(attention_start * 1000) + 5: round(attention_start * 1000) + 100].dBFS > -30
    assert voice.section_track(timeline, "intro", audio, fps=60).frame_count() == videos[0] * 800


def test_many_lines_do_not_drift():
    audio = {f"s.{i}": voice.silence(0.1234567) for i in range(400)}
    timeline = Timeline("en", {"s": []})
    start = 0.0
    for line_id in audio:
        timeline.sections["s"].append(TimedLine(line_id, "s", "", None, start, 0.1234567 + 1 / 3))
        start += 0.1234567 + 1 / 3
    assert abs(voice.seconds(voice.master_track(timeline, audio)) - timeline.duration) < 1 / voice.SAMPLE_RATE


def test_voice_longer_than_its_slot_is_refused():
    timeline = hand_timeline({"intro.a": 1.0})
    audio = {"intro.a": voice.silence(3.0)}
    with pytest.raises(voice.VoiceError, match="intro.a: voice lasts 3.00s"):
        voice.master_track(timeline, audio)


# --- bad recordings -----------------------------------------------------------------------

@pytest.mark.parametrize("content,reason", [
    (b"RIFF\x00\x00garbage that is no audio at all" * 20, "unreadable audio"),
    (b"", "empty or missing audio file"),
    (None, "zero length"),
])
def test_bad_recording_is_refused_in_one_line_naming_the_file(media, content, reason):
    folder = media / "recordings" / "zh"
    folder.mkdir(parents=True)
    path = folder / "intro.bad.wav"
    if content is None:
        record(media, "zh", "intro.bad", AudioSegment.silent(0, frame_rate=48_000))
    else:
        path.write_bytes(content)
    with pytest.raises(voice.VoiceError) as error:
        voice.line_audio([("intro.bad", ZH)], "zh")
    message = str(error.value)
    assert "\n" not in message and str(path) in message and reason in message


def test_silent_recording_is_refused(media):
    path = record(media, "zh", "a", AudioSegment.silent(2000))
    with pytest.raises(voice.VoiceError, match=f"{path}: contains only silence"):
        voice.line_audio([("a", ZH)], "zh")


def test_two_files_for_one_line_are_refused(media):
    record(media, "zh", "a", tone(1.0))
    record(media, "zh", "a", tone(1.0), ext="flac")
    with pytest.raises(voice.VoiceError, match="line a: 2 recordings"):
        voice.line_audio([("a", ZH)], "zh")


# --- for the narrator ---------------------------------------------------------------------

def test_check_lists_missing_extra_and_unreadable(media):
    record(media, "en", "intro.a", tone(1.0))
    record(media, "en", "intro.typo", tone(1.0))
    (media / "recordings" / "en" / "intro.b.mp3").write_bytes(b"not an mp3")
    (media / "recordings" / "en" / "README.md").write_text("notes")
    report = voice.check_recordings(["intro.a", "intro.b", "intro.c"], "en")
    assert report.found == {"intro.a": pytest.approx(1.0, abs=0.02)}
    assert report.missing == ["intro.c"]
    assert [p.name for p in report.extra] == ["intro.typo.wav"]
    assert len(report.unreadable) == 1 and "intro.b.mp3" in report.unreadable[0]
    assert not report.ok
    (media / "recordings" / "en" / "intro.b.mp3").unlink()
    assert voice.check_recordings(["intro.a", "intro.typo"], "en").ok


def test_voice_cli_check_exit_codes(media):
    from script.narration import load_narration
    from script.voice_cli import voice_group

    first = load_narration("en").ids()[0]
    record(media, "en", first, tone(1.0))
    result = CliRunner().invoke(voice_group, ["check", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "1 recordings read" in result.output and "missing" in result.output
    record(media, "en", "intro.no-such-line", tone(1.0))
    result = CliRunner().invoke(voice_group, ["check", "--lang", "en"])
    assert result.exit_code == 1 and "intro.no-such-line.wav" in result.output
    result = CliRunner().invoke(voice_group, ["check", "--lang", "fr"])
    assert result.exit_code == 2 and "allowed: zh, en" in result.output


# --- with the narration -------------------------------------------------------------------

@pytest.fixture(scope="module")
def run():
    from engine import default_run
    return default_run("CBABBC")


def test_narrate_times_lines_to_their_recordings(media, run):
    from script.narration import load_narration
    from script.timeline import build_timeline

    first, second = load_narration("en").ids()[:2]
    record(media, "en", first, tone(3.25))
    with pytest.warns(voice.VoiceWarning, match="have no recording"):
        narrated = voice.narrate(run, "en", voice="recorded", pause=0.25)
    line = narrated.timeline.lines(first.split(".")[0])[0]
    assert line.id == first and 0 <= line.duration - (3.25 + 0.25) < 1 / 15 + 0.02   # on the frame grid
    reading_pace = build_timeline(load_narration("en"), run, pause=0.25)
    assert narrated.timeline.lines("intro")[1].duration == reading_pace.lines("intro")[1].duration
    assert abs(voice.seconds(narrated.track()) - narrated.timeline.duration) < FRAME
    assert abs(voice.seconds(narrated.section_track("intro")) - narrated.timeline.section_duration("intro")) < FRAME


def test_voice_cli_script_lists_every_line_and_marks_input_numbers(media, tmp_path):
    from script.narration import load_narration
    from script.voice_cli import voice_group

    out = tmp_path / "script-en.md"
    result = CliRunner().invoke(voice_group, ["script", "--lang", "en", "--input", "ABCCBA", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    from engine import default_run
    from script.fill import filled_lines

    ids = [line_id for line_id, _ in filled_lines(load_narration("en"), default_run("ABCCBA"))]
    assert all(f"`{i}` -> `{i}.wav`" in text for i in ids)
    assert [text.index(f"`{i}` ->") for i in ids] == sorted(text.index(f"`{i}` ->") for i in ids)
    assert "ABCCBA" in text and "depends on the input**" in text
    assert str(media / "recordings" / "en") in text
    result = CliRunner().invoke(voice_group, ["script", "--lang", "en", "--input", "ABD", "--out", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
