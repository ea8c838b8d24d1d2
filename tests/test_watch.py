"""Author mode (nanogpt-video watch, pipeline/watch/): the page as an author uses it, in headless
Chromium, on a copy of the narration with the tiny test scenes (tests/pipeline_scenes.py) at a
tiny frame; the beats it draws are the ones `make video` would (the render afterwards draws
none, and a beat drawn from a snapshot of a real scene has a render job's frames); the server
binds to 127.0.0.1 and serves nothing outside the media folder."""
from __future__ import annotations

import dataclasses
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import av
import pytest

from test_deck import CHROMEDRIVER, CHROMIUM, _browser as _offline_browser, _wait_for
from test_pipeline import RUNNER

TESTS = Path(__file__).parent
SCRIPT = TESTS.parent / "script"
SCENE = "stack"          # three lines, drawn by tests/pipeline_scenes.py's tiny scene
EDITED = "stack.stack"


def narration_copy(folder: Path) -> Path:
    """The narration, words and lexicon files of every language, to edit freely."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in SCRIPT.iterdir():
        if re.match(r"(narration|words|lexicon)\.\w+\.(txt|toml)$", path.name):
            shutil.copyfile(path, folder / path.name)
    return folder


def replace_in(path: Path, old: str, new: str) -> None:
    """Change the file as an editor saves it: written beside it, then renamed over it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    tmp = path.with_name(f".{path.name}.swap")
    tmp.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.replace(tmp, path)


