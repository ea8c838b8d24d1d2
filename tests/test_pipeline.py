"""The pipeline end to end at the lowest quality, on two short sections rendered by tiny test
scenes (tests/pipeline_scenes.py), checked with ffprobe: streams, chapters, lengths, subtitles,
the cache (a second run renders nothing), a crashing scene, bad values."""
from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import srt

from engine import default_run
from pipeline import cache, doctor
from pipeline.assemble import probe, real_timeline
from pipeline.options import settings
from script.voice import narrate, section_track

TESTS = Path(__file__).parent
RUNNER = [sys.executable, str(TESTS / "pipeline_scenes.py")]
SECTIONS = ["transformer", "stack"]
FPS = 15
NAME = "nanogpt-CBABBC-zh-480p15"


def cli(media: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "NANOGPT_MEDIA_DIR": str(media), "LANG": "C.UTF-8", **env}
    return subprocess.run([*RUNNER, *args], capture_output=True, text=True, env=environment,
                          timeout=600)


def ffprobe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_chapters",
                          "-show_format", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def timeline():
    return narrate(default_run("CBABBC"), "zh", voice="espeak").timeline


@pytest.fixture(scope="module")
def first_run(media):
    result = cli(media, "render", "--quality", "low", "--voice", "espeak", "--scenes", ",".join(SECTIONS))
    assert result.returncode == 0, result.stderr
    return result


def test_video_has_voice_chapters_and_equal_lengths_and_no_second_caption_track(media, first_run, timeline):
    """SUBS=picture (the default): the captions are in the picture, so the MP4 has no subtitle
    track (a player would show them twice); the .srt and .vtt are beside it. The audio and
    the chapter track carry the video's language (ffmpeg writes "eng" on the chapter track)."""
    out = media / f"{NAME}-transformer+stack.mp4"
    info = ffprobe(out)
    kinds = {s["codec_type"]: s for s in info["streams"]}
    video, audio = kinds["video"], kinds["audio"]
    assert (video["codec_name"], video["height"], video["r_frame_rate"]) == ("h264", 480, f"{FPS}/1")
    assert audio["codec_name"] == "aac" and audio["tags"]["language"] == "zho"
    assert "subtitle" not in kinds
    assert kinds["data"]["tags"]["language"] == "zho"     # the chapter track

    video_s, audio_s = float(video["duration"]), float(audio["duration"])
    assert abs(video_s - audio_s) <= 1 / FPS
    expected = sum(timeline.section_duration(s) for s in SECTIONS)
    assert abs(video_s - expected) <= len(SECTIONS) / FPS  # each scene within one frame

    chapters = info["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [timeline.titles[s] for s in SECTIONS]
    assert abs(float(chapters[1]["start_time"]) - timeline.section_duration("transformer")) <= 1 / FPS
    assert abs(float(chapters[-1]["end_time"]) - video_s) <= 1 / FPS

    cues = list(srt.parse(out.with_suffix(".srt").read_text(encoding="utf-8")))
    expected_cues = [cue for s in SECTIONS for line in timeline.lines(s) for cue in line.cues]
    assert [c.content for c in cues] == [c.text for c in expected_cues]
    assert out.with_suffix(".vtt").read_text(encoding="utf-8").startswith("WEBVTT")

    with av.open(str(out)) as container:  # the voice is there, not silence
        samples = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    assert np.abs(samples).max() > 0.05


def test_voice_encoded_while_rendering_is_the_one_assembled(media, first_run, monkeypatch):
    """build._voice_track_ahead encodes each section's voice, for the length its video will
    have, while the scenes render; the assembly's track (timed to the real videos) must be the
    same samples, so that it comes from the cache instead of being encoded again."""
    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(media))
    voice = narrate(default_run("CBABBC"), "zh", voice="espeak")
    videos = {json.loads(m.read_text())["scene"]: m.parent / "scene.mp4"
              for m in (media / "cache" / "video").glob("*/manifest.json")}
    timed = real_timeline(voice.timeline, SECTIONS, [probe(videos[s]).seconds for s in SECTIONS])
    for section in SECTIONS:
        assert voice.section_track(section, FPS).raw_data == section_track(timed, section, voice.audio).raw_data


