"""The engine: shipped weights, the Trace against an independent reference, CLI, weights files."""
import math

import numpy as np
import pytest
from click.testing import CliRunner

from engine import (DEFAULT_WEIGHTS, GPTConfig, WeightsError, accuracy, count_parameters,
                    generate, load_weights, parse_input, save_weights)
from engine.model import init_params
from pipeline.cli import main as cli


@pytest.fixture(scope="module")
def model():
    return load_weights()


# ---- the shipped weights ----

def test_shipped_weights_sort_all_729_inputs(model):
    assert accuracy(model) == (729, 729)


def test_parameter_count():
    params = load_weights().params
    assert count_parameters(params, include_lm_head=False) == 85_584
    assert count_parameters(params) == 85_728
    assert count_parameters(init_params(GPTConfig(), np.random.default_rng(0))) == 85_728


# ---- the Trace against a plain reference forward (float64, one head at a time) ----

def reference_forward(params, tokens, n_head=3):
    """minGPT's forward written out with loops over heads and rows, in float64."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    T = len(tokens)
    C = p["transformer.wte.weight"].shape[1]
    A = C // n_head
    ref = {"tokens": np.array(tokens)}

    def ln(x, name, key):
        mean = np.array([row.sum() / C for row in x])
        var = np.array([((row - m) ** 2).sum() / C for row, m in zip(x, mean)])
        std = np.sqrt(var + 1e-5)
        norm = (x - mean[:, None]) / std[:, None]
        out = norm * p[f"{key}.weight"] + p[f"{key}.bias"]
        ref.update({f"{name}.mean": mean, f"{name}.var": var, f"{name}.std": std,
                    f"{name}.norm": norm, f"{name}.out": out})
        return out

    def dense(x, key, bias=True):
        W = p[f"{key}.weight"]
        return np.array([[W[o] @ row + (p[f"{key}.bias"][o] if bias else 0.0)
                          for o in range(W.shape[0])] for row in x])

    ref["tok_emb"] = np.stack([p["transformer.wte.weight"][t] for t in tokens])
    ref["pos_emb"] = np.stack([p["transformer.wpe.weight"][t] for t in range(T)])
    x = ref["x"] = ref["tok_emb"] + ref["pos_emb"]
    for l in range(len({k.split(".")[2] for k in p if k.startswith("transformer.h.")})):
        pre, name = f"transformer.h.{l}", f"h.{l}"
        h = ln(x, f"{name}.ln_1", f"{pre}.ln_1")
        qkv = ref[f"{name}.attn.qkv"] = dense(h, f"{pre}.attn.c_attn")
        q = np.stack([qkv[:, hd * A:(hd + 1) * A] for hd in range(n_head)])
        k = np.stack([qkv[:, C + hd * A:C + (hd + 1) * A] for hd in range(n_head)])
        v = np.stack([qkv[:, 2 * C + hd * A:2 * C + (hd + 1) * A] for hd in range(n_head)])
        scores = np.full((n_head, T, T), -np.inf)
        qk = np.array([[[q[hd, i] * k[hd, j] for j in range(T)] for i in range(T)] for hd in range(n_head)])
        for hd in range(n_head):
            for i in range(T):
                for j in range(i + 1):   # causal: position i sees 0..i
                    scores[hd, i, j] = q[hd, i] @ k[hd, j] / math.sqrt(A)
        scores_max = scores.max(-1)
        qk_sum = np.array([[[q[hd, i] @ k[hd, j] for j in range(T)] for i in range(T)] for hd in range(n_head)])
        shifted = scores - scores_max[..., None]
        exp_plain = np.exp(scores)
        exp = np.exp(scores - scores_max[..., None])
        exp_sum = exp.sum(-1)
        probs = exp / exp_sum[..., None]
        heads = np.stack([probs[hd] @ v[hd] for hd in range(n_head)])
        concat = np.concatenate(list(heads), axis=1)
        proj = dense(concat, f"{pre}.attn.c_proj")
        ref.update({f"{name}.attn.q": q, f"{name}.attn.k": k, f"{name}.attn.v": v, f"{name}.attn.qk": qk,
                    f"{name}.attn.qk_sum": qk_sum, f"{name}.attn.shifted": shifted,
                    f"{name}.attn.exp_plain": exp_plain, f"{name}.attn.exp_plain_sum": exp_plain.sum(-1),
                    f"{name}.attn.scores": scores, f"{name}.attn.scores_max": scores_max,
                    f"{name}.attn.exp": exp, f"{name}.attn.exp_sum": exp_sum,
                    f"{name}.attn.probs": probs, f"{name}.attn.heads": heads,
                    f"{name}.attn.concat": concat, f"{name}.attn.proj": proj})
        x = ref[f"{name}.resid_1"] = x + proj
        h = ln(x, f"{name}.ln_2", f"{pre}.ln_2")
        fc = ref[f"{name}.mlp.fc"] = dense(h, f"{pre}.mlp.c_fc")
        act = ref[f"{name}.mlp.gelu"] = np.array(
            [[0.5 * u * (1 + math.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3))) for u in row]
             for row in fc])
        proj = ref[f"{name}.mlp.proj"] = dense(act, f"{pre}.mlp.c_proj")
        x = ref[f"{name}.out"] = x + proj
    h = ln(x, "ln_f", "transformer.ln_f")
    logits = ref["logits"] = dense(h, "lm_head", bias=False)
    e = np.exp(logits - logits.max(-1, keepdims=True))
    ref["probs"] = e / e.sum(-1, keepdims=True)
    return ref


REQUIRED = ["tokens", "tok_emb", "pos_emb", "x", "logits", "probs"] + [
    f"{ln}.{part}" for ln in ["ln_f"] + [f"h.{l}.ln_{i}" for l in range(3) for i in (1, 2)]
    for part in ("mean", "var", "norm", "out")] + [
    f"h.{l}.{part}" for l in range(3) for part in (
        "attn.q", "attn.k", "attn.v", "attn.scores", "attn.probs", "attn.heads", "attn.concat",
        "attn.proj", "resid_1", "mlp.fc", "mlp.gelu", "mlp.proj", "out")]


@pytest.mark.parametrize("text, step", [("CBABBC", 0), ("CBABBC", 5), ("AACBCA", 2)])
def test_trace_matches_reference_forward(model, text, step):
    run = generate(model, parse_input(text))
    trace = run.steps[step].trace
    T = 6 + step
    ref = reference_forward(model.params, run.steps[step].sequence.tolist())
    assert set(REQUIRED) <= set(trace)
    assert set(trace) == set(ref), "every name in the Trace must be checked here"
    for name, expected in ref.items():
        actual = trace[name]
        assert actual.shape == expected.shape, name
        if name.endswith(".scores"):
            masked = ~np.tril(np.ones((T, T), dtype=bool))
            assert np.isneginf(actual[:, masked]).all(), name
            assert np.isfinite(actual[:, ~masked]).all(), name
        scale = np.abs(expected[np.isfinite(expected)]).max()
        np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5 * max(scale, 1.0),
                                   err_msg=name)
    assert trace["h.0.attn.q"].shape == (3, T, 16)
    assert trace["h.2.attn.probs"].shape == (3, T, T)
    np.testing.assert_allclose(trace["h.1.attn.probs"].sum(-1), 1.0, rtol=1e-5)


def test_generation_reads_position_5_plus_k(model):
    run = generate(model, parse_input("CBABBC"))
    assert run.output_letters == "ABBBCC"
    for k, step in enumerate(run.steps):
        assert step.position == 5 + k and len(step.sequence) == 6 + k
        np.testing.assert_array_equal(step.logits, step.trace["logits"][5 + k])
        assert step.chosen == int(np.argmax(step.logits))


# ---- sampling ----

def test_sampling_is_reproducible_for_a_seed(model):
    tokens = parse_input("CBABBC")
    outputs = set()
    for seed in range(6):
        a = generate(model, tokens, sample=True, temperature=8.0, top_k=2, seed=seed)
        b = generate(model, tokens, sample=True, temperature=8.0, top_k=2, seed=seed)
        assert a.output_letters == b.output_letters
        for step in a.steps:   # top_k=2 leaves the least likely token impossible
            assert (step.probs == 0).sum() == 1 and step.probs[step.chosen] > 0
        outputs.add(a.output_letters)
    assert len(outputs) > 1, "a high temperature should make different seeds differ"


def test_top_k_1_is_greedy(model):
    for text in ("CBABBC", "CCCAAB", "BABABA"):
        greedy = generate(model, parse_input(text))
        for seed in range(3):
            sampled = generate(model, parse_input(text), sample=True, temperature=5.0, top_k=1, seed=seed)
            assert sampled.output_letters == greedy.output_letters


# ---- the CLI ----

def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_one_line_error(result, code, *fragments):
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, (KeyError, ValueError))
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.parametrize("command", ["predict", "trace"])
@pytest.mark.parametrize("text, fragments", [
    ("CBAB", ["4 tokens", "six tokens"]),
    ("CBABBCA", ["7 tokens"]),
    ("CBAXBC", ["'X' at position 4"]),
    ("2,1,0,1,5,2", ["'5' at position 5"]),
    ("CBA012", ["mixes letters and numbers"]),
    ("", ["0 tokens"]),
])
def test_bad_input_is_one_line_and_exit_code_2(command, text, fragments, tmp_path):
    extra = ["--out", tmp_path / "t.npz"] if command == "trace" else []
    assert_one_line_error(invoke(command, text, *extra), 2, *fragments)


def test_predict(tmp_path):
    result = invoke("predict", "cbabbc")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "CBABBC -> ABBBCC" and len(lines) == 7
    assert invoke("predict", "2,1,0,1,1,2").output.splitlines()[0] == "CBABBC -> ABBBCC"


@pytest.mark.parametrize("step", [0, 3])
def test_trace_writes_arrays_by_name(model, tmp_path, step):
    out = tmp_path / "deep" / "t.npz"
    result = invoke("trace", "CBABBC", "--step", step, "--out", out)
    assert result.exit_code == 0, result.output
    T = 6 + step
    expected = generate(model, parse_input("CBABBC")).steps[step].trace
    with np.load(out) as npz:
        assert set(npz.files) == set(expected)
        assert npz["tokens"].shape == (T,) and npz["logits"].shape == (T, 3)
        assert npz["h.0.attn.scores"].shape == (3, T, T) and npz["h.2.mlp.fc"].shape == (T, 192)
        for name in expected:
            np.testing.assert_array_equal(npz[name], expected[name])
    # click's own range check (it adds a usage line): exit code 2, no traceback
    result = invoke("trace", "CBABBC", "--step", 6, "--out", out)
    assert result.exit_code == 2 and "--step 6" in result.output and "allowed: 0, 1, 2, 3, 4, 5" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_eval_prints_729_of_729():
    result = invoke("eval")
    assert result.exit_code == 0 and result.output.strip() == "729/729"


# ---- weights files ----

def shipped_arrays():
    with np.load(DEFAULT_WEIGHTS) as npz:
        return {k: npz[k] for k in npz.files}


def write(path, arrays):
    np.savez(path, **arrays)
    return path


def bad_files(tmp_path):
    arrays = shipped_arrays()
    missing = {k: v for k, v in arrays.items() if k != "transformer.h.1.mlp.c_fc.bias"}
    extra = {**arrays, "transformer.h.0.attn.rotary": np.zeros(3)}
    shape = {**arrays, "transformer.h.2.attn.c_proj.weight": np.zeros((48, 47), np.float32)}
    nan = {**arrays, "lm_head.weight": np.full((3, 48), np.nan, np.float32)}
    (tmp_path / "junk.npz").write_text("not a zip")
    return [
        (write(tmp_path / "missing.npz", missing), ["missing key", "'transformer.h.1.mlp.c_fc.bias'"]),
        (write(tmp_path / "extra.npz", extra), ["unexpected key", "'transformer.h.0.attn.rotary'"]),
        (write(tmp_path / "shape.npz", shape), ["'transformer.h.2.attn.c_proj.weight'", "(48, 47)", "(48, 48)"]),
        (write(tmp_path / "nan.npz", nan), ["'lm_head.weight'", "NaN"]),
        (tmp_path / "junk.npz", ["not a readable .npz"]),
        (tmp_path / "absent.npz", ["no such weights file"]),
    ]


def test_each_bad_weights_file_gets_its_error(tmp_path):
    for path, fragments in bad_files(tmp_path):
        with pytest.raises(WeightsError) as err:
            load_weights(path)
        message = str(err.value)
        assert str(path) in message and "\n" not in message
        for fragment in fragments:
            assert fragment in message, (fragment, message)


def test_bad_weights_via_cli_is_one_line(tmp_path):
    for path, fragments in bad_files(tmp_path):
        result = invoke("predict", "CBABBC", "--weights", path)
        assert result.exit_code != 0
        assert_one_line_error(result, result.exit_code, str(path), *fragments)


def test_mingpt_attention_mask_buffers_load(model, tmp_path):
    arrays = shipped_arrays()
    mask = np.tril(np.ones((11, 11), np.float32))[None, None]
    path = write(tmp_path / "mingpt.npz", {**arrays, **{f"transformer.h.{l}.attn.bias": mask for l in range(3)}})
    loaded = load_weights(path)
    assert set(loaded.params) == set(model.params)
    assert generate(loaded, parse_input("CBABBC")).output_letters == "ABBBCC"


def test_save_then_load_round_trips(model, tmp_path):
    save_weights(model, tmp_path / "w.npz")
    loaded = load_weights(tmp_path / "w.npz")
    assert loaded.config == model.config
    for name, value in model.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)


def test_demo_draw_is_seeded_and_inverse_cdf(model):
    from engine.generate import DEMO_TOP_K, draw_token
    run = generate(model, parse_input("CBABBC"))
    again = generate(model, parse_input("CBABBC"))
    for a, b in zip(run.steps, again.steps):
        np.testing.assert_array_equal(a.demo_u, b.demo_u)
        cum = a.demo_cumulative
        for u, k in zip(a.demo_u, a.demo_draw):
            assert 0 <= u < 1 and (k == 0 or cum[k - 1] <= u) and (u < cum[k] or k == len(cum) - 1)
        assert abs(a.demo_probs.sum() - 1) < 1e-5 and abs(a.demo_top_k.sum() - 1) < 1e-5
        assert (a.demo_top_k > 0).sum() == DEMO_TOP_K
    assert draw_token([0.2, 0.5, 0.3], 0.1) == 0 and draw_token([0.2, 0.5, 0.3], 0.69) == 1
    assert draw_token([0.2, 0.5, 0.3], 0.7) == 2
