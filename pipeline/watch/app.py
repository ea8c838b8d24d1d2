"""`nanogpt-video watch`: the session, the warm renderer, the preview server and the file watcher
put together, and taken down cleanly on Ctrl-C."""
from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import click
from rich.console import Console

from common.files import fresh_folder
from scenes.registry import SCENES

from ..options import Settings, check_media_dir, media_dir
from . import warm
from .server import HOST, Events, PreviewServer, install_page
from .session import Session, prune_clips, remove
from .snapshot import Store

DEBOUNCE_MS = 50   # a save is seen this long after the editor's last write (watchfiles)


def watched(lang: str) -> tuple[dict[Path, str], list[Path]]:
    """The author's files (path -> what it is: narration, words, lexicon) and the folders to
    watch for them and for the recordings."""
    from script.languages import narration_dir, words_path
    from script.narration import narration_path
    from script.spoken import lexicon_path
    from script.voice import recordings_dir

    files = {narration_path(lang).resolve(): "narration", words_path(lang).resolve(): "words",
             lexicon_path(lang).resolve(): "lexicon"}
    folders = {narration_dir().resolve()}
    recordings = (recordings_dir() / lang).resolve()
    folders.add(recordings if recordings.is_dir() else recordings.parent)
    return files, sorted(f for f in folders if f.is_dir())


def kinds_of(changes, files: dict[Path, str], recordings: Path) -> set[str]:
    """What kinds of the author's files a batch of watchfiles changes touches."""
    kinds = set()
    for _, path in changes:
        path = Path(path).resolve()
        if path in files:
            kinds.add(files[path])
        elif path.is_relative_to(recordings) and not path.name.startswith("."):
            kinds.add("recordings")
    return kinds


def watch(settings: Settings, scene_ids, port: int, console: Console,
          manim_options: tuple = ()) -> None:
    """Run until Ctrl-C (or SIGTERM)."""
    import logging

    import watchfiles
    from script.voice import recordings_dir

    from ..render import _quiet_resource_tracker

    logging.getLogger("watchfiles").setLevel(logging.WARNING)   # its "N changes detected"
    _quiet_resource_tracker()   # the render children leave tqdm's lock to the tracker

    media = check_media_dir().resolve()
    work = fresh_folder(media / "cache", ".watch-")            # snapshots and render files
    clips = media / "watch" / settings.name / "clips"
    stop = threading.Event()
    events = Events()
    renderer = server = session = None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            server = PreviewServer(port, media, None, events)   # the port is ours before any work
        except OSError as err:
            raise click.ClickException(f"cannot serve the preview on {HOST}:{port}: {err.strerror}; "
                                       "choose another port with --port (make watch PORT=...)") from None
        renderer = warm.WarmRenderer(warm.Setup(settings.quality.manim, manim_options, dict(SCENES),
                                                str(work / "snapshots"), str(work / "render")), scene_ids)
        session = Session(settings, scene_ids, renderer, Store(work / "snapshots"), clips,
                          on_change=lambda event: _tell(console, events, event))
        install_page(media)
        server.session = session
        files, folders = watched(settings.lang)
        console.print(f"watching {', '.join(str(f) for f in folders)}; the first render draws what the "
                      f"store lacks ({len(scene_ids)} scene{'s' if len(scene_ids) != 1 else ''})")
        session.update(announce=False)
        if session.context is not None:
            started = time.perf_counter()
            for future in session.layout():   # every beat's start kept; missing beats drawn
                report = future.result()
                if report.get("error"):
                    console.print(f"[red]layout failed:[/] {report['error']}", markup=True, highlight=False)
            session.update(announce=False)   # the rows, now that every beat is in the store
            session.voices.warm_up(next(iter(session.beats.values())).caption if session.beats else "")
            console.print(f"ready in {time.perf_counter() - started:.1f} s", highlight=False)
        server.start()
        print(f"preview: {server.url}", flush=True)
        threading.Thread(target=session.make_all_clips, args=(stop,), daemon=True).start()
        recordings = (recordings_dir() / settings.lang).resolve()
        for changes in watchfiles.watch(*folders, debounce=DEBOUNCE_MS, step=20, stop_event=stop,
                                        raise_interrupt=True, rust_timeout=500, yield_on_timeout=False):
            kinds = kinds_of(changes, files, recordings)
            if kinds:
                _safely(session, kinds, console)
    except KeyboardInterrupt:
        console.print("\nstopping")
    finally:
        stop.set()
        signal.signal(signal.SIGTERM, previous)
        events.close()
        if server is not None:
            if server.serving:
                server.shutdown()
            server.server_close()
        if session is not None:
            renderer = session.renderer   # (a new one, if the first stopped)
        if renderer is not None:
            renderer.close()
        if session is not None:
            session.close()
            prune_clips(clips, {Path(b["clip"]).name for b in session.rows() if b["clip"]})
        remove(work)
        console.print("watch stopped: the render and voice processes are gone, every file written is complete")


def _safely(session: Session, kinds: set[str], console: Console) -> None:
    """session.update(); a bug of ours is one line (its traceback in a log), not the end."""
    import traceback

    from common.files import atomic_write

    try:
        session.update(reread=kinds)
    except Exception as err:
        log = media_dir() / "cache" / "logs" / "watch.log"
        try:
            atomic_write(log, traceback.format_exc())
        except OSError:
            log = "none written"
        console.print(f"[red]error:[/] the update failed: {type(err).__name__}: {err} (details: {log}); "
                      "watching on", highlight=False)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _tell(console: Console, events: Events, event: dict) -> None:
    """An update, in the terminal (one line each) and on the page."""
    kind = event.get("type")
    if kind == "problems":
        for line in event["errors"]:
            console.print(f"[red]error:[/] {line}", highlight=False, soft_wrap=True)
        for line in event["warnings"]:
            console.print(f"[yellow]warning:[/] {line}", highlight=False, soft_wrap=True)
    elif kind == "beats":
        parts = ", ".join(f"{name} {seconds:.2f}" for name, seconds in event.get("timings", {}).items())
        console.print(f"updated {', '.join(event['changed'])} in {event['seconds']:.2f} s ({parts})",
                      highlight=False)
    events.publish(event)
