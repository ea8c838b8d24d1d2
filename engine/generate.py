"""Generation: feed the 6 input tokens, predict one token, append it, repeat six times."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .explain import add_narrated_attention
from .model import GPT, Trace, softmax
from .tokens import INPUT_LENGTH, to_letters
from .weights import check_finite_pass

if TYPE_CHECKING:
    from .learned import Learned


@dataclass
class Step:
    """One forward pass of generation: step k feeds 6 + k tokens and predicts output k."""
    index: int
    sequence: np.ndarray   # [6 + k] token ids fed in
    trace: Trace           # every intermediate of this pass
    position: int          # 5 + k: the position whose logits predict the next token
    logits: np.ndarray     # [vocab] at that position
    probs: np.ndarray      # [vocab] softmax(logits / temperature)
    chosen: int            # the token appended

    # The output chapter's sampling demo: one seeded draw from this step's logits at
    # DEMO_TEMPERATURE (a distribution where the draw matters), and top-k at DEMO_TOP_K.
    @property
    def demo_probs(self) -> np.ndarray:
        """softmax(logits / DEMO_TEMPERATURE)."""
        return probs_at_temperature(self.logits, DEMO_TEMPERATURE)

    @property
    def demo_cumulative(self) -> np.ndarray:
        """Running sums of demo_probs: token i owns [cumulative[i-1], cumulative[i])."""
        return np.cumsum(self.demo_probs)

    @property
    def demo_u(self) -> np.ndarray:
        """DEMO_DRAWS seeded uniform numbers in [0, 1) (one generator, seed DEMO_SEED + index)."""
        return draw_uniform(DEMO_SEED + self.index, DEMO_DRAWS)

    @property
    def demo_draw(self) -> np.ndarray:
        """The token each demo draw picks: the segment of demo_cumulative its demo_u falls in."""
        return np.array([draw_token(self.demo_probs, float(u)) for u in self.demo_u], dtype=np.int64)

    @property
    def demo_top_k(self) -> np.ndarray:
        """demo_probs kept to the DEMO_TOP_K likeliest tokens and renormalised (others 0)."""
        return top_k_probs(self.logits, DEMO_TOP_K, DEMO_TEMPERATURE)


DEMO_TEMPERATURE = 5.0
DEMO_TOP_K = 2
DEMO_SEED = 0
DEMO_DRAWS = 8


def draw_uniform(seed: int, n: int) -> np.ndarray:
    """`n` uniform numbers in [0, 1) from a generator seeded by `seed`."""
    return np.random.default_rng(seed).random(n)


def draw_token(probs, u: float) -> int:
    """Inverse-CDF sampling: the token whose segment of the cumulative distribution holds u."""
    cumulative = np.cumsum(np.asarray(probs, dtype=float))
    return int(min(np.searchsorted(cumulative, u, side="right"), len(cumulative) - 1))


def top_k_probs(logits, k: int, temperature: float = 1.0) -> np.ndarray:
    """softmax(logits / temperature) over the k largest logits only (the rest get 0)."""
    scaled = np.asarray(logits, dtype=float) / temperature
    cutoff = np.sort(scaled)[-k]
    return softmax(np.where(scaled < cutoff, -np.inf, scaled))


@dataclass
class Run:
    """A whole inference: the input, each step, and the model that made it."""
    model: GPT
    input_tokens: np.ndarray
    steps: list[Step] = field(default_factory=list)
    temperature: float = 1.0

    @property
    def output_tokens(self) -> np.ndarray:
        return np.array([s.chosen for s in self.steps], dtype=np.int64)

    @property
    def input_letters(self) -> str:
        return to_letters(self.input_tokens)

    @property
    def output_letters(self) -> str:
        return to_letters(self.output_tokens)

    @property
    def config(self):
        return self.model.config

    @property
    def weights(self) -> dict[str, np.ndarray]:
        return self.model.params

    @property
    def trace(self) -> Trace:
        """The first pass (the 6 input tokens): the one the narration walks through."""
        return self.steps[0].trace

    @cached_property
    def learned(self) -> "Learned":
        """What the model learned (engine/learned.py), measured once per run (~2 s of CPU)."""
        from .learned import learned
        return learned(self)


def generate(model: GPT, tokens, steps: int = INPUT_LENGTH, temperature: float = 1.0,
             top_k: int | None = None, sample: bool = False, seed: int = 0) -> Run:
    """Greedy by default; with sample=True draw from softmax(logits / temperature), optionally
    restricted to the top_k tokens, with a generator seeded by `seed`."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    rng = np.random.default_rng(seed)
    run = Run(model, np.asarray(tokens, dtype=np.int64), temperature=temperature)
    sequence = run.input_tokens
    for k in range(steps):
        with np.errstate(all="ignore"):  # an overflow is refused just below, as one line
            trace = model.trace(sequence)
        check_finite_pass(model, trace)
        add_narrated_attention(trace, model.config.n_layer)
        position = len(sequence) - 1
        logits = trace["logits"][position]
        scaled = logits / temperature
        if top_k is not None:
            cutoff = np.sort(scaled)[-top_k]
            scaled = np.where(scaled < cutoff, -np.inf, scaled)
        probs = softmax(scaled)
        chosen = int(rng.choice(len(probs), p=probs)) if sample else int(np.argmax(probs))
        run.steps.append(Step(k, sequence, trace, position, logits, probs, chosen))
        sequence = np.append(sequence, chosen)
    return run


def probs_at_temperature(logits, temperature: float) -> np.ndarray:
    """softmax(logits / temperature): the distribution sampling at that temperature draws
    from (a higher temperature flattens it, a lower one sharpens it)."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    return softmax(np.asarray(logits) / temperature)


def one_blas_thread():
    """A context with BLAS on one thread. The engine's matrices are small; on a busy 2-core
    machine OpenBLAS's spinning worker threads make batched passes 5-10x slower, and
    alone one thread is as fast."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=1, user_api="blas")


def predict_batch(model: GPT, inputs: np.ndarray, head_mask=None) -> np.ndarray:
    """Greedy outputs for many inputs at once ([N, 6] -> [N, 6]), optionally with heads
    switched off (GPT.forward's head_mask)."""
    seq = np.asarray(inputs, dtype=np.int64)
    with one_blas_thread():
        for _ in range(INPUT_LENGTH):
            logits = model.forward(seq, head_mask=head_mask)
            seq = np.concatenate([seq, logits[:, -1].argmax(-1)[:, None]], axis=1)
    return seq[:, INPUT_LENGTH:]


def all_inputs() -> np.ndarray:
    """All 3^6 = 729 possible inputs, [729, 6]."""
    grids = np.meshgrid(*[np.arange(3)] * INPUT_LENGTH, indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def accuracy(model: GPT, inputs: np.ndarray | None = None) -> tuple[int, int]:
    inputs = all_inputs() if inputs is None else inputs
    correct = (predict_batch(model, inputs) == np.sort(inputs, axis=1)).all(axis=1)
    return int(correct.sum()), len(inputs)
