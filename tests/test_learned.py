"""What the model learned (engine/learned.py) against an independent float64 forward pass, and
the `learned` command."""
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from engine import generate, load_weights, parse_input
from engine.generate import all_inputs, one_blas_thread, predict_batch
from engine.learned import JSON_KEYS, learned, readouts
from pipeline.cli import main as cli

SEED1_WEIGHTS = "tests/fixtures/sort-seed1.npz"   # `nanogpt-video train --seed 1`: another story


def reference(params, seqs, head_mask=None):
    """minGPT's forward in float64, one head at a time with einsum (no engine code): logits
    [N, T, V], the residual stream after every attention and MLP, and every layer's attention
    probabilities [N, H, T, T]."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    n_layer = len({k.split(".")[2] for k in p if k.startswith("transformer.h.")})
    C = p["transformer.wte.weight"].shape[1]
    H, T = 3, seqs.shape[1]
    A = C // H

    def ln(x, key):
        mu = x.mean(-1, keepdims=True)
        sigma = np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + 1e-5)
        return (x - mu) / sigma * p[f"{key}.weight"] + p[f"{key}.bias"]

    def dense(x, key):
        return x @ p[f"{key}.weight"].T + p.get(f"{key}.bias", 0.0)

    x = p["transformer.wte.weight"][seqs] + p["transformer.wpe.weight"][np.arange(T)]
    streams, probs = {}, []
    future = np.triu(np.ones((T, T), dtype=bool), k=1)
    for l in range(n_layer):
        pre = f"transformer.h.{l}"
        qkv = dense(ln(x, f"{pre}.ln_1"), f"{pre}.attn.c_attn")
        heads, layer_probs = [], []
        for h in range(H):
            q, k, v = (qkv[..., i * C + h * A:i * C + (h + 1) * A] for i in range(3))
            s = np.einsum("nia,nja->nij", q, k) / math.sqrt(A)
            s[:, future] = -np.inf
            e = np.exp(s - s.max(-1, keepdims=True))
            a = e / e.sum(-1, keepdims=True)
            layer_probs.append(a)
            keep = 1.0 if head_mask is None else head_mask[l][h]
            heads.append(keep * np.einsum("nij,nja->nia", a, v))
        probs.append(np.stack(layer_probs, axis=1))
        x = streams[f"h.{l}.attn"] = x + dense(np.concatenate(heads, -1), f"{pre}.attn.c_proj")
        fc = dense(ln(x, f"{pre}.ln_2"), f"{pre}.mlp.c_fc")
        gelu = 0.5 * fc * (1 + np.tanh(math.sqrt(2 / math.pi) * (fc + 0.044715 * fc ** 3)))
        x = streams[f"h.{l}.mlp"] = x + dense(gelu, f"{pre}.mlp.c_proj")
    read = lambda stream: ln(stream, "transformer.ln_f") @ p["lm_head.weight"].T
    return read(x), {name: read(s) for name, s in streams.items()}, probs


def sorted_by_reference(params, head_mask=None) -> int:
    """Greedy decoding, six steps, all 729 inputs, with the reference forward."""
    seqs = all_inputs()
    for _ in range(6):
        logits, _, _ = reference(params, seqs, head_mask)
        seqs = np.concatenate([seqs, logits[:, -1].argmax(-1)[:, None]], axis=1)
    return int((seqs[:, 6:] == np.sort(seqs[:, :6], axis=1)).all(axis=1).sum())


@pytest.fixture(scope="module", autouse=True)
def blas_on_one_thread():
    """The reference's small matrices: OpenBLAS's spinning threads only slow a busy machine."""
    with one_blas_thread():
        yield


@pytest.fixture(scope="module", params=["engine/weights/sort.npz", SEED1_WEIGHTS])
def case(request):
    run = generate(load_weights(request.param), parse_input("CBABBC"))
    return run, learned(run)


def off(n_layer, n_head, layer, head=None):
    mask = np.ones((n_layer, n_head))
    mask[layer, slice(None) if head is None else head] = 0
    return mask


def test_layer_ablations_match_greedy_decoding_with_the_reference(case):
    """Six real greedy steps of an independent forward pass, with each layer's attention off:
    the engine counts with one teacher-forced pass instead (the shortcut its docstring argues
    for), so this also checks the shortcut."""
    run, result = case
    cfg = run.config
    for l in range(cfg.n_layer):
        assert result.sorted_without_layer_attention[l] == sorted_by_reference(
            run.weights, off(cfg.n_layer, cfg.n_head, l)), f"layer {l}"
    assert result.sorted_all == result.total == 729


def test_head_ablations_match_the_reference(case):
    """Every head off in turn, counted by the reference with the correct prefix given."""
    run, result = case
    cfg = run.config
    inputs = all_inputs()
    targets = np.sort(inputs, axis=1)
    seqs = np.concatenate([inputs, targets[:, :-1]], axis=1)
    for l in range(cfg.n_layer):
        for h in range(cfg.n_head):
            logits, _, _ = reference(run.weights, seqs, off(cfg.n_layer, cfg.n_head, l, h))
            assert result.sorted_without_head[l][h] == int((logits[:, 5:].argmax(-1) == targets).all(1).sum())


def test_logit_lens_and_focus_match_the_reference(case):
    run, result = case
    inputs = all_inputs()
    targets = np.sort(inputs, axis=1)
    _, lens, probs = reference(run.weights, np.concatenate([inputs, targets[:, :-1]], axis=1))
    assert [row["after"] for row in result.logit_lens] == readouts(run.config.n_layer)
    for row in result.logit_lens:
        right = (lens[row["after"]][:, 5:].argmax(-1) == targets).mean()
        assert row["right"] == pytest.approx(right, abs=1e-9), row["after"]
    assert result.logit_lens[-1]["right"] == 1.0   # the whole model sorts every input
    for l, layer_probs in enumerate(probs):
        for h in range(run.config.n_head):
            for k in range(6):
                on_letter = (layer_probs[:, h, 5 + k, :6] * (inputs == targets[:, k:k + 1])).sum(1).mean()
                assert result.focus[l][h][k] == pytest.approx(on_letter, abs=1e-5), (l, h, k)
    even = [(inputs == targets[:, k:k + 1]).sum(1).mean() / 6 for k in range(6)]
    np.testing.assert_allclose(result.even_share, even, atol=1e-12)


def test_run_lens_reads_the_runs_own_steps(case):
    run, result = case
    seq = np.concatenate([run.input_tokens, run.output_tokens[:-1]])[None]
    _, lens, _ = reference(run.weights, seq)
    for i, after in enumerate(readouts(run.config.n_layer)):
        logits = lens[after][0, 5:]
        e = np.exp(logits - logits.max(-1, keepdims=True))
        np.testing.assert_allclose(result.run_lens[:, i], e / e.sum(-1, keepdims=True), atol=1e-5)
    # the last read-out is the model's own output: the letter each step wrote wins there
    assert (result.run_lens[:, -1].argmax(-1) == run.output_tokens).all()


def test_broken_examples_are_really_broken(case):
    run, result = case
    cfg = run.config
    for l, broken in enumerate(result.broken):
        if result.sorted_without_layer_attention[l] == result.total:
            assert broken is None
            continue
        written = predict_batch(run.model, broken.input_tokens[None], head_mask=off(cfg.n_layer, cfg.n_head, l))[0]
        np.testing.assert_array_equal(written, broken.output_tokens)
        assert (written != np.sort(broken.input_tokens)).any()


def test_the_two_weights_tell_different_stories():
    """The claims test needs weights on which the sentences must change."""
    shipped = learned(generate(load_weights(), parse_input("CBABBC")))
    other = learned(generate(load_weights(SEED1_WEIGHTS), parse_input("CBABBC")))
    assert shipped.sorted_without_layer_attention != other.sorted_without_layer_attention
    assert {n for row in shipped.sorted_without_head for n in row} == {729}
    assert min(n for row in other.sorted_without_head for n in row) < 729


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_learned_command(fmt):
    result = CliRunner().invoke(cli, ["learned", "--format", fmt, "--weights", SEED1_WEIGHTS])
    assert result.exit_code == 0, result.output
    run = generate(load_weights(SEED1_WEIGHTS), parse_input("CBABBC"))
    expected = learned(run).to_json()
    if fmt == "json":
        data = json.loads(result.output)
        assert tuple(data) == JSON_KEYS
        assert data == json.loads(json.dumps(expected))
        assert [len(row) for row in data["focus"]] == [3, 3, 3] and len(data["even_share"]) == 6
    else:
        assert f"{expected['sorted_without_layer_attention'][0]}" in result.output
        assert "layer 1 head 2" in result.output


@pytest.mark.parametrize("args, message", [
    (["--input", "ABCD"], "six tokens"),
    (["--format", "xml"], "'xml' is not one of"),
    (["--weights", "/no/such.npz"], "no such weights file"),
])
def test_learned_command_refuses_bad_values_in_one_line(args, message):
    result = CliRunner().invoke(cli, ["learned", *args])
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_measurements_are_kept_on_disk_and_read_back_equal(tmp_path, monkeypatch):
    """A second process reads the measurements instead of spending ~2 s again."""
    import engine.learned as module

    monkeypatch.setenv("NANOGPT_MEDIA_DIR", str(tmp_path))
    monkeypatch.setattr(module, "_MEASURED", {})
    model = load_weights(SEED1_WEIGHTS)
    fresh = module.measure(model)
    assert list((tmp_path / "cache" / "learned").glob("*.json"))
    monkeypatch.setattr(module, "_MEASURED", {})
    monkeypatch.setattr(module, "_measure", lambda model: pytest.fail("measured again"))
    again = module.measure(model)
    assert again.sorted_without_head == fresh.sorted_without_head and again.focus == fresh.focus
    assert again.logit_lens == fresh.logit_lens and again.even_share == fresh.even_share
    for a, b in zip(again.sorted_without_layer, fresh.sorted_without_layer):
        np.testing.assert_array_equal(a, b)
