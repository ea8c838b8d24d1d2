"""The narration as data: the files, the parser's errors, filling from a Run, captions, timing,
subtitles and the `script` CLI."""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
import srt
import webvtt
from click.testing import CliRunner

import engine
from pipeline.cli import main as cli
from script import SCENE_IDS, build_timeline, language, language_codes, load_narration
from script.timeline import FRAMES_PER_SECOND, on_frame_grid
from script.captions import MAX_LINES, spoken_length, split_cues, width
from script.fill import PLACEHOLDERS, fill_narration, placeholder_values
from script.narration import NarrationError, check_files, narration_path
from script.subtitles import write_subtitles

SEED = Path(os.environ.get("NANOGPT_SEED", Path(__file__).resolve().parents[2] / "shared" / "seed"
                           / "narration-seed.zh.txt"))
INPUTS = ("CABACA", "CBABBC", "BCACBA")


@pytest.fixture(scope="module")
def runs():
    return {text: engine.default_run(text) for text in INPUTS}


@pytest.fixture(scope="module")
def narrations():
    return {lang: load_narration(lang) for lang in language_codes()}


def squash(text: str) -> str:
    """Compare text the way a reader would: no markdown underscores, quotes or whitespace."""
    return re.sub(r"[\s_'\"‘’“”]", "", text)


def seed_lines() -> list[str]:
    """Every line of the seed: the intro's prose one sentence each, then every “quoted” line."""
    if not SEED.is_file():
        pytest.skip(f"the seed narration is not at {SEED} (set NANOGPT_SEED)")
    text = SEED.read_text(encoding="utf-8")
    intro, rest = text.split("-- 输入 --", 1)
    prose = "".join(line.strip() for line in intro.splitlines()[1:])
    sentences = [s for s in re.findall(r".+?[。！？]", prose)]
    return sentences + re.findall(r"“(.*?)”", rest)


# ---- the shipped files ----

def test_every_seed_line_is_in_the_chinese_narration_in_order(narrations):
    lines = [line for line in narrations["zh"].lines() if not line.has_note("added")]
    seed = seed_lines()
    assert len(lines) == len(seed), "one narration line per seed line (plus lines marked added:)"
    for line, original in zip(lines, seed):
        if line.has_note("corrected"):
            continue
        # a placeholder stands for the number or token the seed typed by hand
        pattern = "".join(".{1,24}?" if part.startswith("{") else re.escape(part)
                          for part in re.split(r"(\{\w+\})", squash(line.template)))
        assert re.fullmatch(pattern, squash(original)), f"{line.id} (line {line.lineno}) differs " \
            f"from the seed without a '# corrected:' note:\n  {line.template}\n  {original}"


def test_the_known_slips_are_corrected_and_explained(narrations):
    zh = narrations["zh"]
    assert "除以标准差" in zh.line("layernorm.normalize").template
    assert "4C" in zh.line("feedforward.project").template and "4 * T" not in zh.line("feedforward.project").template
    assert "也加上了偏置" in zh.line("attention.projection-bias").template
    for line_id in ("layernorm.normalize", "feedforward.project", "attention.projection-bias", "intro.goal"):
        assert zh.line(line_id).has_note("corrected"), line_id
    templates = " ".join(line.template + (line.cue or "") for line in zh.lines())
    assert "CABACA" not in templates and "AAABCC" not in templates and "2, 1, 0" not in templates


def test_both_languages_have_the_same_ids_sections_and_scene_order(narrations):
    zh, en = narrations["zh"], narrations["en"]
    assert zh.ids() == en.ids()
    assert [s.id for s in zh.sections] == [s.id for s in en.sections] == list(SCENE_IDS)
    assert all(zh.titles[s] and en.titles[s] for s in SCENE_IDS)
    assert len(set(zh.titles.values())) == len(SCENE_IDS), "chapter titles must differ"


def test_no_model_number_is_typed_by_hand(narrations):
    hand_typed = re.compile(r"(?<![\w.\-{])(3|6|7|11|16|48|192|85728|85,728|0\.25)(?![\w.])")
    for lang, narration in narrations.items():
        for line in narration.lines():
            for text in (line.template, line.cue or ""):
                assert not hand_typed.search(text), f"{lang} {line.id}: use a placeholder in {text!r}"


def test_the_shipped_files_pass_the_checker():
    assert check_files() == []


