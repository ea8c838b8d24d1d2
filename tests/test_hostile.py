"""Hostile input and faults: every failure of the reliability review (issue 13,
shared/reviews/reliability-1.md; case numbers in brackets) as a test. Each asserts the exit
code, a single line of error with no traceback, and that nothing half-written is left.

Cheap by design: values are refused before anything renders, commands run in-process where
they can, and the only renders use the tiny test scenes (tests/pipeline_scenes.py) silently.
Cases that need a read-only or full file system mount a small tmpfs (root only; else skipped).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

from common.cli import OneLineGroup
from engine import DEFAULT_WEIGHTS, InputError, WeightsError
from pipeline.cli import main
from script.narration import NarrationError

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "script"
TINY_CLI = [sys.executable, str(ROOT / "tests" / "pipeline_scenes.py")]
MAKE_ERROR = "make: ***"  # make's own "recipe failed" line, not ours


# ---- helpers ---------------------------------------------------------------------------

def invoke(*args: str, **env: str):
    """The nanogpt-video CLI in this process (fast); env sets NANOGPT_* for the call."""
    return CliRunner().invoke(main, list(args), env=env)


def run(command: list[str], cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "LANG": "C.UTF-8", **env})


def error_line(stderr: str, code: int, returncode: int, *named: str) -> str:
    """The one line of error, after checking the exit code, the absence of a traceback and
    that each of `named` is in the line."""
    assert returncode == code, stderr
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith(MAKE_ERROR)]
    assert len(lines) == 1 and lines[0].startswith("Error:"), stderr
    for word in named:
        assert word in lines[0], lines[0]
    return lines[0]


def one_line(result, code: int, *named: str) -> str:
    """error_line for an in-process CliRunner result (which keeps any exception)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return error_line(result.stderr, code, result.exit_code, *named)


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def leftovers(folder: Path) -> list[Path]:
    """Work folders, partial files and the like: what an interrupted write would leave."""
    marks = (".work-", ".parts-", ".partial", ".tmp-", ".write-test-")
    return [p for p in folder.rglob("*") if any(m in p.name for m in marks)]


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size, read_only) -> a fresh tmpfs folder; unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = []

    def mount(size: str = "1m", read_only: bool = False) -> Path:
        point = tmp_path / f"fs{len(mounted)}"
        point.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)]).returncode:
            pytest.skip("cannot mount a tmpfs here")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)])


# ---- 1. make variables are data, never commands [15, 16, 18, 19, 20] --------------------

def _make_cases():
    quote = '";touch {m};"'
    case = lambda name, target, values, named: pytest.param(target, values, named, id=name)
    return [
        case("15-INPUT-quote", "scene", {"SCENE": "stack", "INPUT": quote}, "input"),
        case("16-INPUT-dollar", "scene", {"SCENE": "stack", "INPUT": "$$(touch {m})"}, "input"),
        case("16-INPUT-backtick", "scene", {"SCENE": "stack", "INPUT": "`touch {m}`"}, "input"),
        case("18-LANG-quote", "scene", {"SCENE": "stack", "LANG": "en" + quote}, "language"),
        case("19-JOBS-quote", "scene", {"SCENE": "stack", "JOBS": "1" + quote}, "--jobs"),
        case("QUALITY-quote", "scene", {"SCENE": "stack", "QUALITY": "low" + quote}, "quality"),
        case("VOICE-semicolon", "scene", {"SCENE": "stack", "VOICE": "x;touch {m}"}, "voice"),
        case("SCENE-semicolon", "scene", {"SCENE": "nope;touch {m}"}, "scene"),
        case("20-slides-SCENE", "slides", {"SCENE": "nope;touch {m}"}, "scene"),
        case("stills-SCENE-dollar", "stills", {"SCENE": "$$(touch {m})"}, "scene"),
        case("SCENE-option", "scene", {"SCENE": "--help"}, "scene"),  # a value, never an option
    ]


@pytest.mark.parametrize("target, values, named", _make_cases())
def test_make_values_are_never_run_as_commands(tmp_path, target, values, named):
    marker = tmp_path / "executed"
    media = tmp_path / "media"
    assignments = [f"{k}={v.format(m=marker)}" for k, v in {"QUALITY": "low", **values}.items()]
    # (under `make test`, the outer make's variables must not reach this one)
    result = run(["make", "-s", "--no-print-directory", target, *assignments],
                 NANOGPT_MEDIA_DIR=str(media), MAKEFLAGS="", MFLAGS="", MAKELEVEL="")
    error_line(result.stderr, 2, result.returncode, named)
    assert not marker.exists(), "a make variable was run as a command"
    assert files_in(media) == []  # refused before any work


# ---- 1b. bad values in one short line [13, 25, 31] ----------------------------------------

