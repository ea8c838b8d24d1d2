"""pipeline/manim_ext/: each speed-up keeps Manim's pixels, points or lists, on small real frames
(seconds), on the installed Manim; and the Manim code they copy is the code they were written for."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline import manim_ext
from pipeline.manim_ext import frames, patches as global_patches, speedups, upstream


@pytest.mark.parametrize("source", upstream.SOURCES, ids=lambda s: f"{s.speedup}:{s.short_name}")
def test_upstream_source_is_the_one_the_speedup_was_written_for(source):
    """Fails (never skips) when the installed Manim's source of a function a speed-up copies or
    leans on differs from the one recorded: re-derive ours from the new source, then record it."""
    now = source.current_digest()
    assert now == source.digest, (
        f"Manim {upstream.manim_version()} changed {source.name} (speed-up '{source.speedup}'): "
        f"re-derive pipeline/manim_ext/{source.ours} from its new source, then record digest "
        f"{now!r} in pipeline/manim_ext/upstream.py")


@pytest.fixture
def patches():
    """Yields install(names) that installs just those process-wide patches; Manim's code afterwards."""
    def install(*names):
        global_patches.uninstall()
        global_patches.install(names)

    global_patches.uninstall()
    yield install
    global_patches.uninstall()


def _small_config(tmp_path, **extra):
    from manim import tempconfig

    return tempconfig({"pixel_width": 160, "pixel_height": 90, "frame_rate": 15,
                       "media_dir": str(tmp_path), "disable_caching": True,
                       "progress_bar": "none", "verbosity": "ERROR", "preview": False, **extra})


def _image_frame(camera_class) -> np.ndarray:
    """A frame of a small scene: a circle behind two heatmap-like images (one scaled,
    rotated and half off the frame, one semi-transparent), a square in front."""
    from manim import BLUE, RED, Circle, ImageMobject, Square

    rng = np.random.default_rng(1)
    heat = rng.integers(0, 256, (12, 20, 4), dtype=np.uint8)
    heat[..., 3] = 255
    ghost = rng.integers(0, 256, (7, 9, 4), dtype=np.uint8)
    big = ImageMobject(heat).scale(2.5).rotate(0.4).shift([5.5, 1.2, 0])
    faint = ImageMobject(ghost).set_opacity(0.6).shift([-2, -1, 0])
    camera = camera_class()
    camera.capture_mobjects([Circle(radius=2, fill_color=BLUE, fill_opacity=1), big, faint,
                             Square(side_length=1.5, color=RED, fill_opacity=0.5)])
    return camera.pixel_array.copy()


def test_image_compositing_draws_manims_frame(tmp_path):
    from manim.camera.camera import Camera

    from pipeline.manim_ext.camera import NanoCamera

    with _small_config(tmp_path):
        manims = _image_frame(Camera)
        ours = _image_frame(lambda: NanoCamera(speedups={"images"}))
    assert manims[..., :3].std() > 10  # a real picture, not a blank frame
    assert np.array_equal(ours, manims)


def _renderer(*names):
    """None (Manim's own CairoRenderer), or a NanoRenderer with just the speed-ups `names`."""
    from pipeline.manim_ext.renderer import NanoRenderer

    return None if names == ("manim",) else NanoRenderer(speedups=frozenset(names))


def _render_small_scene(tmp_path: Path, *speedups: str, during=None):
    """Renders a 4-play scene (an animation, a frozen wait, an animation, a wait) at 160x90,
    15 fps with `speedups` ("manim": Manim's own renderer); returns the scene. `during(scene)`
    runs after play 2."""
    from manim import BLUE, Circle, Create, FadeIn, Scene, Square

    class Small(Scene):
        def construct(self):
            self.play(Create(Circle(color=BLUE)), run_time=1)
            self.wait(2.5)
            if during is not None:
                during(self)
            self.play(FadeIn(Square()), run_time=0.5)
            self.wait(1)

    with _small_config(tmp_path, output_file="small"):
        scene = Small(renderer=_renderer(*speedups))
        scene.render()
        return scene


def _partials(scene) -> list[Path]:
    return sorted(Path(scene.renderer.file_writer.partial_movie_directory).glob("*.mp4"))