# ---- filling from a run ----

@pytest.mark.parametrize("text", INPUTS)
@pytest.mark.parametrize("lang", language_codes())
def test_filled_captions_quote_the_run(runs, narrations, text, lang):
    run = runs[text]
    filled = {line.id: line for line in fill_narration(narrations[lang], run)}
    ids = ", ".join(str(t) for t in run.input_tokens)
    first = run.steps[0]
    assert run.input_letters in filled["intro.goal"].text and run.output_letters in filled["intro.goal"].text
    assert f"({ids})" in filled["intro.run"].text.replace("（", "(").replace("）", ")")
    assert f"‘{run.output_letters[0]}’" in filled["intro.obvious"].text
    assert str(run.config.n_embd) in filled["intro.embed"].text
    for prob in first.probs:
        assert f"{prob:.2f}" in filled["output.first-choice"].text
    assert f"‘{engine.VOCAB[first.chosen]}’" in filled["output.first-choice"].text
    n_params = engine.count_parameters(run.weights)
    assert f"{n_params:,}" in filled["stack.our-model"].text   # as the screen writes it
    assert run.input_letters in filled["learned.done"].text and run.output_letters in filled["learned.done"].text
    everything = " ".join(line.text + " " + (line.cue or "") for line in filled.values())
    assert "{" not in everything and "}" not in everything
    # the only token strings and id lists on screen are this run's, and the input an ablation breaks
    worst = run.learned.broken[int(np.argmin(run.learned.sorted_without_layer_attention))]
    example = set() if worst is None else {engine.to_letters(worst.input_tokens), engine.to_letters(worst.output_tokens)}
    assert set(re.findall(r"\b[ABC]{6}\b", everything)) <= {run.input_letters, run.output_letters} | example
    id_lists = set(re.findall(r"\d(?:, \d){5}", everything))
    assert id_lists <= {ids, ", ".join(str(t) for t in run.output_tokens)}


def test_the_briefs_two_examples(runs, narrations):
    def intro(text):
        filled = {line.id: line.text for line in fill_narration(narrations["zh"], runs[text])}
        return filled["intro.goal"] + filled["intro.run"]
    assert "CABACA" in intro("CABACA") and "2, 0, 1, 0, 2, 0" in intro("CABACA")
    assert "CBABBC" in intro("CBABBC") and "2, 1, 0, 1, 1, 2" in intro("CBABBC")


def test_placeholder_values_cover_every_placeholder(runs):
    for lang in language_codes():
        values = placeholder_values(runs["CBABBC"], lang)
        assert values.keys() == PLACEHOLDERS.keys()
        assert values["C"] == "48" and values["C4"] == "192" and values["A"] == "16"
        assert values["first_percent"].endswith("%")


# ---- malformed files ----

GOOD = "[intro.ready] “现在它们已经准备好传递到模型中。”"


def broken(tmp_path, replace: str, by: str, name="narration.zh.txt") -> tuple[Path, int]:
    """A copy of the shipped Chinese file with one line changed; returns its path and line."""
    text = narration_path("zh").read_text(encoding="utf-8")
    assert replace in text
    lineno = text[:text.index(replace)].count("\n") + 1
    path = tmp_path / name
    path.write_text(text.replace(replace, by, 1), encoding="utf-8")
    return path, lineno


@pytest.mark.parametrize("bad, message", [
    ("[Intro Ready] “现在。”", "bad id 'Intro Ready'"),
    ("[input.ready] “现在。”", "must start with 'intro.'"),
    ("[intro.welcome] “现在。”", "duplicate id 'intro.welcome' (first at line"),
    ("[intro.ready] “  ”", "empty caption"),
    ("[intro.ready] “现在它们已经准备好", "unbalanced quote"),
    ("[intro.ready] “现在 “{input}。”", "unbalanced quote"),
    ("[intro.ready] “现在。” [高亮显示", "unbalanced bracket"),
    ("[intro.ready “现在。”", "unbalanced bracket"),
    ("[intro.ready] “现在。” [高亮 [显示]", "unbalanced bracket"),
    ("[intro.ready] “现在是 {inptu}。”", "unknown placeholder {inptu}"),
    ("[intro.ready] “现在。” [第 {nope} 个]", "unknown placeholder {nope}"),
    ("[intro.ready] “现在是 {input。”", "unbalanced brace"),
    ("[intro.ready] 现在它们已经准备好。", "the caption must be in quotes"),
    ("[intro.ready] “现在。” 高亮", "unexpected text after the caption"),
    ("现在它们已经准备好。", "expected a section header"),
    ("[intro.ready] “现在。” []", "empty stage cue"),
])
def test_each_malformed_line_is_reported_with_file_and_line(tmp_path, bad, message):
    path, lineno = broken(tmp_path, GOOD, bad)
    errors = check_files({"zh": path})
    assert any(e.startswith(f"narration.zh.txt:{lineno}: ") and message in e for e in errors), errors
    with pytest.raises(NarrationError) as raised:
        load_narration("zh", path)
    assert f"narration.zh.txt:{lineno}: " in str(raised.value)