def test_second_run_renders_nothing(media, first_run):
    out = media / f"{NAME}-transformer+stack.mp4"
    before = out.stat().st_mtime_ns, sorted(p.name for p in (media / "cache" / "video").iterdir())
    result = cli(media, "render", "--quality", "low", "--voice", "espeak", "--scenes", ",".join(SECTIONS))
    assert result.returncode == 0, result.stderr
    assert "all 2 scenes are up to date" in result.stderr and "up to date" in result.stderr
    after = out.stat().st_mtime_ns, sorted(p.name for p in (media / "cache" / "video").iterdir())
    assert after == before


def test_scene_command_gives_video_and_a_still_per_beat(media, first_run, timeline):
    result = cli(media, "scene", "stack", "--quality", "low", "--voice", "espeak")
    assert result.returncode == 0, result.stderr
    assert "all 1 scenes are up to date" in result.stderr  # rendered by the first run already
    out = media / "scenes" / f"{NAME}-stack.mp4"
    assert len(ffprobe(out)["chapters"]) == 1
    stills = sorted((media / "scenes" / f"{NAME}-stack").glob("*.png"))
    assert [p.name for p in stills] == [f"stack-{i:02d}-{line.id}.png"
                                       for i, line in enumerate(timeline.lines("stack"), start=1)]


def test_a_crash_leaves_no_final_file_and_the_next_run_resumes(media, first_run, tmp_path):
    fresh = tmp_path / "media"
    (fresh / "cache").mkdir(parents=True)
    (fresh / "cache" / "voice").symlink_to(media / "cache" / "voice")  # voices only, no scenes
    args = ["render", "--quality", "low", "--voice", "espeak", "--scenes", ",".join(SECTIONS), "-j", "2"]
    result = cli(fresh, *args, NANOGPT_TEST_BROKEN="transformer")
    assert result.returncode == 1
    assert "scene transformer failed: RuntimeError: a scene bug, on purpose" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in fresh.iterdir()] == ["cache"]  # no video, no subtitles, no parts
    entries = lambda: {p.name: p.stat().st_ino for p in (fresh / "cache" / "video").iterdir()
                       if (p / "manifest.json").exists()}
    kept = entries()
    assert len(kept) == 1  # stack finished and was sealed; the broken scene was not

    result = cli(fresh, *args)
    assert result.returncode == 0, result.stderr
    assert (fresh / f"{NAME}-transformer+stack.mp4").is_file()
    assert len(entries()) == 2 and kept.items() <= entries().items()  # stack was not rendered again


@pytest.mark.parametrize("args, named", [
    (["render", "--quality", "ultra"], "'ultra'"),
    (["render", "--lang", "fr"], "'fr'"),
    (["render", "--voice", "robot"], "'robot'"),
    (["render", "--input", "CBABBX"], "'CBABBX'"),
    (["scene", "attn"], "'attn'"),
    (["slides", "--quality", "8k", "attention"], "'8k'"),
    (["render", "--subs", "both"], "'both'"),
])
def test_bad_values_stop_before_rendering_with_one_line(tmp_path, args, named):
    result = cli(tmp_path / "media", *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and named in lines[0], result.stderr
    assert "allowed" in lines[0] or "expected" in lines[0]
    assert not (tmp_path / "media").exists()  # nothing was rendered or cached


def test_cache_key_follows_only_what_shapes_a_scene(timeline):
    base = settings("CBABBC", "zh", "low", "espeak")
    key = lambda kind, scene, s=base, t=timeline: cache.scene_key(kind, scene, s, t)
    changed = dataclasses.replace(timeline, sections=dict(timeline.sections))
    first = changed.sections["stack"][0]
    changed.sections["stack"] = [dataclasses.replace(first, text=first.text + "!")] + changed.sections["stack"][1:]
    assert key("video", "stack", t=changed) != key("video", "stack")
    assert key("video", "transformer", t=changed) == key("video", "transformer")
    other_input = settings("CABACA", "zh", "low", "espeak")
    assert key("video", "stack", s=other_input) != key("video", "stack")
    assert key("video", "stack", s=settings("CBABBC", "zh", "high", "espeak")) != key("video", "stack")
    clean = settings("CBABBC", "zh", "low", "espeak", subs="track")  # no captions drawn
    assert key("video", "stack", s=clean) != key("video", "stack")
    code = cache.code_digest("stack")   # the voices' code is not the scene's (the timeline is)
    assert "script/timeline.py" in code and "scenes/stack.py" in code and "scenes/intro.py" not in code
    assert not [name for name in code if name.startswith("script/voice/")]


def test_doctor_names_what_is_missing_and_how_to_fix_it(monkeypatch, capsys):
    from rich.console import Console

    real_which = doctor.shutil.which
    monkeypatch.setattr(doctor.shutil, "which", lambda tool: None if tool == "espeak-ng" else real_which(tool))
    monkeypatch.setattr(doctor, "check_manim", lambda: doctor.Check("manim", True, "skipped"))
    assert doctor.run_checks(Console(width=200)) is False
    out = capsys.readouterr().out
    assert "MISSING espeak-ng" in out and "apt-get install -y espeak-ng" in out


@pytest.mark.parametrize("x, y", [(30, 20), (-15, 40), (90, -10), (100, 50), (200, 10)])
def test_image_compositing_speedup_gives_manims_pixels(x, y):
    """manim_ext.camera.composite_at (image's rectangle only) == Manim's paste into a transparent
    full frame + whole-frame composite, also for images partly or wholly off the frame."""
    from PIL import Image

    from pipeline.manim_ext.camera import composite_at

    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (90, 120, 4), dtype=np.uint8)
    frame[..., 3] = 255
    image = Image.fromarray(rng.integers(0, 256, (40, 50, 4), dtype=np.uint8))
    full = Image.new("RGBA", (120, 90), (0, 0, 0, 0))
    full.paste(image, box=(x, y, x + 50, y + 40))
    expected = np.asarray(Image.alpha_composite(Image.fromarray(frame), full))
    composite_at(frame, image, x, y)
    assert np.array_equal(frame, expected)


