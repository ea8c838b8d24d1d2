"""nanogpt-video: one CLI for every stage. Each stage contributes its own commands."""
from __future__ import annotations

import click

from common.cli import OneLineGroup

from engine.cli import COMMANDS as ENGINE_COMMANDS
from script.voice_cli import COMMANDS as VOICE_COMMANDS
from script.cli import COMMANDS as SCRIPT_COMMANDS
from pipeline.commands import COMMANDS as PIPELINE_COMMANDS


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Explain one real inference of nano-gpt (a GPT that sorts ABC tokens) as a video."""


for command in ENGINE_COMMANDS:
    main.add_command(command)
for command in VOICE_COMMANDS:
    main.add_command(command)
for command in SCRIPT_COMMANDS:
    main.add_command(command)
for command in PIPELINE_COMMANDS:
    main.add_command(command)