@pytest.mark.parametrize("bad, message", [
    ("-- decoder: 解码 --", "unknown section 'decoder'"),
    ("-- attention --", "a section header looks like"),
    ("-- intro: 简介 --", "duplicate section 'intro'"),
])
def test_bad_section_headers(tmp_path, bad, message):
    path, lineno = broken(tmp_path, "-- stack: Transformer 总结 --", bad)
    errors = check_files({"zh": path})
    assert any(e.startswith(f"narration.zh.txt:{lineno}: ") and message in e for e in errors), errors


def test_a_missing_section_is_reported(tmp_path):
    text = narration_path("zh").read_text(encoding="utf-8")
    start, end = text.index("-- stack:"), text.index("-- output:")
    path = tmp_path / "narration.zh.txt"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    errors = check_files({"zh": path})
    assert any("section 'stack' is missing" in e and e.startswith("narration.zh.txt:") for e in errors)


def test_an_id_missing_in_the_other_language_is_reported_where_it_is(tmp_path):
    en_text = narration_path("en").read_text(encoding="utf-8")
    zh_path = tmp_path / "narration.zh.txt"
    zh_path.write_text(narration_path("zh").read_text(encoding="utf-8"), encoding="utf-8")
    en_path = tmp_path / "narration.en.txt"
    en_path.write_text("\n".join(l for l in en_text.splitlines() if not l.startswith("[intro.ready]")),
                       encoding="utf-8")
    zh_line = load_narration("zh").line("intro.ready").lineno
    errors = check_files({"zh": zh_path, "en": en_path})
    assert errors == [f"narration.zh.txt:{zh_line}: id 'intro.ready' has no line in narration.en.txt"]


def test_all_errors_are_collected(tmp_path):
    path, lineno = broken(tmp_path, GOOD, "[intro.ready] “{bad1}” \n[intro.ready] “{bad2}”")
    errors = check_files({"zh": path})
    assert len([e for e in errors if "unknown placeholder" in e]) == 2


# ---- captions and timing ----

@pytest.mark.parametrize("lang", language_codes())
def test_cues_fit_the_line_width_and_keep_every_word(runs, narrations, lang):
    for run in runs.values():
        for _, line in build_timeline(narrations[lang], run).all_lines():
            for cue in line.cues:
                rows = cue.text.split("\n")
                assert 1 <= len(rows) <= MAX_LINES, (line.id, cue.text)
                assert all(width(row, lang) <= language(lang).caption_width for row in rows), (line.id, cue.text)
            assert squash("".join(c.text for c in line.cues)) == squash(line.text)


def test_line_width_is_configurable(runs, narrations):
    timeline = build_timeline(narrations["zh"], runs["CBABBC"], line_width=10)
    for _, line in timeline.all_lines():
        for cue in line.cues:
            assert all(width(row, "zh") <= 10 for row in cue.text.split("\n"))


def test_long_lines_split_at_natural_breaks():
    cues = split_cues("现在我们有了一行分数，我们希望将其转换为总和为 1 的一行数字。我们通过应用 softmax 来完成此操作。", "zh")
    assert len(cues) >= 2 and all(c.replace("\n", "")[-1] in "，。" for c in cues[:-1])
    cues = split_cues("With this row of weights, we compute a weighted sum of the value vectors, "
                      "and pass it on: that is the whole trick.", "en")
    assert len(cues) >= 2 and all(c.rstrip()[-1] in ",:;." for c in cues)
    assert split_cues("这里我们专注于推理（inference）。", "zh") == ["这里我们专注于推理\n（inference）。"]


