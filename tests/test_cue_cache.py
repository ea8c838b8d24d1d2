"""The caption cue cache (script/cue_cache.py): the same atoms and cues as a fresh split, a
miss on anything the split depends on, only an edited line split again, and no jieba when
every line is cached."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from script import cue_cache, load_narration
from script.captions import line_atoms, split_cues
from script.timeline import build_timeline

ROOT = Path(__file__).resolve().parents[1]
ZH_LINE = "现在我们有了一行分数，我们希望将其转换为总和为 1 的一行数字。我们通过应用 softmax 来完成此操作。"
EN_LINE = "With this row of weights, we compute a weighted sum of the value vectors, one per token."


@pytest.fixture
def media(tmp_path, monkeypatch):
    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def splits(media, monkeypatch):
    """The texts cue_cache really cut into atoms (not read back), in order."""
    done = []

    def counting(text, *args):
        done.append(text)
        return line_atoms(text, *args)

    monkeypatch.setattr(cue_cache, "line_atoms", counting)
    return done


@pytest.fixture(scope="module")
def run():
    return engine.default_run("CBABBC")


@pytest.mark.parametrize("text, lang", [(ZH_LINE, "zh"), (EN_LINE, "en")])
def test_a_cached_split_is_the_fresh_split(splits, text, lang):
    first = cue_cache.cached_split_cues(text, lang)
    second = cue_cache.cached_split_cues(text, lang)
    assert first == second == split_cues(text, lang)
    assert cue_cache.cached_atoms(text, lang) == line_atoms(text, lang)   # what a break costs too
    assert len(first) > 1 and splits == [text]          # the second came from the disk


def test_every_narration_line_reads_back_as_split(media, run):
    for lang in ("zh", "en"):
        fresh = build_timeline(load_narration(lang), run)
        cached = build_timeline(load_narration(lang), run)
        assert fresh == cached
        for _, line in cached.all_lines():
            assert "".join(cue.text.replace("\n", "") for cue in line.cues).replace(" ", "") == \
                line.text.replace(" ", "")


@pytest.mark.parametrize("change", [
    lambda: cue_cache.cached_split_cues(ZH_LINE + "好", "zh"),                 # the text
    lambda: cue_cache.cached_split_cues(ZH_LINE, "zh", line_width=12),        # the layout
    lambda: cue_cache.cached_split_cues(ZH_LINE, "zh", max_lines=1),
    lambda: cue_cache.cached_split_cues(ZH_LINE, "en"),                       # the language
])
def test_what_the_split_depends_on_misses_the_cache(splits, change):
    cue_cache.cached_split_cues(ZH_LINE, "zh")
    change()
    assert len(splits) == 2


def test_a_language_record_change_misses_the_cache(splits, monkeypatch):
    cue_cache.cached_split_cues(ZH_LINE, "zh")
    wider = dataclasses.replace(cue_cache.language("zh"), caption_width=20)
    monkeypatch.setattr(cue_cache, "language", lambda lang: wider)
    cue_cache.cached_split_cues(ZH_LINE, "zh")
    assert len(splits) == 2


def test_a_code_change_misses_the_cache(splits, monkeypatch, tmp_path):
    cue_cache.cached_split_cues(ZH_LINE, "zh")
    edited = tmp_path / "captions.py"
    edited.write_bytes(cue_cache.SPLITTING_CODE[0].read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(cue_cache, "SPLITTING_CODE", (edited,) + cue_cache.SPLITTING_CODE[1:])
    cue_cache.splitting_code_digest.cache_clear()
    try:
        cue_cache.cached_split_cues(ZH_LINE, "zh")
    finally:
        cue_cache.splitting_code_digest.cache_clear()
    assert len(splits) == 2


@pytest.mark.parametrize("damage", ['{"not json', '["a list"]', None])
def test_a_damaged_file_or_entry_is_split_again(splits, damage):
    cue_cache.cached_split_cues(EN_LINE, "en")
    path = cue_cache.cache_file("en")
    path.write_text(damage or json.dumps({cue_cache.entry_key(EN_LINE): "not a list of atoms"}))
    assert cue_cache.cached_split_cues(EN_LINE, "en") == split_cues(EN_LINE, "en")
    assert len(splits) == 2
    assert cue_cache.cached_split_cues(EN_LINE, "en") == split_cues(EN_LINE, "en") and len(splits) == 2


def test_a_language_is_one_file(media, run):
    build_timeline(load_narration("zh"), run)
    assert [p.name for p in cue_cache.cache_dir().iterdir()] == [cue_cache.cache_file("zh").name]


def test_only_an_edited_line_is_split_again(splits, run):
    narration = load_narration("zh")
    build_timeline(narration, run)
    before = len(splits)
    section = narration.sections[1]
    edited_line = dataclasses.replace(section.lines[0], template=section.lines[0].template + "对吧？")
    edited = dataclasses.replace(narration, sections=(
        narration.sections[0], dataclasses.replace(section, lines=(edited_line,) + section.lines[1:]),
        *narration.sections[2:]))
    build_timeline(edited, run)
    assert len(splits) == before + 1 and splits[-1].endswith("对吧？")


def test_new_durations_retime_cached_cues_without_splitting(splits, run):
    """The atoms do not depend on the speech's length: a line voiced again is only laid out and
    timed again."""
    narration = load_narration("zh")
    build_timeline(narration, run)
    before = len(splits)
    durations = {line_id: 7.0 for line_id in narration.ids()}
    timed = build_timeline(narration, run, durations)
    assert len(splits) == before
    for _, line in timed.all_lines():
        assert line.speech == 7.0 and sum(cue.duration for cue in line.cues) == pytest.approx(
            line.duration - line.hold)


def test_a_cached_run_never_loads_jieba(media, run):
    build_timeline(load_narration("zh"), run)      # fills the cache
    code = ("import sys, engine; from script import load_narration, build_timeline; "
            "build_timeline(load_narration('zh'), engine.default_run('CBABBC')); "
            "print('jieba' in sys.modules)")
    env = {**os.environ, "NANOGPT_MEDIA_DIR": str(media), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=ROOT, check=False)
    assert result.stdout.strip() == "False", result.stderr


def test_an_unwritable_cache_only_costs_time(media):
    (media / "cache").mkdir()
    (media / "cache" / "cues").write_text("a file in the way")
    assert cue_cache.cached_split_cues(EN_LINE, "en") == split_cues(EN_LINE, "en")
