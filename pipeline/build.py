"""The four products: the video, one scene (video + stills), the slide deck, the stills.

Each one: the narration voiced and timed for the settings (script.voice.narrate), the scenes
rendered (pipeline/render.py, cached), then put together.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import warnings
from pathlib import Path

import click
from rich.console import Console

from common.files import atomic_path, atomic_write, fresh_folder, locked
from engine import WeightsError, default_run
from scenes.context import SceneContext
from script.languages import language

from . import revealjs
from .assemble import assemble, outputs as assembled_outputs
from .publish import Cover
from .options import SCENE_IDS, Settings, check_media_dir, media_dir
from .render import render_scenes, render_stills
from .voice_track import encode_ahead


def narrated(settings: Settings, console: Console) -> tuple[SceneContext, object]:
    """The scenes' context (the Run, the narration timed to its voice) and the voice per line
    (script.voice.Narrated); a voice or narration problem is one line."""
    from script.narration import NarrationError
    from script.voice import VoiceError, VoiceWarning, narrate

    check_media_dir()  # a folder that cannot take the outputs stops us before any work
    try:
        run = default_run(settings.input_text, weights=settings.weights)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", VoiceWarning)
            result = narrate(run, settings.lang, voice=settings.voice)
    except NarrationError as err:
        raise click.ClickException(err.summary()) from None
    except (VoiceError, WeightsError) as err:
        raise click.ClickException(str(err)) from None
    for warning in caught:
        console.print(f"[yellow]warning:[/] {warning.message}")
    return SceneContext.build(run, result.timeline), result


def title(settings: Settings) -> str:
    return f"{language(settings.lang).title}: {settings.input_text}"


def make_video(settings: Settings, scene_ids, jobs=None, console=None, out: Path | None = None) -> Path:
    """The narrated video of `scene_ids` (all scenes: the whole video) -> media/<name>.mp4."""
    return _video(settings, scene_ids, jobs, console or Console(stderr=True), out)[0]


def make_scene(settings: Settings, scene_id: str, jobs=None, console=None) -> tuple[Path, Path]:
    """One scene as media/scenes/<name>-<scene>.mp4 with its voice and subtitles, and the
    still of every beat's end in media/scenes/<name>-<scene>/."""
    folder = media_dir() / "scenes"
    out = folder / f"{settings.name}-{scene_id}.mp4"
    out, rendered = _video(settings, (scene_id,), jobs, console or Console(stderr=True), out)
    stills = folder / f"{settings.name}-{scene_id}"
    with publishing(stills):
        _replace_folder(rendered[0].folder / "stills", stills)
    return out, stills


def publishing(out: Path):
    """A lock for writing output `out`: two runs making the same output at once (two
    `make scene SCENE=stack`) take turns, so neither sees the other's half-done files."""
    return locked(media_dir() / "cache" / "locks" / f"{out.name}.lock")


def _video(settings: Settings, scene_ids, jobs, console: Console, out: Path | None):
    context, voice = narrated(settings, console)
    rendered = render_scenes("video", settings, scene_ids, context, jobs, console=console,
                             meanwhile=_voice_track_ahead(voice, scene_ids, settings.quality.fps))
    out = out or media_dir() / f"{settings.name}.mp4"
    out.parent.mkdir(parents=True, exist_ok=True)
    cover = Cover(language(settings.lang).title,
                  f"{context.run.input_letters} → {context.run.output_letters}",
                  language(settings.lang).font)
    stamp = _assembly_stamp(rendered, voice, scene_ids, title(settings), cover, settings.subs)
    stamp_file = media_dir() / "cache" / "final" / f"{out.name}.stamp"
    with publishing(out):  # a run that waited here finds the other's file up to date
        if _up_to_date(out, stamp_file, stamp):
            console.print(f"{out.name} is up to date")
            return out, rendered
        stamp_file.unlink(missing_ok=True)
        assemble(out, [r.folder / "scene.mp4" for r in rendered], list(scene_ids), voice.timeline,
                 voice.audio, title(settings), cover, subtitles_shown=not settings.captions_in_picture)
        atomic_write(stamp_file, stamp)
    return out, rendered


