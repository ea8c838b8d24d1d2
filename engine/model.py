"""A numpy GPT with exactly minGPT's gpt-nano architecture, written to be read.

One forward pass records every intermediate in a Trace (name -> array). The names are an
interface used by the narration, the scenes and the tests; see README.md and docs/architecture.md.
Shapes: T tokens in this pass, C channels, H heads, A = C / H head size.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LN_EPS = 1e-5


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int = 3
    block_size: int = 11
    n_embd: int = 48
    n_layer: int = 3
    n_head: int = 3

    @property
    def head_size(self) -> int:
        return self.n_embd // self.n_head


class Trace(dict):
    """Every intermediate of one forward pass, by name (e.g. 'h.0.attn.probs')."""

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return super().__getitem__(name)
        except KeyError:
            raise KeyError(f"no {name!r} in the trace; known names start with "
                           f"{sorted({k.split('.')[0] for k in self})}") from None


# ---- the building blocks (they work on [..., T, C] so training can batch them) ----

def layer_norm(x, weight, bias, trace: dict | None = None, name: str = ""):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # population variance, as PyTorch
    std = np.sqrt(var + LN_EPS)
    norm = (x - mean) / std
    out = norm * weight + bias
    if trace is not None:
        trace.update({f"{name}.mean": mean[..., 0], f"{name}.var": var[..., 0],
                      f"{name}.std": std[..., 0], f"{name}.norm": norm, f"{name}.out": out})
    return out


def gelu(x):
    """GELU, tanh approximation (as GPT-2 and minGPT's NewGELU)."""
    # x * x * x, not x ** 3: numpy's power() is ~50x slower and dominated the 729-input eval.
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))))


def linear(x, weight, bias=None):
    """nn.Linear: weight is [out, in]."""
    # One 2-D matmul: numpy runs [N, T, C] @ [C, out] as N small ones, about 7x slower.
    y = (x.reshape(-1, x.shape[-1]) @ weight.T).reshape(*x.shape[:-1], weight.shape[0])
    return y if bias is None else y + bias


def softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)  # subtracting the max changes nothing but overflow
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


class GPT:
    """Weights are held under minGPT's state_dict names, shaped as in PyTorch."""

    def __init__(self, params: dict[str, np.ndarray], config: GPTConfig, source: str = ""):
        self.params = params
        self.config = config
        self.source = source  # the weights file, for messages ('' when built in memory)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.params[name]

    def forward(self, idx, trace: dict | None = None, head_mask=None, dropout=None) -> np.ndarray:
        """Token ids [..., T] -> logits [..., T, vocab]: the one forward pass, as nanoGPT's, that
        the video, eval, training and the analysis all run.

        trace      a dict that receives every intermediate by name ('h.0.attn.probs': for one
                   sequence [H, T, T], for a batch [N, H, T, T]); training's backward reads it
        head_mask  [n_layer, n_head] (or [N, n_layer, n_head], one per sequence): each head's
                   output is multiplied by its entry before c_proj (0 switches a head off:
                   engine/learned.py's ablations)
        dropout    training's Dropout, called as dropout(x, trace, name) where minGPT drops
        """
        idx = np.asarray(idx, dtype=np.int64)
        T = idx.shape[-1]
        if not 1 <= T <= self.config.block_size:
            raise ValueError(f"sequence length {T} is outside 1..{self.config.block_size}")
        trace = {} if trace is None else trace
        drop = dropout or _no_dropout
        p = self.params
        trace["tokens"] = idx
        trace["tok_emb"] = p["transformer.wte.weight"][idx]
        trace["pos_emb"] = p["transformer.wpe.weight"][:T]
        x = trace["x"] = drop(trace["tok_emb"] + trace["pos_emb"], trace, "x.drop")
        for l in range(self.config.n_layer):
            mask = None if head_mask is None else np.asarray(head_mask)[..., l, :]
            x = self._block(x, l, trace, mask, drop)
        x = layer_norm(x, p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], trace, "ln_f")
        logits = trace["logits"] = linear(x, p["lm_head.weight"])
        trace["probs"] = softmax(logits)
        return logits

    def trace(self, tokens) -> Trace:
        """Every intermediate of one forward pass over `tokens` (one sequence or a batch)."""
        trace = Trace()
        self.forward(tokens, trace)
        return trace

    def _block(self, x, l: int, trace: dict, head_mask, drop):
        p = self.params
        pre = f"transformer.h.{l}"
        h = layer_norm(x, p[f"{pre}.ln_1.weight"], p[f"{pre}.ln_1.bias"], trace, f"h.{l}.ln_1")
        x = trace[f"h.{l}.resid_1"] = x + self._attention(h, l, trace, head_mask, drop)
        h = layer_norm(x, p[f"{pre}.ln_2.weight"], p[f"{pre}.ln_2.bias"], trace, f"h.{l}.ln_2")
        x = trace[f"h.{l}.out"] = x + self._mlp(h, l, trace, drop)
        return x

    def _attention(self, x, l: int, trace: dict, head_mask, drop):
        p, cfg = self.params, self.config
        pre, name = f"transformer.h.{l}.attn", f"h.{l}.attn"
        T, C, H, A = x.shape[-2], cfg.n_embd, cfg.n_head, cfg.head_size
        lead = x.shape[:-2]   # () for one sequence, (N,) for a batch
        qkv = linear(x, p[f"{pre}.c_attn.weight"], p[f"{pre}.c_attn.bias"])
        # [..., T, 3C] -> three [..., H, T, A]: rows 0..C-1 of c_attn are Q, then K, then V;
        # head h owns a block of A rows inside each.
        q, k, v = (qkv[..., i * C:(i + 1) * C].reshape(*lead, T, H, A).swapaxes(-2, -3) for i in range(3))
        causal = np.tril(np.ones((T, T), dtype=bool))
        scores = np.where(causal, q @ k.swapaxes(-1, -2) / math.sqrt(A), -np.inf)
        # softmax written out, as the video narrates it: the row's max subtracted, exp, / sum
        row_max = scores.max(axis=-1)
        shifted = scores - row_max[..., None]
        exp = np.exp(shifted)
        exp_sum = exp.sum(axis=-1)
        probs = exp / exp_sum[..., None]
        heads = drop(probs, trace, f"{name}.probs.drop") @ v
        if head_mask is not None:
            heads = heads * head_mask[..., :, None, None]
        concat = heads.swapaxes(-2, -3).reshape(*lead, T, C)
        proj = drop(linear(concat, p[f"{pre}.c_proj.weight"], p[f"{pre}.c_proj.bias"]), trace, f"{name}.proj.drop")
        trace.update({f"{name}.qkv": qkv, f"{name}.q": q, f"{name}.k": k, f"{name}.v": v,
                      f"{name}.scores": scores, f"{name}.scores_max": row_max,
                      f"{name}.shifted": shifted, f"{name}.exp": exp, f"{name}.exp_sum": exp_sum,
                      f"{name}.probs": probs, f"{name}.heads": heads, f"{name}.concat": concat,
                      f"{name}.proj": proj})
        return proj

    def _mlp(self, x, l: int, trace: dict, drop):
        p = self.params
        pre, name = f"transformer.h.{l}.mlp", f"h.{l}.mlp"
        fc = trace[f"{name}.fc"] = linear(x, p[f"{pre}.c_fc.weight"], p[f"{pre}.c_fc.bias"])
        act = trace[f"{name}.gelu"] = gelu(fc)
        proj = linear(act, p[f"{pre}.c_proj.weight"], p[f"{pre}.c_proj.bias"])
        trace[f"{name}.proj"] = proj = drop(proj, trace, f"{name}.proj.drop")
        return proj


