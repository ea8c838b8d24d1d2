"""The slide decks as a presenter uses them: the HTML deck opened in headless Chromium with the
network off (reveal.js and the videos come from beside the page), and the PPTX read back with
python-pptx. One short scene (stack, drawn by the tiny test scenes of tests/pipeline_scenes.py)
is rendered once at the lowest quality for every test here.

The browser test needs Debian's chromium + chromium-driver (`make test` installs them through
tools/setup.sh --test). It skips when they are not there, except under CI, where it fails.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from engine import default_run
from script.voice import narrate

from test_pipeline import NAME, cli

SCENE = "stack"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def deck(tmp_path_factory) -> Path:
    """media/slides/<name>-stack (.html, .pptx, _assets/), rendered once."""
    media = tmp_path_factory.mktemp("deck-media")
    result = cli(media, "slides", SCENE, "--quality", "low", "--voice", "silent")
    assert result.returncode == 0, result.stderr
    return media / "slides" / f"{NAME}-{SCENE}"


@pytest.fixture(scope="module")
def lines():
    return list(narrate(default_run("CBABBC"), "zh", voice="silent").timeline.lines(SCENE))


def _deck_videos(deck: Path) -> list[Path]:
    html = deck.with_suffix(".html").read_text(encoding="utf-8")
    return [deck.parent / src for src in re.findall(r'data-background-video="([^"]+)"', html)]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_html_deck_carries_everything_it_loads(deck, lines):
    html = re.sub(r"<!--.*?-->", "", deck.with_suffix(".html").read_text(encoding="utf-8"), flags=re.S)
    loaded = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert loaded and not [url for url in loaded if "://" in url or url.startswith("//")]
    assert all((deck.parent / url).is_file() for url in loaded), loaded
    assert (deck.parent / f"{deck.name}_assets" / "revealjs" / "LICENSE").is_file()
    videos = _deck_videos(deck)
    assert len(videos) == len(lines) and all(v.is_file() for v in videos)


def _browser():
    """A headless Chromium through selenium, or a skip (a failure under CI) saying why not."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        message = f"the browser test needs {', '.join(missing)} (tools/setup.sh --test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
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
    return driver


def _wait_for(driver, script: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


VIDEO = """const v = document.querySelector('.slide-background.present video');
           return v ? {ready: v.readyState, time: v.currentTime, error: v.error && v.error.code,
                       src: v.currentSrc} : null;"""


def test_html_deck_plays_offline_in_chromium(deck, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = _browser()
    try:
        driver.get(deck.with_suffix(".html").resolve().as_uri())
        assert _wait_for(driver, "return typeof Reveal !== 'undefined' && Reveal.isReady()"), \
            "reveal.js did not start (not loaded from the deck's assets?)"
        assert driver.execute_script("return Reveal.getIndices().h") == 0

        first = _wait_for(driver, VIDEO, 5.0)
        assert first is not None, "no background video on the first slide"
        playing = _wait_for(driver, "const v = document.querySelector('.slide-background.present "
                                    "video'); return v && v.readyState >= 2 && v.currentTime > 0")
        video = driver.execute_script(VIDEO)
        assert playing and video["error"] is None, video
        assert video["src"].startswith("file://") and f"{deck.name}_assets" in video["src"]
        before = video["time"]
        time.sleep(0.5)
        assert driver.execute_script(VIDEO)["time"] > before, "the first slide's video does not advance"
        driver.save_screenshot(str(tmp_path / "deck-first-slide.png"))

        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
        assert _wait_for(driver, "return Reveal.getIndices().h === 1", 5.0), \
            "the right arrow did not move to the next slide"
        assert (tmp_path / "deck-first-slide.png").stat().st_size > 0
    finally:
        driver.quit()


def test_pptx_one_slide_per_line_with_its_video_in_order(deck, lines):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    path = deck.with_suffix(".pptx")
    with zipfile.ZipFile(path) as package:  # a sound package: every part reads, every target is there
        assert package.testzip() is None
        names = set(package.namelist())
        assert "[Content_Types].xml" in names
        assert 'Extension="mp4"' in package.read("[Content_Types].xml").decode()
    presentation = Presentation(str(path))
    slides = list(presentation.slides)
    assert len(slides) == len(lines)
    expected = [_digest(v.read_bytes()) for v in _deck_videos(deck)]  # the HTML deck's order
    embedded = []
    for slide in slides:
        movies = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.MEDIA]
        assert len(movies) == 1, f"slide {slide.slide_id}: {len(movies)} videos"
        videos = [r.target_part for r in slide.part.rels.values()
                  if r.reltype.endswith("/video") and not r.is_external]
        assert len(videos) == 1 and videos[0].partname.endswith(".mp4")
        assert (movies[0].width, movies[0].height) == (presentation.slide_width, presentation.slide_height)
        embedded.append(_digest(videos[0].blob))
    assert embedded == expected