def _decoded(path: Path) -> tuple[list[np.ndarray], list[bool]]:
    import av

    frames, keys = [], []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            keys.append(frame.key_frame)
    return frames, keys


def _movie(tmp_path: Path) -> Path:
    return next(tmp_path.rglob("small.mp4"))


def test_encoding_key_frame_every_two_seconds_and_one_setting(tmp_path):
    """x264's keyint = 2 s at the stream's frame rate (a 2.5 s wait at 15 fps needs a key frame
    inside it); every partial file has the same H.264 parameters (stream copy joins them)."""
    import av

    partials = _partials(_render_small_scene(tmp_path, "encoding"))
    assert len(partials) == 4
    extradata = set()
    for path in partials:
        with av.open(str(path)) as container:
            extradata.add(bytes(container.streams.video[0].codec_context.extradata))
    assert len(extradata) == 1
    frames, keys = _decoded(_movie(tmp_path))
    assert len(frames) == 15 + 37 + 8 + 15
    gaps = np.diff(np.flatnonzero(keys))
    assert gaps.max() <= 2 * 15
    assert sum(keys) > len(partials)  # key frames inside the long wait, not only at file starts


def test_encoding_keeps_the_picture(tmp_path):
    """x264 is lossy, so "the same pixels" here is: every decoded frame within a few levels of
    Manim's own encoding (preset medium, crf 23), frame for frame."""
    _render_small_scene(tmp_path / "manim", "manim")
    _render_small_scene(tmp_path / "ours", "encoding")
    manims, _ = _decoded(_movie(tmp_path / "manim"))
    ours, _ = _decoded(_movie(tmp_path / "ours"))
    assert len(ours) == len(manims)
    for a, b in zip(manims, ours):
        diff = np.abs(a.astype(int) - b.astype(int))
        assert diff.mean() < 2 and np.percentile(diff, 99) <= 16


def test_deferred_encoder_joins_keep_every_frame(tmp_path):
    """With joins deferred, the movie decodes to exactly the frames of Manim's own joins (same
    encoder settings), and a play's file is still being written while the next is drawn."""
    in_flight = []
    _render_small_scene(tmp_path / "joined", "encoding")
    _render_small_scene(tmp_path / "deferred", "encoding", "joins",
                        during=lambda scene: in_flight.append(
                            len(scene.renderer.file_writer._inflight_encode_jobs)))
    joined, _ = _decoded(_movie(tmp_path / "joined"))
    deferred, _ = _decoded(_movie(tmp_path / "deferred"))
    assert in_flight == [1]
    assert len(deferred) == len(joined) and all(np.array_equal(a, b) for a, b in zip(joined, deferred))


def test_take_partial_files_hands_over_complete_files_once(tmp_path):
    """take_partial_files: the files drawn since the last take, complete, in order; a skipped
    play adds none; Manim's own movie leaves the taken ones out."""
    seen = {}

    def during(scene):
        seen["first"] = [len(_decoded(p)[0]) for p in scene.renderer.take_partial_files()]
        seen["again"] = scene.renderer.take_partial_files()
        scene.renderer.skip(True)   # plays 3 and 4: skipped

    scene = _render_small_scene(tmp_path, *speedups.SPEEDUPS, during=during)
    assert seen == {"first": [15, 37], "again": []}
    assert scene.renderer.take_partial_files() == []
    assert scene.renderer.file_writer.partial_movie_files == [None] * 4


def test_speedups_off_where_manims_code_changed_and_said_in_one_line(monkeypatch):
    """A speed-up whose upstream source differs is off: status() says which in one line, doctor
    reports it, and a NanoRenderer made then runs Manim's own code for it."""
    from pipeline import doctor
    from pipeline.manim_ext.renderer import NanoRenderer

    monkeypatch.delenv("NANOGPT_SPEEDUPS", raising=False)
    assert manim_ext.all_on() and speedups.status().startswith("render speed-ups on")
    assert doctor.check_speedups().ok
    changed = next(s for s in upstream.SOURCES if s.speedup == "images")
    monkeypatch.setattr(upstream, "SOURCES", tuple(
        s if s is not changed else upstream.Source(s.speedup, s.name, "0" * 16, s.ours) for s in upstream.SOURCES))
    line = speedups.status()
    assert "\n" not in line and "off" in line and "images (Camera.display_image_mobject)" in line
    assert "images" not in speedups.enabled() and "paths" in speedups.enabled()
    assert NanoRenderer().camera.speedups == speedups.enabled()
    check = doctor.check_speedups()
    assert not check.ok and check.detail == line
    monkeypatch.setenv("NANOGPT_SPEEDUPS", "joins,svg")
    assert "left out (NANOGPT_SPEEDUPS): joins, svg" in speedups.status()
    monkeypatch.setenv("NANOGPT_SPEEDUPS", "off")
    assert speedups.enabled() == frozenset()


