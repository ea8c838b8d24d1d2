"""Speed-ups to Manim 0.21's Cairo rendering, installed in the render processes only.

Most of a narrated video is held pictures and diagrams made of images (heatmaps), where
Manim spends its time on work that does not change the pixels:

1. Encoding: x264 runs with its fastest preset (CABAC kept: flat diagrams stay small) and a
   held frame is converted to YUV once, not once per repeated frame. One setting for every
   partial file: they are joined by stream copy, so their H.264 parameters must match. A key
   frame at least every 2 s (keyint = 2 x the stream's frame rate): the video plays from any
   point.
2. ImageMobjects: Manim pastes each image into a transparent full-frame picture and
   composites the whole frame (~37 ms per image per frame at 1080p); here only the image's
   own rectangle is composited (~2 ms). The pixels are the same: outside the rectangle the
   full-frame picture is transparent, and compositing transparency leaves a pixel as it was.
3. Encoder joins: Manim 0.21 encodes each play's partial movie file in a thread of its own
   and, by default, waits for that thread at the end of every play. Here the main thread goes
   on drawing the next play while the last one is still being encoded (at most
   MAX_INFLIGHT_ENCODERS files in flight, each with a bounded frame queue, so memory stays
   bounded). `flush(file_writer)` waits until every partial movie file written so far is
   complete and closed; Manim itself still joins them all before it combines the movie.
4. Frame hand-off: Manim copies every drawn frame (get_frame), the encoder thread copies it
   again into a PyAV frame and converts all of it to YUV (~13 ms at 1080p). Here the drawing
   thread converts only the rectangle that changed since the play's previous frame (most of
   an animated frame is the same as the last one) into a YUV picture it keeps, and hands the
   encoder a 3 MB yuv420p frame (the bytes a whole-frame conversion makes, tested).
5. Cairo paths: a VMobject's outline reaches Cairo from a list of Python floats, not one
   NumPy scalar per coordinate (the same numbers, the same pixels).
6. Text outlines: every Text is an SVG that Manim parses into paths (~50 ms each; a scene
   builds hundreds, and every render process builds them again). The parsed paths are kept
   on disk, media/cache/svg/<digest of the SVG file's bytes and parse settings>.pickle, and
   loaded (~1 ms) instead of parsed. The store is the render's own cache: only files this
   code wrote are read back.
7. Copies: Manim copies mobjects at the start of most animations (Transform, FadeIn...). A
   glyph's copy also deep-copied the parsed SVG path it was made from (svgelements objects,
   read only when the glyph is built), and each colour went through copy's generic protocol;
   here the path is shared and a colour copies its one array (a Text copies ~6x faster).
8. Families: a mobject's family (itself and every submobject, depth first) is asked for
   many times a frame; Manim builds it as a new list and a de-duplicating set at every level
   of the tree. Here it is one walk into one list, de-duplicated once (only if a mobject sits
   in the tree twice): the same list in the same order (~6% of a frame's time).
9. Skipped plays: a render job plays the beats before its first one skipped (no frames),
   but Manim still drew each skipped play's static picture and each skipped wait's frame,
   pixels nobody reads (Manim forgets the static picture when a play ends). Here a skipped
   play draws nothing.

They replace Manim internals, so they are installed only on the Manim version they were
written for (other versions keep their own code, and `status()` says so in one line).
NANOGPT_SPEEDUPS=off (or a comma list of patch names to leave out, e.g. "joins,images")
turns them off, to measure them or to rule them out.
"""
from __future__ import annotations

import copy
import os
from fractions import Fraction
from pathlib import Path

import numpy as np

MANIM_VERSION = "0.21.0"
# Manim: preset medium, crf 23. Measured on the stack scene at 1080p60: 2.6x fewer CPU seconds
# with both speed-ups; files ~2x larger than with superfast (about 250 MB for the 13-min video at 1080p60).
X264_OPTIONS = {"preset": "ultrafast", "crf": "20", "x264-params": "cabac=1"}
KEYFRAME_SECONDS = 2
MAX_INFLIGHT_ENCODERS = 2   # partial files encoding at once (the current one and the last)
ENCODER_QUEUE_FRAMES = 8    # frames waiting per encoder (8 x 8 MB at 1080p)
PATCHES = ("encoding", "images", "joins", "handoff", "paths", "svg", "copies", "families", "skipping")

_installed: list[str] = []
_status = {"line": ""}
_originals: dict[tuple[type, str], object] = {}  # Manim's own functions, for uninstall()


