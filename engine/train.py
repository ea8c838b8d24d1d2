"""Train nano-gpt to sort, in plain numpy, with a hand-written backward pass.

The recipe is minGPT's sort demo: AdamW (lr 5e-4, betas 0.9/0.95, weight decay 0.1 on the
Linear weights only), batches of 64, gradient norm clipped at 1.0, dropout 0.1, cross entropy
on the six output positions only. One departure: a held-out tenth of the 729 possible inputs
(drawn with the seed) instead of minGPT's hash split. Dropout matters: without it the loss
collapses to ~1e-8 and Adam then takes destabilising steps (loss spikes, 644/729 at 2000).

The forward pass is the model's own (engine.model.GPT.forward) on a batch [B, T], with dropout;
the backward pass reads what it needs from the trace that forward fills. Everything runs in the parameters'
dtype: float32 to train, float64 for the gradient check in tests/test_train.py.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .generate import accuracy, all_inputs, one_blas_thread
from .model import GPT, GPTConfig, init_params
from .tokens import INPUT_LENGTH


@dataclass(frozen=True)
class TrainConfig:
    iterations: int = 2000
    batch_size: int = 64
    learning_rate: float = 5e-4
    betas: tuple[float, float] = (0.9, 0.95)
    eps: float = 1e-8
    weight_decay: float = 0.1
    grad_norm_clip: float = 1.0
    dropout: float = 0.1       # minGPT's embd/attn/resid_pdrop for gpt-nano
    held_out: float = 0.1      # fraction of the 729 inputs never trained on
    log_every: int = 250


# ---- data: minGPT's SortDataset, made from a list of inputs ----

def make_examples(inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[N, 6] inputs -> x, y [N, 11]: x = (input + sorted)[:-1], y = the same shifted by one,
    with the first 5 targets set to -1 (ignored): only the outputs are learned."""
    seq = np.concatenate([inputs, np.sort(inputs, axis=1)], axis=1)
    x, y = seq[:, :-1].copy(), seq[:, 1:].copy()
    y[:, :INPUT_LENGTH - 1] = -1
    return x, y


def split_inputs(rng: np.random.Generator, held_out: float) -> tuple[np.ndarray, np.ndarray]:
    """All 729 inputs shuffled by rng, cut into (train, held-out)."""
    inputs = all_inputs()[rng.permutation(3 ** INPUT_LENGTH)]
    n_held = round(held_out * len(inputs))
    return inputs[n_held:], inputs[:n_held]


# ---- forward and backward, block by block ----

def layer_norm_backward(dout, cache, name, weight):
    """engine.model.layer_norm recorded `{name}.norm` and `{name}.std` in the trace; dout is
    [B*T, C]."""
    norm, std = rows(cache[f"{name}.norm"]), cache[f"{name}.std"].reshape(-1, 1)
    dweight = (dout * norm).sum(0)
    dbias = dout.sum(0)
    dnorm = dout * weight
    dx = (dnorm - dnorm.mean(-1, keepdims=True) - norm * (dnorm * norm).mean(-1, keepdims=True)) / std
    return dx, dweight, dbias


def linear_backward(dout, x, weight):
    """For y = x @ W.T + b on 2-D x: returns dx, dW, db."""
    return dout @ weight, dout.T @ x, dout.sum(0)


def gelu_backward(dout, x):
    """d/dx of 0.5 x (1 + tanh(u)), u = s (x + 0.044715 x^3). Written in place: this is
    the largest elementwise step of training (each temporary is [B*T, 4C])."""
    s = math.sqrt(2.0 / math.pi)
    x2 = x * x
    u = 0.044715 * x2
    u += 1.0
    u *= s * x
    t = np.tanh(u, out=u)
    du = 1.0 - t * t                  # tanh'
    du *= 0.5 * s * x
    x2 *= 3 * 0.044715
    x2 += 1.0
    du *= x2                          # 0.5 x tanh'(u) du/dx
    t += 1.0
    t *= 0.5                          # 0.5 (1 + tanh(u))
    du += t
    du *= dout
    return du


class Dropout:
    """nn.Dropout in training mode: zero each value with probability `rate`, scale the rest by
    1 / (1 - rate). Masks come from rng in a fixed order, so a seed fixes them; they are
    kept in the trace under `name` for the backward pass."""

    def __init__(self, rate: float = 0.0, rng: np.random.Generator | None = None):
        self.rate, self.rng = rate, rng

    def __call__(self, x, trace: dict, name: str):
        if self.rate == 0:
            return x
        mask = (self.rng.random(x.shape, dtype=np.float32) >= self.rate).astype(x.dtype)
        mask *= 1.0 / (1.0 - self.rate)
        trace[name] = mask
        return x * mask


def dropout_backward(dout, trace: dict, name: str):
    """The mask recorded under `name` (shaped like the forward's array), applied to dout."""
    mask = trace.get(name)
    return dout if mask is None else dout * mask.reshape(dout.shape)