def test_frame_handoff_encodes_the_same_frames(tmp_path):
    """Drawn frames handed to the encoder in one copy (a PyAV frame) decode to exactly the
    frames of Manim's two copies (same encoder settings), at the same times in each file."""
    copied = _partials(_render_small_scene(tmp_path / "copied", "encoding"))
    handed = _partials(_render_small_scene(tmp_path / "handed", "encoding", "handoff"))
    assert [_times(p) for p in handed] == [_times(p) for p in copied]
    copied, _ = _decoded(_movie(tmp_path / "copied"))
    ours, _ = _decoded(_movie(tmp_path / "handed"))
    assert len(ours) == len(copied) and all(np.array_equal(a, b) for a, b in zip(copied, ours))


def _times(path: Path) -> list[float]:
    import av

    with av.open(str(path)) as container:
        return [frame.time for frame in container.decode(video=0)]


def test_frame_handoff_sends_yuv_frames(tmp_path, monkeypatch):
    """Drawn and held frames reach the encoder thread converted (yuv420p PyAV frames)."""
    from pipeline.manim_ext.file_writer import NanoSegmentEncoder

    kinds = set()
    write = NanoSegmentEncoder.write_frame

    def record(self, frame, *, repeat=1):
        kinds.add((type(frame).__name__, getattr(frame, "format", None) and frame.format.name, repeat > 1))
        write(self, frame, repeat=repeat)
    monkeypatch.setattr(NanoSegmentEncoder, "write_frame", record)
    _render_small_scene(tmp_path, *speedups.SPEEDUPS)
    assert kinds == {("VideoFrame", "yuv420p", False), ("VideoFrame", "yuv420p", True)}


def test_changed_rectangle_conversion_equals_whole_frame_conversion(monkeypatch):
    """Frame after frame, a random rectangle changes (sharp edges, at the borders too): each
    yuv420p frame equals the whole frame converted, and only a part around the change was."""
    from av.video.reformatter import VideoReformatter

    rng = np.random.default_rng(7)
    height, width = 480, 854
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., :3] = rng.integers(0, 256, (height, width, 3))
    rgba[..., 3] = 255
    converted = []
    whole_frame = frames.yuv_planes

    def record(picture, reformatter):
        converted.append(picture.shape[:2])
        return whole_frame(picture, reformatter)
    monkeypatch.setattr(frames, "yuv_planes", record)
    whole = frames.YuvFrames._convert_whole
    monkeypatch.setattr(frames.YuvFrames, "_convert_whole",
                        lambda self, rgba: converted.append(rgba.shape[:2]) or whole(self, rgba))
    converter = frames.YuvFrames()
    for step in range(40):
        if step % 10 == 5:   # mostly changed: converted whole
            rgba[:, 1:, :3] = rgba[:, :-1, :3]
        elif step:
            top, left = rng.integers(0, height - 1), rng.integers(0, width - 1)
            tall, wide = rng.integers(1, 120), rng.integers(1, 200)
            rgba[top:top + tall, left:left + wide, :3] = rng.integers(0, 256, (3,))
        frame = converter.frame(rgba)
        expected = whole_frame(rgba, VideoReformatter())
        assert all(np.array_equal(frames.plane_array(p), e) for p, e in zip(frame.planes, expected)), step
    assert converted[0] == (height, width) and converted.count((height, width)) == 1 + 4
    assert max(h * w for h, w in converted if (h, w) != (height, width)) < height * width / 2


