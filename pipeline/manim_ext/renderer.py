"""NanoRenderer: Manim's CairoRenderer with a public way to skip plays and take their files
(the beat cache, and any caller that renders some beats of a scene), and the speed-ups
"handoff" and "skipping"."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from manim.renderer.cairo_renderer import CairoRenderer

from .camera import NanoCamera
from .file_writer import NanoFileWriter
from .speedups import enabled


class NanoRenderer(CairoRenderer):
    """Hand it to a scene: `Scene(renderer=NanoRenderer(skip_animations=...))` (NanoScene does).

    skip(True) / skip(False) switch drawing off and on from the next play: a skipped play still
    takes every mobject to its end state, but draws and writes no frame (Manim's own skipping,
    as for --from_animation_number). take_partial_files() hands over the partial movie files
    of the plays drawn since the last take, complete. Together: play to a beat without drawing,
    draw the beat, take its files (pipeline/segments.py; docs/architecture.md).

    handoff: the drawn frame goes to the file writer without Manim's copy of it when the writer
    converts it before returning (NanoFileWriter.converts_frames).
    skipping: a skipped play draws nothing: Manim still drew each skipped play's static picture
    and each skipped wait's frame, pixels nobody reads (it forgets the static picture when the
    play ends)."""

    def __init__(self, file_writer_class=NanoFileWriter, camera_class=NanoCamera, skip_animations: bool = False,
                 speedups: frozenset[str] | None = None, **kwargs):
        self.speedups = enabled() if speedups is None else frozenset(speedups)
        self._skipped_play = False   # the play in progress is skipped (speed-up "skipping")
        super().__init__(file_writer_class=_with_speedups(file_writer_class, self.speedups),
                         camera_class=_with_speedups(camera_class, self.speedups),
                         skip_animations=skip_animations, **kwargs)

    # ---- the public hooks ---------------------------------------------------------------------

    def skip(self, flag: bool = True) -> None:
        """Skip the plays from the next one on (True), or draw them again (False)."""
        self._original_skipping_status = bool(flag)

    @property
    def skipping(self) -> bool:
        """Whether the next play is skipped by skip() (or by skip_animations at construction)."""
        return self._original_skipping_status

    def take_partial_files(self) -> list[Path]:
        """The partial movie files drawn since the last take (NanoFileWriter.take_partial_files)."""
        return self.file_writer.take_partial_files()

    # ---- Manim's methods ------------------------------------------------------------------------

    def render(self, scene, time, moving_mobjects=None) -> None:
        """Manim's CairoRenderer.render; the frame is not copied when the writer converts it
        before the next frame is drawn."""
        if "handoff" not in self.speedups:
            return super().render(scene, time, moving_mobjects)
        self.update_frame(scene, moving_mobjects)
        if self.skip_animations:
            return   # Manim's add_frame writes nothing then
        converts = getattr(self.file_writer, "converts_frames", lambda: False)()
        self.add_frame(self.camera.pixel_array if converts else self.get_frame())

    def play(self, scene, *args, **kwargs) -> None:
        # Skipped by skip() (Manim may skip more, e.g. cached plays: those draw as before).
        self._skipped_play = "skipping" in self.speedups and self._original_skipping_status
        try:
            super().play(scene, *args, **kwargs)
        finally:
            self._skipped_play = False

    def update_frame(self, scene, *args, **kwargs) -> None:
        if not self._skipped_play:
            super().update_frame(scene, *args, **kwargs)

    def save_static_frame_data(self, scene, static_mobjects):
        if self._skipped_play:
            self.static_image = None
            return None
        return super().save_static_frame_data(scene, static_mobjects)

    def freeze_current_frame(self, duration: float) -> None:
        if not self._skipped_play:
            super().freeze_current_frame(duration)


def _with_speedups(cls, speedups: frozenset[str]):
    """`cls`, made with `speedups` if it is one of ours (Manim calls it with its own arguments)."""
    return partial(cls, speedups=speedups) if issubclass(cls, (NanoCamera, NanoFileWriter)) else cls