def _patch(owner: type, name: str, new) -> None:
    _originals.setdefault((owner, name), owner.__dict__[name])
    setattr(owner, name, new)


def uninstall() -> None:
    """Put Manim's own functions back (tests draw the same frame with and without)."""
    for (owner, name), original in _originals.items():
        if original is None:
            delattr(owner, name)   # added by _patch_new
        else:
            setattr(owner, name, original)
    _originals.clear()
    _installed.clear()
    _status["line"] = ""


def manim_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("manim")
    except PackageNotFoundError:
        return None


def applicable() -> str | None:
    """None if the speed-ups can be installed here, else why not (one line)."""
    installed = manim_version()
    if installed != MANIM_VERSION:
        return (f"render speed-ups off: they patch Manim {MANIM_VERSION}, this is Manim "
                f"{installed or '(missing)'} (same pictures, rendering several times slower)")
    return None


def _wanted() -> list[str]:
    setting = os.environ.get("NANOGPT_SPEEDUPS", "").strip().lower()
    if setting in ("off", "0", "none", "no"):
        return []
    left_out = {name.strip() for name in setting.split(",") if name.strip()}
    return [name for name in PATCHES if name not in left_out]


def install() -> str | None:
    """Install the speed-ups into this process's Manim. Returns None when all are on, else a
    one-line reason to print (also what `status()` says afterwards)."""
    reason = applicable()
    if reason is None:
        wanted = _wanted()
        for name in wanted:
            if name not in _installed:
                {"encoding": _encode_faster, "images": _composite_images_in_place,
                 "joins": _overlap_encoder_joins, "handoff": _hand_frames_over,
                 "paths": _faster_cairo_paths, "svg": _keep_svg_outlines,
                 "copies": _cheaper_copies, "families": _flat_families,
                 "skipping": _skip_drawing_skipped_plays}[name]()
                _installed.append(name)
        left_out = [name for name in PATCHES if name not in wanted]
        if left_out:
            reason = f"render speed-ups partly off (NANOGPT_SPEEDUPS): without {', '.join(left_out)}"
    _status["line"] = reason or f"render speed-ups on (Manim {MANIM_VERSION}): {', '.join(PATCHES)}"
    return reason


def status() -> str:
    """One line: are the speed-ups on in this process (after install()), or could they be."""
    if _status["line"]:
        return _status["line"]
    return applicable() or f"render speed-ups available (Manim {MANIM_VERSION}), not installed in this process"


def flush(file_writer) -> None:
    """Wait until every partial movie file `file_writer` has written so far is complete and
    closed (the play in progress, if any, is not touched). Re-raises an encoder's failure."""
    if getattr(file_writer, "_inflight_encode_jobs", None):
        file_writer.join_all_encode_jobs()


# --- 1. encoding --------------------------------------------------------------------------

def x264_options(frame_rate) -> dict[str, str]:
    """The x264 options of every partial file at `frame_rate` frames per second."""
    keyint = max(1, int(Fraction(frame_rate).limit_denominator(1001) * KEYFRAME_SECONDS))
    return {**X264_OPTIONS, "x264-params": f"{X264_OPTIONS['x264-params']}:keyint={keyint}"}


def _encode_faster() -> None:
    import av
    from manim.scene.scene_file_writer import _PartialMovieEncodeJob as Job

    original_init = Job.__init__

    def init(self, path, animation_index, container, stream, frame_queue_size):
        if stream.codec_context.name == "libx264":
            options = x264_options(stream.codec_context.framerate or stream.average_rate)
            stream.codec_context.options = {**stream.codec_context.options, **options}
        original_init(self, path, animation_index, container, stream, frame_queue_size)

    def encode_and_write_frame(self, frame, num_frames: int) -> None:
        if isinstance(frame, np.ndarray) and num_frames > 1 and self.stream.pix_fmt == "yuv420p":
            frame = self.__dict__.setdefault("_held", YuvFrames()).frame(frame)   # converted once
        if isinstance(frame, av.VideoFrame):  # yuv420p: converted above or by patch 4
            pictures = (frame if i == 0 else copy_frame(frame) for i in range(num_frames))
        else:
            pictures = (av.VideoFrame.from_ndarray(frame, format="rgba") for _ in range(num_frames))
        for picture in pictures:  # a fresh frame each time: PyAV frames are not reusable
            for packet in self.stream.encode(picture):
                self.container.mux(packet)

    _patch(Job, "__init__", init)
    _patch(Job, "_encode_and_write_frame", encode_and_write_frame)


