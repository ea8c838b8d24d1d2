"""Engine commands of the nanogpt-video CLI: predict, trace, eval, train."""
from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from common.cli import BadValue, input_option, parse_or_exit
from common.files import atomic_path

from .generate import accuracy, generate
from .tokens import VOCAB, to_letters
from .weights import DEFAULT_WEIGHTS, WeightsError, load_weights

weights_option = click.option("--weights", "weights_path", type=click.Path(dir_okay=False),
                              default=str(DEFAULT_WEIGHTS), show_default="the shipped weights",
                              help="A minGPT-compatible .npz checkpoint.")


def load_or_exit(path):
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


@click.command()
@input_option(help="The input whose own steps the logit lens reads, e.g. CBABBC.")
@weights_option
@click.option("--format", "out_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="json: the measurements as one JSON object (layers and heads from 0).")
def learned(input_text, weights_path, out_format):
    """What the model learned, measured over all 729 inputs: ablations, the logit lens, and
    where each head looks while a letter is written."""
    import json

    from .learned import learned as analyse

    run = generate(load_or_exit(weights_path), parse_or_exit(input_text))
    result = analyse(run)
    if out_format == "json":
        click.echo(json.dumps(result.to_json(), indent=1))
    else:
        _print_learned(run, result)


def _print_learned(run, result) -> None:
    """The measurements as rich tables; layers and heads counted from 1, as on screen."""
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    console, total = Console(), result.total
    cfg = run.config
    ablation = Table(title=f"Sorted of {total} inputs with attention switched off (all: {result.sorted_all})")
    ablation.add_column("layer")
    ablation.add_column("whole layer", justify="right")
    for h in range(cfg.n_head):
        ablation.add_column(f"head {h + 1} only", justify="right")
    for l in range(cfg.n_layer):
        broken = result.broken[l]
        example = "" if broken is None else f"  ({to_letters(broken.input_tokens)} -> {to_letters(broken.output_tokens)})"
        ablation.add_row(str(l + 1), f"{result.sorted_without_layer_attention[l]}{example}",
                         *[str(n) for n in result.sorted_without_head[l]])
    lens = Table(title=f"Logit lens: right next letter over {total} x 6 positions (correct prefix), "
                       f"and {run.input_letters}'s own steps: p(written letter)")
    lens.add_column("read after", no_wrap=True)
    lens.add_column("right", justify="right")
    for k in range(len(run.steps)):
        lens.add_column(f"step {k + 1}: {VOCAB[run.steps[k].chosen]}", justify="right")
    for i, row in enumerate(result.logit_lens):
        own = [f"{result.run_lens[k, i, run.steps[k].chosen]:.2f}" for k in range(len(run.steps))]
        _, l, part = row["after"].split(".")
        lens.add_row(f"layer {int(l) + 1} {part}", f"{row['right']:.1%}", *own)
    focus = Table(title="Attention share on the input tokens equal to the letter being written "
                        "(mean over inputs), by output step", caption="* the head the video follows")
    focus.add_column("head", no_wrap=True)
    for k in range(len(result.even_share)):
        focus.add_column(f"step {k + 1}", justify="right")
    telling = result.telling_head
    for l, heads in enumerate(result.focus):
        for h, shares in enumerate(heads):
            name = f"layer {l + 1} head {h + 1}" + (" *" if (l, h) == telling else "")
            focus.add_row(name, *[f"{s:.2f}" for s in shares])
    focus.add_row("even spread", *[f"{s:.2f}" for s in np.asarray(result.even_share)])
    for table in (ablation, lens, focus):
        console.print(table)


COMMANDS = [predict, trace, evaluate, train, learned]
