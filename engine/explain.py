"""Arrays only the video needs, derived from a Trace after the forward pass.

The model computes attention as nanoGPT does; the narration first explains it more slowly:
each query times each key cell by cell, the plain sum of those products, and softmax as first
narrated (exp of the scores without subtracting the row's max). These are added to a Step's
Trace under their own names so scenes read them like any other intermediate.
"""
from __future__ import annotations

import numpy as np


def add_narrated_attention(trace: dict, n_layer: int) -> None:
    """For each layer l, for one sequence: 'h.l.attn.qk' [H, T, T, A] (q[t] * k[s] cell by
    cell), 'h.l.attn.qk_sum' [H, T, T] (their sum, before the 1/sqrt(A) scale),
    'h.l.attn.exp_plain' [H, T, T] (exp of the scores, no shift) and its row sums."""
    for l in range(n_layer):
        name = f"h.{l}.attn"
        q, k, scores = trace[f"{name}.q"], trace[f"{name}.k"], trace[f"{name}.scores"]
        qk = q[:, :, None, :] * k[:, None, :, :]
        exp_plain = np.exp(scores)
        trace.update({f"{name}.qk": qk, f"{name}.qk_sum": qk.sum(axis=-1),
                      f"{name}.exp_plain": exp_plain, f"{name}.exp_plain_sum": exp_plain.sum(axis=-1)})
