"""The warm renderer: one process set up as a render process (the speed-ups installed, Manim and
the scenes imported) that draws beats on request, from snapshots of the scenes (snapshot.py).

Each request runs in a child forked from it, so the warm process itself never plays a scene:
it stays as it was after its imports (shared copy-on-write with the children), and a scene bug
or a crash ends one request, not the watcher.

    render  draw beats of a scene from `first` on, as a render job would (pipeline/worker.py,
            pipeline/segments.py BeatRecorder): from the snapshot of the latest beat at or before
            `first` whose picture is the one the store's chain says, else from the scene's start.
            Segments and stills go to the beat store, exactly as `make video` would write them.
    layout  play a whole scene and snapshot each beat's start, drawing only the beats missing
            from the store (at most MAX_CHILDREN at once, after the renders waiting).
    arm     what a render will need, made ready while the main process voices the edited
            line: a child restores the snapshot of the edit's first beat and waits; the render
            request that follows for the same beat and picture goes to it (any other cancels it).

The main process talks to it through WarmRenderer: submit() returns a Future of the child's
report (a dict; "error" set when the scene raised).
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import itertools
import multiprocessing
import os
import signal
import threading
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from .. import segments, worker
from . import snapshot


MAX_CHILDREN = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2)
# A render's first beat (the edited one) drawn by two children at once, each half its plays:
# at 1080p60 a beat is ~580 frames of one core's drawing. NANOGPT_WATCH_HALVES=0 turns it off.
HALVES = MAX_CHILDREN >= 2 and os.environ.get("NANOGPT_WATCH_HALVES", "1") != "0"


@dataclass(frozen=True)
class Request:
    kind: str                 # render | layout | arm (a render's snapshot restored ahead)
    scene_id: str
    context: object           # scenes.context.SceneContext of this render
    base: str                 # the scene's segment base (pipeline/cache.py segment_base)
    first: int = 0            # render: the first beat to draw (the first not in the store)
    pictures: tuple = ()      # render: the picture beats 0..first start from, by the store (None: unknown)


@dataclass(frozen=True)
class Setup:
    """What every request shares: where things go and how Manim renders."""
    manim_quality: str        # Manim's quality preset (Quality.manim)
    manim_options: tuple      # more Manim config (tests: a tiny frame)
    registry: dict            # scenes.registry.SCENES of the parent (tests point sections elsewhere)
    snapshots: str            # snapshot.Store folder
    work: str                 # where render children keep their files while they run


class WarmRenderer:
    """The main process's handle on the warm process."""

    def __init__(self, setup: Setup, scene_ids):
        self.setup, self.scene_ids = setup, tuple(scene_ids)
        context = multiprocessing.get_context("spawn")   # a fresh Manim, as the render pool's
        self._conn, child_end = context.Pipe()
        self.process = context.Process(target=serve, args=(child_end, setup, tuple(scene_ids)),
                                       name="nanogpt-watch-render", daemon=True)
        self.process.start()
        child_end.close()
        self._futures: dict[int, Future] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def alive(self) -> bool:
        return self.process.is_alive()

    def restarted(self) -> "WarmRenderer":
        """A new warm process in place of this one (which stopped: a crash, or killed)."""
        self.close(timeout=1.0)
        return WarmRenderer(self.setup, self.scene_ids)

    def submit(self, request: Request) -> Future:
        future: Future = Future()
        with self._lock:
            number = next(self._ids)
            self._futures[number] = future
            self._conn.send((number, request))
        return future

    def _read(self) -> None:
        while True:
            try:
                number, report = self._conn.recv()
            except (EOFError, OSError):
                break
            future = self._futures.pop(number, None)
            if future is not None:
                future.set_result(report)
        for future in self._futures.values():   # the warm process is gone
            future.set_result({"error": "the render process stopped"})
        self._futures.clear()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the warm process and every child it has running."""
        try:
            with self._lock:
                self._conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self._conn.close()


# ---- the warm process -----------------------------------------------------------------------

def serve(conn, setup: Setup, scene_ids) -> None:
    """The warm process: imports, then forks a child per request until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the main process's to handle
    worker.init(None)
    from scenes import registry

    registry.SCENES.update(setup.registry)
    for scene_id in scene_ids:   # imported once here: every child has them
        resumable(registry.scene_class(scene_id))
    running: dict = {}            # reader connection -> (request number, kind)
    armed: dict = {}              # (scene, base, first, picture) -> (control connection, reader)
    waiting = {"render": collections.deque(), "layout": collections.deque()}
    while True:
        for ready in wait([conn, *running]):
            if ready is conn:
                try:
                    message = conn.recv()
                except EOFError:
                    message = None
                if message is None:
                    for children in armed.values():
                        for control, reader in children:
                            control.send(None)
                            running[reader] = (None, "arm")
                    _stop_children(running)
                    return
                number, request = message
                if request.kind == "arm":
                    _disarm(armed, running, request.scene_id)
                    armed[_arm_key(request)] = _fork_render(setup, request, armed=True)
                    conn.send((number, {"armed": True}))
                else:
                    waiting[request.kind].append(message)
            else:
                number, _ = running.pop(ready)
                report = _collect(ready)
                if number is not None:
                    conn.send((number, report))
        while waiting["render"]:   # a render starts at once: the author waits for it
            number, request = waiting["render"].popleft()
            children = armed.pop(_arm_key(request), None)
            _disarm(armed, running, request.scene_id)
            if children is not None:   # restored while the line was voiced: go
                for control, _ in children:
                    control.send(request)
                    control.close()
            else:
                children = _fork_render(setup, request)
            for _, reader in children[:-1]:
                running[reader] = (None, "half")   # its files (or its error) go to the last one
            running[children[-1][1]] = (number, request.kind)
        while waiting["layout"] and len(running) < MAX_CHILDREN:
            number, request = waiting["layout"].popleft()
            running[_fork(setup, request)] = (number, request.kind)


