"""NanoFileWriter: Manim's SceneFileWriter with the render's encoder settings (speed-ups
"encoding", "joins", "handoff"), and take_partial_files() for the beat cache."""
from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import numpy as np
from manim.scene.scene_file_writer import SceneFileWriter
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from .frames import YuvFrames, copy_frame, x264_options
from .speedups import enabled

MAX_INFLIGHT_ENCODERS = 2   # partial files encoding at once (the current one and the last)
ENCODER_QUEUE_FRAMES = 8    # frames waiting per encoder (8 x 8 MB at 1080p)


class NanoFileWriter(SceneFileWriter):
    """encoding: x264 runs with its fastest preset and a key frame every KEYFRAME_SECONDS
    (frames.x264_options), and a held frame is converted to YUV once, not once per repeat.
    joins: the main thread goes on drawing the next play while the last one is still being
    encoded (MAX_INFLIGHT_ENCODERS files in flight, each with a bounded frame queue; Manim's
    default is 1: each play's file is joined before the next play is drawn).
    handoff: a drawn frame is converted to yuv420p in the drawing thread, only the rectangle
    that changed since the play's previous frame (frames.YuvFrames), and the encoder gets a
    3 MB PyAV frame instead of a copy of the 8 MB RGBA one."""

    def __init__(self, settings, *args, speedups: frozenset[str] | None = None, **kwargs):
        self.speedups = enabled() if speedups is None else frozenset(speedups)
        self._taken = 0       # partial_movie_files before this index are taken (take_partial_files)
        self._yuv: YuvFrames | None = None   # the open play's frames, when handed over as YUV
        super().__init__(self._our_settings(settings), *args, **kwargs)

    def _our_settings(self, settings):
        """Manim's settings for this writer with the speed-ups' encoder and pool settings."""
        spec = settings.video_encoder
        if "encoding" in self.speedups and spec is not None and spec.codec == "libx264":
            options = {**dict(spec.options), **x264_options(spec.frame_rate)}
            settings = dataclasses.replace(settings, video_encoder=dataclasses.replace(
                spec, options=tuple(sorted(options.items()))))
        if "joins" in self.speedups:
            settings = dataclasses.replace(settings, max_inflight_encoders=MAX_INFLIGHT_ENCODERS,
                                           encoder_queue_size=ENCODER_QUEUE_FRAMES)
        return settings

    # ---- the beat cache's hook -------------------------------------------------------------

    def take_partial_files(self) -> list[Path]:
        """The partial movie files written since the last take, complete and closed (this waits
        for their encoders), in order; Manim's own joining at the end of the scene leaves them
        out, so the caller owns them (to join into a segment, or delete)."""
        self.join_all_encode_jobs()
        files = self.partial_movie_files
        taken = [Path(p) for p in files[self._taken:] if p is not None]
        for i in range(self._taken, len(files)):
            files[i] = None
        self._taken = len(files)
        return taken

    def converts_frames(self) -> bool:
        """write_frame converts each frame before it returns (the caller may reuse its array)."""
        return self._yuv is not None

    # ---- Manim's methods ---------------------------------------------------------------------

    def open_partial_movie_stream(self, *args, **kwargs) -> None:
        super().open_partial_movie_stream(*args, **kwargs)
        if "handoff" in self.speedups and self.video_encoder.pixel_format == "yuv420p":
            self._yuv = YuvFrames()

    def write_frame(self, pixels, *args, **kwargs) -> None:
        if self._yuv is not None and isinstance(pixels, np.ndarray):
            pixels = self._yuv.frame(pixels)   # the encoder thread takes the PyAV frame as it is
        super().write_frame(pixels, *args, **kwargs)

    def close_partial_movie_stream(self) -> None:
        self._yuv = None
        super().close_partial_movie_stream()

    def _create_segment_encoder(self, target: Path) -> VideoSegmentEncoder:
        if self.video_encoder is None or not {"encoding", "handoff"} & self.speedups:
            return super()._create_segment_encoder(target)
        return NanoSegmentEncoder(target=target, spec=self.video_encoder, held_once="encoding" in self.speedups)


class NanoSegmentEncoder(VideoSegmentEncoder):
    """Manim's encoder of one partial movie file, taking yuv420p PyAV frames as they are and
    (held_once) converting a held RGBA frame once, not once per repeat."""

    def __init__(self, *, held_once: bool, **kwargs):
        self.held_once = held_once
        self._held: YuvFrames | None = None
        super().__init__(**kwargs)

    def write_frame(self, pixels, *, repeat: int = 1) -> None:
        """Manim's VideoSegmentEncoder.write_frame for a PyAV frame (pts counted the same way)."""
        import av

        yuv = self.spec.pixel_format == "yuv420p"
        if isinstance(pixels, np.ndarray) and repeat > 1 and self.held_once and yuv:
            self._validate_frame(pixels, repeat)
            self._held = self._held or YuvFrames()
            pixels = self._held.frame(pixels)
        if not isinstance(pixels, av.VideoFrame):
            return super().write_frame(pixels, repeat=repeat)
        time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
        try:
            for i in range(repeat):   # a fresh frame each time: PyAV frames are not reusable
                frame = pixels if i == 0 else copy_frame(pixels)
                frame.pts = self._next_pts
                frame.time_base = time_base
                self._next_pts += 1
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error