def test_timeline_uses_speech_durations_and_reading_pace(runs, narrations):
    narration, run = narrations["en"], runs["CBABBC"]
    durations = {"intro.welcome": 4.25, "attention.apply": 1.0}
    timeline = build_timeline(narration, run, durations, pause=0.5, min_duration=2.0)
    assert list(timeline.sections) == list(SCENE_IDS)
    assert timeline.titles == narration.titles
    welcome = timeline.line("intro.welcome")
    assert (welcome.speech, welcome.duration, welcome.start) == (4.25, 4.8, 0.0)   # 4.75 s on the frame grid
    assert timeline.line("attention.apply").duration == pytest.approx(1.5 + 1 / 30)
    for section in SCENE_IDS:
        lines = timeline.lines(section)
        assert lines[0].start == 0.0
        assert all(a.end == pytest.approx(b.start) for a, b in zip(lines, lines[1:]))
    for _, line in timeline.all_lines():
        if line.id not in durations:
            expected = max(spoken_length(line.text) / language("en").reading_pace, 2.0) + 0.5 + line.hold
            assert line.speech == 0.0 and line.duration == pytest.approx(on_frame_grid(expected))
        cues = line.cues
        assert cues[0].offset == 0.0 and cues[-1].offset + cues[-1].duration == pytest.approx(line.held_from)
        if len(cues) > 2:  # all but the last share the speech in proportion to their length
            rates = [c.duration / spoken_length(c.text) for c in cues[:-1]]
            assert max(rates) == pytest.approx(min(rates))


def test_every_line_starts_and_lasts_whole_frames_at_15_30_and_60_fps(runs, narrations):
    durations = {line_id: 1.0 + i / 7 for i, line_id in enumerate(narrations["zh"].ids())}   # off the grid
    for lines in build_timeline(narrations["zh"], runs["CBABBC"], durations).sections.values():
        for line in lines:
            for fps in (15, 30, 60):
                for seconds in (line.start, line.duration):
                    assert abs(seconds * fps - round(seconds * fps)) < 1e-6, (line.id, seconds, fps)


def test_durations_for_unknown_lines_are_refused(runs, narrations):
    with pytest.raises(ValueError, match="attention.nope"):
        build_timeline(narrations["zh"], runs["CBABBC"], {"attention.nope": 1.0})


# ---- subtitles ----

def vtt_seconds(stamp) -> float:  # webvtt-py's in_seconds() drops the milliseconds
    return stamp.hours * 3600 + stamp.minutes * 60 + stamp.seconds + stamp.milliseconds / 1000


@pytest.mark.parametrize("lang", language_codes())
def test_srt_and_vtt_read_back_cover_every_line_in_order(tmp_path, runs, narrations, lang):
    timeline = build_timeline(narrations[lang], runs["CABACA"], {"intro.welcome": 3.0})
    expected = squash("".join(line.text for _, line in timeline.all_lines()))
    subs = list(srt.parse(write_subtitles(timeline, tmp_path / "video.srt").read_text(encoding="utf-8")))
    vtt = webvtt.read(str(write_subtitles(timeline, tmp_path / "video.vtt")))
    srt_times = [(s.start.total_seconds(), s.end.total_seconds()) for s in subs]
    vtt_times = [(vtt_seconds(c.start_time), vtt_seconds(c.end_time)) for c in vtt.captions]
    for times, texts in ((srt_times, [s.content for s in subs]), (vtt_times, [c.text for c in vtt.captions])):
        assert squash("".join(texts)) == expected
        last = timeline.lines(list(timeline.sections)[-1])[-1]   # its hold has no caption
        assert times[0][0] == 0.0 and times[-1][1] == pytest.approx(timeline.duration - last.hold, abs=0.002)
        assert all(start < end for start, end in times)
        assert all(a[1] <= b[0] for a, b in zip(times, times[1:])), "cues overlap"
    assert len(subs) == len(vtt.captions) == sum(len(line.cues) for _, line in timeline.all_lines())
    assert [round(t[0], 3) for t in srt_times] == [round(t[0], 3) for t in vtt_times]
    assert not list(tmp_path.glob("*.tmp"))


def test_unknown_subtitle_format_is_refused(tmp_path, runs, narrations):
    with pytest.raises(ValueError, match="allowed: .srt, .vtt"):
        write_subtitles(build_timeline(narrations["en"], runs["CBABBC"]), tmp_path / "video.txt")


