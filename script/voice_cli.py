"""`nanogpt-video voice ...`: a recording script for a narrator, a check of the recordings,
and the voice track on its own to listen to."""
from __future__ import annotations

import textwrap
from pathlib import Path

import click

from engine import InputError, default_run

from common.cli import BadValue, lang_option

from .voice.audio import write_wav
from .voice import VOICES, VoiceError, check_recordings, durations, recording_script, recordings_dir

OTHER_INPUTS = ("ABCABC", "CCBBAA", "BACCAB")  # to spot lines whose text follows the input


input_option = click.option("--input", "input_text", default="CBABBC", show_default=True,
                            help="The input whose numbers the captions quote.")
recordings_option = click.option("--recordings", "recordings", type=click.Path(file_okay=False),
                                 default=None, help="Folder of <lang>/<line-id>.wav files "
                                 "[default: $NANOGPT_RECORDINGS_DIR or script/voice]")


@click.group("voice")
def voice_group():
    """Voice-over: recording scripts for a narrator, recording checks, the voice track."""


@voice_group.command("script")
@lang_option()
@input_option
@recordings_option
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True,
              help="Markdown file to write.")
def script_command(lang, input_text, recordings, out_path):
    """Write what a narrator reads aloud: each line id, its file name and its text."""
    from .timeline import build_timeline

    narration, run = _narration(lang), _run(input_text)
    text = recording_script(build_timeline(narration, run), recordings, run.input_letters,
                            varying=_varying_lines(narration, run))
    Path(out_path).write_text(text + "\n", encoding="utf-8")
    click.echo(f"wrote {out_path}: {len(narration.ids())} lines to record into "
               f"{recordings_dir(recordings) / lang}")


@voice_group.command("check")
@lang_option()
@recordings_option
def check_command(lang, recordings):
    """List recordings missing, extra (no such line id) and unreadable; exit 1 on extra or unreadable."""
    from .fill import filled_lines

    narration = _narration(lang)
    texts = dict(filled_lines(narration, default_run()))  # the default input's captions
    report = check_recordings(narration.ids(), lang, recordings, texts)
    speech = sum(report.found.values())
    click.echo(f"{report.folder}: {len(report.found)} recordings read ({speech:.1f} s of speech), "
               f"{len(report.missing)} missing")
    if report.missing:
        click.echo(textwrap.fill(f"missing (espeak-ng or reading pace fills in): {', '.join(report.missing)}",
                                 width=100, subsequent_indent="  ", break_on_hyphens=False))
    _list("extra (no line has this id)", [str(p) for p in report.extra])
    _list("unreadable", report.unreadable)
    _list("several files for one line", report.duplicates)
    _list("too short (shorter than the caption can be spoken)", report.too_short)
    _list("ignored (not one of the audio formats)", [str(p) for p in report.ignored])
    if not report.ok:
        raise SystemExit(1)


@voice_group.command("track")
@lang_option()
@input_option
@click.option("--voice", type=click.Choice(VOICES), default="auto", show_default=True)
@click.option("--rate", type=click.IntRange(80, 450), default=None, help="espeak-ng words a minute.")
@click.option("--pitch", type=click.IntRange(0, 99), default=None, help="espeak-ng pitch.")
@click.option("--pause", type=click.FloatRange(0, 10), default=0.5, show_default=True,
              help="Seconds of silence after each line.")
@recordings_option
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True, help="WAV file to write.")
def track_command(lang, input_text, voice, rate, pitch, pause, recordings, out_path):
    """Write the voice of the whole video as one WAV, timed as the video will be."""
    from .voice import narrate

    run = _run(input_text)
    _narration(lang)  # reports a broken narration file as such
    try:
        narrated = narrate(run, lang, voice, pause, rate=rate, pitch=pitch, recordings=recordings)
    except VoiceError as err:
        raise click.ClickException(str(err)) from None
    write_wav(narrated.track(), out_path)
    voiced = len(durations(narrated.audio))
    click.echo(f"wrote {out_path}: {narrated.timeline.duration:.1f} s, "
               f"{voiced} of {len(narrated.audio)} lines voiced")


def _narration(lang: str):
    from .narration import NarrationError, load_narration

    try:
        return load_narration(lang)
    except NarrationError as err:
        raise click.ClickException(err.summary()) from None


def _run(input_text: str):
    try:
        return default_run(input_text)
    except InputError as err:
        raise BadValue(str(err)) from None


def _varying_lines(narration, run) -> set[str]:
    """Ids of lines whose text changes with the input (they quote the run's numbers)."""
    from .fill import filled_lines

    mine = dict(filled_lines(narration, run))
    varying = set()
    for other in OTHER_INPUTS:
        varying |= {i for i, text in filled_lines(narration, default_run(other)) if text != mine.get(i)}
    return varying


def _list(title: str, items: list[str]) -> None:
    if items:
        click.echo(f"{title}: {len(items)}")
        for item in items:
            click.echo(f"  {item}")


COMMANDS = [voice_group]