def test_a_huge_input_is_cut_in_the_message():                                        # 13
    line = one_line(invoke("predict", "A" * 100_000), 2, "(100000 characters)")
    assert len(line) < 300


def test_jobs_that_is_no_number_is_one_line():                                        # 25
    one_line(invoke("scene", "stack", "--jobs", "abc"), 2, "--jobs", "'abc'")


def test_usage_mistakes_are_one_line():
    one_line(invoke("scene", "stack", "--bogus"), 2, "--bogus", "--help")


@pytest.mark.parametrize("out, named", [("/proc/nanogpt-test.npz", "/proc/nanogpt-test.npz"),
                                        ("{file}/x.npz", "{file}: is a file, not a folder")])
def test_trace_to_an_unwritable_place_is_one_line(tmp_path, out, named):              # 31
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    out, named = out.format(file=blocker), named.format(file=blocker)
    one_line(invoke("trace", "CBABBC", "--step", "0", "--out", out), 1, named)
    assert files_in(tmp_path) == [blocker]


# ---- 2. weights files [37, 38, 46-52, 55] ------------------------------------------------

def _weights_cases():
    wte, attn = "transformer.wte.weight", "transformer.h.0.attn.c_attn.weight"
    return [
        ("wte-3x3", {wte: lambda d: np.ones((3, 3), np.float32)}, wte),             # 37
        ("wte-transposed", {wte: lambda d: d[wte].T}, wte),                          # 38
        ("string", {wte: lambda d: np.full((3, 48), "a")}, wte),                     # 46
        ("complex", {wte: lambda d: d[wte].astype(np.complex64)}, wte),              # (44)
        ("extra-dim", {wte: lambda d: d[wte][None]}, wte),                           # 48
        ("n_head-0", {"n_head": lambda d: np.array(0)}, "n_head"),                  # 49
        ("n_head-negative", {"n_head": lambda d: np.array(-3)}, "n_head"),          # 50
        ("n_head-text", {"n_head": lambda d: np.array("x")}, "n_head"),             # 51
        ("n_head-fraction", {"n_head": lambda d: np.array(3.5)}, "n_head"),         # 52
        ("n_head-nan", {"n_head": lambda d: np.array(np.nan)}, "n_head"),
        ("overflow", {attn: lambda d: d[attn] * 1e30}, "non-finite"),               # 55
    ]


@pytest.mark.parametrize("name, changes, named", _weights_cases())
def test_malformed_weights_are_one_line_naming_file_and_key(tmp_path, name, changes, named):
    shipped = dict(np.load(DEFAULT_WEIGHTS))
    path = tmp_path / f"{name}.npz"
    np.savez(path, **{**shipped, **{k: make(shipped) for k, make in changes.items()}})
    one_line(invoke("predict", "CBABBC", "--weights", str(path)), 1, str(path), named)


def test_object_arrays_and_plain_npy_are_one_line(tmp_path):                          # 45, 47
    shipped = dict(np.load(DEFAULT_WEIGHTS))
    objects = tmp_path / "objects.npz"
    np.savez(objects, **{**shipped, "lm_head.weight": np.array([object()] * 3, dtype=object)})
    one_line(invoke("predict", "CBABBC", "--weights", str(objects)), 1, "lm_head.weight", "objects")
    for name in ("plain.npy", "plain-named.npz"):
        with open(tmp_path / name, "wb") as file:
            np.save(file, shipped["transformer.wte.weight"])
        one_line(invoke("eval", "--weights", str(tmp_path / name)), 1, name, ".npy")


def test_other_weights_never_take_the_default_name(tmp_path):                         # 55
    from pipeline.options import settings

    copy = tmp_path / "copy.npz"
    shutil.copy(DEFAULT_WEIGHTS, copy)
    other = tmp_path / "other.npz"
    shipped = dict(np.load(DEFAULT_WEIGHTS))
    np.savez(other, **{**shipped, "lm_head.weight": shipped["lm_head.weight"] * 2})
    default = settings("CBABBC", "zh", "low").name
    assert settings("CBABBC", "zh", "low", weights=str(copy)).name == default  # same bytes
    tagged = settings("CBABBC", "zh", "low", weights=str(other)).name
    assert tagged.startswith(default + "-w") and len(tagged) == len(default) + 10


# ---- 3. the narration file [61, 62, 71, 72, 78, 80] --------------------------------------

@pytest.fixture
def narration_dir(tmp_path):
    """A copy of the narration and words files to spoil; edit(fn) rewrites narration.zh.txt."""
    folder = tmp_path / "narration"
    folder.mkdir()
    for path in list(SCRIPT.glob("*.txt")) + list(SCRIPT.glob("*.toml")):
        shutil.copy(path, folder)
    return folder