# ---- CLI ----

def test_cli_check_passes_on_the_shipped_files():
    result = CliRunner().invoke(cli, ["script", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: zh ") and "same ids" in result.output


@pytest.mark.parametrize("args, allowed", [
    (["script", "check", "--lang", "fr"], "allowed: zh, en"),
    (["script", "show", "--lang", "de"], "allowed: zh, en"),
    (["script", "show", "--input", "CABACX"], "A, B, C"),
    (["script", "subtitles", "--input", "ABC", "--out", "x.srt"], "A, B, C"),
    (["script", "subtitles", "--out", "x.txt"], ".srt, .vtt"),
])
def test_cli_bad_values_are_one_line_and_exit_2(args, allowed):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and allowed in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_cli_subtitles_and_show(tmp_path):
    out = tmp_path / "sub" / "cabaca.en.vtt"
    result = CliRunner().invoke(cli, ["script", "subtitles", "--input", "CABACA", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "CABACA" in out.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["script", "show", "--input", "CABACA", "--lang", "en"])
    assert result.exit_code == 0 and "intro.welcome" in result.output


# ---- holds: <pause 1.0s> after a key reveal ----

KEY_REVEALS = ("attention.dot-product", "attention.softmax-how", "output.first-choice", "learned.done")


def without_holds(tmp_path, lang: str) -> Path:
    """The shipped narration of `lang` with every hold marker taken out."""
    path = tmp_path / f"narration.{lang}.txt"
    text = narration_path(lang).read_text(encoding="utf-8")
    path.write_text(re.sub(r" *<pause [0-9.]+s?>", "", text), encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", language_codes())
def test_the_key_reveals_are_held_in_every_language(narrations, lang):
    holds = {line.id: line.hold for line in narrations[lang].lines() if line.hold}
    assert set(KEY_REVEALS) <= set(holds), holds
    # the silence heard after a reveal is the usual pause plus the hold: 0.5 to 1.5 s; the video's
    # last line is the exception: its hold is the closing picture (output and credits, >= 4 s)
    closing = narrations[lang].lines()[-1].id
    assert all(0.5 <= 0.5 + seconds <= 1.5 for line_id, seconds in holds.items() if line_id != closing), holds
    assert holds.get(closing, 0) >= 3.5, f"{closing}: the closing card needs a hold to be read"
    assert holds == {line.id: line.hold for line in narrations["zh"].lines() if line.hold}


@pytest.mark.parametrize("lang", language_codes())
def test_a_hold_lengthens_its_line_in_the_timeline_and_the_subtitles_skip_it(tmp_path, runs, narrations, lang):
    held, plain = narrations[lang], load_narration(lang, without_holds(tmp_path, lang))
    run = runs["CBABBC"]
    speech = {line_id: 2.0 + i / 10 for i, line_id in enumerate(held.ids())}   # as a voice would give
    for durations in ({}, speech):
        with_hold = build_timeline(held, run, durations)
        bare = build_timeline(plain, run, durations)
        total_hold = sum(line.hold for line in held.lines())
        grid = 1 / FRAMES_PER_SECOND   # each line ends on the frame grid: a pause may be longer by < 1 frame
        assert abs(with_hold.duration - (bare.duration + total_hold)) < grid * len(held.ids())
        for (_, line), (_, other) in zip(with_hold.all_lines(), bare.all_lines()):
            assert line.hold == held.line(line.id).hold
            assert 0 <= line.duration - (other.duration + line.hold) + grid - 1e-6 < 2 * grid   # longer by the hold
            assert [c.text for c in line.cues] == [c.text for c in other.cues]        # the same captions...
            assert line.cues[-1].offset + line.cues[-1].duration == pytest.approx(line.held_from)
            if line.id in durations:   # ...ending with speech + pause
                assert -1e-9 <= line.held_from - (durations[line.id] + 0.5) < grid
        # the subtitles: no cue during a hold
        spans = [(start + line.held_from, start + line.duration) for start, line in with_hold.all_lines() if line.hold]
        srt_cues = list(srt.parse(write_subtitles(with_hold, tmp_path / "held.srt").read_text(encoding="utf-8")))
        assert len(srt_cues) == sum(len(line.cues) for _, line in with_hold.all_lines())
        for cue in srt_cues:
            a, b = cue.start.total_seconds(), cue.end.total_seconds()
            assert not any(a < hold_end - 0.001 and b > hold_start + 0.001 for hold_start, hold_end in spans), \
                (cue.content, spans)
        for hold_start, hold_end in spans:   # and the next cue starts when the hold is over
            later = [c.start.total_seconds() for c in srt_cues if c.start.total_seconds() >= hold_start - 0.001]
            assert not later or later[0] == pytest.approx(hold_end, abs=0.002)


def test_the_voice_is_silent_through_a_hold(runs, narrations):
    from pydub.generators import Sine

    from script import voice
    narration, run = narrations["en"], runs["CABACA"]
    audio = {line_id: Sine(440).to_audio_segment(duration=700 + 10 * i).set_frame_rate(voice.SAMPLE_RATE)
             for i, line_id in enumerate(narration.ids())}
    timeline = build_timeline(narration, run, voice.durations(audio))
    track = voice.master_track(timeline, audio)
    assert voice.seconds(track) == pytest.approx(timeline.duration, abs=1e-3)
    for start, line in timeline.all_lines():
        if line.hold:
            speech_end, end = start + line.speech, start + line.duration
            assert 0 <= end - speech_end - (0.5 + line.hold) < 1 / FRAMES_PER_SECOND
            assert track[round(start * 1000) + 5: round(speech_end * 1000) - 5].dBFS > -30
            assert track[round(speech_end * 1000) + 5: round(end * 1000) - 5].dBFS == float("-inf")
    # a narrator is told not to record the hold
    script = voice.recording_script(timeline)
    entry = script[script.index("`attention.dot-product`"):script.index("`attention.scores`")]
    assert "0.9 s hold (do not record it" in entry


@pytest.mark.parametrize("lang", language_codes())
def test_hold_markers_never_reach_the_caption_or_the_voice(runs, narrations, lang):
    from script.fill import filled_lines
    from script.spoken import spoken_text
    for line_id, text in filled_lines(narrations[lang], runs["CBABBC"]):
        for said in (text, spoken_text(text, lang)):
            assert "<" not in said and "pause" not in said.lower(), (line_id, said)
    for line in narrations[lang].lines():
        assert "<pause" not in (line.cue or ""), line.id


@pytest.mark.parametrize("written, hold, cue", [
    ("[intro.ready] “现在。” <pause 1s>", 1.0, None),
    ("[intro.ready] “现在。” [高亮显示] <pause 0.8 s>", 0.8, "高亮显示"),
    ("[intro.ready] “现在。” [x < y，高亮]  <pause 1.25>", 1.25, "x < y，高亮"),
    ("[intro.ready] “现在。” [暂停一下]", 0.0, "暂停一下"),
    ("[intro.ready] “现在。”<pause .5s>", 0.5, None),
])
def test_hold_markers_are_read(tmp_path, written, hold, cue):
    path, _ = broken(tmp_path, GOOD, written)
    line = load_narration("zh", path).line("intro.ready")
    assert (line.template, line.cue, line.hold) == ("现在。", cue, hold)


@pytest.mark.parametrize("bad, message", [
    ("[intro.ready] “现在。” <pause>", "malformed hold marker"),
    ("[intro.ready] “现在。” <pause 1 sec>", "malformed hold marker"),
    ("[intro.ready] “现在。” <pause 1s> <pause 2s>", "malformed hold marker"),
    ("[intro.ready] “现在。” <pause 1s> [高亮]", "the hold marker goes last"),
    ("[intro.ready] “现在。” <pause 9s>", "a hold lasts 0.1 to 5 s"),
    ("[intro.ready] “现在。” <pause 0s>", "a hold lasts 0.1 to 5 s"),
    ("[intro.ready] “现在。<pause 1s>”", "inside the caption's quotes"),
    ("[intro.ready] “现在。” [pause 1s]", "reads like a pause"),
    ("[intro.ready] “现在。” [暂停 1 秒]", "reads like a pause"),
])
def test_malformed_hold_markers_are_reported_with_file_and_line(tmp_path, bad, message):
    path, lineno = broken(tmp_path, GOOD, bad)
    errors = check_files({"zh": path})
    assert any(e.startswith(f"narration.zh.txt:{lineno}: ") and message in e for e in errors), errors


# ---- captions never break a term or a bracketed group ----

from script.captions import GROUP, MAX_LINES as CUE_LINES  # noqa: E402

NEVER_FIRST = "，。、；：！？）》」』】”’…,.;:!?)]—–"   # no cue or caption line starts with these


def rows(cue_text: str) -> list[str]:
    return cue_text.split("\n")


def count(needle: str, haystack: str, lang: str) -> int:
    if language(lang).cjk:
        return haystack.count(needle)
    return len(re.findall(r"\s+".join(map(re.escape, needle.split())), haystack, re.IGNORECASE))


@pytest.mark.parametrize("lang, text, whole", [
    # the review's examples (video-1.md, "Caption segmentation")
    ("zh", "每个 Transformer 由一个‘自注意力’（self-attention）层、一个‘前馈’（feed-forward）层，"
           "以及我们称之为‘残差主干’（residual backbone）的部分组成。",
     ["‘自注意力’", "（residual backbone）", "（self-attention）层、"]),
    ("zh", "前馈层是一个简单的矩阵-向量乘法，并带有一个偏置。", ["矩阵-向量乘法"]),
    ("zh", "激活函数独立地应用于向量的每个元素。", ["应用于"]),
    ("zh", "同样，我们对每个时间步 T 独立操作，并将向量扩展为原始大小的 4 倍。", ["时间步 T"]),
    ("zh", "现在我们有了一组按顺序排列的数字（2, 0, 1, 0, 2, 0），我们可以运行模型了。", ["（2, 0, 1, 0, 2, 0），"]),
    ("en", "With our numbers in order (2, 0, 1, 0, 2, 0), we can run the model.", ["(2, 0, 1, 0, 2, 0),"]),
    ("en", "The result is added to the residual backbone, and the transformer is done!", ["residual backbone"]),
    ("en", "Each transformer has a self-attention layer, a feed-forward layer, and what we call the "
           "residual backbone.", ["self-attention layer", "residual backbone."]),
])
def test_the_reviews_caption_breaks_are_gone(lang, text, whole):
    cues = split_cues(text, lang)
    assert squash("".join(cues)) == squash(text)
    for piece in whole:
        assert any(piece in row for cue in cues for row in rows(cue)), (piece, cues)
    assert not any(row[0] in NEVER_FIRST for cue in cues for row in rows(cue)), cues
    assert not any(row.startswith("层") for cue in cues for row in rows(cue)), cues


def test_the_review_terms_are_data_in_both_words_files():
    assert {"自注意力", "矩阵-向量乘法", "时间步 T", "残差主干"} <= set(language("zh").unbreakable)
    assert {"residual backbone", "matrix-vector multiplication", "time step T"} <= set(language("en").unbreakable)


def test_a_term_too_wide_for_the_line_still_breaks_and_keeps_every_character():
    cues = split_cues("前馈层是一个简单的矩阵-向量乘法，并带有一个偏置。", "zh", line_width=4)
    assert squash("".join(cues)) == squash("前馈层是一个简单的矩阵-向量乘法，并带有一个偏置。")
    assert all(width(row, "zh") <= 4 for cue in cues for row in rows(cue))


@pytest.mark.parametrize("lang", language_codes())
def test_no_cue_starts_with_punctuation_or_splits_a_term_or_group_in_the_real_narration(runs, narrations, lang):
    line_width = language(lang).caption_width
    for run in runs.values():
        for _, line in build_timeline(narrations[lang], run).all_lines():
            cue_texts = [cue.text for cue in line.cues]
            all_rows = [row for cue in cue_texts for row in rows(cue)]
            for i, row in enumerate(all_rows):
                # (a caption may itself open with "…", continuing the line before it)
                if not (i == 0 and line.text.startswith("…")):
                    assert row[0] not in NEVER_FIRST, (line.id, row)
            for term in language(lang).unbreakable:
                said = count(term, line.text, lang)
                assert sum(count(term, row, lang) for row in all_rows) == said, (line.id, term, all_rows)
            for group in {m.group(0) for m in GROUP.finditer(line.text)}:
                said = line.text.count(group)
                if width(group, lang) <= line_width:        # fits a line: never broken at all
                    assert sum(row.count(group) for row in all_rows) == said, (line.id, group, all_rows)
                elif width(group, lang) <= line_width * CUE_LINES / 1.5:   # comfortably fits a cue: one cue
                    assert sum(squash(cue).count(squash(group)) for cue in cue_texts) == said, (line.id, group, cue_texts)
