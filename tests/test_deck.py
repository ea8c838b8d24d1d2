"""The deck and the handout as a teacher uses them, made of the video's own beats.

One short scene (stack, drawn by the tiny test scenes of tests/pipeline_scenes.py, at the
lowest quality) is rendered once as a video, as `make video` would; then `slides` and
`handout` with the same settings must draw no beat. The HTML deck is opened in headless
Chromium with the network off (reveal.js, its speaker view and the clips come from beside the
page); the PPTX is read back with python-pptx and its movies probed; the handout PDF is read
with poppler's pdfimages, pdftotext and pdffonts.

The browser test needs Debian's chromium + chromium-driver, the handout test poppler-utils
(`make test` installs them through tools/setup.sh --test). They skip when those are not
there, except under CI, where they fail.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import av
import numpy as np
import pytest

from engine import default_run
from script.voice import narrate

from test_pipeline import NAME, cli, ffprobe

SCENE = "stack"
SETTINGS = ("--quality", "low", "--voice", "espeak")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
VOICED = 0.02   # a sample above this (of full scale) is voice, not silence


def _needs(*tools: str) -> None:
    """A skip (a failure under CI) naming the tools that are not installed."""
    missing = [tool for tool in tools if not shutil.which(tool)]
    if missing:
        message = f"this test needs {', '.join(missing)} (tools/setup.sh --test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    """A media folder where the scene's video was made (as by `make video`)."""
    media = tmp_path_factory.mktemp("deck-media")
    result = cli(media, "render", *SETTINGS, "--scenes", SCENE)
    assert result.returncode == 0, result.stderr
    assert re.search(r"beats drawn: [1-9]\d* of", result.stderr), result.stderr   # (it drew them)
    return media


@pytest.fixture(scope="module")
def slides_run(media) -> subprocess.CompletedProcess:
    result = cli(media, "slides", SCENE, *SETTINGS)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def deck(slides_run, media) -> Path:
    """media/slides/<name>-stack (.html, .pptx, _assets/)."""
    return media / "slides" / f"{NAME}-{SCENE}"


@pytest.fixture(scope="module")
def handout_run(media) -> subprocess.CompletedProcess:
    result = cli(media, "handout", SCENE, *SETTINGS)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def handout(handout_run, media) -> Path:
    return media / "handouts" / f"{NAME}-{SCENE}.pdf"


@pytest.fixture(scope="module")
def narrated():
    return narrate(default_run("CBABBC"), "zh", voice="espeak")


@pytest.fixture(scope="module")
def lines(narrated):
    return list(narrated.timeline.lines(SCENE))


# ---- made of the video's beats -------------------------------------------------------------

def test_slides_and_handout_after_the_video_draw_no_beat(slides_run, handout_run, lines):
    for result in (slides_run, handout_run):
        assert f"beats drawn: 0 of {len(lines)}" in result.stderr, result.stderr


def test_the_same_deck_again_is_up_to_date(deck, media):
    before = {p: p.stat().st_mtime_ns for p in (deck.with_suffix(".html"), deck.with_suffix(".pptx"))}
    result = cli(media, "slides", SCENE, *SETTINGS)
    assert result.returncode == 0, result.stderr
    assert f"{deck.name}.html is up to date" in result.stderr
    assert {p: p.stat().st_mtime_ns for p in before} == before


@pytest.mark.parametrize("args, named", [
    (["slides", SCENE, "--audio", "loud"], ["'loud'", "allowed: on, off"]),
    (["handout", SCENE, "--quality", "8k"], ["'8k'", "allowed"]),
    (["handout", "nope"], ["'nope'", "allowed"]),
])
def test_a_bad_value_is_one_line_and_nothing_is_made(tmp_path, args, named):
    result = cli(tmp_path / "media", *args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    assert all(word in lines[0] for word in named), lines[0]
    assert not (tmp_path / "media").exists()


@pytest.mark.parametrize("target, values", [
    ("slides", {"DECK_AUDIO": "on;touch {m}"}),
    ("handout", {"SCENE": "$$(touch {m})"}),
])
def test_make_values_are_data_never_commands(tmp_path, target, values):
    marker = tmp_path / "executed"
    assignments = [f"{k}={v.format(m=marker)}" for k, v in {"QUALITY": "low", **values}.items()]
    result = subprocess.run(["make", "-s", "--no-print-directory", target, *assignments],
                            cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "LANG": "C.UTF-8", "NANOGPT_MEDIA_DIR": str(tmp_path / "media"),
                                 "MAKEFLAGS": "", "MFLAGS": "", "MAKELEVEL": ""})
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert result.returncode != 0 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert not marker.exists(), "a make variable was run as a command"
    assert not (tmp_path / "media").exists()


# ---- the clips: a beat's frames with its own line's voice ----------------------------------