def spoil(folder: Path, change) -> None:
    path = folder / "narration.zh.txt"
    path.write_bytes(change(path.read_bytes()))


def _replace_in(text: str, new: str):
    """Replace the first `text` (surrogate escapes in `new` become raw, invalid bytes)."""
    return lambda data: data.replace(text.encode(), new.encode("utf-8", "surrogateescape"), 1)


@pytest.mark.parametrize("change, named", [
    (_replace_in("“{input}”", "“{input}\udcff”"), ": not valid UTF-8 (byte 0xff)"),             # 71
    (lambda d: d.replace("每个 Transformer".encode(), "每个\x00Transformer".encode(), 1),
     "control character U+0000"),                                                           # 80
    (lambda d: d.replace(b"-- transformer:", b"- transformer:", 1), ":93: malformed section header"),  # 78
    (_replace_in("“{input}”", "{input.__class__}"), "'{input.__class__}' is not a placeholder"),   # 61
    (_replace_in("“{input}”", "{first_prob:.2f}"), "'{first_prob:.2f}' is not a placeholder"),     # 62
])
def test_narration_problems_are_named_where_they_are(narration_dir, change, named):
    spoil(narration_dir, change)
    # every language: a broken zh line is not also "missing" from en (case 60's spurious line)
    result = invoke("script", "check", NANOGPT_NARRATION_DIR=str(narration_dir))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    problems = result.stderr.strip().splitlines()
    assert len(problems) == 1 and named in problems[0], problems
    assert re.match(r"narration\.zh\.txt:\d+(:\d+)?: ", problems[0]), problems[0]  # file:line[:column]


def test_a_bom_is_accepted(narration_dir):                                             # 72
    spoil(narration_dir, lambda data: b"\xef\xbb\xbf" + data)
    result = invoke("script", "check", NANOGPT_NARRATION_DIR=str(narration_dir))
    assert result.exit_code == 0 and result.stdout.startswith("OK"), result.output


@pytest.mark.parametrize("change, named", [
    (lambda d: d + b"\xff\xfe", "not valid UTF-8"),                                          # 71
    (lambda d: d.replace("每个 Transformer".encode(), "每个\x00Transformer".encode(), 1), "U+0000"),  # 80
])
def test_a_broken_narration_stops_a_render_in_one_line(narration_dir, tmp_path, change, named):
    spoil(narration_dir, change)
    media = tmp_path / "media"
    result = invoke("scene", "stack", "--quality", "low", "--voice", "silent",
                    NANOGPT_NARRATION_DIR=str(narration_dir), NANOGPT_MEDIA_DIR=str(media))
    one_line(result, 1, "narration.zh.txt:", named)
    assert files_in(media) == []


# ---- 4. recordings [83] --------------------------------------------------------------------

def test_a_clipped_take_is_flagged_and_warned(tmp_path, monkeypatch):
    from pydub.generators import Sine

    from script import voice

    folder = tmp_path / "recordings" / "zh"
    folder.mkdir(parents=True)
    Sine(440).to_audio_segment(duration=100).export(folder / "stack.our-model.wav", format="wav")
    env = {"NANOGPT_RECORDINGS_DIR": str(tmp_path / "recordings"), "NANOGPT_MEDIA_DIR": str(tmp_path / "media")}
    result = invoke("voice", "check", "--lang", "zh", **env)
    assert "too short" in result.stdout and "stack.our-model" in result.stdout, result.output

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with warnings.catch_warnings(record=True) as caught:  # what a render prints as "warning:"
        warnings.simplefilter("always")
        voice.line_audio([("stack.our-model", "我们的 nano-gpt 有 3 个 Transformer 块。")], "zh",
                         voice="recorded")
    assert any("shorter than its caption can be spoken" in str(w.message) for w in caught)


# ---- 5. concurrent renders [92] --------------------------------------------------------------

@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """Two renders of the same scene at once (tiny test scenes, silent), into one media folder."""
    media = tmp_path_factory.mktemp("concurrent")
    command = [*TINY_CLI, "scene", "stack", "--quality", "low", "--voice", "silent", "--jobs", "1"]
    env = {**os.environ, "NANOGPT_MEDIA_DIR": str(media), "LANG": "C.UTF-8"}
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in runs]
    for code, out, err in results:
        assert code == 0, err
    assert results[0][1] == results[1][1]  # the same outputs, listed by both
    return media


def test_two_renders_of_the_same_scene_at_once_both_finish(rendered):
    out = rendered / "scenes" / "nanogpt-CBABBC-zh-480p15-stack.mp4"
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0",
                            str(out)], capture_output=True, text=True)
    assert probe.returncode == 0 and {"video", "audio"} <= set(probe.stdout.split())
    assert leftovers(rendered) == []
    assert len([p for p in (rendered / "cache" / "video").iterdir() if not p.name.startswith(".")]) == 1


