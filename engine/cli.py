"""Engine commands of the nanogpt-video CLI: predict, trace, eval, train."""
from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from common.cli import BadValue, parse_or_exit
from common.files import atomic_path

from .generate import accuracy, generate
from .tokens import VOCAB, to_letters
from .weights import DEFAULT_WEIGHTS, WeightsError, load_weights

weights_option = click.option("--weights", "weights_path", type=click.Path(dir_okay=False),
                              default=str(DEFAULT_WEIGHTS), show_default="the shipped weights",
                              help="A minGPT-compatible .npz checkpoint.")


def load_or_exit(path) -> "GPT":
    try:
        return load_weights(path)
    except WeightsError as err:
        raise click.ClickException(str(err)) from None


@click.command()
@click.argument("input_text", metavar="INPUT")
@weights_option
def predict(input_text, weights_path):
    """Sort INPUT, such as CBABBC, showing each step's chosen token and its probability."""
    run = generate(load_or_exit(weights_path), parse_or_exit(input_text))
    click.echo(f"{run.input_letters} -> {run.output_letters}")
    for step in run.steps:
        probs = "  ".join(f"{VOCAB[i]} {p:.3f}" for i, p in enumerate(step.probs))
        click.echo(f"step {step.index}: feed {to_letters(step.sequence):<11} read position "
                   f"{step.position:>2} -> {VOCAB[step.chosen]} (p={step.probs[step.chosen]:.3f})   [{probs}]")


@click.command()
@click.argument("input_text", metavar="INPUT")
@click.option("--step", "step_index", type=int, default=0, show_default=True,
              help="Which forward pass, 0-5: 0 feeds the 6 input tokens, K feeds 6+K tokens.")
@weights_option
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True,
              help="Where to write the Trace (.npz, one array per name).")
def trace(input_text, step_index, weights_path, out_path):
    """Write every intermediate of one forward pass to an .npz file."""
    if not 0 <= step_index <= 5:
        raise BadValue(f"--step {step_index} is out of range; allowed: 0, 1, 2, 3, 4, 5")
    run = generate(load_or_exit(weights_path), parse_or_exit(input_text))
    out = Path(out_path)
    with atomic_path(out) as tmp, open(tmp, "wb") as f:
        np.savez(f, **run.steps[step_index].trace)
    click.echo(f"wrote {len(run.steps[step_index].trace)} arrays of pass {step_index} to {out}")


@click.command(name="eval")
@weights_option
def evaluate(weights_path):
    """Greedy accuracy over all 729 possible inputs."""
    correct, total = accuracy(load_or_exit(weights_path))
    click.echo(f"{correct}/{total}")


@click.command()
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=str(DEFAULT_WEIGHTS),
              show_default=True)
def train(seed, out_path):
    """Train nano-gpt in numpy (deterministic for a seed) and save the weights."""
    from .train import main as train_main
    train_main(seed=seed, out=out_path)


COMMANDS = [predict, trace, evaluate, train]