# --- 2. images ----------------------------------------------------------------------------

def _composite_images_in_place() -> None:
    from manim.camera.camera import Camera

    _patch(Camera, "display_image_mobject", display_image_mobject)


def display_image_mobject(self, image_mobject, pixel_array: np.ndarray) -> None:
    """Manim 0.21's Camera.display_image_mobject (same geometry, same checks), compositing
    only the image's rectangle instead of a full frame."""
    from PIL import Image

    sub_image = Image.fromarray(image_mobject.get_pixel_array(), mode="RGBA")
    original_coords = np.array([[0, 0], [sub_image.width, 0], [0, sub_image.height],
                                [sub_image.width, sub_image.height]])
    target_coords = self.points_to_subpixel_coords(image_mobject, image_mobject.points)
    int_target_coords = target_coords.astype(np.int64)
    shift_vector = int_target_coords.min(axis=0)
    target_coords = target_coords - shift_vector
    int_target_coords = int_target_coords - shift_vector
    target_size = tuple(int(v) for v in int_target_coords.max(axis=0))

    # Skip images too thin to cover a pixel (the perspective solve would break down).
    ordered = [target_coords[i] for i in (0, 1, 3, 2)]
    sides = [ordered[(i + 1) % 4] - ordered[i] for i in range(4)]
    lengths = np.linalg.norm(sides, axis=1)
    longest = int(np.argmax(lengths))
    if lengths[longest] == 0:
        return
    neighbour = sides[(longest - 1) % 4]
    cross = sides[longest][0] * neighbour[1] - sides[longest][1] * neighbour[0]
    if abs(cross) / lengths[longest] < 0.5:
        return

    rows = []
    for (x, y), (X, Y) in zip(target_coords, original_coords):
        rows.append([x, y, 1, 0, 0, 0, -X * x, -X * y])
        rows.append([0, 0, 0, x, y, 1, -Y * x, -Y * y])
    try:
        coefficients = np.linalg.solve(np.array(rows, dtype=np.float64),
                                       original_coords.reshape(8).astype(np.float64))
    except np.linalg.LinAlgError:
        return
    sub_image = sub_image.transform(size=target_size, method=Image.Transform.PERSPECTIVE,
                                    data=coefficients, resample=image_mobject.resampling_algorithm)
    composite_at(pixel_array, sub_image, int(shift_vector[0]), int(shift_vector[1]))


def composite_at(pixel_array: np.ndarray, image, x: int, y: int) -> None:
    """Alpha-composite RGBA `image` onto `pixel_array` with its top-left corner at (x, y)."""
    from PIL import Image

    height, width = pixel_array.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + image.width, width), min(y + image.height, height)
    if x1 <= x0 or y1 <= y0:
        return
    region = pixel_array[y0:y1, x0:x1]
    piece = image.crop((x0 - x, y0 - y, x1 - x, y1 - y))
    region[:] = np.asarray(Image.alpha_composite(Image.fromarray(np.ascontiguousarray(region)), piece))


# --- 3. encoder joins ---------------------------------------------------------------------

def _overlap_encoder_joins() -> None:
    from manim.scene.scene_file_writer import SceneFileWriter
    from manim.scene.scene_file_writer import _PartialMovieEncodeJob as Job

    original_init = Job.__init__

    def init(self, path, animation_index, container, stream, frame_queue_size):
        # Manim's serial mode has an unbounded queue; with joins deferred it is bounded.
        original_init(self, path, animation_index, container, stream,
                      frame_queue_size or ENCODER_QUEUE_FRAMES)

    def close_partial_movie_stream(self) -> None:
        """Manim 0.21's close_partial_movie_stream with MAX_INFLIGHT_ENCODERS in flight."""
        job = self._current_encode_job
        if job is None:
            raise RuntimeError("close_partial_movie_stream() called without an open partial "
                               "movie stream.")
        job.seal()
        self._inflight_encode_jobs.append(job)
        self._inflight_by_path[str(job.path)] = job
        self._current_encode_job = None
        while len(self._inflight_encode_jobs) >= MAX_INFLIGHT_ENCODERS:
            self._join_job_and_drain_on_failure(self._inflight_encode_jobs[0])

    _patch(Job, "__init__", init)
    _patch(SceneFileWriter, "close_partial_movie_stream", close_partial_movie_stream)


