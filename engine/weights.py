"""Loading and saving weights as .npz under minGPT's state_dict names and PyTorch shapes."""
from __future__ import annotations

import functools
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from common.files import atomic_path

from .model import GPT, GPTConfig, parameter_shapes

DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "sort.npz"


class WeightsError(ValueError):
    """A weights file that cannot be used; the message is one line naming the file and key."""


def _config_from_shapes(path, arrays: dict[str, np.ndarray]) -> GPTConfig:
    for key in ("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight"):
        if key not in arrays:
            raise WeightsError(f"{path}: missing key {key!r}")
    vocab_size, n_embd = arrays["transformer.wte.weight"].shape
    block_size = arrays["transformer.wpe.weight"].shape[0]
    n_layer = len({k.split(".")[2] for k in arrays if k.startswith("transformer.h.")})
    # The head count is not in any shape; minGPT's gpt-nano has 3 heads of 16 channels.
    n_head = int(arrays["n_head"]) if "n_head" in arrays else 3
    return GPTConfig(vocab_size, block_size, n_embd, n_layer, n_head)


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
    """Load and check a checkpoint; any problem raises WeightsError naming the file and key."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise WeightsError(f"{path}: not a readable .npz file ({err.__class__.__name__})") from None
    # minGPT's causal-mask buffers are not parameters.
    arrays = {k: v for k, v in arrays.items() if not k.endswith(".attn.bias")}
    config = _config_from_shapes(path, arrays)
    expected = parameter_shapes(config)
    for key, shape in expected.items():
        if key not in arrays:
            raise WeightsError(f"{path}: missing key {key!r}")
        if arrays[key].shape != shape:
            raise WeightsError(f"{path}: key {key!r} has shape {arrays[key].shape}, expected {shape}")
        if not np.all(np.isfinite(arrays[key])):
            raise WeightsError(f"{path}: key {key!r} has non-finite values (NaN or inf)")
    unexpected = sorted(set(arrays) - set(expected) - {"n_head"})
    if unexpected:
        raise WeightsError(f"{path}: unexpected key {unexpected[0]!r}")
    if config.n_embd % config.n_head:
        raise WeightsError(f"{path}: key 'n_head' = {config.n_head} does not divide n_embd {config.n_embd}")
    params = {k: arrays[k].astype(np.float32) for k in expected}
    return GPT(params, config)


def save_weights(model: GPT, path: str | os.PathLike) -> None:
    """Write atomically: a temp file in the same folder, renamed when complete."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, n_head=np.int64(model.config.n_head),
                 **{k: v.astype(np.float32) for k, v in model.params.items()})