def _vector_frame(camera_class) -> np.ndarray:
    """Text (many subpaths, holes), an open arc, a closed polygon, a dashed line, a gradient."""
    from manim import BLUE, GREEN, RED, YELLOW, Arc, DashedLine, Polygon, Text, VGroup

    shapes = VGroup(Text("nanoGPT 注意力 Q·Kᵀ", font_size=40).shift([0, 1.5, 0]),
                    Arc(radius=1.5, angle=4, color=RED, stroke_width=8),
                    Polygon([-3, -2, 0], [-1, -3, 0], [-2, -0.5, 0], color=GREEN, fill_opacity=0.7),
                    DashedLine([-6, -3.5, 0], [6, 3.5, 0], color=YELLOW),
                    Arc(radius=1, color=[BLUE, RED], fill_opacity=0.5).shift([4, -2, 0]))
    camera = camera_class()
    camera.capture_mobjects([shapes])
    return camera.pixel_array.copy()


def test_cairo_paths_draw_manims_frame(tmp_path):
    from manim.camera.camera import Camera

    from pipeline.manim_ext.camera import NanoCamera

    with _small_config(tmp_path, pixel_width=320, pixel_height=180):
        manims = _vector_frame(Camera)
        ours = _vector_frame(lambda: NanoCamera(speedups={"paths"}))
    assert manims[..., :3].std() > 10
    assert np.array_equal(ours, manims)


def _text_family(text: str):
    from manim import Text

    mob = Text(text, font_size=40).shift([1, -0.5, 0])
    return [(type(m).__name__, m.points.copy(), m.fill_rgbas.copy(), m.stroke_rgbas.copy())
            for m in mob.get_family()]


def test_text_outlines_from_the_store_equal_parsed_ones(tmp_path, patches, monkeypatch):
    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path / "media"))
    with _small_config(tmp_path):
        patches()
        manims = _text_family("Σ exp = 1.000 注意力")
        patches("svg")
        stored_first = _text_family("Σ exp = 1.000 注意力")   # parsed, then stored
        assert len(list(global_patches.svg_store().glob("*.pickle"))) == 1
        from manim.mobject.svg import svg_mobject
        svg_mobject.SVG_HASH_TO_MOB_MAP.clear()   # Manim's in-memory cache out of the way
        loaded = _text_family("Σ exp = 1.000 注意力")
    assert len(manims) > 5
    for ours in (stored_first, loaded):
        assert [m[0] for m in ours] == [m[0] for m in manims]
        for a, b in zip(ours, manims):
            for x, y in zip(a[1:], b[1:]):
                assert np.array_equal(x, y)


def test_cheaper_copies_equal_manims_and_stay_independent(tmp_path, patches):
    import copy

    from manim import RED, Text

    with _small_config(tmp_path):
        patches()
        text = Text("x = 1.25", font_size=40)
        manims = text.copy()
        patches("copies")
        ours = text.copy()
        red = copy.deepcopy(RED)
    pairs = list(zip(ours.get_family(), manims.get_family()))
    assert len(pairs) > 4 and len(ours.get_family()) == len(manims.get_family())
    for a, b in pairs:
        assert type(a) is type(b)
        for name in ("points", "fill_rgbas", "stroke_rgbas"):
            assert np.array_equal(getattr(a, name), getattr(b, name))
    ours[0].shift([1, 0, 0])
    assert not np.array_equal(ours[0].points, text[0].points)   # a copy, not the same glyph
    assert red == RED and red is not RED
    red._internal_value[0] = 0.0
    assert RED._internal_value[0] != 0.0


def _same_copies(manims, ours, originals) -> int:
    """Walks Manim's deep copy and ours side by side: the same types, attributes, values and
    sharing (an object Manim's copy holds twice, ours holds twice), and each holds an object
    of the original exactly where the other does. Returns how many objects it compared."""
    original_ids = {id(o) for o in originals}
    pairs, todo = {}, [(manims, ours)]
    while todo:
        x, y = todo.pop()
        assert type(x) is type(y)
        if id(x) in pairs:
            assert pairs[id(x)] is y
            continue
        pairs[id(x)] = y
        assert (id(x) in original_ids) == (id(y) in original_ids), type(x)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y)
        elif isinstance(x, (list, tuple)):
            assert len(x) == len(y)
            todo += zip(x, y)
        elif isinstance(x, dict):
            assert list(x) == list(y)
            todo += zip(x.values(), y.values())
        elif hasattr(x, "__dict__") and not callable(x):
            assert list(vars(x)) == list(vars(y))
            if "path_obj" in vars(y):   # a glyph's parsed path: shared on purpose, read only
                assert id(y.path_obj) in original_ids
            todo += [(v, vars(y)[k]) for k, v in vars(x).items() if k not in ("original_id", "path_obj")]
        else:
            assert x is y or x == y
    return len(pairs)