def _subtitle_shown(path: Path) -> bool:
    subtitle = next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "subtitle")
    return subtitle["disposition"]["default"] == 1


def test_publish_files_beside_the_video(media, first_run, timeline):
    """The chapter list for a video description and the thumbnail, each chapter listed from
    the first whole second of its first line."""
    from PIL import Image

    out = media / f"{NAME}-transformer+stack.mp4"
    written = first_run.stdout
    for suffix in (".mp4", ".srt", ".vtt", ".chapters.txt", ".jpg"):
        assert str(out.with_suffix(suffix)) in written  # the closing list names every file
    chapters = out.with_suffix(".chapters.txt").read_text(encoding="utf-8").splitlines()
    assert chapters[0] == f"0:00 {timeline.titles['transformer']}"
    assert chapters[1] == f"0:{math.ceil(timeline.section_duration('transformer')):02d} {timeline.titles['stack']}"
    with Image.open(out.with_suffix(".jpg")) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (1280, 720))
        small = np.asarray(thumbnail.convert("RGB").resize((320, 180), Image.LANCZOS)).astype(int)
    # As a listing shows it, 320 px wide: the title (white) and the run (yellow) stay large
    white = (small.min(axis=2) > 200).any(axis=1)
    yellow = ((small[..., 0] > 200) & (small[..., 1] > 150) & (small[..., 2] < 140)).any(axis=1)
    assert white[:60].sum() >= 22, "the title is under 22 px tall at 320 px wide"
    assert yellow[30:90].sum() >= 18, "the input -> output line is under 18 px tall at 320 px wide"


def test_subs_track_gives_a_clean_picture_and_a_shown_track(media, first_run):
    result = cli(media, "scene", "stack", "--quality", "low", "--voice", "espeak", "--subs", "track")
    assert result.returncode == 0, result.stderr
    clean = media / "scenes" / f"{NAME}-stack.mp4"
    assert _subtitle_shown(clean)
    subtitle = next(s for s in ffprobe(clean)["streams"] if s["codec_type"] == "subtitle")
    assert (subtitle["codec_name"], subtitle["tags"]["language"]) == ("mov_text", "zho")
    cues = list(srt.parse(clean.with_suffix(".srt").read_text(encoding="utf-8")))
    assert int(subtitle["nb_frames"]) >= len(cues)
    assert all(clean.with_suffix(s).is_file() for s in (".srt", ".vtt"))
    captioned = media / f"{NAME}-transformer+stack.mp4"
    at = dict(clean=2.0, captioned=2.0 + float(ffprobe(captioned)["chapters"][1]["start_time"]))

    def band(path: Path, seconds: float) -> np.ndarray:  # the bottom fifth: the caption band
        with av.open(str(path)) as container:
            container.seek(0)
            for frame in container.decode(video=0):
                if frame.time >= seconds:
                    image = frame.to_ndarray(format="gray")
                    return image[int(image.shape[0] * 0.8):]
        raise AssertionError(f"{path.name} is shorter than {seconds} s")

    assert band(clean, at["clean"]).std() < 2          # nothing drawn there
    assert band(captioned, at["captioned"]).std() > 10  # the caption
