"""Render scenes in parallel worker processes, each into its own folder, with a progress display.

A scene already in the cache (pipeline/cache.py) is not rendered again. Each finished scene is
sealed into the cache as soon as it is done, so after Ctrl-C or a crash the next run resumes
from there.
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import multiprocessing
import os
import queue as queue_module
import shutil
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from common.cli import os_error_line
from common.files import atomic_write, fresh_folder
from scenes.context import SceneContext
from scenes.registry import SCENES

from . import cache, segments, worker
from .options import STILLS_QUALITY, Quality, Settings, media_dir


MIN_PIECE_SECONDS = 20.0   # the shortest piece of a scene a render job gets (plan_pieces)


class SceneFailed(RuntimeError):
    """A scene raised while rendering; the message is one line, the traceback is in a log."""


@dataclass
class Rendered:
    scene_id: str
    folder: Path        # the cache entry (or the stills folder)
    fresh: bool         # rendered by this run, not taken from the cache
    seconds: float      # wall time of the render that made it


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def render_scenes(kind: str, settings: Settings, scene_ids, context: SceneContext, jobs: int | None = None,
                  quality: Quality | None = None, console: Console | None = None,
                  meanwhile=None) -> list[Rendered]:
    """Every scene of `scene_ids` rendered as `kind` (video: the one kind; the deck and the
    handout are made of it too): from the cache where it is there, else in worker processes.
    Returns them in the order given. `meanwhile()`, if given, runs in a thread while worker
    processes render (not at all if none has to)."""
    quality, timeline = quality or settings.quality, context.timeline
    context = dataclasses.replace(context, captions_in_picture=cache.captions_in_picture(kind, settings))
    keys = {s: cache.scene_key(kind, s, settings, timeline) for s in scene_ids}
    done = {s: Rendered(s, entry, False, cache.manifest(kind, keys[s]).get("seconds", 0.0))
            for s in scene_ids if (entry := cache.entry(kind, keys[s]))}
    todo = [s for s in scene_ids if s not in done]
    _check_modules(todo)
    _render_videos(todo, settings, context, keys, done, jobs, quality, console, meanwhile)
    return [done[s] for s in scene_ids]


def _render_videos(todo, settings: Settings, context: SceneContext, keys, done, jobs, quality, console,
                   meanwhile=None) -> None:
    """Scene videos made of beat segments. The beats whose segments are in the store (followed
    from the scene's start, pipeline/segments.py `known_chain`) are not rendered; the rest is cut
    into pieces (ranges of beats) so both cores stay busy to the end. A scene is sealed into the
    cache when its last piece is done."""
    timeline = context.timeline
    workers = max(1, jobs or default_jobs())
    bases = {s: cache.segment_base(s, settings, timeline) for s in todo}
    known = {s: segments.known_chain(bases[s], timeline.lines(s)) for s in todo}
    works = {s: cache.work_dir("video", keys[s]) for s in todo}
    results: dict[str, list] = {s: [] for s in todo}   # what each piece job of the scene returned

    def seal(scene_id: str) -> None:
        beats = [(i, key, False) for i, key in enumerate(known[scene_id])]
        beats += [b for made in results[scene_id] for b in made["segments"]]
        made = _join_beats(scene_id, timeline.lines(scene_id), works[scene_id], beats, results[scene_id],
                           quality.fps)
        made["slot"] = cache.slot(scene_id, settings)
        folder = cache.commit("video", keys[scene_id], works[scene_id], made)
        done[scene_id] = Rendered(scene_id, folder, True, made["seconds"])

    for scene_id in todo:
        if len(known[scene_id]) == len(timeline.lines(scene_id)):
            seal(scene_id)   # every beat in the store (e.g. only the line starts moved)
    pending = [s for s in todo if s not in done]
    # A scene rendered before (its start recorded) is one piece from its first changed beat:
    # it stops where the beats after the change are in the store again.
    pieces = plan_pieces(pending, timeline, workers, first={s: len(known[s]) for s in pending},
                         whole={s for s in pending if segments.rendered_before(bases[s])})
    jobs_list, frames = [], {}
    for i, (scene_id, first, stop) in enumerate(pieces):
        job = _job(i, "video", scene_id, quality, works[scene_id] / f"piece-{first:03d}", context,
                   beats=(first, stop), segment_base=bases[scene_id])
        Path(job.work).mkdir()
        jobs_list.append(job)
        frames[i] = round(sum(line.duration for line in timeline.lines(scene_id)[first:stop]) * quality.fps)
    waiting = {s: sum(1 for p in pieces if p[0] == s) for s in pending}

    def piece_done(job, made):
        results[job.scene_id].append(made)
        waiting[job.scene_id] -= 1
        if waiting[job.scene_id] == 0:
            seal(job.scene_id)

    try:
        _run_pool(jobs_list, frames, piece_done, workers, console, len(done), "video", meanwhile)
        drawn = sum(1 for s in todo for made in results[s] for *_, fresh in made["segments"] if fresh)
        total = sum(len(timeline.lines(s)) for s in todo)
        if todo:
            (console or Console(stderr=True)).print(f"video: {drawn} of {total} beats drawn, the rest from the store")
    finally:
        for scene_id in todo:
            if scene_id not in done:
                shutil.rmtree(works[scene_id], ignore_errors=True)   # its segments are cached
        segments.prune(cache.segments_in_use())


def plan_pieces(scene_ids, timeline, workers: int, first: dict | None = None,
                whole=frozenset()) -> list[tuple[str, int, int]]:
    """(scene, first beat, stop beat) pieces of about an equal length of video: a third of
    each worker's share, but at least MIN_PIECE_SECONDS (a piece costs a process start and a
    skip through the beats before it). A scene's pieces start at its `first` beat (default 0);
    the scenes in `whole`, and all of them with one worker, are one piece each."""
    first = first or {}
    total = sum(line.duration for s in scene_ids for line in timeline.lines(s)[first.get(s, 0):])
    target = max(MIN_PIECE_SECONDS, total / (3 * workers)) if workers > 1 else float("inf")
    pieces = []
    for scene_id in scene_ids:
        lines, start = timeline.lines(scene_id), first.get(scene_id, 0)
        cuts, length = [start], 0.0
        for i in range(start, len(lines)):
            length += lines[i].duration
            if length >= target and scene_id not in whole:
                cuts.append(i + 1)
                length = 0.0
        if cuts[-1] == len(lines) or (len(cuts) > 1 and length < target / 2):
            cuts.pop()   # no empty piece at the end, and a short rest joins the piece before
        cuts.append(len(lines))
        pieces += [(scene_id, a, b) for a, b in zip(cuts, cuts[1:])]
    return pieces


def _join_beats(scene_id: str, lines, work: Path, beats: list, jobs: list[dict], fps) -> dict:
    """The scene's video (its beats' segments joined) and stills (from the store) in `work`.
    `beats`: (index, segment key, drawn by this run) of every beat; `jobs`: what each piece
    job returned."""
    beats = sorted({b[0]: b for b in beats}.values())
    if [i for i, *_ in beats] != list(range(len(lines))):
        raise SceneFailed(f"scene {scene_id}: the pieces left beats out "
                          f"(have {[i for i, *_ in beats]}, want {len(lines)})")
    segments.join_videos([segments.segment_path(key) for _, key, _ in beats], work / "scene.mp4", fps)
    stills = work / "stills"
    stills.mkdir(exist_ok=True)
    for (i, key, _), line in zip(beats, lines):
        shutil.copyfile(segments.still_path(key), stills / f"{scene_id}-{i + 1:02d}-{line.id}.png")
        segments.touch(key)
    for piece in work.glob("piece-*"):
        shutil.rmtree(piece, ignore_errors=True)
    return {"scene": scene_id, "video": "scene.mp4",
            "seconds": sum(m["seconds"] for m in jobs), "cpu_seconds": sum(m["cpu_seconds"] for m in jobs),
            "frames": sum(m["frames"] for m in jobs),
            "segments": [key for _, key, _ in beats], "beats_drawn": sum(1 for *_, fresh in beats if fresh)}


def render_stills(settings: Settings, scene_ids, context: SceneContext, out: Path, jobs: int | None = None,
                  console: Console | None = None, lock=contextlib.nullcontext()) -> list[Rendered]:
    """Beat-end stills (animations skipped) of every scene into `out`, replacing old ones
    (under `lock`, so two runs never mix their files)."""
    _check_modules(scene_ids)
    work_root = fresh_folder(out.parent, f".{out.name}.work-")
    jobs_list = []
    for i, scene_id in enumerate(scene_ids):
        (work_root / scene_id).mkdir(parents=True)
        jobs_list.append(_job(i, "stills", scene_id, STILLS_QUALITY, work_root / scene_id, context))
    made_list = []

    def collect(job, made):
        made_list.append(Rendered(job.scene_id, out, True, made["seconds"]))

    try:
        _run_pool(jobs_list, {j.index: 1 for j in jobs_list}, collect, jobs, console, 0, "stills")
        with lock:
            _publish_stills(work_root, out, scene_ids)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    order = {s: i for i, s in enumerate(scene_ids)}
    return sorted(made_list, key=lambda r: order[r.scene_id])


def _publish_stills(work_root: Path, out: Path, scene_ids) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for scene_id in scene_ids:
        for old in out.glob(f"{scene_id}-*.png"):
            old.unlink(missing_ok=True)
        for png in sorted((work_root / scene_id / "stills").glob("*.png")):
            os.replace(png, out / png.name)


def _check_modules(scene_ids) -> None:
    """Fail before any rendering if a scene's module is not there (cheap: nothing imported)."""
    missing = [f"{s} ({SCENES[s][0]})" for s in scene_ids if importlib.util.find_spec(SCENES[s][0]) is None]
    if missing:
        raise SceneFailed(f"scene module missing for {', '.join(missing)}: nothing was rendered")


