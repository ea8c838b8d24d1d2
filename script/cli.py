"""Script commands of the nanogpt-video CLI: check, show, subtitles, placeholders."""
from __future__ import annotations

import click

from common.text import shown
from common.cli import BadValue, input_option, lang_option, parse_or_exit
from engine.cli import load_or_exit, weights_option
from engine.generate import generate

from .fill import PLACEHOLDERS, placeholder_values
from .languages import check_words, language_codes
from .narration import NarrationError, check_files, load_narration, narration_path
from .sections import SCENE_IDS
from .subtitles import FORMATS, write_subtitles
from .timeline import build_timeline


def _timeline(input_text: str, lang: str, weights_path: str):
    run = generate(load_or_exit(weights_path), parse_or_exit(input_text))
    try:
        narration = load_narration(lang)
    except NarrationError as err:
        raise click.ClickException(err.summary()) from None
    return run, build_timeline(narration, run)


@click.group(name="script")
def script_group():
    """The narration: check it, read it filled for an input, write subtitles."""


@script_group.command()
@lang_option(default=None, help="Check only this language; default: all, ids and words compared.")
def check(lang):
    """Check the narration and words files: ids, quotes, brackets, placeholders, sections,
    and that every language has every on-screen word."""
    langs = language_codes() if lang is None else (lang,)
    errors = check_files({code: narration_path(code) for code in langs}) + check_words()
    if errors:
        for error in errors:
            click.echo(error, err=True)
        raise SystemExit(1)
    def count(code: str) -> str:
        lines = load_narration(code).lines()
        holds = [line.hold for line in lines if line.hold]
        return f"{code} {len(lines)} lines" + (f" ({len(holds)} holds, {sum(holds):g} s)" if holds else "")
    counts = ", ".join(count(code) for code in langs)
    same = "; same ids in every language" if len(langs) > 1 else ""
    click.echo(f"OK: {counts} in {len(SCENE_IDS)} sections{same}")


@script_group.command()
@input_option()
@lang_option()
@weights_option
@click.option("--spoken", is_flag=True, help="Show what the voice says (lexicon.<lang>.toml applied) "
              "instead of the caption.")
@click.option("--format", "out_format", type=click.Choice(["table", "tsv"]), default="table",
              show_default=True, help="tsv: one line per narration line: its id, a tab, its text.")
def show(input_text, lang, weights_path, spoken, out_format):
    """Print the captions filled for INPUT, with their timing (reading pace, no voice)."""
    from rich.console import Console
    from rich.table import Table

    from .spoken import spoken_text

    run, timeline = _timeline(input_text, lang, weights_path)
    say = (lambda text: spoken_text(text, lang)) if spoken else (lambda text: text)
    if out_format == "tsv":
        for _, line in timeline.all_lines():
            click.echo(f"{line.id}\t{' '.join(say(line.text).split())}")
        return
    if spoken:
        table = Table(title=f"{run.input_letters}: what the {lang} voice says", show_lines=False)
        table.add_column("id", no_wrap=True)
        table.add_column("spoken", overflow="fold")
        for _, line in timeline.all_lines():
            table.add_row(line.id, say(line.text))
        Console().print(table)
        return
    table = Table(title=f"{run.input_letters} -> {run.output_letters}  ({lang}, "
                        f"{timeline.duration:.1f} s at reading pace)", show_lines=False)
    for column, justify in (("start", "right"), ("end", "right"), ("id", "left"), ("caption", "left")):
        table.add_column(column, justify=justify, no_wrap=column != "caption", overflow="fold")
    for section in timeline.sections:
        table.add_section()
        table.add_row("", "", f"[bold]{section}: {timeline.titles[section]}[/bold]", "")
        base = timeline.section_start(section)
        for line in timeline.sections[section]:
            for k, cue in enumerate(line.cues):
                start = base + line.start + cue.offset
                table.add_row(f"{start:.2f}", f"{start + cue.duration:.2f}", line.id if k == 0 else "",
                              cue.text)
            if line.hold:
                table.add_row(f"{base + line.start + line.held_from:.2f}", f"{base + line.end:.2f}", "",
                              f"[dim]<pause {line.hold:g}s> (held, silent)[/dim]")
    Console().print(table)


@script_group.command()
@input_option()
@lang_option()
@weights_option
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help=f"Where to write them; the suffix picks the format: {', '.join(FORMATS)}.")
def subtitles(input_text, lang, weights_path, out_path):
    """Write the subtitles of the whole video (reading-pace timing) as SRT or WebVTT."""
    if not out_path.lower().endswith(FORMATS):
        raise BadValue(f"--out {shown(out_path)} needs one of the suffixes {', '.join(FORMATS)}")
    _, timeline = _timeline(input_text, lang, weights_path)
    path = write_subtitles(timeline, out_path)
    cues = sum(len(line.cues) for _, line in timeline.all_lines())
    click.echo(f"wrote {cues} cues ({timeline.duration:.1f} s) to {path}")


@script_group.command()
@input_option()
@lang_option()
@weights_option
def placeholders(input_text, lang, weights_path):
    """List the {placeholders} a caption may use, with their values for INPUT, and the
    <if conditions> a line may be said under, with whether they hold."""
    from .fill import CONDITIONS, conditions

    run = generate(load_or_exit(weights_path), parse_or_exit(input_text))
    values = placeholder_values(run, lang)
    for name, meaning in PLACEHOLDERS.items():
        click.echo(f"{{{name}}}".ljust(24) + f"{values[name]:<22} {meaning}")
    truths = conditions(run)
    click.echo("\nconditions (a line ending <if name> or <if not name> is said only then):")
    for name, meaning in CONDITIONS.items():
        click.echo(f"<if {name}>".ljust(24) + f"{'yes' if truths[name] else 'no':<22} {meaning}")


COMMANDS = [script_group]
