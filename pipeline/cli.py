"""nanogpt-video: one CLI for every stage. Each stage contributes its own commands."""
from __future__ import annotations

import click

from engine.cli import COMMANDS as ENGINE_COMMANDS
from script.voice_cli import COMMANDS as VOICE_COMMANDS
from script.cli import COMMANDS as SCRIPT_COMMANDS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Explain one real inference of nano-gpt (a GPT that sorts ABC tokens) as a video."""


for command in ENGINE_COMMANDS:
    main.add_command(command)
for command in VOICE_COMMANDS:
    main.add_command(command)
for command in SCRIPT_COMMANDS:
    main.add_command(command)


@main.command()
@click.option("--input", "input_text", default="CBABBC", show_default=True)
@click.option("--lang", default="zh", show_default=True)
@click.option("--quality", default="high", show_default=True)
@click.option("--voice", default="auto", show_default=True)
def render(input_text, lang, quality, voice):
    """Render the whole narrated video (not there yet)."""
    raise click.ClickException("rendering is not there yet: the video pipeline has not landed")
