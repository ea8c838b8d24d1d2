"""Loading and saving weights as .npz under minGPT's state_dict names and PyTorch shapes."""
from __future__ import annotations

import functools
import hashlib
import os
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from common.errors import UserError
from common.files import atomic_path
from common.text import shown

from .model import GPT, GPTConfig, parameter_shapes
from .tokens import INPUT_LENGTH, VOCAB

DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "sort.npz"


# Keys whose last dimension is the channel count C (most files agree; a wrong one stands out).
CHANNEL_KEYS = ("transformer.wte.weight", "transformer.wpe.weight", "transformer.ln_f.weight",
                "transformer.ln_f.bias", "lm_head.weight")
MIN_BLOCK_SIZE = 2 * INPUT_LENGTH - 1  # six inputs, then five of the six outputs fed back


class WeightsError(UserError):
    """A weights file that cannot be used; the message is one line naming the file and key."""


def weights_digest(path: str | os.PathLike) -> str:
    """sha256 of a weights file (hashed once per version of the file)."""
    stat = Path(path).stat()
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=None)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def weights_tag(path: str | os.PathLike) -> str:
    """'' for the shipped weights (or a byte-identical copy), else '-w' and 8 hex digits of
    the file's hash: the part of output names that keeps other weights' renders apart."""
    digest = weights_digest(path)
    return "" if digest == weights_digest(DEFAULT_WEIGHTS) else f"-w{digest[:8]}"


def load_weights(path: str | os.PathLike = DEFAULT_WEIGHTS) -> GPT:
    """Load and check a checkpoint; any problem raises WeightsError, one line naming the file
    and the key. Checked in this order, so each problem is blamed on the key that has it:
    readable, numbers, each key's shape against the shapes most keys agree on, finite values,
    and finally a forward pass that stays finite."""
    path = Path(path)
    arrays = _read_arrays(path)
    config = _config(path, arrays)
    expected = parameter_shapes(config)
    for key, shape in expected.items():
        _check_array(path, key, arrays.get(key), shape)
    unexpected = sorted(set(arrays) - set(expected) - {"n_head"})
    if unexpected:
        raise WeightsError(f"{path}: unexpected key {shown(unexpected[0])}")
    model = GPT({k: arrays[k].astype(np.float32) for k in expected}, config, source=str(path))
    with np.errstate(all="ignore"):  # an overflow is reported below, as one line
        check_finite_pass(model, model.trace(np.arange(MIN_BLOCK_SIZE) % config.vocab_size))
    return model


def check_finite_pass(model: GPT, trace) -> None:
    """Weights that are finite but overflow (x1e30) give NaN probabilities: refuse them
    rather than narrate 'p=nan'."""
    if not (np.all(np.isfinite(trace["logits"])) and np.all(np.isfinite(trace["probs"]))):
        raise WeightsError(f"{model.source or 'the weights'}: the forward pass gives non-finite "
                           "values (NaN or inf): the weights overflow")


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the .npz, without minGPT's causal-mask buffers (not parameters)."""
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise WeightsError(f"{path}: a single .npy array, not an .npz of named arrays")
        with loaded as npz:
            return {k: _read_key(path, npz, k) for k in npz.files if not k.endswith(".attn.bias")}
    except WeightsError:
        raise
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError) as err:
        raise WeightsError(f"{path}: not a readable .npz file ({err.__class__.__name__})") from None


def _read_key(path: Path, npz, key: str) -> np.ndarray:
    try:
        return npz[key]
    except ValueError:  # object arrays need pickle, which is never allowed (it runs code)
        raise WeightsError(f"{path}: key {shown(key)} holds Python objects, not numbers") from None


def _config(path: Path, arrays: dict[str, np.ndarray]) -> GPTConfig:
    """The configuration the file describes. The channel count C is the one most of the
    keys that carry it agree on, so a single wrong key is reported as itself."""
    for key in ("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight"):
        if key not in arrays:
            raise WeightsError(f"{path}: missing key {key!r}")
    widths = [a.shape[-1] for k in CHANNEL_KEYS if (a := arrays.get(k)) is not None and a.ndim >= 1]
    if not widths:
        raise WeightsError(f"{path}: key 'transformer.wte.weight' has shape "
                           f"{arrays['transformer.wte.weight'].shape}, expected ({len(VOCAB)}, C)")
    n_embd = Counter(widths).most_common(1)[0][0]
    wpe = arrays["transformer.wpe.weight"]
    block_size = wpe.shape[0] if wpe.ndim == 2 else MIN_BLOCK_SIZE
    if block_size < MIN_BLOCK_SIZE:
        raise WeightsError(f"{path}: key 'transformer.wpe.weight' has {block_size} positions; "
                           f"generation needs at least {MIN_BLOCK_SIZE}")
    n_layer = len({k.split(".")[2] for k in arrays if k.startswith("transformer.h.")})
    n_head = _head_count(path, arrays)
    if n_embd % n_head:
        raise WeightsError(f"{path}: key 'n_head' = {n_head} does not divide n_embd {n_embd}")
    return GPTConfig(len(VOCAB), block_size, n_embd, n_layer, n_head)


def _head_count(path: Path, arrays: dict[str, np.ndarray]) -> int:
    """The head count is not in any shape; minGPT's gpt-nano has 3 heads of 16 channels."""
    if "n_head" not in arrays:
        return 3
    value = arrays["n_head"]
    number = value.item() if value.shape == () and value.dtype.kind in "iuf" else None
    if number is None or not float(number).is_integer() or number < 1:
        shown_value = shown(value.item()) if value.size == 1 else f"an array of shape {value.shape}"
        raise WeightsError(f"{path}: key 'n_head' = {shown_value}; it must be a whole number "
                           "of heads, 1 or more")
    return int(number)


def _check_array(path: Path, key: str, array: np.ndarray | None, shape: tuple[int, ...]) -> None:
    if array is None:
        raise WeightsError(f"{path}: missing key {key!r}")
    if array.dtype.kind not in "iuf":
        raise WeightsError(f"{path}: key {key!r} has dtype {array.dtype}; weights are real numbers")
    if array.shape != shape:
        raise WeightsError(f"{path}: key {key!r} has shape {array.shape}, expected {shape}")
    if not np.all(np.isfinite(array)):
        raise WeightsError(f"{path}: key {key!r} has non-finite values (NaN or inf)")


def save_weights(model: GPT, path: str | os.PathLike) -> None:
    """Write atomically: a temp file in the same folder, renamed when complete."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, n_head=np.int64(model.config.n_head),
                 **{k: v.astype(np.float32) for k, v in model.params.items()})