def _voice_track_ahead(voice, scene_ids, fps):
    """The sections' voice encoded (pipeline/voice_track.py's cache) while the scenes render,
    for the lengths their videos will have; the assembly then finds it done."""
    def encode():
        with contextlib.suppress(Exception):   # the assembly encodes again and says what failed
            encode_ahead([voice.section_track(section, fps) for section in scene_ids])
    return encode


def _assembly_stamp(rendered, voice, scene_ids, video_title: str, cover, subs: str) -> str:
    """Everything the assembled files depend on: the scene renders (their cache keys), every
    line's voice and timing, the title and thumbnail words, SUBS, and the assembly code."""
    digest = hashlib.sha256()
    for part in [r.folder.name for r in rendered] + [video_title, str(voice.timeline.titles),
                                                     repr(cover), subs]:
        digest.update(part.encode())
    for section in scene_ids:
        for line in voice.timeline.lines(section):
            digest.update(repr(line).encode())
            audio = voice.audio.get(line.id)
            digest.update(audio.raw_data if audio is not None else b"silent")
    for code in ("assemble.py", "build.py", "publish.py"):
        digest.update((Path(__file__).parent / code).read_bytes())
    return digest.hexdigest()


def _up_to_date(out: Path, stamp_file: Path, stamp: str) -> bool:
    outputs = assembled_outputs(out)
    return (stamp_file.is_file() and stamp_file.read_text() == stamp
            and all(p.is_file() for p in outputs)
            and all(p.stat().st_mtime <= stamp_file.stat().st_mtime for p in outputs))


def make_slides(settings: Settings, scene_ids, jobs=None, console=None) -> list[Path]:
    """A deck, one slide step per narration line: media/slides/<name>.html (+ _assets/) and .pptx."""
    from manim_slides.config import PresentationConfig

    console = console or Console(stderr=True)
    context, _ = narrated(settings, console)
    rendered = render_scenes("slides", settings, scene_ids, context, jobs, console=console)
    configs = [PresentationConfig.from_file(next((r.folder / "slides").glob("*.json"))) for r in rendered]
    stem = settings.name if tuple(scene_ids) == SCENE_IDS else f"{settings.name}-{'+'.join(scene_ids)}"
    folder = media_dir() / "slides"
    folder.mkdir(parents=True, exist_ok=True)
    with publishing(folder / stem):  # the converters write <stem>_assets/ in place
        return [_convert(configs, folder / f"{stem}{suffix}") for suffix in (".html", ".pptx")]


def make_stills(settings: Settings, scene_ids, jobs=None, console=None) -> Path:
    """Beat-end stills of every scene at 1080p: media/stills/<input>-<lang>/<scene>-<nn>-<line>.png."""
    console = console or Console(stderr=True)
    context, _ = narrated(settings, console)
    out = media_dir() / "stills" / f"{settings.input_text}-{settings.lang}{settings.weights_tag}"
    render_stills(settings, scene_ids, context, out, jobs, console, publishing(out))
    return out


def _convert(configs, dest: Path) -> Path:
    """manim-slides' converters, written under a temporary name and renamed when complete."""
    from manim_slides.convert import PowerPoint, RevealJS

    if dest.suffix == ".html":  # the videos and reveal.js go to <name>_assets/ beside the page
        assets = f"{dest.stem}_assets"
        revealjs.install(dest.parent / assets)  # first: no deck that would load a missing reveal.js
        converter = RevealJS(presentation_configs=configs, assets_dir=assets,
                             cdn_url=revealjs.base_url(assets))
    else:
        converter = PowerPoint(presentation_configs=configs)
    with atomic_path(dest) as tmp, open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet):
        converter.convert_to(tmp)  # (redirected: its tqdm bars)
    return dest


def _replace_folder(source: Path, dest: Path) -> None:
    """`dest` becomes a copy of `source`: copied beside it under a name of this run's own,
    then swapped in (callers hold the publishing lock)."""
    tmp = fresh_folder(dest.parent, f".{dest.name}.tmp-")
    try:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
