"""The Manim code our speed-ups copy or lean on, with a digest of the source they were written for.

Each entry names a Manim function (or class) whose source a speed-up copied with one part
changed, or whose private workings it relies on. When the installed Manim's source differs
(`inspect.getsource`), that speed-up is not applied (Manim's own code runs: the same pictures,
more slowly), and tests/test_speedups.py fails naming the function, so an upgrade is a red test,
not a silent slowdown. To move to a new Manim: read the new source, carry its change into
`ours` (or drop the speed-up), then record the new digest printed by the failing test.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Source:
    speedup: str
    name: str     # module.Class.function, as imported
    digest: str   # sha256 of its source, first 16 hex digits
    ours: str     # where our code re-derives it

    @property
    def short_name(self) -> str:
        """The last two parts of `name` (Class.function)."""
        return ".".join(self.name.rsplit(".", 2)[-2:])

    def current_digest(self) -> str | None:
        """The digest of the installed Manim's source of `name` (None: it is gone)."""
        try:
            return source_digest(_resolve(self.name))
        except (ImportError, AttributeError, OSError, TypeError):
            return None


SOURCES = (
    Source("encoding", "manim.scene.scene_file_writer.SceneFileWriter._create_segment_encoder",
           "02e02b1de2175d5a", "file_writer.py NanoFileWriter._create_segment_encoder (makes a NanoSegmentEncoder)"),
    Source("encoding", "manim.scene.video_segment_encoder.VideoSegmentEncoder.__init__",
           "12d46f28b82aff32", "file_writer.py NanoSegmentEncoder.write_frame (uses the stream, container and pts it sets)"),
    Source("encoding", "manim.scene.video_segment_encoder.VideoSegmentEncoder.write_frame",
           "0e576cf7abbe27f8", "file_writer.py NanoSegmentEncoder.write_frame (copied: PyAV frames, converted once)"),
    Source("joins", "manim.scene.scene_file_writer.SceneFileWriter.close_partial_movie_stream",
           "b1b387720e0c25aa", "file_writer.py NanoFileWriter._our_settings (its max_inflight_encoders)"),
    Source("joins", "manim.scene.scene_file_writer.SceneFileWriter.open_partial_movie_stream",
           "fdcc73ef64ba70ed", "file_writer.py NanoFileWriter._our_settings (its encoder_queue_size)"),
    Source("handoff", "manim.renderer.cairo_renderer.CairoRenderer.render",
           "924e3bd668b26dc0", "renderer.py NanoRenderer.render (copied: the frame not copied)"),
    Source("handoff", "manim.scene.scene_file_writer.SceneFileWriter.write_frame",
           "e1234e03b0a8f934", "file_writer.py NanoFileWriter.write_frame (a PyAV frame passes through to the job)"),
    Source("handoff", "manim.scene.scene_file_writer._PartialMovieEncodeJob._listen_and_write",
           "69cf4b2194f08929", "file_writer.py NanoSegmentEncoder.write_frame (the job hands it each frame as put)"),
    Source("images", "manim.camera.camera.Camera.display_image_mobject",
           "33bf81c2f98391cd", "camera.py NanoCamera.display_image_mobject (copied: the image's rectangle only)"),
    Source("paths", "manim.camera.camera.Camera.set_cairo_context_path",
           "0e53e5837e78857d", "camera.py NanoCamera.set_cairo_context_path (copied: Python floats)"),
    Source("svg", "manim.mobject.svg.svg_mobject.SVGMobject.init_svg_mobject",
           "00dc4ecfaff4d4df", "patches.py init_svg_mobject (wraps it: its result kept on disk)"),
    Source("copies", "manim.mobject.mobject.Mobject.__deepcopy__",
           "8a1349b6fc8ab459", "patches.py copy_glyph (calls it)"),
    Source("copies", "manim.mobject.svg.svg_mobject.VMobjectFromSVGPath",
           "eebed1a78508cd4d", "patches.py copy_glyph (path_obj is read only while the glyph is built)"),
    Source("skipping", "manim.renderer.cairo_renderer.CairoRenderer.play",
           "5affbe0f311d6099", "renderer.py NanoRenderer.play and the three it guards (a skipped play draws nothing)"),
)


def source_digest(obj) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


def _resolve(name: str):
    """The object `name` (module.Class.attr) names in the installed Manim."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = inspect.getattr_static(obj, attr)
        obj = getattr(obj, "__manim_original__", obj)   # Manim's own, while patches.py has replaced it
        return getattr(obj, "__func__", obj)
    raise ImportError(name)


def drifted() -> list[Source]:
    """The entries whose installed source is not the one recorded."""
    return list(_drifted(SOURCES))


@lru_cache(maxsize=4)
def _drifted(sources: tuple[Source, ...]) -> tuple[Source, ...]:
    return tuple(source for source in sources if source.current_digest() != source.digest)


def manim_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("manim")
    except PackageNotFoundError:
        return "(missing)"
