"""Our extensions of Manim's Cairo rendering, handed to our scenes through Manim's own hooks.

NanoScene (scenes/base.py) renders with `renderer.NanoRenderer`, which makes its camera a `NanoCamera`
and its file writer a `NanoFileWriter`: only our scenes get them, and Manim's classes stay as
they are. Most of a narrated video is held pictures and diagrams made of images (heatmaps),
where Manim spends its time on work that does not change the pixels. The speed-ups
(speedups.SPEEDUPS; each tested to keep Manim's pixels, points or lists, tests/test_speedups.py):

  encoding   x264's fastest preset, a key frame every 2 s, a held frame converted once  file_writer.py
  images     an image composited within its own rectangle, not a full frame            camera.py
  joins      the next play drawn while the last one is still being encoded             file_writer.py
  handoff    a frame converted to YUV where it changed, in the drawing thread           renderer.py, file_writer.py
  paths      Cairo paths from Python floats                                             camera.py
  svg        parsed Text outlines kept on disk                                          patches.py
  copies     glyph and colour copies that share what is never changed                   patches.py
  skipping   no drawing in the plays a render job skips                                 renderer.py

Two of them change mobjects, which a scene builds itself: they stay process-wide patches
(patches.py says why), installed by `install()` in the render processes only. Where a speed-up
copies or leans on Manim's code, upstream.py records the source it was written for; when the
installed Manim's differs, that speed-up is off (status() says so in one line) and a test fails.
NANOGPT_SPEEDUPS=off (or a comma list of names to leave out) turns them off, to measure them or
to rule them out.
"""
from __future__ import annotations

# The classes (camera.py, file_writer.py, renderer.py) import Manim (~2 s): import them from
# their modules where a scene is made; this package itself stays light for the parent process.
from . import patches
from .speedups import SPEEDUPS, all_on, cannot_apply, enabled, status

__all__ = ["SPEEDUPS", "all_on", "cannot_apply", "enabled", "install", "status"]


def install() -> str:
    """Install the process-wide patches that are on; returns status() (one line)."""
    patches.install(enabled())
    return status()
