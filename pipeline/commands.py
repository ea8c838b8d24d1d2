"""Pipeline commands of the nanogpt-video CLI: render, scene, slides, handout, stills, watch, doctor."""
from __future__ import annotations

import dataclasses
import functools
import shutil
import sys
import time
from pathlib import Path

import click
from rich.console import Console

from common.cli import input_option

from . import build, options
from .assemble import AssemblyError, outputs as assembled_outputs, recorded_probe
from .render import SceneFailed
from .deck import DeckError
from .pdf_fonts import FontMissing
from .revealjs import RevealMissing

DEFAULT_PORT = 8765   # watch: the preview page's


def settings_options(with_quality: bool = True, with_subs: bool = False):
    """--input --lang [--quality] --voice --jobs --weights [--subs], checked before any work."""
    def decorate(command):
        @input_option()
        @click.option("--lang", default="zh", show_default=True,
                      help="Narration language: zh, en, or any words.<lang>.toml beside the narration.")
        @click.option("--voice", default="auto", show_default=True,
                      help=f"{', '.join(options.VOICES)}: auto takes a recording where there is "
                           "one, else the language's neural voice, else espeak-ng.")
        @click.option("--jobs", "-j", default=None,
                      help="Render processes at once, 1 or more [default: number of cores].")
        @click.option("--weights", default=None, type=click.Path(dir_okay=False),
                      help="A minGPT-compatible .npz checkpoint [default: the shipped weights].")
        @functools.wraps(command)
        def wrapper(input_text, lang, voice, jobs, weights, quality="high", subs="picture", **kwargs):
            settings = options.settings(input_text, lang, quality, voice, weights, subs)
            jobs = options.job_count(jobs)
            return _friendly(command)(settings=settings, jobs=jobs, **kwargs)
        if with_quality:
            wrapper = click.option("--quality", default="high", show_default=True,
                                   help="low = 480p15, medium = 720p30, high = 1080p60, "
                                        "4k = 2160p60.")(wrapper)
        if with_subs:
            wrapper = click.option("--subs", default="picture", show_default=True,
                                   help="picture: captions drawn in the picture (no subtitle "
                                        "track; the .srt/.vtt beside it); track: a clean "
                                        "picture, the subtitle track on by default.")(wrapper)
        return wrapper
    return decorate


def _friendly(command):
    """Known failures as one line (exit 1); Ctrl-C keeps finished scenes for the next run."""
    @functools.wraps(command)
    def run(**kwargs):
        started = time.perf_counter()
        try:
            command(**kwargs)
        except (SceneFailed, AssemblyError, RevealMissing, DeckError, FontMissing) as err:
            raise click.ClickException(str(err)) from None
        except KeyboardInterrupt:
            click.echo("\ninterrupted: finished scenes are kept in media/cache; run the same "
                       "command again to resume", err=True)
            sys.exit(130)
        click.echo(f"done in {time.perf_counter() - started:.1f} s", err=True)
    return run


@click.command()
@settings_options(with_subs=True)
@click.option("--scenes", "scene_list", default="", metavar="ID,ID",
              help="Only these scenes, in narration order (a partial video).")
def render(settings, jobs, scene_list):
    """Render the whole narrated video: media/nanogpt-<input>-<lang>-<quality>.mp4 and beside it
    .srt, .vtt, .chapters.txt (for a video description) and .jpg (a 1280x720 thumbnail)."""
    scene_ids = options.scene_ids([s for s in scene_list.split(",") if s])
    out = build.make_video(settings, scene_ids, jobs,
                           out=None if scene_ids == options.SCENE_IDS else
                           options.media_dir() / f"{settings.name}-{'+'.join(scene_ids)}.mp4")
    _report_outputs(assembled_outputs(out))


@click.command()
@click.argument("scene_id", metavar="SCENE")
@settings_options(with_subs=True)
def scene(scene_id, settings, jobs):
    """Render one SCENE (e.g. attention) with its voice and subtitles, and a still of every beat."""
    if not scene_id:
        raise options.BadValue(f"which scene? give one of: {', '.join(options.SCENE_IDS)} "
                               "(make scene SCENE=attention)")
    options.scene_ids([scene_id])
    out, stills = build.make_scene(settings, scene_id, jobs)
    with build.publishing(stills):   # a concurrent run of the same scene may be swapping the stills in
        _report_outputs(assembled_outputs(out) + [stills])


DECK_AUDIO = ("on", "off")   # a deck whose slides speak their lines, or a silent one


@click.command()
@click.argument("scene_list", nargs=-1, metavar="[SCENE]...")
@settings_options(with_subs=True)
@click.option("--audio", default="on", show_default=True,
              help="on: each slide's clip speaks its line; off: a silent deck.")
def slides(scene_list, settings, jobs, audio):
    """A slide deck (HTML and PPTX), one slide per narration line with its voice and its
    caption as speaker notes, of every scene or the SCENEs: media/slides/<name>.html and
    .pptx. Made of the video's beats: after `render` with the same settings, nothing is drawn."""
    audio = options.choose("--audio value", audio, DECK_AUDIO) == "on"
    scene_ids = options.scene_ids(scene_list)
    _report_outputs(build.make_slides(settings, scene_ids, jobs, audio=audio))


