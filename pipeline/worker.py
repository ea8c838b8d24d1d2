"""What runs inside a render process: one scene, rendered by Manim into a work folder.

Two kinds of job: `video` (a range of the scene's beats as cached segments, see
pipeline/segments.py, plus a PNG still of each of those beats' end) and `stills` (beat-end
stills only, animations skipped: only the needed frames are drawn). The slide deck and the
handout are made of the video's segments (pipeline/deck.py): they have no render of their own.
Manim's own cache is off: it hashes every play, which costs more than it saves here
(pipeline/segments.py caches beats, pipeline/cache.py whole scenes).
Scenes render with pipeline/manim_ext/ (NanoScene hands Manim its NanoRenderer); the render
processes also get its process-wide patches.
"""
from __future__ import annotations

import dataclasses
import resource
import shutil
import signal
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import manim_ext, segments

PROGRESS_EVERY = 0.25  # seconds between frame-count reports
# glibc malloc: blocks from this size on (an 8 MB RGBA frame at 1080p) are mapped on their
# own and handed back when freed. By default the threshold grows with the largest block
# freed, after which such frames come from the heap and it stays at its high-water mark.
# Attention at 1080p60, one process: peak 585 MB by default, 379 MB with 4 MB; stack: 44.2
# CPU-s by default, 46.9 with 4 MB, 51.3 with 128 KB (a page fault for every smaller block).
MMAP_THRESHOLD = 4 * 1024 * 1024
MALLOC_ARENAS = 2       # the drawing thread and the encoder thread

_queue = None  # set by init(): where frame counts go (job id, frames so far)
_speedups = {"line": ""}   # set by init(): manim_ext.status() when a speed-up is off, else ""


@dataclass(frozen=True)
class Job:
    index: int
    kind: str            # video | stills
    scene_id: str
    context: object      # scenes.context.SceneContext: the Run and the Timeline the cache key hashed
    manim_quality: str
    work: str            # folder the job writes into
    registry: dict       # scenes.registry.SCENES of the parent (tests point sections elsewhere)
    beats: tuple[int, int] = (0, 10**6)   # video: the beats [first, stop) this job renders
    segment_base: str = ""                # video: the scene's segment key base (cache.segment_base)
    manim_options: tuple = ()             # more Manim config, (name, value) pairs (tests: a tiny frame)

    @property
    def label(self) -> str:
        """The scene, and its beats if the job renders part of it (1-based, as in stills)."""
        first, stop = self.beats
        return self.scene_id if (first, stop) == (0, 10**6) else f"{self.scene_id} {first + 1}-{stop}"


def init(queue) -> None:
    """Pool initializer: Ctrl-C is handled by the parent (which terminates us)."""
    global _queue
    _queue = queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from script.voice import VoiceWarning
    warnings.simplefilter("ignore", VoiceWarning)  # the parent has shown them once already
    _hand_large_blocks_back()
    line = manim_ext.install()
    _speedups["line"] = "" if manim_ext.all_on() else line


def _hand_large_blocks_back() -> None:
    """Fix glibc's mmap threshold (see MMAP_THRESHOLD); nothing on other C libraries."""
    import ctypes
    import ctypes.util

    m_arena_max, m_mmap_threshold = -8, -3   # mallopt parameters, malloc.h
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)
        libc.mallopt(m_arena_max, MALLOC_ARENAS)
    except (OSError, AttributeError):
        pass


def run(job: Job) -> dict:
    """Render `job`; returns what it made (paths relative to job.work)."""
    from scenes import registry

    work = Path(job.work)
    registry.SCENES.update(job.registry)
    scene_class = registry.scene_class(job.scene_id)
    context = dataclasses.replace(job.context, stills_dir=work / "stills")
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    with _manim_config(job, work):
        scene = scene_class(context=context, skip_animations=job.kind == "stills")
        recorder = None
        if job.kind == "video":
            recorder = scene.beat_recorder = segments.BeatRecorder(job.segment_base, *job.beats)
        scene.on_frames = lambda count: _report(job.index, recorder.drawn(scene) if recorder else count)
        scene.render()
    frames = recorder.frames if recorder else getattr(scene, "frames", 0)
    _report(job.index, frames, force=True)
    made = {"scene": job.scene_id, "seconds": time.perf_counter() - started,
            "cpu_seconds": _cpu_seconds() - cpu_started, "frames": frames}
    if recorder is not None:
        made["segments"] = recorder.made
    if _speedups["line"]:
        made["speedups_off"] = _speedups["line"]   # the render prints it once
    shutil.rmtree(work / "manim", ignore_errors=True)  # Manim's partial movie files
    return made


def _cpu_seconds() -> float:
    """CPU time of this process, all threads (Manim encodes in a thread of its own)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def _manim_config(job: Job, work: Path):
    from manim import tempconfig

    options = {"quality": job.manim_quality, "media_dir": str(work / "manim"),
               "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING",
               "preview": False, "output_file": job.scene_id}
    if job.kind == "stills":
        options.update(format="none")   # no movie, no last-frame PNG (Manim 0.22: write_to_movie is gone)
    options.update(dict(job.manim_options))
    with tempconfig(options):
        yield


# --- progress: frames written (the scene's own frame clock), reported to the parent --------

_last_report = {"at": 0.0}


def _report(index: int, count: int, force: bool = False) -> None:
    now = time.monotonic()
    if _queue is None or (not force and now - _last_report["at"] < PROGRESS_EVERY):
        return
    _last_report["at"] = now
    _queue.put((index, count))