# --- 4. frame hand-off --------------------------------------------------------------------

def _hand_frames_over() -> None:
    from manim.renderer.cairo_renderer import CairoRenderer
    from manim.scene.scene_file_writer import _PartialMovieEncodeJob as Job

    original_put = Job.put

    def converts(job) -> bool:
        return "encoding" in _installed and job is not None and job.stream.pix_fmt == "yuv420p"

    def render(self, scene, time, moving_mobjects=None) -> None:
        """Manim 0.21's CairoRenderer.render; the frame is not copied when put() converts it
        (before the next frame is drawn)."""
        self.update_frame(scene, moving_mobjects)
        if self.skip_animations:
            return   # Manim's add_frame writes nothing then
        live = converts(self.file_writer._current_encode_job)
        self.add_frame(self.camera.pixel_array if live else self.get_frame())

    def put(self, num_frames: int, frame) -> None:
        if isinstance(frame, np.ndarray) and converts(self):
            frame = self.__dict__.setdefault("_yuv", YuvFrames()).frame(frame)
        original_put(self, num_frames, frame)

    _patch(CairoRenderer, "render", render)
    _patch(Job, "put", put)


class YuvFrames:
    """One play's RGBA frames as yuv420p PyAV frames, converting only the rectangle that changed
    since the previous frame (the first frame, and frames mostly changed, in full). swscale's
    chroma filter reads pixels around a changed one, so the rectangle is converted with MARGIN
    pixels around it and pasted with MARGIN / 2: the planes equal a whole-frame conversion's,
    byte for byte. A frame handed over is never changed afterwards (the encoder reads it)."""

    MARGIN = 16
    SIZE_STEP = 64     # rectangles grow to multiples of this: fewer new swscale contexts
    WHOLE_SHARE = 0.4  # a change over this share of the frame is converted whole

    def __init__(self) -> None:
        from av.video.reformatter import VideoReformatter

        self.rgba = None      # PyAV rgba frame holding the last frame's pixels (whole conversions read it)
        self.previous: np.ndarray | None = None   # its pixels, (height, width, 4)
        self.current = None   # the last yuv420p frame handed over
        self.whole, self.part = VideoReformatter(), VideoReformatter()

    def frame(self, rgba: np.ndarray):
        """A new yuv420p frame of `rgba` (which may change as soon as this returns)."""
        height, width = rgba.shape[:2]
        if self.previous is None or self.previous.shape != rgba.shape or height % 2 or width % 2:
            return self._convert_whole(rgba)
        box = changed_box(self.previous, rgba)
        if box is None:
            self.current = copy_frame(self.current)
        elif (box[1] - box[0]) * (box[3] - box[2]) > self.WHOLE_SHARE * height * width:
            return self._convert_whole(rgba)
        else:
            self.current = self._convert_part(rgba, *box)
        return self.current

    def _convert_whole(self, rgba: np.ndarray):
        import av

        if self.previous is None or self.previous.shape != rgba.shape:
            self.rgba = av.VideoFrame(rgba.shape[1], rgba.shape[0], "rgba")
            self.previous = _plane_array(self.rgba.planes[0], channels=4)
        self.previous[:] = rgba
        self.current = self.whole.reformat(self.rgba, format="yuv420p")
        return self.current

    def _convert_part(self, rgba: np.ndarray, top: int, bottom: int, left: int, right: int):
        height, width = rgba.shape[:2]
        margin, step = self.MARGIN, self.SIZE_STEP
        y0, x0 = max(0, _even(top - margin)), max(0, _even(left - margin))
        y1 = min(height, y0 + -(-(bottom + margin - y0) // step) * step)
        x1 = min(width, x0 + -(-(right + margin - x0) // step) * step)
        inner = [max(0, _even(top - margin // 2)), min(height, _even(bottom + margin // 2 + 1)),
                 max(0, _even(left - margin // 2)), min(width, _even(right + margin // 2 + 1))]
        new = copy_frame(self.current)
        parts = _yuv_planes(rgba[y0:y1, x0:x1], self.part)
        for plane, part, scale in zip(new.planes, parts, (1, 2, 2)):
            a, b, c, d = (v // scale for v in inner)
            _plane_array(plane)[a:b, c:d] = part[a - y0 // scale:b - y0 // scale, c - x0 // scale:d - x0 // scale]
        self.previous[top:bottom, left:right] = rgba[top:bottom, left:right]
        return new


def changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) around the pixels that differ between two RGBA frames of an
    even width (compared two pixels at a time), or None if none does."""
    height = before.shape[0]
    pairs = [frame.reshape(height, -1).view(np.uint64) for frame in (before, after)]
    changed = pairs[0] != pairs[1]
    rows = np.flatnonzero(changed.any(axis=1))
    if len(rows) == 0:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    columns = np.flatnonzero(changed[top:bottom].any(axis=0))
    return top, bottom, 2 * int(columns[0]), 2 * int(columns[-1]) + 2


def _even(value: int) -> int:
    return value - value % 2


def _plane_array(plane, channels: int = 1) -> np.ndarray:
    """A PyAV frame plane as a writable (rows, width[, channels]) array over its bytes."""
    rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:plane.height, :plane.width * channels]
    return rows if channels == 1 else rows.reshape(plane.height, plane.width, channels)


def _yuv_planes(rgba: np.ndarray, reformatter) -> list[np.ndarray]:
    import av

    picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba), format="rgba")
    return [_plane_array(plane) for plane in reformatter.reformat(picture, format="yuv420p").planes]


def copy_frame(frame):
    """A new PyAV frame with `frame`'s picture (an encoded frame object is not used twice)."""
    import av

    new = av.VideoFrame(frame.width, frame.height, frame.format.name)
    for target, source in zip(new.planes, frame.planes):
        _plane_array(target)[:] = _plane_array(source)
    return new


# --- 5. Cairo paths -----------------------------------------------------------------------

def _faster_cairo_paths() -> None:
    from manim.camera.camera import Camera

    _patch(Camera, "set_cairo_context_path", set_cairo_context_path)


def set_cairo_context_path(self, ctx, vmobject):
    """Manim 0.21's Camera.set_cairo_context_path, the coordinates handed to Cairo as Python
    floats from one list (the same doubles; indexing a NumPy array per coordinate made a
    NumPy scalar each time)."""
    points = self.transform_points_pre_display(vmobject, vmobject.points)
    if len(points) == 0:
        return self
    nppcc = vmobject.n_points_per_cubic_curve
    ctx.new_path()
    split_indices = vmobject.get_subpath_split_indices_from_points(points, n_dims=2)
    if len(split_indices) == 0:
        return self
    xy = points[:, :2].tolist()
    move_to, curve_to = ctx.move_to, ctx.curve_to
    new_sub_path, close_path = ctx.new_sub_path, ctx.close_path
    equal = vmobject.consider_points_equals_2d
    for start, end in split_indices.tolist():
        if end - start < nppcc:
            continue
        new_sub_path()
        move_to(*xy[start])
        for i in range(start + 1, end - nppcc + 2, nppcc):
            (x1, y1), (x2, y2), (x3, y3) = xy[i], xy[i + 1], xy[i + 2]
            curve_to(x1, y1, x2, y2, x3, y3)
        if equal(points[start], points[end - 1]):
            close_path()
    return self


# --- 6. Text outlines ----------------------------------------------------------------------

def svg_store() -> Path:
    from .options import media_dir

    return media_dir() / "cache" / "svg"


def _keep_svg_outlines() -> None:
    from manim.mobject.svg.svg_mobject import SVGMobject

    original = SVGMobject.__dict__["init_svg_mobject"]

    def init_svg_mobject(self, use_svg_cache: bool):
        key = _svg_key(self) if self.file_name is not None else None   # Text: use_svg_cache False
        stored = _load_outlines(key) if key else None
        if stored is not None:
            submobjects, self.id_to_vgroup_dict = stored
            for mob in submobjects:
                mob.__dict__.setdefault("path_obj", None)
            self.add(*submobjects)   # as Manim's own in-memory cache: parsed and flipped
            return self
        original(self, use_svg_cache)
        if key:
            _store_outlines(key, (self.submobjects, self.id_to_vgroup_dict))
        return self

    _patch(SVGMobject, "init_svg_mobject", init_svg_mobject)


def _svg_key(mob) -> str | None:
    """What SVGMobject.generate_mobject's result depends on: the file's bytes and the settings
    it is parsed with (not the file's name: every render process has its own text folder)."""
    import hashlib

    from manim import config
    from manim.mobject.svg.svg_mobject import SVGMobject

    if any(getattr(type(mob), name) is not getattr(SVGMobject, name)
           for name in ("generate_mobject", "modify_xml_tree", "get_mobjects_from", "generate_config_style_dict")):
        return None   # a class that parses in its own way (e.g. Typst): not cached
    try:
        data = mob.get_file_path().read_bytes()
    except (OSError, ValueError):
        return None
    seed = repr((MANIM_VERSION, type(mob).__name__, mob.svg_default, mob.path_string_config,
                 config.renderer)).encode()
    return hashlib.blake2b(seed + b"\0" + data, digest_size=16).hexdigest()


def _load_outlines(key: str):
    import pickle

    try:
        with open(svg_store() / f"{key}.pickle", "rb") as file:
            return pickle.load(file)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        return None


def _store_outlines(key: str, outlines) -> None:
    import pickle

    from common.files import atomic_path

    submobjects = outlines[0]
    paths = [m.__dict__.pop("path_obj", None) for m in submobjects]   # read only when built: not stored
    try:
        svg_store().mkdir(parents=True, exist_ok=True)
        with atomic_path(svg_store() / f"{key}.pickle") as tmp, open(tmp, "wb") as file:
            pickle.dump(outlines, file, protocol=pickle.HIGHEST_PROTOCOL)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass   # only slower next time
    finally:
        for mob, path in zip(submobjects, paths):
            if path is not None:
                mob.path_obj = path


# --- 7. copies -----------------------------------------------------------------------------

def _cheaper_copies() -> None:
    from manim.mobject.mobject import Mobject
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath
    from manim.utils.color.core import ManimColor

    def copy_glyph(self, memo):
        path = self.__dict__.get("path_obj")
        if path is not None:
            memo.setdefault(id(path), path)   # the copy shares it: it is never changed
        return Mobject.__deepcopy__(self, memo)

    def copy_color(self, memo):
        new = object.__new__(type(self))
        memo[id(self)] = new
        new.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items()})
        return new

    _patch_new(VMobjectFromSVGPath, "__deepcopy__", copy_glyph)
    _patch_new(ManimColor, "__deepcopy__", copy_color)


def _patch_new(owner: type, name: str, new) -> None:
    """_patch for an attribute `owner` does not define itself (uninstall deletes it again)."""
    if name in owner.__dict__:
        _patch(owner, name, new)
    else:
        _originals.setdefault((owner, name), None)
        setattr(owner, name, new)


# --- 8. families ---------------------------------------------------------------------------

def _flat_families() -> None:
    from manim.mobject.mobject import Mobject

    _patch(Mobject, "get_family", get_family)


def get_family(self, recurse: bool = True) -> list:
    """Manim 0.21's Mobject.get_family: the mobject and its submobjects depth first, each once
    (where one appears twice, at its last place, as Manim's per-level de-duplication gives)."""
    family: list = []
    _walk(self, family)
    if len(set(map(id, family))) == len(family):
        return family
    from manim.utils.iterables import remove_list_redundancies

    return remove_list_redundancies(family)


def _walk(mobject, into: list) -> None:
    into.append(mobject)
    for sub in mobject.submobjects:
        _walk(sub, into)


# --- 9. skipped plays ----------------------------------------------------------------------

def _skip_drawing_skipped_plays() -> None:
    from manim.renderer.cairo_renderer import CairoRenderer

    original = {name: CairoRenderer.__dict__[name]
                for name in ("play", "update_frame", "save_static_frame_data", "freeze_current_frame")}

    def play(self, scene, *args, **kwargs) -> None:
        # Skipped by the beat recorder (Manim may skip more: those plays draw as before).
        self._skipped_play = self._original_skipping_status
        try:
            original["play"](self, scene, *args, **kwargs)
        finally:
            self._skipped_play = False

    def update_frame(self, scene, *args, **kwargs) -> None:
        if not getattr(self, "_skipped_play", False):
            original["update_frame"](self, scene, *args, **kwargs)

    def save_static_frame_data(self, scene, static_mobjects):
        if getattr(self, "_skipped_play", False):
            self.static_image = None
            return None
        return original["save_static_frame_data"](self, scene, static_mobjects)

    def freeze_current_frame(self, duration: float) -> None:
        if not getattr(self, "_skipped_play", False):
            original["freeze_current_frame"](self, duration)

    for name, new in (("play", play), ("update_frame", update_frame),
                      ("save_static_frame_data", save_static_frame_data),
                      ("freeze_current_frame", freeze_current_frame)):
        _patch(CairoRenderer, name, new)
