"""NanoFileWriter: Manim's SceneFileWriter with the render's encoder settings (speed-ups
"encoding", "joins", "handoff"), and take_partial_files() for the beat cache."""
from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
from manim.scene.scene_file_writer import SceneFileWriter

from .frames import YuvFrames, copy_frame, x264_options
from .speedups import enabled

MAX_INFLIGHT_ENCODERS = 2   # partial files encoding at once (the current one and the last)
ENCODER_QUEUE_FRAMES = 8    # frames waiting per encoder (8 x 8 MB at 1080p)


class NanoFileWriter(SceneFileWriter):
    """encoding: x264 runs with its fastest preset and a key frame every KEYFRAME_SECONDS, and a
    held frame is converted to YUV once, not once per repeated frame.
    joins: the main thread goes on drawing the next play while the last one is still being
    encoded (at most MAX_INFLIGHT_ENCODERS files in flight, each with a bounded frame queue).
    handoff: a drawn frame is converted to yuv420p in the drawing thread, only the rectangle
    that changed since the play's previous frame (frames.YuvFrames), and the encoder gets a
    3 MB PyAV frame instead of a copy of the 8 MB RGBA one."""

    def __init__(self, *args, speedups: frozenset[str] | None = None, **kwargs):
        self.speedups = enabled() if speedups is None else frozenset(speedups)
        self._taken = 0       # partial_movie_files before this index are taken (take_partial_files)
        self._yuv: YuvFrames | None = None   # the open play's frames, when handed over as YUV
        super().__init__(*args, **kwargs)

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
        job = self._current_encode_job
        stream = job.stream
        if "encoding" in self.speedups and stream.codec_context.name == "libx264":
            # Before the first frame: the encoder thread opens the codec when it gets one.
            options = x264_options(stream.codec_context.framerate or stream.average_rate)
            stream.codec_context.options = {**stream.codec_context.options, **options}
        if "joins" in self.speedups and job.queue.maxsize == 0:
            job.queue.maxsize = ENCODER_QUEUE_FRAMES   # Manim's serial mode queues without bound
        if stream.pix_fmt == "yuv420p" and {"encoding", "handoff"} & self.speedups:
            # The job's thread calls this for each queued frame (this job only, not the class).
            job._encode_and_write_frame = partial(encode_frames, job, "encoding" in self.speedups)
            if "handoff" in self.speedups:
                self._yuv = YuvFrames()

    def write_frame(self, frame, *args, **kwargs) -> None:
        if self._yuv is not None and isinstance(frame, np.ndarray):
            frame = self._yuv.frame(frame)
        super().write_frame(frame, *args, **kwargs)

    def close_partial_movie_stream(self) -> None:
        """Manim 0.21's close_partial_movie_stream, with MAX_INFLIGHT_ENCODERS files in flight
        ("joins"; Manim's default joins each play's file before the next play is drawn)."""
        self._yuv = None
        if "joins" not in self.speedups:
            return super().close_partial_movie_stream()
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


def encode_frames(job, held_once: bool, frame, num_frames: int) -> None:
    """Manim 0.21's _PartialMovieEncodeJob._encode_and_write_frame for a yuv420p stream, taking
    a PyAV frame as it is and (held_once) converting a held RGBA frame once, not per frame."""
    import av

    if isinstance(frame, np.ndarray) and num_frames > 1 and held_once:
        frame = job.__dict__.setdefault("_held", YuvFrames()).frame(frame)
    if isinstance(frame, av.VideoFrame):
        pictures = (frame if i == 0 else copy_frame(frame) for i in range(num_frames))
    else:
        pictures = (av.VideoFrame.from_ndarray(frame, format="rgba") for _ in range(num_frames))
    for picture in pictures:   # a fresh frame each time: PyAV frames are not reusable
        for packet in job.stream.encode(picture):
            job.container.mux(packet)