def test_work_folders_are_per_run_and_a_dead_runs_are_cleared(tmp_path):
    from common.files import fresh_folder

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (tmp_path / f".work-{dead}-abc-key").mkdir()        # killed mid-render
    (tmp_path / ".work-0638692088c8").mkdir()           # the old shared name
    mine = fresh_folder(tmp_path, ".work-", suffix="-key")
    other = fresh_folder(tmp_path, ".work-", suffix="-key")  # a second run: its own folder
    assert mine != other and sorted(tmp_path.iterdir()) == sorted([mine, other])


# ---- 6. output folders: unwritable, in the way, read-only, full [95-98, 100] -------------------

@pytest.mark.parametrize("media, named", [
    ("/proc/nanogpt-test", "/proc/nanogpt-test"),                                     # 95
    ("{file}/media", "is a file, not a folder"),                                      # 97
])
def test_an_unusable_media_folder_is_one_line(tmp_path, media, named):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    result = invoke("scene", "stack", "--quality", "low", "--voice", "silent",
                    NANOGPT_MEDIA_DIR=media.format(file=blocker))
    one_line(result, 1, named)
    assert files_in(tmp_path) == [blocker]


def test_a_read_only_media_folder_is_one_line(tmpfs):                                  # 96
    media = tmpfs("64k", read_only=True) / "media"
    one_line(invoke("scene", "stack", "--quality", "low", "--voice", "silent",
                    NANOGPT_MEDIA_DIR=str(media)), 1, "read-only")


def test_a_full_disk_while_caching_the_voice_is_one_line(tmpfs):                       # 98
    from script.voice import espeak_available

    if not espeak_available():
        pytest.skip("needs espeak-ng")
    media = tmpfs("64k") / "media"
    result = invoke("scene", "stack", "--quality", "low", "--voice", "espeak", NANOGPT_MEDIA_DIR=str(media))
    one_line(result, 1, "no space left", str(media))
    assert leftovers(media) == []


def test_a_full_disk_while_assembling_is_one_line_and_leaves_no_video(tmpfs, rendered):  # 100
    cache = rendered / "cache"
    size = sum(p.stat().st_size for p in files_in(cache)) // 1024 + 200  # the cache, and little more
    media = tmpfs(f"{size}k") / "media"
    shutil.copytree(cache, media / "cache", ignore=shutil.ignore_patterns("final", "locks"))
    result = run([*TINY_CLI, "scene", "stack", "--quality", "low", "--voice", "silent", "--jobs", "1"],
                 NANOGPT_MEDIA_DIR=str(media))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "no space left" in errors[0] and str(media / "scenes") in errors[0], errors
    assert not (media / "scenes" / "nanogpt-CBABBC-zh-480p15-stack.mp4").exists()
    assert leftovers(media) == []


# ---- 7. the plain Manim entry [104] --------------------------------------------------------------

@pytest.mark.parametrize("env, named", [
    ({"NANOGPT_INPUT": "CBABBX"}, "'X' at position 6"),
    ({"NANOGPT_WEIGHTS": "{tmp}/n_head-0.npz"}, "n_head"),
    ({"NANOGPT_STILLS_DIR": "/proc/nanogpt-test"}, "/proc/nanogpt-test"),
])
def test_plain_manim_with_a_bad_value_is_one_line(tmp_path, env, named):
    np.savez(tmp_path / "n_head-0.npz", **{**np.load(DEFAULT_WEIGHTS), "n_head": np.array(0)})
    env = {key: value.format(tmp=tmp_path) for key, value in env.items()}
    manim = Path(sys.executable).parent / "manim"
    result = run([str(manim), "-ql", "--media_dir", str(tmp_path / "manim"), str(ROOT / "scenes" / "stack.py"),
                  "Stack"], cwd=tmp_path, NANOGPT_MEDIA_DIR=str(tmp_path / "media"), NANOGPT_VOICE="silent",
                 **env)
    error_line(result.stderr, 2, result.returncode, named)
    assert not list(tmp_path.rglob("*.mp4"))


# ---- the class, not the cases: any user-fixable error, from any command, is one line ------------

def _raise(error: Exception):
    raise error


@pytest.mark.parametrize("error, code", [
    (WeightsError("w.npz: key 'n_head' = 0; it must be a whole number of heads"), 1),
    (InputError("input 'x' has 1 tokens"), 2),
    (NarrationError(["n.txt:1: bad", "n.txt:2: worse"]), 1),
    (OSError(28, "No space left on device", "/media/x"), 1),
])
def test_any_user_error_from_any_command_is_one_line(error, code):
    group = OneLineGroup()
    group.add_command(click.Command("boom", callback=lambda: _raise(error)))
    one_line(CliRunner().invoke(group, ["boom"]), code)
