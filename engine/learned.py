"""What the model learned: measurements over all 729 inputs that say how it sorts.

Three measurements, for any weights (nothing here knows the shipped model's numbers):

- ablation: how many of the 729 inputs are still sorted with one layer's attention switched
  off (all its heads' outputs zeroed before c_proj, c_proj's bias kept), and with one head off;
- the logit lens: the residual stream after every attention and every MLP, read through the
  final LayerNorm and lm_head as if the model ended there: how often the right next letter
  already wins (over the 729 x 6 output positions, the correct sorted prefix given);
- focus: from the position that writes output k, the share of each head's attention on the
  input tokens equal to the letter it writes, averaged over the 729 inputs, next to the share
  an even spread over the six input tokens would give.

Every pass is GPT.forward on all 729 sequences at once (input + sorted output, the last letter
left out: the "correct prefix"). Greedy decoding sorts an input exactly when every one of those
six teacher-forced predictions is right (each step then sees the same prefix as greedy would),
so one batched pass per ablation counts what six generation passes would; tests check both.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from common.files import atomic_write
from common.paths import media_dir

from .generate import Run, all_inputs, one_blas_thread, predict_batch
from .model import GPT, Trace, layer_norm, linear, softmax
from .tokens import INPUT_LENGTH

JSON_KEYS = ("sorted_without_layer_attention", "sorted_without_head", "logit_lens", "focus", "even_share")


@dataclass(frozen=True)
class Broken:
    """One input that a layer's ablation no longer sorts, and what the ablated model writes."""
    input_tokens: np.ndarray   # [6]
    output_tokens: np.ndarray  # [6], greedy, with that layer's attention off


@dataclass(frozen=True)
class Learned:
    """The analysis of one model (and the lens of one run). Layers and heads count from 0."""
    total: int                                      # inputs measured: 3^6 = 729
    sorted_all: int                                 # sorted with nothing switched off
    sorted_without_layer_attention: list[int]       # [n_layer]
    sorted_without_head: list[list[int]]            # [n_layer][n_head]
    logit_lens: list[dict]                          # [{"after": "h.0.attn", "right": share}, ...]
    focus: list[list[list[float]]]                  # [n_layer][n_head][6 output steps]
    even_share: list[float]                         # [6]
    broken: list[Broken | None]                     # [n_layer]: an input its ablation breaks
    run_lens: np.ndarray = field(repr=False)        # [6 steps, 2 n_layer read-outs, vocab] for the run
    run_focus: np.ndarray = field(repr=False)       # [n_layer, n_head, 6]: focus, the run's own input
    sorted_mask: np.ndarray = field(repr=False)     # [n_layer, 729] bool: still sorted, layer's attention off

    @property
    def telling_head(self) -> tuple[int, int]:
        """(layer, head) whose focus rises furthest above the even share, on average over the
        six output steps: the head the video follows."""
        focus, even = np.array(self.focus), np.array(self.even_share)
        excess = (focus - even).mean(axis=-1)
        return tuple(int(i) for i in np.unravel_index(excess.argmax(), excess.shape))

    @property
    def lens_right(self) -> np.ndarray:
        """[2 n_layer]: the logit lens's share of right next letters, per read-out."""
        return np.array([row["right"] for row in self.logit_lens])

    def to_json(self) -> dict:
        """Exactly the keys `nanogpt-video learned --format json` prints (a contract)."""
        return {"sorted_without_layer_attention": self.sorted_without_layer_attention,
                "sorted_without_head": self.sorted_without_head,
                "logit_lens": self.logit_lens,
                "focus": self.focus,
                "even_share": self.even_share}


