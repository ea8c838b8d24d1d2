"""Languages are files: a third one (a copy of English under another code, in a temporary
narration folder) needs no Python change; a missing word is an error naming file and key;
the docs cite modules that exist."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from manim import tempconfig

from scenes.context import SceneContext
from scenes.registry import scene_class
from script import languages
from script.languages import LanguageError, check_words, language_codes

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def third_language(tmp_path, monkeypatch):
    for path in languages.SHIPPED_DIR.glob("*.*.t*"):   # narration.*.txt, words.*.toml
        shutil.copy(path, tmp_path)
    shutil.copy(tmp_path / "narration.en.txt", tmp_path / "narration.xx.txt")
    shutil.copy(tmp_path / "words.en.toml", tmp_path / "words.xx.toml")
    monkeypatch.setenv("NANOGPT_NARRATION_DIR", str(tmp_path))
    return tmp_path


def test_a_third_language_renders_a_scene_with_no_python_change(third_language, tmp_path):
    assert "xx" in language_codes()
    context = SceneContext.narrated("CABACA", "xx", voice="silent")
    with tempconfig({"dry_run": True, "disable_caching": True, "media_dir": str(tmp_path / "m"),
                     "pixel_width": 480, "pixel_height": 270}):
        scene = scene_class("stack")(context=context, skip_animations=True, audit=True)
        scene.render()
    assert scene.audit_log == [] and scene.lines()


def test_a_missing_word_names_file_and_key(third_language):
    path = third_language / "words.xx.toml"
    path.write_text(path.read_text().replace('stream = "residual stream"\n', ""))
    assert "words.xx.toml: missing key 'stack.stream' (words.zh.toml has it)" in check_words()
    with pytest.raises(LanguageError, match=r"words.xx.toml: missing key 'stack.stream'"):
        languages.words("xx", "stack")["stream"]


def test_the_docs_cite_real_modules():
    cited = set()
    for doc in (ROOT / "docs").glob("*.md"):
        cited |= set(re.findall(r"\b((?:common|engine|script|scenes|pipeline)/[\w/]+\.(?:py|toml|txt))\b",
                                doc.read_text()))
    templates = {"script/narration.fr.txt", "script/words.fr.toml", "scenes/mysection.py"}
    missing = [c for c in sorted(cited - templates) if not (ROOT / c).exists()]
    assert cited and not missing, missing