def attention_backward(dout, p, l: int, cfg: GPTConfig, trace: dict, grads: dict):
    """dout [B*T, C] at the attention's output -> d of its input (ln_1's out), [B*T, C]."""
    pre, name = f"transformer.h.{l}.attn", f"h.{l}.attn"
    C, H, A = cfg.n_embd, cfg.n_head, cfg.head_size
    q, k, v, probs = (trace[f"{name}.{part}"] for part in ("q", "k", "v", "probs"))
    B, T = probs.shape[0], probs.shape[-1]
    dconcat, grads[f"{pre}.c_proj.weight"], grads[f"{pre}.c_proj.bias"] = linear_backward(
        dropout_backward(dout, trace, f"{name}.proj.drop"), rows(trace[f"{name}.concat"]),
        p[f"{pre}.c_proj.weight"])
    dheads = dconcat.reshape(B, T, H, A).transpose(0, 2, 1, 3)
    dv = dropout_backward(probs, trace, f"{name}.probs.drop").swapaxes(-1, -2) @ dheads
    dprobs = dropout_backward(dheads @ v.swapaxes(-1, -2), trace, f"{name}.probs.drop")
    # softmax backward; masked entries have probs 0, so no gradient flows through them
    dscores = probs * (dprobs - (dprobs * probs).sum(-1, keepdims=True)) / math.sqrt(A)
    dq = dscores @ k
    dk = dscores.swapaxes(-1, -2) @ q
    dqkv = np.stack([dq, dk, dv]).transpose(1, 3, 0, 2, 4).reshape(B * T, 3 * C)
    dx, grads[f"{pre}.c_attn.weight"], grads[f"{pre}.c_attn.bias"] = linear_backward(
        dqkv, rows(trace[f"h.{l}.ln_1.out"]), p[f"{pre}.c_attn.weight"])
    return dx


def rows(x: np.ndarray) -> np.ndarray:
    """[B, T, n] -> [B*T, n]: the backward pass works on one row per position."""
    return x.reshape(-1, x.shape[-1])


def forward(params: dict, cfg: GPTConfig, idx: np.ndarray, drop: Dropout = Dropout()):
    """Batched forward [B, T] token ids -> logits [B*T, V] and the trace backward reads:
    the model's own forward pass (engine.model.GPT.forward), with dropout."""
    trace = {}
    logits = GPT(params, cfg).forward(idx, trace, dropout=drop)
    return rows(logits), trace


def cross_entropy(logits, targets):
    """Mean cross entropy over targets >= 0 (PyTorch's ignore_index=-1) and its gradient."""
    targets = targets.reshape(-1)
    valid = targets >= 0
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    idx = np.flatnonzero(valid)
    loss = -log_probs[idx, targets[idx]].mean()
    dlogits = np.exp(log_probs)
    dlogits[idx, targets[idx]] -= 1
    dlogits[~valid] = 0
    return loss, dlogits / len(idx)


def backward(dlogits, params: dict, cfg: GPTConfig, trace: dict) -> dict:
    p, grads = params, {}
    idx = trace["tokens"]
    B, T = idx.shape
    dh, grads["lm_head.weight"], _ = linear_backward(dlogits, rows(trace["ln_f.out"]), p["lm_head.weight"])
    dx, grads["transformer.ln_f.weight"], grads["transformer.ln_f.bias"] = layer_norm_backward(
        dh, trace, "ln_f", p["transformer.ln_f.weight"])
    for l in reversed(range(cfg.n_layer)):
        pre, name = f"transformer.h.{l}", f"h.{l}"
        # x = x + mlp(ln_2(x)): the residual passes dx through unchanged
        dact, grads[f"{pre}.mlp.c_proj.weight"], grads[f"{pre}.mlp.c_proj.bias"] = linear_backward(
            dropout_backward(dx, trace, f"{name}.mlp.proj.drop"), rows(trace[f"{name}.mlp.gelu"]),
            p[f"{pre}.mlp.c_proj.weight"])
        dh, grads[f"{pre}.mlp.c_fc.weight"], grads[f"{pre}.mlp.c_fc.bias"] = linear_backward(
            gelu_backward(dact, rows(trace[f"{name}.mlp.fc"])), rows(trace[f"{name}.ln_2.out"]),
            p[f"{pre}.mlp.c_fc.weight"])
        dln, grads[f"{pre}.ln_2.weight"], grads[f"{pre}.ln_2.bias"] = layer_norm_backward(
            dh, trace, f"{name}.ln_2", p[f"{pre}.ln_2.weight"])
        dx = dx + dln
        # x = x + attn(ln_1(x))
        dh = attention_backward(dx, p, l, cfg, trace, grads)
        dln, grads[f"{pre}.ln_1.weight"], grads[f"{pre}.ln_1.bias"] = layer_norm_backward(
            dh, trace, f"{name}.ln_1", p[f"{pre}.ln_1.weight"])
        dx = dx + dln
    dx = dropout_backward(dx.reshape(B, T, -1), trace, "x.drop")
    grads["transformer.wpe.weight"] = np.zeros_like(p["transformer.wpe.weight"])
    grads["transformer.wpe.weight"][:T] = dx.sum(0)
    one_hot = np.eye(cfg.vocab_size, dtype=dx.dtype)[idx.reshape(-1)]
    grads["transformer.wte.weight"] = one_hot.T @ rows(dx)
    return grads