def _arm_key(request: Request) -> tuple:
    first = request.first
    picture = request.pictures[first] if first < len(request.pictures) else None
    return request.scene_id, request.base, first, picture


def _disarm(armed: dict, running: dict, scene_id: str) -> None:
    """Cancel the children armed for `scene_id` (their edit went another way)."""
    for key in [k for k in armed if k[0] == scene_id]:
        for control, reader in armed.pop(key):
            try:
                control.send(None)
            except OSError:
                pass
            control.close()
            running[reader] = (None, "arm")


@dataclass
class Half:
    """Which half of a render's first beat a child draws (the plays that start in it), and its
    end of the pipe between the two: the first half's child sends its partial movie files
    (or its error), the second's joins them before its own into the beat's segment."""
    index: int          # 0: the first half, 1: the second
    mine: object        # this child's end of the pipe
    other: object       # the other child's end (closed in this child)


def _fork_render(setup: Setup, request: Request, armed: bool = False) -> list[tuple]:
    """A render's children as [(control or None, report reader)]: two, each drawing half of the
    first beat, when the machine has the cores (HALVES), else one."""
    if not HALVES:
        return [_forked(setup, request, armed)]
    receive, send = multiprocessing.Pipe(duplex=False)
    children = [_forked(setup, request, armed, Half(0, send, receive)),
                _forked(setup, request, armed, Half(1, receive, send))]
    send.close()
    receive.close()
    return children


def _forked(setup: Setup, request: Request, armed: bool, half: Half | None = None) -> tuple:
    made = _fork(setup, request, armed, half)
    return made if armed else (None, made)


def _fork(setup: Setup, request: Request, armed: bool = False, half: Half | None = None):
    """Run `request` in a child; returns the connection its report comes on (armed: and the
    connection the child waits on for the render request it is to run)."""
    reader, writer = multiprocessing.Pipe(duplex=False)
    child_control, control = multiprocessing.Pipe(duplex=False) if armed else (None, None)
    pid = os.fork()
    if pid == 0:   # the child: run, report, leave without any of the parent's cleanup
        code = 0
        try:
            reader.close()
            if half is not None:
                half.other.close()
            writer.send(_run(setup, request, child_control.recv if armed else None, half))
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    writer.close()
    reader.pid = pid
    if armed:
        child_control.close()
        return control, reader
    return reader


def _collect(reader) -> dict:
    try:
        report = reader.recv()
    except (EOFError, OSError):
        report = {"error": "the render child ended without a report (killed or crashed)"}
    reader.close()
    os.waitpid(reader.pid, 0)
    return report