def _job(index, kind, scene_id, quality, work: Path, context: SceneContext, **more) -> worker.Job:
    return worker.Job(index, kind, scene_id, context, quality.manim, str(work), dict(SCENES), **more)


def _run_pool(jobs_list, frames, on_done, jobs, console, cached: int, kind: str, meanwhile=None) -> None:
    """Run the jobs, longest first, `jobs` at a time; on_done(job, made) as each finishes.
    A failing scene does not stop the others (their work is kept); it is raised at the end.
    `meanwhile()` runs in a thread beside the jobs; the pool's end waits for it."""
    total_scenes = len(jobs_list) + cached
    console = console or Console(stderr=True)
    if not jobs_list:
        console.print(f"{kind}: all {total_scenes} scenes are up to date (cache)")
        return
    beside = threading.Thread(target=meanwhile, daemon=True) if meanwhile else None
    if beside is not None:
        beside.start()
    workers = max(1, min(jobs or default_jobs(), len(jobs_list)))
    context = multiprocessing.get_context("spawn")  # a fresh Manim per process, no forked state
    _quiet_resource_tracker()
    reports = context.Queue()
    failures: list[str] = []
    with _display(console) as progress:
        pool = context.Pool(workers, initializer=worker.init, initargs=(reports,))
        try:
            _drive(pool, reports, jobs_list, frames, on_done, progress, total_scenes, cached, kind, failures)
            pool.close()
        except BaseException:  # Ctrl-C or a crash of ours: stop every render now (finished
            pool.terminate()   # scenes are already sealed in the cache)
            raise
        finally:
            pool.join()
    if beside is not None:
        beside.join()
    if failures:
        raise SceneFailed(failures[0] + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""))