def _clips(deck: Path) -> list[Path]:
    html = deck.with_suffix(".html").read_text(encoding="utf-8")
    return [deck.parent / src for src in re.findall(r'<video data-src="([^"]+)"', html)]


def _voice_seconds(clip: Path) -> tuple[float, float]:
    """(seconds until the last voiced sample, the clip's audio length) of a clip's audio."""
    with av.open(str(clip)) as container:
        stream = container.streams.audio[0]
        samples = np.concatenate([f.to_ndarray().mean(axis=0) for f in container.decode(stream)])
        rate = stream.rate
    voiced = np.flatnonzero(np.abs(samples) > VOICED)
    return (voiced[-1] + 1) / rate if voiced.size else 0.0, len(samples) / rate


def test_each_clip_is_its_beat_with_its_own_lines_voice(deck, lines, narrated):
    clips = _clips(deck)
    assert len(clips) == len(lines)
    for clip, line in zip(clips, lines):
        streams = {s["codec_type"]: s for s in ffprobe(clip)["streams"]}
        assert streams["video"]["codec_name"] == "h264" and streams["audio"]["codec_name"] == "aac"
        video_seconds = float(streams["video"]["duration"])
        assert abs(video_seconds - line.duration) <= 1 / 15 + 1e-3   # the beat, whole
        spoken, length = _voice_seconds(clip)
        speech = len(narrated.audio[line.id].raw_data) / 2 / 48_000
        assert abs(spoken - speech) < 0.1, f"{clip.name}: voice ends at {spoken:.2f} s, its line at {speech:.2f} s"
        assert abs(length - video_seconds) < 0.1, f"{clip.name}: audio {length:.2f} s, video {video_seconds:.2f} s"


def test_a_silent_deck_has_no_audio_and_no_mute_switch(media, deck, tmp_path):
    quiet = tmp_path / "media"
    shutil.copytree(media / "cache", quiet / "cache", symlinks=True)   # the video's beats, no deck
    result = cli(quiet, "slides", SCENE, *SETTINGS, "--audio", "off")
    assert result.returncode == 0, result.stderr
    silent = quiet / "slides" / deck.name
    assert "beats drawn: 0 of" in result.stderr
    assert 'id="mute"' in deck.with_suffix(".html").read_text(encoding="utf-8")
    assert 'id="mute"' not in silent.with_suffix(".html").read_text(encoding="utf-8")
    for clip in _clips(silent):
        assert [s["codec_type"] for s in ffprobe(clip)["streams"]] == ["video"], clip.name


# ---- the HTML deck in a browser, offline ---------------------------------------------------

def test_html_deck_carries_everything_it_loads(deck, lines):
    html = re.sub(r"<!--.*?-->", "", deck.with_suffix(".html").read_text(encoding="utf-8"), flags=re.S)
    loaded = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    loaded += re.findall(r'(?:data-src|poster)="([^"]+)"', html)
    assert loaded and not [url for url in loaded if "://" in url or url.startswith("//")]
    assert all((deck.parent / url).is_file() for url in loaded), loaded
    assert any(url.endswith("plugin/notes.js") for url in loaded)   # the speaker view, vendored
    assert (deck.parent / f"{deck.name}_assets" / "revealjs" / "LICENSE").is_file()
    assert len(_clips(deck)) == len(lines)