def _stop_children(running: dict) -> None:
    for reader in running:
        try:
            os.kill(reader.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for reader in running:
        os.waitpid(reader.pid, 0)
        reader.close()


# ---- in a child -------------------------------------------------------------------------------

def _run(setup: Setup, request: Request, go=None, half: Half | None = None) -> dict:
    """Play the scene for `request`; a scene error is reported, with the beat it happened in.
    Armed (`go` given): restore the snapshot for `request` (the edit's beat, with the context
    before the edit), then wait for go() to hand over the render request (None: cancelled)."""
    from scenes import registry

    signal.signal(signal.SIGTERM, lambda *_: os._exit(1))
    started = asked = time.perf_counter()
    cpu_asked = worker._cpu_seconds()   # a forked child's counts start at 0
    store = snapshot.Store(Path(setup.snapshots))
    work = Path(setup.work) / f"{request.kind}-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    context = dataclasses.replace(request.context, stills_dir=work / "stills")
    job = worker.Job(0, "video", request.scene_id, context, setup.manim_quality, str(work), {},
                     manim_options=setup.manim_options)
    scene_class = resumable(registry.scene_class(request.scene_id))
    scene = None
    renderer = None
    try:
        with worker._manim_config(job, work):   # the render jobs' own config
            renderer = HalfRenderer(half, request.first) if half is not None else None   # (its camera reads the config)
            scene = scene_class(context=context, renderer=renderer)
            if request.kind == "layout":
                scene.beat_recorder = LayoutRecorder(request.base, 0, 10**6)
                scene.snapshot_at = lambda index: _keep(scene, store, request, index)
            else:
                scene.resume_at, scene.resume_data = _resume_point(store, request)
                if go is not None:
                    scene.resume_state = snapshot.load(scene, scene.resume_data) if scene.resume_data else None
                    request = go()
                    if request is None:
                        return {"cancelled": True}
                    asked, cpu_asked = time.perf_counter(), worker._cpu_seconds()
                    context = dataclasses.replace(request.context, stills_dir=work / "stills")
                    scene.context = context
                recorder_class = FirstHalfRecorder if half is not None and half.index == 0 else segments.BeatRecorder
                scene.beat_recorder = recorder_class(request.base, request.first, 10**6)
            scene.render()
            if half is not None and half.index == 0:
                renderer.hand_over(getattr(scene.beat_recorder, "parts", []), Path(setup.work))
    except Exception as err:
        if half is not None and half.index == 0:
            with contextlib.suppress(OSError):
                half.mine.send({"error": _one_line(err)})
        index = getattr(scene, "playing", None)
        return {"error": _one_line(err), "beat": index, "seconds": time.perf_counter() - started,
                "details": traceback.format_exc()}
    finally:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    recorder = scene.beat_recorder
    return {"segments": list(getattr(recorder, "made", [])), "frames": recorder.frames,
            "resumed_at": scene.resume_at, "restore_seconds": scene.restore_seconds,
            "unsaid": list(scene.unsaid),
            "seconds": time.perf_counter() - started,
            "drawing": time.perf_counter() - asked,               # from the request to the end
            "drawing_cpu": worker._cpu_seconds() - cpu_asked,     # ... in CPU-s, all threads
            "first_half_files": getattr(renderer, "_received", None)}   # halves: the other child's


def _resume_point(store: snapshot.Store, request: Request) -> tuple[int, bytes | None]:
    """The latest beat at or before `first` with a snapshot of the picture it starts from."""
    for index in range(min(request.first, len(request.pictures) - 1), -1, -1):
        picture = request.pictures[index]
        data = store.read(request.scene_id, request.base, index, picture) if picture else None
        if data is not None:
            return index, data
    return 0, None


def _keep(scene, store: snapshot.Store, request: Request, index: int) -> None:
    picture = segments.scene_picture(scene)
    if not store.has(request.scene_id, request.base, index, picture):
        store.write(request.scene_id, request.base, index, picture, snapshot.dump(scene))


class FirstHalfRecorder(segments.BeatRecorder):
    """The first half's child: the render's first beat only, its files kept for the other child
    (which saves the still and the segment), and nothing after it."""
    parts: list = []

    def begin(self, scene, index: int, line) -> bool:
        from manim.utils.exceptions import EndSceneEarlyException

        if index > self.first:
            raise EndSceneEarlyException()
        super().begin(scene, index, line)
        return False   # no still: the second half's child saves it

    def end(self, scene, index: int, still) -> None:
        if index == self.first and not scene.renderer.skipping:
            self.parts = scene.renderer.take_partial_files()


def _half_renderer_class():
    from pipeline.manim_ext.renderer import NanoRenderer

    class HalfRenderer(NanoRenderer):
        """NanoRenderer drawing, in beat `beat`, only the plays that start in its half of the
        beat (by the scene's frame clock); the other plays go to their end state undrawn, as a
        skipped beat's do. skipping (whether the beat is drawn) stays the beat recorder's."""

        def __init__(self, half: Half, beat: int, **kwargs):
            self.half, self.beat = half, beat
            self._beat_skipped = False
            self._received = None   # how many files the first half sent (None: not yet)
            super().__init__(**kwargs)

        def skip(self, flag: bool = True) -> None:
            self._beat_skipped = bool(flag)
            super().skip(flag)

        @property
        def skipping(self) -> bool:
            return self._beat_skipped

        def play(self, scene, *args, **kwargs) -> None:
            if getattr(scene, "playing", None) == self.beat and not self._beat_skipped:
                start = scene.frames - scene.beat_start
                first_half = start < round(scene.line.duration * scene.fps / 2)
                self._original_skipping_status = first_half != (self.half.index == 0)
            try:
                super().play(scene, *args, **kwargs)
            finally:
                self._original_skipping_status = self._beat_skipped

        def take_partial_files(self) -> list[Path]:
            """The second half's child: the first half's files before its own (once)."""
            own = super().take_partial_files()
            if self.half.index == 0 or self._received is not None:
                return own
            self._received = 0
            try:
                sent = self.half.mine.recv()
            except EOFError:
                raise RuntimeError("the child drawing the beat's first half ended without its files") from None
            if "error" in sent:
                raise RuntimeError(f"the beat's first half: {sent['error']}")
            self._received = len(sent["parts"])
            return [Path(p) for p in sent["parts"]] + own

        def hand_over(self, parts: list[Path], work: Path) -> None:
            """The first half's child: its files moved out of its work folder, then sent."""
            folder = work / f"half-{os.getpid()}"
            folder.mkdir(parents=True, exist_ok=True)
            moved = []
            for part in parts:
                moved.append(folder / part.name)
                os.replace(part, moved[-1])
            self.half.mine.send({"parts": [str(p) for p in moved]})

    return HalfRenderer


def HalfRenderer(half: Half, beat: int):
    """A renderer for one half of a render's first beat (Manim imported only in the children)."""
    return _half_renderer_class()(half, beat)


class LayoutRecorder(segments.BeatRecorder):
    """The whole scene: the beats missing from the store drawn, the others skipped, and none
    left out (a render job stops once the rest of its beats are in the store)."""
    rest_known = False

    def begin(self, scene, index: int, line) -> bool:
        from manim.utils.exceptions import EndSceneEarlyException

        if not self.rest_known:
            try:
                return super().begin(scene, index, line)
            except EndSceneEarlyException:
                self.rest_known = True
        scene.renderer.skip(True)
        return False


_resumable: dict[type, type] = {}


def resumable(scene_class: type) -> type:
    """`scene_class` able to start at a beat from a snapshot, and to snapshot each beat's start."""
    if scene_class not in _resumable:
        _resumable[scene_class] = type(scene_class.__name__, (Resumable, scene_class),
                                       {"__module__": scene_class.__module__})
    return _resumable[scene_class]


class Resumable:
    """Mixin before a NanoScene: NanoScene.construct plays every beat through
    play_recorded_beat; the beats before `resume_at` are already in the restored state."""
    resume_at = 0
    resume_data: bytes | None = None
    resume_state: dict | None = None   # resume_data loaded ahead
    snapshot_at = None     # called with the beat index at each beat's start
    playing = None         # the beat being played (for error reports)
    restore_seconds = 0.0

    def prepare(self) -> None:
        if self.resume_data is None:
            super().prepare()

    def play_recorded_beat(self, index: int, line, method) -> None:
        if index < self.resume_at:
            return
        self.playing = index
        if index == self.resume_at and self.resume_data is not None:
            started = time.perf_counter()
            if self.resume_state is not None:   # loaded ahead (an armed child)
                snapshot.apply(self, self.resume_state)
            else:
                snapshot.restore(self, self.resume_data)
            self.restore_seconds = time.perf_counter() - started
            self.frames = round(line.start * self.fps)   # the beats before may have changed length
        if self.snapshot_at is not None:
            self.snapshot_at(index)
        super().play_recorded_beat(index, line, method)


def _one_line(err: Exception) -> str:
    summary = getattr(err, "summary", None)
    text = summary() if callable(summary) else str(err)
    return f"{type(err).__name__}: {(text.strip().splitlines() or [''])[0]}"