def _drive(pool, reports, jobs_list, frames, on_done, progress, total_scenes, cached, kind, failures) -> None:
    """Submit every job (longest first) and follow them until all are done."""
    scenes_task = progress.add_task(f"{kind} scenes", total=total_scenes, completed=cached, unit="")
    frames_task = progress.add_task("frames", total=sum(frames.values()), unit="")
    order = sorted(jobs_list, key=lambda j: -frames[j.index])
    pending = {job.index: (job, pool.apply_async(worker.run, (job,))) for job in order}
    written, running, said = {}, {}, set()
    while pending:
        _drain(reports, written)
        for index, count in written.items():
            if index in pending and index not in running:
                running[index] = progress.add_task(f"  {pending[index][0].label}", total=frames[index], unit="")
            if index in running:
                progress.update(running[index], completed=min(count, frames[index]))
        for index, (job, result) in list(pending.items()):
            if not result.ready():
                continue
            del pending[index]
            written[index] = frames[index]
            if index in running:
                progress.remove_task(running.pop(index))
            try:
                made = result.get()
                on_done(job, made)
                if (slower := made.get("speedups_off")) and slower not in said:
                    said.add(slower)   # e.g. another Manim version: same pictures, slower
                    progress.console.print(slower, markup=False, highlight=False, soft_wrap=True)
                drawn = made["frames"]
                reused = "" if drawn >= frames[job.index] else f" (of {frames[job.index]}: the rest from the cache)"
                progress.console.print(f"{job.label}: {drawn} frames in {made['seconds']:.0f} s{reused}")
            except Exception as err:  # the scene's own error: keep going, report at the end
                failures.append(_failure(job, err))
                progress.console.print(f"{job.label}: [red]failed[/]")
            progress.advance(scenes_task)
        progress.update(frames_task, completed=sum(min(c, frames[i]) for i, c in written.items()))
        time.sleep(0.1)


def _quiet_resource_tracker() -> None:
    """Workers stopped by Ctrl-C leave locks their libraries made (e.g. tqdm's); multiprocessing's
    resource tracker removes them and warns about it. The removal is the fix; hide the warning
    (the tracker process takes its warning filters from ours when it starts)."""
    quiet = "ignore::UserWarning:multiprocessing.resource_tracker"
    if quiet not in sys.warnoptions:
        sys.warnoptions.append(quiet)


def _drain(reports, written: dict) -> None:
    while True:
        try:
            index, count = reports.get_nowait()
        except queue_module.Empty:
            return
        written[index] = max(count, written.get(index, 0))


def _failure(job, err: Exception) -> str:
    """One line for a scene that raised; its traceback goes to a log (if the disk takes it)."""
    if isinstance(err, OSError) and err.errno is not None:  # a full disk, a read-only folder...
        return f"scene {job.scene_id} failed: {os_error_line(err)}"
    log = media_dir() / "cache" / "logs" / f"{job.scene_id}.log"
    remote = getattr(err, "__cause__", None)  # multiprocessing's RemoteTraceback
    try:
        atomic_write(log, "".join(traceback.format_exception(err)) + (str(remote) if remote else ""))
    except OSError:
        log = "none written: the media folder takes no files"
    message = (str(err).strip().splitlines() or [type(err).__name__])[0]
    return f"scene {job.scene_id} failed: {type(err).__name__}: {message} (details: {log})"


def _display(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[unit]}"), TimeElapsedColumn(), TextColumn("left"),
                    TimeRemainingColumn(), console=console, transient=False)
