"""The products: the video, one scene (video + stills), the slide deck, the handout, the stills.

Each one: the narration voiced and timed for the settings (script.voice.narrate), the scenes
rendered (pipeline/render.py, cached), then put together. The deck and the handout are made
of the video's own beat segments (pipeline/deck.py): after `make video`, nothing is drawn.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
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
from .deck import Deck, build_deck, missing_segments, write_clips
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
    _say_beats_drawn(rendered, context.timeline, console)
    out = out or media_dir() / f"{settings.name}.mp4"
    out.parent.mkdir(parents=True, exist_ok=True)
    cover = Cover(language(settings.lang).title,
                  f"{context.run.input_letters} → {context.run.output_letters}",
                  language(settings.lang).font)
    stamp = _assembly_stamp(rendered, voice, scene_ids, title(settings), cover, settings.subs)
    stamp_file = media_dir() / "cache" / "final" / f"{out.name}.stamp"
    with publishing(out):  # a run that waited here finds the other's file up to date
        if _fresh(assembled_outputs(out), stamp_file, stamp, console):
            return out, rendered
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


def make_slides(settings: Settings, scene_ids, jobs=None, console=None, audio: bool = True) -> list[Path]:
    """The deck, one slide per narration line, from the video's beat segments:
    media/slides/<name>.html (+ <name>_assets/: the clips and reveal.js) and <name>.pptx.
    `audio`: each clip speaks its line (else the deck is silent)."""
    from .deck_html import page          # (here: python-pptx and lxml take a moment to import,
    from .deck_pptx import write_pptx    # and only a deck needs them)

    console = console or Console(stderr=True)
    the_deck = _deck(settings, scene_ids, jobs, console)
    folder = media_dir() / "slides"
    stem = _stem(settings, scene_ids)
    html, pptx, assets = folder / f"{stem}.html", folder / f"{stem}.pptx", folder / f"{stem}_assets"
    stamp = the_deck.digest(_code("deck.py", "deck_html.py", "deck_pptx.py", "revealjs.py"),
                            "voiced" if audio else "silent")
    with publishing(folder / stem):   # a run that waited here finds the other's deck up to date
        if _fresh([html, pptx, assets], _stamp_file(f"{stem}.slides"), stamp, console):
            return [html, pptx]
        work = fresh_folder(folder, f".{stem}.work-")
        try:
            revealjs.install(work)   # first: no deck that would load a missing reveal.js
            clips = write_clips(the_deck, work / "clips", audio)
            with atomic_path(pptx) as tmp:
                write_pptx(the_deck, clips, tmp)
            _swap_in(work, assets)
            atomic_write(html, page(the_deck, clips, assets.name, audio))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        atomic_write(_stamp_file(f"{stem}.slides"), stamp)
    return [html, pptx]


def make_handout(settings: Settings, scene_ids, jobs=None, console=None) -> Path:
    """A printable A4 PDF of every beat's end picture with its caption, chapter by chapter,
    from the video's beat segments: media/handouts/<name>.pdf."""
    from .handout import write_handout

    console = console or Console(stderr=True)
    the_deck = _deck(settings, scene_ids, jobs, console)
    stem = _stem(settings, scene_ids)
    out = media_dir() / "handouts" / f"{stem}.pdf"
    stamp = the_deck.digest(_code("deck.py", "handout.py", "pdf_fonts.py"))
    with publishing(out):
        if _fresh([out], _stamp_file(f"{stem}.handout"), stamp, console):
            return out
        with atomic_path(out) as tmp:
            write_handout(the_deck, tmp)
        atomic_write(_stamp_file(f"{stem}.handout"), stamp)
    return out


def _deck(settings: Settings, scene_ids, jobs, console: Console) -> Deck:
    """The deck of the video's beats: the scenes rendered as for `make video` (so after it,
    from the cache: no beat is drawn), their beat segments and stills, the lines' voices."""
    context, voice = narrated(settings, console)
    rendered = render_scenes("video", settings, scene_ids, context, jobs, console=console)
    gone = missing_segments(rendered)   # segments removed by hand: render those scenes again
    if gone:
        for entry in rendered:
            if entry.scene_id in gone:
                shutil.rmtree(entry.folder, ignore_errors=True)
        again = {r.scene_id: r for r in render_scenes("video", settings, gone, context, jobs, console=console)}
        rendered = [again.get(r.scene_id, r) for r in rendered]
    _say_beats_drawn(rendered, context.timeline, console)
    subtitle = f"{context.run.input_letters} → {context.run.output_letters}"
    return build_deck(context, voice, rendered, language(settings.lang).title, subtitle)


def beats_drawn(rendered) -> int:
    """Beats this run drew: those its fresh scene entries record as drawn (cached entries: 0)."""
    return sum(json.loads((r.folder / "manifest.json").read_text()).get("beats_drawn", 0)
               for r in rendered if r.fresh)


def _say_beats_drawn(rendered, timeline, console: Console) -> None:
    """How many beats this run drew, of all the scenes' beats (the rest came from the cache)."""
    total = sum(len(timeline.lines(r.scene_id)) for r in rendered)
    console.print(f"beats drawn: {beats_drawn(rendered)} of {total} (the others from media/cache/segments)")


def _stem(settings: Settings, scene_ids) -> str:
    """<name> for every scene, else <name>-<scene>+<scene>."""
    return settings.name if tuple(scene_ids) == SCENE_IDS else f"{settings.name}-{'+'.join(scene_ids)}"


def _code(*modules: str) -> str:
    """The source of our `modules` (pipeline/), for an output's stamp."""
    return hashlib.sha256(b"".join((Path(__file__).parent / m).read_bytes() for m in modules)).hexdigest()


def _stamp_file(name: str) -> Path:
    return media_dir() / "cache" / "final" / f"{name}.stamp"


def _fresh(outputs: list[Path], stamp_file: Path, stamp: str, console: Console) -> bool:
    """Whether `outputs` are what `stamp` describes (and so need not be written again); if
    not, the old stamp is removed first, so a run stopped halfway is never taken as done."""
    if (stamp_file.is_file() and stamp_file.read_text() == stamp and all(p.exists() for p in outputs)
            and all(p.stat().st_mtime <= stamp_file.stat().st_mtime for p in outputs)):
        console.print(f"{outputs[0].name} is up to date")
        return True
    stamp_file.unlink(missing_ok=True)
    return False


def _swap_in(folder: Path, dest: Path) -> None:
    """`folder` becomes `dest` (the old `dest` removed), by renames (callers hold the lock)."""
    old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
    folder.chmod(0o755)   # (a fresh_folder is the owner's alone)
    if dest.exists():
        os.replace(dest, old)
    os.replace(folder, dest)
    shutil.rmtree(old, ignore_errors=True)


def make_stills(settings: Settings, scene_ids, jobs=None, console=None) -> Path:
    """Beat-end stills of every scene at 1080p: media/stills/<input>-<lang>/<scene>-<nn>-<line>.png."""
    console = console or Console(stderr=True)
    context, _ = narrated(settings, console)
    out = media_dir() / "stills" / f"{settings.input_text}-{settings.lang}{settings.weights_tag}"
    render_stills(settings, scene_ids, context, out, jobs, console, publishing(out))
    return out


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