def loss_and_grads(params: dict, cfg: GPTConfig, x: np.ndarray, y: np.ndarray,
                   drop: Dropout = Dropout()):
    logits, cache = forward(params, cfg, x, drop)
    loss, dlogits = cross_entropy(logits, y)
    return float(loss), backward(dlogits, params, cfg, cache)


# ---- the optimizer ----

def decayed(name: str) -> bool:
    """minGPT's configure_optimizers: only Linear weights decay (not biases, LayerNorm,
    embeddings). lm_head is a Linear, so it decays too."""
    return name.endswith(".weight") and (".c_" in name or name == "lm_head.weight")


def clip_grad_norm(grads: dict, max_norm: float) -> float:
    """torch.nn.utils.clip_grad_norm_: scale all gradients together; returns the norm before."""
    total = math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values()))
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for g in grads.values():
            g *= scale
    return total


class AdamW:
    """torch.optim.AdamW, updating the parameter arrays in place."""

    def __init__(self, params: dict, lr: float, betas: tuple[float, float], eps: float,
                 weight_decay: float):
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, params: dict, grads: dict) -> None:
        self.t += 1
        b1, b2 = self.betas
        step_size = self.lr / (1 - b1 ** self.t)
        bias_correction2 = math.sqrt(1 - b2 ** self.t)
        for name, param in params.items():
            g, m, v = grads[name], self.m[name], self.v[name]
            if self.weight_decay and decayed(name):
                param *= 1 - self.lr * self.weight_decay
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            param -= step_size * m / (np.sqrt(v) / bias_correction2 + self.eps)


# ---- the training loop ----

def train(seed: int = 0, config: TrainConfig = TrainConfig(), on_step=None):
    """Returns (model, held-out inputs, losses per iteration). on_step(iteration, losses so
    far) is called after each iteration. One rng, seeded, draws in turn the initial weights,
    the held-out split, then each batch and its dropout masks."""
    rng = np.random.default_rng(seed)
    model_config = GPTConfig()
    params = init_params(model_config, rng)
    train_inputs, held_inputs = split_inputs(rng, config.held_out)
    x_all, y_all = make_examples(train_inputs)
    optimizer = AdamW(params, config.learning_rate, config.betas, config.eps, config.weight_decay)
    drop = Dropout(config.dropout, rng)
    losses = np.empty(config.iterations, dtype=np.float64)
    with one_blas_thread():
        for it in range(config.iterations):
            batch = rng.integers(0, len(x_all), config.batch_size)
            losses[it], grads = loss_and_grads(params, model_config, x_all[batch], y_all[batch], drop)
            clip_grad_norm(grads, config.grad_norm_clip)
            optimizer.step(params, grads)
            if on_step:
                on_step(it + 1, losses[:it + 1])
    return GPT(params, model_config), held_inputs, losses


def main(seed: int = 0, out: str = "engine/weights/sort.npz", config: TrainConfig = TrainConfig()) -> GPT:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .weights import save_weights

    console = Console(log_path=False)
    start = time.perf_counter()
    with Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task("train", total=config.iterations, loss="-")

        def on_step(it, losses):
            recent = losses[-config.log_every:].mean()
            if it % 10 == 0:
                progress.update(task, completed=it, loss=f"{recent:.4g}")
            if it % config.log_every == 0:
                progress.console.log(f"iter {it:>5}  loss {recent:.4g} (mean of the last {config.log_every})")

        model, held_inputs, losses = train(seed, config, on_step)
    seconds = time.perf_counter() - start
    correct, total = accuracy(model)
    held_correct, held_total = accuracy(model, held_inputs)
    logits, _ = forward(model.params, model.config, make_examples(all_inputs())[0])
    clean_loss, _ = cross_entropy(logits, make_examples(all_inputs())[1])
    console.print(f"trained {config.iterations} iterations (seed {seed}) in {seconds:.1f} s")
    console.print(f"loss {losses[-config.log_every:].mean():.3g} over the last {config.log_every} "
                  f"batches (dropout on)")
    console.print(f"loss {clean_loss:.3g} on all 729 inputs (dropout off)")
    console.print(f"held-out inputs (never trained on): {held_correct}/{held_total} sorted")
    console.print(f"all inputs: {correct}/{total} sorted")
    save_weights(model, out)
    console.print(f"saved {out}")
    return model