class Watcher:
    """`nanogpt-video watch` (with the tiny scenes registered) in a process of its own."""

    def __init__(self, media: Path, narration: Path, *args: str, voice: str = "silent", **more_env: str):
        env = {**os.environ, "NANOGPT_MEDIA_DIR": str(media), "NANOGPT_NARRATION_DIR": str(narration),
               "NANOGPT_NEURAL": "0", "LANG": "C.UTF-8", **more_env}
        self.process = subprocess.Popen([*RUNNER, "watch", "--scene", SCENE, "--voice", voice,
                                         "--port", "0", *args], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(self.process.stderr), daemon=True).start()
        self.url = None
        deadline = time.monotonic() + 300
        for line in self.process.stdout:
            if line.startswith("preview: "):
                assert re.fullmatch(r"preview: http://127\.0\.0\.1:\d+/\n", line), line
                self.url = line.split()[1]
                break
            assert time.monotonic() < deadline
        assert self.url, "the watcher ended before its page was ready:\n" + "".join(self.log)

    def beats(self) -> list[dict]:
        import json
        with urllib.request.urlopen(self.url + "beats.json", timeout=30) as answer:
            return json.loads(answer.read())

    def beat(self, line_id: str) -> dict:
        return next(b for b in self.beats() if b["id"] == line_id)

    def status(self) -> dict:
        import json
        with urllib.request.urlopen(self.url + "status.json", timeout=30) as answer:
            return json.loads(answer.read())

    def wait_until(self, check, timeout: float = 120.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError("timed out; the watcher said:\n" + "".join(self.log[-20:]))

    def stop(self) -> int:
        """Ctrl-C; returns the exit code, after checking no process of it is left."""
        under = _children(self.process.pid)
        assert under, "the watcher runs its render (and voice) work in processes of its own"
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=60)
        time.sleep(0.5)
        assert not [pid for pid in under if Path(f"/proc/{pid}").exists()
                    and "zombie" not in Path(f"/proc/{pid}/status").read_text()], "processes left behind"
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _children(pid: int) -> list[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            pass
    found, todo = [], [pid]
    while todo:
        pid = todo.pop()
        kids = [p for p, parent in parents.items() if parent == pid]
        found += kids
        todo += kids
    return found


def frame_hashes(path: Path) -> list[str]:
    with av.open(str(path)) as video:
        return [hashlib.sha1(f.to_ndarray(format="rgb24").tobytes()).hexdigest() for f in video.decode(video=0)]


# ---- the page ---------------------------------------------------------------------------------

def _browser():
    """Headless Chromium as tests/test_deck.py starts it (a skip, or a failure under CI, when it
    is missing), with only 127.0.0.1 reachable: no other name resolves, every other host goes to
    a dead proxy."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    _offline_browser().quit()   # test_deck's checks: skip or fail as it does
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--autoplay-policy=no-user-gesture-required", "--mute-audio",
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=127.0.0.1:9"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


PLAYER = """const v = document.getElementById('player');
            return {beat: v.dataset.beat, ready: v.readyState, duration: v.duration,
                    time: v.currentTime, error: v.error && v.error.code, played: window.played};"""


def test_the_page_plays_an_edited_beat_and_shows_a_broken_line_until_it_is_fixed(tmp_path):
    narration = narration_copy(tmp_path / "narration")
    watcher = Watcher(tmp_path / "media", narration, "--frame", "160x90")
    driver = None
    try:
        before = watcher.beat(EDITED)
        assert before["clip"] and before["caption"] and before["duration"] > 0
        driver = _browser()
        driver.get(watcher.url)
        assert _wait_for(driver, f"return document.querySelectorAll('#beats tr.beat').length === "
                                 f"{len(watcher.beats())}", 20), "the page lists no beats"
        assert driver.execute_script("return document.querySelector('#chapters a').textContent")

        longer = "，一层接一层，一直到最后的输出层"
        replace_in(narration / "narration.zh.txt", "的输出传递到下一个。", f"的输出传递到下一个{longer}。")
        announced = _wait_for(driver, "const a = document.getElementById('announce').textContent;"
                                      f"return a.includes({longer!r}) && a", 120)
        assert announced and EDITED in announced, driver.execute_script("return document.body.innerText")
        after = watcher.beat(EDITED)
        assert after["clip"] != before["clip"] and after["updated"] != before["updated"]
        assert after["duration"] > before["duration"] + 1.0   # a longer caption: a longer beat
        row = driver.execute_script(f"return document.querySelector('tr[data-id=\"{EDITED}\"] .caption').textContent")
        assert longer in row
        playing = _wait_for(driver, "const v = document.getElementById('player');"
                                    f"return v.dataset.beat === {EDITED!r} && v.readyState >= 1 && v.currentTime > 0"
                                    " && {duration: v.duration, played: window.played, error: v.error && v.error.code}",
                            60)
        assert playing, driver.execute_script(PLAYER)
        assert playing["error"] is None
        assert abs(playing["duration"] - after["duration"]) < 0.2     # the new clip, its new length
        assert abs(playing["duration"] - before["duration"]) > 1.0
        assert playing["played"][-2:] == ["stack.summary", EDITED]     # the line before it first

        line_no = next(i for i, text in enumerate((narration / "narration.zh.txt").read_text().split("\n"), 1)
                       if text.startswith(f"[{EDITED}]"))
        replace_in(narration / "narration.zh.txt", f"[{EDITED}] “", f"[{EDITED}] ““")   # a stray quote
        error = _wait_for(driver, "const e = document.querySelector('#problems li.error');"
                                  "return e && e.textContent", 60)
        assert error and error.startswith(f"narration.zh.txt:{line_no}:"), error
        assert any(f"narration.zh.txt:{line_no}:" in line for line in watcher.log)   # the terminal too
        replace_in(narration / "narration.zh.txt", f"[{EDITED}] ““", f"[{EDITED}] “")
        assert _wait_for(driver, "return document.querySelectorAll('#problems li').length === 0", 60), \
            "the error stayed after the fix"
        assert watcher.process.poll() is None
    finally:
        if driver is not None:
            driver.quit()
        if watcher.process.poll() is None:
            assert watcher.stop() == 0
        watcher.kill()
    leftovers = [p for p in (tmp_path / "media").rglob("*") if ".partial" in p.name or p.name.startswith(".watch-")]
    assert not leftovers, leftovers


# ---- the same beats as make video -------------------------------------------------------------

def test_after_a_session_make_video_draws_no_beat_and_the_beat_has_its_frames(tmp_path):
    """At QUALITY=low with espeak-ng (VOICE=auto, no neural voice) and a recordings folder: an
    edit, then an unknown placeholder and an unreadable recording (each one line naming file
    and line, until fixed); then `make video`'s render draws nothing, and a render from scratch
    elsewhere draws the edited beat with the same frames."""
    narration = narration_copy(tmp_path / "narration")
    recordings = tmp_path / "recordings"
    (recordings / "zh").mkdir(parents=True)
    env = {"NANOGPT_NARRATION_DIR": str(narration), "NANOGPT_NEURAL": "0", "NANOGPT_RECORDINGS_DIR": str(recordings)}
    watcher = Watcher(tmp_path / "media", narration, "--quality", "low", voice="auto",
                      NANOGPT_RECORDINGS_DIR=str(recordings))
    text = narration / "narration.zh.txt"
    line_no = next(i for i, line in enumerate(text.read_text().split("\n"), 1) if line.startswith(f"[{EDITED}]"))
    try:
        before = watcher.beat(EDITED)
        replace_in(text, "的输出传递到下一个。", "的输出传递到下一个，一直到最后。")
        after = watcher.wait_until(lambda: (b := watcher.beat(EDITED))["clip"] != before["clip"] and b)

        replace_in(text, "一直到最后", "一直到{nonsense}")
        error = watcher.wait_until(lambda: watcher.status()["errors"])
        assert error == [f"narration.zh.txt:{line_no}: unknown placeholder {{nonsense}}; known: "
                         + error[0].split("known: ", 1)[1]], error
        replace_in(text, "一直到{nonsense}", "一直到最后")
        watcher.wait_until(lambda: not watcher.status()["errors"])

        (recordings / "zh" / f"{EDITED}.wav").write_bytes(b"RIFF, but not a sound")
        error = watcher.wait_until(lambda: watcher.status()["errors"])
        assert len(error) == 1 and error[0].startswith(f"narration.zh.txt:{line_no}: {EDITED}: ") \
            and f"{EDITED}.wav" in error[0] and "unreadable audio" in error[0], error
        (recordings / "zh" / f"{EDITED}.wav").unlink()
        watcher.wait_until(lambda: not watcher.status()["errors"])
        assert watcher.beat(EDITED)["clip"] == after["clip"]   # back as it was: nothing drawn again
    finally:
        code = watcher.stop() if watcher.process.poll() is None else None
        watcher.kill()
    assert code == 0
    from test_pipeline import cli

    render = cli(tmp_path / "media", "render", "--scenes", SCENE, "--quality", "low", "--voice", "auto", **env)
    assert render.returncode == 0, render.stderr
    assert "video: 0 of 3 beats drawn" in render.stderr, render.stderr
    key = Path(after["still"]).stem   # the beat's segment key
    fresh = cli(tmp_path / "fresh", "render", "--scenes", SCENE, "--quality", "low", "--voice", "auto", **env)
    assert fresh.returncode == 0 and "video: 3 of 3 beats drawn" in fresh.stderr, fresh.stderr
    ours, theirs = (root / "cache" / "segments" / f"{key}.mp4" for root in (tmp_path / "media", tmp_path / "fresh"))
    assert theirs.is_file(), "a render from scratch made another segment for the edited beat"
    assert frame_hashes(ours) == frame_hashes(theirs)


def test_a_beat_drawn_from_a_snapshot_equals_a_render_job(tmp_path, monkeypatch):
    """The warm renderer on a real scene (feedforward: its plots keep closures), at a tiny frame:
    a beat drawn from the snapshot of its start has the frames a render job draws after
    playing the scene up to it."""
    from pipeline import segments, worker
    from pipeline.watch import warm
    from scenes.context import SceneContext
    from scenes.registry import SCENES

    scene, tiny = "feedforward", (("pixel_width", 160), ("pixel_height", 90), ("frame_rate", 15))
    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path / "media"))
    context = SceneContext.narrated("CBABBC", "zh", voice="silent")
    renderer = warm.WarmRenderer(warm.Setup("low_quality", tiny, dict(SCENES), str(tmp_path / "snapshots"),
                                            str(tmp_path / "work")), [scene])
    try:
        laid = renderer.submit(warm.Request("layout", scene, context, "base")).result(timeout=600)
        assert not laid.get("error"), laid
        lines = list(context.timeline.lines(scene))
        assert len(list((tmp_path / "snapshots" / scene).glob("*.pz"))) == len(lines)
        edited = len(lines) - 3
        lines[edited] = dataclasses.replace(lines[edited], text=lines[edited].text + "（改）",
                                            duration=lines[edited].duration + 1.0)
        for i in range(edited + 1, len(lines)):
            lines[i] = dataclasses.replace(lines[i], start=lines[i].start + 1.0)
        timeline = dataclasses.replace(context.timeline, sections={**context.timeline.sections, scene: lines})
        changed = dataclasses.replace(context, timeline=timeline)
        known = segments.known_chain("base", lines)
        assert len(known) == edited
        pictures = tuple(segments.chain_pictures("base", known))
        # as the watcher does: the edit's beat restored ahead (before the line is voiced), then drawn
        renderer.submit(warm.Request("arm", scene, context, "base", first=edited, pictures=pictures))
        report = renderer.submit(warm.Request("render", scene, changed, "base", first=edited,
                                              pictures=pictures)).result(timeout=600)
    finally:
        renderer.close()
    assert not report.get("error"), report
    assert report["resumed_at"] == edited               # from the snapshot, not from the start
    assert report["restore_seconds"] < 0.05             # ... restored before the render was asked for
    if warm.HALVES:   # drawn by two children, each half of the beat's plays, joined
        assert report["first_half_files"] >= 1, report
    drawn = [key for _, key, fresh in report["segments"] if fresh]
    assert len(drawn) == 1
    ours = frame_hashes(segments.segment_path(drawn[0]))
    segments.segment_path(drawn[0]).unlink()
    (tmp_path / "job").mkdir()
    job = worker.Job(0, "video", scene, changed, "low_quality", str(tmp_path / "job"), dict(SCENES),
                     segment_base="base", manim_options=tiny)
    made = worker.run(job)["segments"]
    assert [key for _, key, fresh in made if fresh] == drawn
    assert frame_hashes(segments.segment_path(drawn[0])) == ours


# ---- the server -------------------------------------------------------------------------------

class _Session:
    def rows(self):
        return []

    def status(self):
        return {}

    def ensure_clip(self, path):
        return path.is_file()


@pytest.fixture
def server(tmp_path):
    from pipeline.watch.server import Events, PreviewServer, install_page

    media = tmp_path / "media"
    (media / "cache" / "segments").mkdir(parents=True)
    (media / "cache" / "segments" / "a.png").write_bytes(b"\x89PNG" + bytes(range(200)))
    (tmp_path / "secret.txt").write_text("not for the page")
    (media / "link").symlink_to(tmp_path / "secret.txt")
    install_page(media)
    preview = PreviewServer(0, media, _Session(), Events())
    preview.start()
    yield preview
    preview.shutdown()
    preview.server_close()


def _get(server, path: str, headers=None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    connection.request("GET", path, headers=headers or {})   # sent as written: no client clean-up
    answer = connection.getresponse()
    return answer.status, answer.read()


def test_the_server_serves_the_media_folder_and_refuses_a_way_out(server):
    assert _get(server, "/")[0] == 200
    assert _get(server, "/beats.json") == (200, b"[]")
    status, body = _get(server, "/media/cache/segments/a.png")
    assert status == 200 and body.startswith(b"\x89PNG")
    assert _get(server, "/media/cache/segments/a.png", {"Range": "bytes=4-9"}) == (206, bytes(range(6)))
    for path in ("/media/../secret.txt", "/media/cache/../../secret.txt", "/media/%2e%2e/secret.txt",
                 "/page/../../secret.txt", "/media/cache/%2E%2E/%2E%2E/secret.txt", "/media/..%2fsecret.txt"):
        status, body = _get(server, path)
        assert status == 403 and b"not for the page" not in body, path
    status, body = _get(server, "/media/link")   # a link out of the media folder
    assert status == 403 and b"not for the page" not in body
    assert _get(server, "/media/cache/missing.mp4")[0] == 404


def test_the_server_listens_on_loopback_only(server):
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    others = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    others |= set(subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split())
    for address in sorted(a for a in others if ":" not in a and not a.startswith("127.")):
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()
    with pytest.raises(OSError):
        socket.create_connection(("::1", port), timeout=2).close()


def test_a_port_taken_is_one_line(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        from test_pipeline import cli
        result = cli(tmp_path / "media", "watch", "--scene", SCENE, "--voice", "silent",
                     "--port", str(taken.getsockname()[1]), NANOGPT_NEURAL="0")
    finally:
        taken.close()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(r"cannot serve the preview on 127\.0\.0\.1:\d+: .*--port", result.stderr), result.stderr