def _no_dropout(x, trace, name):
    return x


def parameter_shapes(cfg: GPTConfig) -> dict[str, tuple[int, ...]]:
    """minGPT's state_dict names and PyTorch shapes (without the causal-mask buffers)."""
    C, V = cfg.n_embd, cfg.vocab_size
    shapes = {"transformer.wte.weight": (V, C), "transformer.wpe.weight": (cfg.block_size, C)}
    for l in range(cfg.n_layer):
        pre = f"transformer.h.{l}"
        shapes.update({
            f"{pre}.ln_1.weight": (C,), f"{pre}.ln_1.bias": (C,),
            f"{pre}.attn.c_attn.weight": (3 * C, C), f"{pre}.attn.c_attn.bias": (3 * C,),
            f"{pre}.attn.c_proj.weight": (C, C), f"{pre}.attn.c_proj.bias": (C,),
            f"{pre}.ln_2.weight": (C,), f"{pre}.ln_2.bias": (C,),
            f"{pre}.mlp.c_fc.weight": (4 * C, C), f"{pre}.mlp.c_fc.bias": (4 * C,),
            f"{pre}.mlp.c_proj.weight": (C, 4 * C), f"{pre}.mlp.c_proj.bias": (C,),
        })
    shapes.update({"transformer.ln_f.weight": (C,), "transformer.ln_f.bias": (C,),
                   "lm_head.weight": (V, C)})
    return shapes


def init_params(cfg: GPTConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """minGPT's init: N(0, 0.02) for matrices and embeddings, residual projections scaled by
    1/sqrt(2 n_layer), zero biases, LayerNorm gain 1."""
    params = {}
    for name, shape in parameter_shapes(cfg).items():
        if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
            params[name] = np.ones(shape, np.float32)
        elif name.endswith(".bias"):
            params[name] = np.zeros(shape, np.float32)
        else:
            std = 0.02 / math.sqrt(2 * cfg.n_layer) if name.endswith("c_proj.weight") else 0.02
            params[name] = rng.normal(0.0, std, shape).astype(np.float32)
    return params


def count_parameters(params: dict[str, np.ndarray], include_lm_head: bool = True) -> int:
    return sum(v.size for k, v in params.items() if include_lm_head or k != "lm_head.weight")