def learned(run: Run) -> Learned:
    """The analysis of `run`'s model, with the logit lens of `run`'s own sequence."""
    model = run.model
    m = measure(model)
    with one_blas_thread():
        broken = [None if sorted_ok.all() else _broken(model, run, l, sorted_ok)
                  for l, sorted_ok in enumerate(m.sorted_without_layer)]
        run_trace = model.trace(_run_sequence(run))
    return Learned(
        total=m.total,
        sorted_all=m.sorted_all,
        sorted_without_layer_attention=[int(ok.sum()) for ok in m.sorted_without_layer],
        sorted_without_head=m.sorted_without_head,
        logit_lens=m.logit_lens,
        focus=m.focus,
        even_share=m.even_share,
        broken=broken,
        run_lens=np.stack([softmax(logits) for _, logits in _lens(model, run_trace)], axis=1),
        run_focus=_focus(run_trace, run.input_tokens[None], run.output_tokens[None]),
        sorted_mask=np.stack(m.sorted_without_layer),
    )


@dataclass(frozen=True)
class Measurements:
    """What depends on the weights alone (learned() adds what depends on the run)."""
    total: int
    sorted_all: int
    sorted_without_layer: list[np.ndarray]   # [n_layer] of [729] bool: still sorted?
    sorted_without_head: list[list[int]]
    logit_lens: list[dict]
    focus: list[list[list[float]]]
    even_share: list[float]


def measure(model: GPT) -> Measurements:
    """Every measurement over the 729 inputs, once per set of weights: kept in the process and
    on disk (media/cache/learned/, ~2 KB a model), so a render that changes nothing does not
    spend the ~2 s of CPU again (the narration's placeholders, the scenes and the CLI all ask)."""
    key = f"{model_digest(model)[:24]}-{_CODE_DIGEST}"
    if key not in _MEASURED:
        _MEASURED[key] = _load(key) or _store(key, _measure(model))
    return _MEASURED[key]


_MEASURED: dict[str, "Measurements"] = {}
# the measurements stored on disk hold for this code only
_CODE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def _cache_file(key: str) -> Path:
    return media_dir() / "cache" / "learned" / f"{key}.json"