def _reachable(root) -> list:
    """Every object of `root`'s graph that a deep copy copies (arrays, lists, dicts, mobjects)."""
    seen, todo, found = set(), [root], []
    while todo:
        x = todo.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        found.append(x)
        if isinstance(x, (list, tuple)):
            todo += x
        elif isinstance(x, dict):
            todo += x.values()
        elif hasattr(x, "__dict__") and not callable(x):
            todo += vars(x).values()
    return found


def test_cheaper_copies_are_manims_object_for_object(tmp_path, patches):
    """Speed-up 7's copies against Manim's on a scene's kinds of mobject: text,
    heatmaps (images), a group holding one mobject twice, a saved state, a target and an
    updater. Both copies must be the same graph with the same sharing, and share nothing with
    the original but functions and (ours, on purpose) the glyphs' parsed paths."""
    import copy

    from manim import Circle, Dot, Square, Text, VGroup

    from scenes.kit.matrices import block

    with _small_config(tmp_path):
        patches()
        shared = Dot()
        scene = VGroup(Text("注意力 x = 1.25", font_size=40), VGroup(Square(), shared), VGroup(shared, Circle()))
        heat = block(np.linspace(-1, 1, 12).reshape(3, 4), 0.3, 0.3)
        scene[1].save_state()
        scene[2].generate_target()
        scene[2].add_updater(lambda m: None)
        originals = _reachable([scene, heat])
        manims = copy.deepcopy([scene, heat])
        patches("copies")
        ours = copy.deepcopy([scene, heat])
    assert _same_copies(manims, ours, originals) > 200


def test_skipped_plays_draw_nothing_and_later_frames_are_the_same(tmp_path, monkeypatch):
    """Plays skipped the way the beat recorder skips them (skip(): an animation and a frozen
    wait) draw no picture and copy no frame; the plays drawn after them decode to the frames
    they have without it."""
    from manim import BLUE, Circle, Create, FadeIn, Scene, Square
    from manim.camera.camera import Camera

    from manim.renderer.cairo_renderer import CairoRenderer

    captured = []   # pictures drawn, and frames copied
    capture, get_frame = Camera.capture_mobjects, CairoRenderer.get_frame
    monkeypatch.setattr(Camera, "capture_mobjects",
                        lambda self, mobjects, **kwargs: captured.append(1) or capture(self, mobjects, **kwargs))
    monkeypatch.setattr(CairoRenderer, "get_frame", lambda self: captured.append(1) or get_frame(self))

    def render(folder: Path, *names) -> tuple[list, int]:
        drawn = []

        class Skips(Scene):
            def construct(self):
                self.renderer.skip(True)
                self.play(Create(Circle(color=BLUE)), run_time=1)
                self.wait(1)
                drawn.append(len(captured))
                self.renderer.skip(False)
                self.play(FadeIn(Square()), run_time=0.5)
                self.wait(0.5)

        captured.clear()
        with _small_config(folder, output_file="small"):
            Skips(renderer=_renderer(*names)).render()
        return _decoded(_movie(folder))[0], drawn[0]

    theirs, drawn_before = render(tmp_path / "manim", "encoding", "handoff")
    ours, drawn_now = render(tmp_path / "ours", "encoding", "handoff", "skipping")
    assert drawn_before > 0 and drawn_now == 0
    assert len(ours) == len(theirs) == 8 + 7 and all(np.array_equal(a, b) for a, b in zip(theirs, ours))


def test_patched_functions_are_still_checked_against_manims_source(patches):
    """While the process-wide patches are in place, upstream.py still hashes Manim's own functions."""
    patches(*global_patches.GLOBAL)
    assert sorted(global_patches.installed()) == sorted(global_patches.GLOBAL)
    assert upstream.drifted() == []