@click.command()
@click.argument("scene_list", nargs=-1, metavar="[SCENE]...")
@settings_options(with_subs=True)
def handout(scene_list, settings, jobs):
    """A printable A4 PDF of every beat's end picture with its caption, chapter by chapter,
    of every scene or the SCENEs: media/handouts/<name>.pdf. Made of the video's beats: after
    `render` with the same settings, nothing is drawn."""
    _report_outputs([build.make_handout(settings, options.scene_ids(scene_list), jobs)])


@click.command()
@click.argument("scene_list", nargs=-1, metavar="[SCENE]...")
@settings_options(with_quality=False)
def stills(scene_list, settings, jobs):
    """A 1080p PNG of every beat's end, of every scene or the SCENEs: media/stills/<input>-<lang>/."""
    out = build.make_stills(settings, options.scene_ids(scene_list), jobs)
    click.echo(f"{len(list(out.glob('*.png')))} stills in {out}")


@click.command()
@click.option("--quality", default="low", show_default=True,
              help="low = 480p15, medium = 720p30, high = 1080p60, 4k = 2160p60.")
@click.option("--scene", "scene_id", default="", metavar="ID", help="Only this chapter [default: all].")
@click.option("--port", default=str(DEFAULT_PORT), show_default=True,
              help="The preview page's port on 127.0.0.1 (0: any free one).")
@click.option("--frame", default="", hidden=True, help="WxH: a smaller frame (tests).")
@settings_options(with_quality=False)
def watch(settings, jobs, scene_id, port, frame):
    """Author mode: keep everything warm, watch the narration, words, lexicon and recordings,
    and on a save voice and draw only what changed; the preview page plays the changed beat."""
    from .watch.app import watch as run

    scene_ids = options.scene_ids([scene_id] if scene_id else [])
    settings, manim_options = _framed(settings, frame)
    run(settings, scene_ids, _port(port), Console(stderr=True), manim_options)



def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise options.BadValue(f"--port {text!r} is not a port; allowed: 0 (any free one) to 65535")
    return port


def _framed(settings, frame: str):
    """Settings for a smaller frame (`WxH`), under a quality of that height so its beats never
    mix with the full-size ones in the store; and the Manim options that draw it."""
    if not frame:
        return settings, ()
    try:
        width, height = (int(v) for v in frame.lower().split("x"))
    except ValueError:
        raise options.BadValue(f"--frame {frame!r}: give WxH, e.g. 160x90") from None
    quality = dataclasses.replace(settings.quality, height=height)
    return (dataclasses.replace(settings, quality=quality),
            (("pixel_width", width), ("pixel_height", height), ("frame_rate", quality.fps)))


@click.command()
def doctor():
    """Check what rendering needs (Debian packages, CJK font, espeak-ng Mandarin, Python packages)."""
    from .doctor import run_checks
    sys.exit(0 if run_checks(Console()) else 1)


def _report_outputs(paths) -> None:
    """What was written, one line each: path, size, and length (of a video, the subtitles,
    the chapters, a picture, a deck or a folder)."""
    from rich.table import Table

    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for column, justify in (("written", "left"), ("size", "right"), ("length", "right")):
        table.add_column(column, justify=justify, no_wrap=True)
    found = [path for path in map(Path, paths) if path.exists()]
    for path in found:
        table.add_row(str(path), _size(path), _length(path))
    longest = max((len(str(path)) for path in found), default=0)  # a path is never cut
    Console(width=max(shutil.get_terminal_size().columns, longest + 32)).print(table)


def _size(path: Path) -> str:
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def _length(path: Path) -> str:
    from .publish import clock

    try:
        if path.is_dir():
            return f"{sum(1 for p in path.iterdir() if p.is_file())} files"
        if path.suffix == ".mp4":
            seconds = recorded_probe(path).seconds
            return f"{clock(seconds)} ({seconds:.1f} s)"
        if path.suffix in (".srt", ".vtt"):
            text = path.read_text(encoding="utf-8")
            return f"{text.count(' --> ')} cues"
        if path.name.endswith(".chapters.txt"):
            count = len(path.read_text(encoding="utf-8").splitlines())
            return f"{count} chapter{'s' if count != 1 else ''}"
        if path.suffix in (".jpg", ".png"):
            from PIL import Image
            with Image.open(path) as image:
                return f"{image.width}x{image.height}"
        if path.suffix == ".html":   # a chapter is a <section> of its lines' <section>s
            html = path.read_text(encoding="utf-8")
            return f"{html.count('<section') - html.count('<section data-chapter=')} slides"
        if path.suffix == ".pptx":
            from pptx import Presentation
            return f"{len(Presentation(str(path)).slides)} slides"
        if path.suffix == ".pdf":
            from pypdf import PdfReader
            count = len(PdfReader(path).pages)
            return f"{count} page{'s' if count != 1 else ''}"
    except Exception:  # a length is a courtesy: never fail a finished render over it
        return ""
    return ""


COMMANDS = [render, scene, slides, handout, stills, watch, doctor]