def _load(key: str) -> Measurements | None:
    try:
        data = json.loads(_cache_file(key).read_text(encoding="utf-8"))
        data["sorted_without_layer"] = [np.array(row, dtype=bool) for row in data["sorted_without_layer"]]
        return Measurements(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None   # not there yet, or unreadable: measured again


def _store(key: str, m: Measurements) -> Measurements:
    data = dataclasses.asdict(m)
    data["sorted_without_layer"] = [row.tolist() for row in m.sorted_without_layer]
    try:
        atomic_write(_cache_file(key), json.dumps(data))
    except OSError:
        pass   # a read-only media folder only costs the next process the measurement
    return m


def model_digest(model: GPT) -> str:
    """sha256 of the parameters (names, shapes, bytes): the same weights, however loaded."""
    h = hashlib.sha256()
    for name in sorted(model.params):
        array = np.ascontiguousarray(model.params[name])
        h.update(f"{name}{array.shape}{array.dtype}".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def _measure(model: GPT) -> Measurements:
    cfg = model.config
    inputs = all_inputs()
    targets = np.sort(inputs, axis=1)
    sequences = np.concatenate([inputs, targets[:, :-1]], axis=1)   # [729, 11]: the correct prefix
    with one_blas_thread():
        trace = Trace()
        model.forward(sequences, trace)
        layer_off = [_sorted(model, sequences, targets, _mask(cfg, layer=l)) for l in range(cfg.n_layer)]
        head_off = [[int(_sorted(model, sequences, targets, _mask(cfg, layer=l, head=h)).sum())
                     for h in range(cfg.n_head)] for l in range(cfg.n_layer)]
    return Measurements(
        total=len(inputs),
        sorted_all=int(_right(trace["logits"], targets).sum()),
        sorted_without_layer=layer_off,
        sorted_without_head=head_off,
        logit_lens=[{"after": after, "right": float((lens.argmax(-1) == targets).mean())}
                    for after, lens in _lens(model, trace)],
        focus=_focus(trace, inputs, targets).tolist(),
        even_share=_even_share(inputs, targets).tolist(),
    )


def readouts(n_layer: int) -> list[str]:
    """Where the logit lens reads the residual stream, in model order: 'h.0.attn', 'h.0.mlp', ..."""
    return [f"h.{l}.{part}" for l in range(n_layer) for part in ("attn", "mlp")]


# ---- the measurements ----

def _mask(cfg, layer: int, head: int | None = None) -> np.ndarray:
    """A head_mask with one layer's heads (or one head) switched off."""
    mask = np.ones((cfg.n_layer, cfg.n_head), dtype=np.float32)
    mask[layer, slice(None) if head is None else head] = 0.0
    return mask


def _right(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """[N] bool: the six output positions (5..10) all predict the right letter."""
    return (logits[:, INPUT_LENGTH - 1:].argmax(-1) == targets).all(axis=1)


def _sorted(model: GPT, sequences, targets, head_mask) -> np.ndarray:
    """[N] bool: still sorted by greedy decoding with `head_mask` (see the module's docstring)."""
    return _right(model.forward(sequences, head_mask=head_mask), targets)


def _lens(model: GPT, trace: Trace):
    """(read-out name, logits [..., 6, vocab] at the six output positions) after every
    attention and every MLP: the residual stream through ln_f and lm_head."""
    p = model.params
    streams = {"attn": "resid_1", "mlp": "out"}
    for after in readouts(model.config.n_layer):
        _, l, part = after.split(".")
        x = trace[f"h.{l}.{streams[part]}"][..., INPUT_LENGTH - 1:, :]
        x = layer_norm(x, p["transformer.ln_f.weight"], p["transformer.ln_f.bias"])
        yield after, linear(x, p["lm_head.weight"])


def _focus(trace: Trace, inputs, written) -> np.ndarray:
    """[n_layer, n_head, 6]: mean attention share, from the position writing output k, on the
    input tokens equal to the letter written there (`written`: [N, 6], the outputs)."""
    match = inputs[:, None, :] == written[:, :, None]                  # [N, 6 steps, 6 inputs]
    shares = []
    n_layer = sum(1 for name in trace if name.endswith(".attn.probs"))
    for l in range(n_layer):
        probs = trace[f"h.{l}.attn.probs"].reshape(len(inputs), -1, *trace[f"h.{l}.attn.probs"].shape[-2:])
        rows = probs[:, :, INPUT_LENGTH - 1:, :INPUT_LENGTH]             # [N, H, 6 steps, 6 inputs]
        shares.append((rows * match[:, None]).sum(-1).mean(0))           # [H, 6]
    return np.stack(shares)


def _even_share(inputs, targets) -> np.ndarray:
    """[6]: the share an even spread over the six input tokens puts on those equal to the
    letter written at step k, averaged over the inputs."""
    return (inputs[:, None, :] == targets[:, :, None]).mean(-1).mean(0)


def _broken(model: GPT, run: Run, layer: int, sorted_ok: np.ndarray) -> Broken:
    """An input that greedy decoding no longer sorts with `layer`'s attention off: the run's own
    input if it is one, else the first such input in 0..728 order; and what it writes then."""
    own = np.asarray(run.input_tokens)
    mask = _mask(model.config, layer)
    written = predict_batch(model, own[None], head_mask=mask)[0]
    if (written != np.sort(own)).any():
        return Broken(own.copy(), written)
    first = all_inputs()[np.flatnonzero(~sorted_ok)[0]]
    return Broken(first, predict_batch(model, first[None], head_mask=mask)[0])


def _run_sequence(run: Run) -> np.ndarray:
    """The run's input and its first five outputs: one pass gives what each of the six
    generation steps saw at its predicting position (causal attention)."""
    return np.concatenate([run.input_tokens, run.output_tokens[:-1]])