def _browser():
    """A headless Chromium through selenium, or a skip (a failure under CI) saying why not."""
    _needs(CHROMIUM, CHROMEDRIVER)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("the browser test needs selenium (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # The speaker view's window never finishes "loading" (reveal.js writes it): scripts wait
    # for nothing, and the test waits for what it needs itself.
    options.page_load_strategy = "none"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--autoplay-policy=no-user-gesture-required", "--mute-audio",
                     # the network off: no name resolves and every request goes to a dead proxy
                     "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False})
    driver.set_script_timeout(10)
    return driver


def _wait_for(driver, script: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = driver.execute_script(script)
        except Exception:   # the page is not there yet
            value = None
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


CURRENT = """const s = Reveal.getCurrentSlide(), v = s.querySelector('video');
             return {line: s.dataset.line || null, notes: Reveal.getSlideNotes(s) || null,
                     time: v ? v.currentTime : null, ready: v ? v.readyState : null,
                     error: v && v.error ? v.error.code : null, muted: v ? v.muted : null,
                     audio: v ? v.webkitAudioDecodedByteCount : null, src: v ? v.currentSrc : null};"""
NOTES = """return Reveal.getSlides().filter(s => s.dataset.line)
                  .map(s => [s.dataset.line, Reveal.getSlideNotes(s)]);"""


def test_html_deck_plays_speaks_and_has_notes_offline_in_chromium(deck, lines, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = _browser()
    try:
        driver.get(deck.with_suffix(".html").resolve().as_uri())
        assert _wait_for(driver, "return typeof Reveal !== 'undefined' && Reveal.isReady()"), \
            "reveal.js did not start (not loaded from the deck's assets?)"
        assert driver.execute_script(CURRENT)["line"] is None   # the title slide
        assert driver.execute_script(NOTES) == [[line.id, line.text] for line in lines]

        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.ARROW_RIGHT)
        assert _wait_for(driver, f"return Reveal.getCurrentSlide().dataset.line === {lines[0].id!r}", 5.0)
        assert _wait_for(driver, "const v = Reveal.getCurrentSlide().querySelector('video');"
                                 "return v && v.readyState >= 2 && v.currentTime > 0.5 && "
                                 "v.webkitAudioDecodedByteCount > 0", 15.0), driver.execute_script(CURRENT)
        first = driver.execute_script(CURRENT)
        assert first["error"] is None and first["notes"] == lines[0].text, first
        assert first["src"].startswith("file://") and f"{deck.name}_assets/clips/" in first["src"]
        time.sleep(0.5)
        assert driver.execute_script(CURRENT)["time"] > first["time"], "the first clip does not play"
        driver.save_screenshot(str(tmp_path / "deck-first-line.png"))

        body.send_keys("m")   # the presenter mutes the deck
        assert _wait_for(driver, "return Reveal.getCurrentSlide().querySelector('video').muted", 3.0)

        body.send_keys("s")   # the speaker view: reveal.js's notes plugin, from the assets
        deadline = time.monotonic() + 10
        while len(driver.window_handles) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        main = driver.current_window_handle
        speaker = next(h for h in driver.window_handles if h != main)
        driver.switch_to.window(speaker)
        shown = _wait_for(driver, "const n = document.querySelector('.speaker-controls-notes .value');"
                                  "return n && n.textContent.trim();", 10.0)
        assert shown == lines[0].text, f"the speaker view shows {shown!r}"
        driver.close()
        driver.switch_to.window(main)

        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.ARROW_RIGHT)
        assert _wait_for(driver, f"return Reveal.getCurrentSlide().dataset.line === {lines[1].id!r}", 5.0), \
            "the right arrow did not move to the next line"
    finally:
        driver.quit()


# ---- the PPTX --------------------------------------------------------------------------------

def test_pptx_a_slide_per_line_each_its_clip_with_voice_and_its_caption_as_notes(deck, lines, tmp_path):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    from pipeline.deck_pptx import sections_of

    path = deck.with_suffix(".pptx")
    with zipfile.ZipFile(path) as package:  # a sound package: every part reads
        assert package.testzip() is None
        assert 'Extension="mp4"' in package.read("[Content_Types].xml").decode()
    presentation = Presentation(str(path))
    slides = list(presentation.slides)
    assert len(slides) == len(lines) + 2   # the title, a slide per line, the credits
    title, *beats, credits = slides
    assert "CBABBC → ABBBCC" in [shape.text_frame.text for shape in title.shapes if shape.has_text_frame]
    assert "致谢" in [shape.text_frame.text for shape in credits.shapes if shape.has_text_frame]
    clips = _clips(deck)
    for slide, line, clip in zip(beats, lines, clips):
        movies = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.MEDIA]
        assert len(movies) == 1 and (movies[0].width, movies[0].height) == (presentation.slide_width,
                                                                              presentation.slide_height)
        videos = [r.target_part for r in slide.part.rels.values()
                  if r.reltype.endswith("/video") and not r.is_external]
        assert len(videos) == 1 and videos[0].partname.endswith(".mp4")
        movie = tmp_path / f"{line.id}.mp4"
        movie.write_bytes(videos[0].blob)
        assert movie.read_bytes() == clip.read_bytes()   # the HTML deck's clip for the same line
        assert "audio" in [s["codec_type"] for s in ffprobe(movie)["streams"]]
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text == line.text
    chapters = sections_of(path)
    assert [name for name, _ in chapters] == ["nano-gpt 讲解", "Transformer 总结", "致谢"]
    assert chapters[1][1] == [slide.slide_id for slide in beats]


# ---- the handout -------------------------------------------------------------------------

def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_handout_has_a_still_per_beat_the_captions_and_its_fonts(handout, lines):
    _needs("pdfimages", "pdftotext", "pdffonts")
    images = subprocess.run(["pdfimages", "-list", str(handout)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len([row for row in images if row.split()[2] == "image"]) == len(lines)
    text = subprocess.run(["pdftotext", str(handout), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ["nano-gpt 讲解", "CBABBC → ABBBCC", "Transformer 总结", *[line.text for line in lines]]:
        assert _flat(expected) in _flat(text), expected
    pages = text.count("\f")
    last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), str(handout), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "致谢" in last and "github.com/karpathy/minGPT" in last   # the credits close it
    fonts = subprocess.run(["pdffonts", str(handout)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all("NotoSansCJK" in row and row.split()[-5] == "yes" for row in fonts), fonts
