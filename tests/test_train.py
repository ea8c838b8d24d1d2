"""The numpy trainer: hand-written gradients, minGPT's AdamW, determinism."""
import math

import numpy as np
import pytest

from engine.generate import all_inputs
from engine.model import GPTConfig, init_params, parameter_shapes
from engine.train import (AdamW, Dropout, TrainConfig, clip_grad_norm, decayed, loss_and_grads,
                          make_examples, split_inputs, train)

CONFIG = GPTConfig()


def perturbed_params(seed=1):
    """float64 parameters away from minGPT's init (LayerNorm gains 1, biases 0 would hide
    mistakes that only show when those parameters matter)."""
    rng = np.random.default_rng(seed)
    params = init_params(CONFIG, rng)
    return {k: v.astype(np.float64) + rng.normal(0.0, 0.1, v.shape) for k, v in params.items()}


def test_every_parameter_gradient_matches_finite_differences():
    params = perturbed_params()
    rng = np.random.default_rng(2)
    x, y = make_examples(all_inputs()[rng.integers(0, 729, 4)])

    def loss_and_grads_fixed_masks():
        # A freshly seeded rng draws the same dropout masks each call, so the loss is a
        # deterministic function of the parameters and dropout's backward is checked too.
        return loss_and_grads(params, CONFIG, x, y, Dropout(0.2, np.random.default_rng(5)))

    _, grads = loss_and_grads_fixed_masks()
    assert set(grads) == set(params)
    eps = 1e-5
    for name, param in params.items():
        assert grads[name].shape == param.shape and grads[name].dtype == np.float64, name
        flat = param.reshape(-1)
        for i in rng.choice(flat.size, 3, replace=False):
            old = flat[i]
            flat[i] = old + eps
            loss_plus, _ = loss_and_grads_fixed_masks()
            flat[i] = old - eps
            loss_minus, _ = loss_and_grads_fixed_masks()
            flat[i] = old
            numeric = (loss_plus - loss_minus) / (2 * eps)
            analytic = grads[name].reshape(-1)[i]
            # relative error, with a floor for entries whose gradient is ~0 (the K bias: a
            # constant added to every score of a row does not change the softmax)
            error = abs(numeric - analytic) / max(abs(numeric), abs(analytic), 1e-6)
            assert error < 1e-4, f"{name}[{i}]: numeric {numeric:.6g}, analytic {analytic:.6g}"


def test_gradients_are_not_all_tiny():
    """Guards the check above: most tensors get gradients well above its 1e-6 floor."""
    params = perturbed_params()
    x, y = make_examples(all_inputs()[:4])
    _, grads = loss_and_grads(params, CONFIG, x, y)
    small = [k for k, g in grads.items() if np.abs(g).max() < 1e-4]
    # only the key biases, whose true gradient is zero
    assert small == [f"transformer.h.{l}.attn.c_attn.bias" for l in range(3)] or not small
    for l in range(3):
        key_bias = grads[f"transformer.h.{l}.attn.c_attn.bias"][48:96]
        assert np.abs(key_bias).max() < 1e-12


def test_examples_mask_the_input_positions():
    x, y = make_examples(np.array([[2, 1, 0, 1, 1, 2]]))
    assert x.tolist() == [[2, 1, 0, 1, 1, 2, 0, 1, 1, 1, 2]]
    assert y.tolist() == [[-1, -1, -1, -1, -1, 0, 1, 1, 1, 2, 2]]


def test_split_is_disjoint_and_covers_all_inputs():
    train_inputs, held = split_inputs(np.random.default_rng(0), 0.1)
    assert len(held) == 73 and len(train_inputs) == 656
    codes = lambda a: set((a @ 3 ** np.arange(6)).tolist())
    assert codes(train_inputs) | codes(held) == set(range(729))
    assert not codes(train_inputs) & codes(held)


def test_weight_decay_only_on_linear_weights():
    names = set(parameter_shapes(CONFIG))
    expected = {n for n in names if n.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight"))}
    expected.add("lm_head.weight")
    assert {n for n in names if decayed(n)} == expected
    assert len(expected) == 3 * 4 + 1


def test_adamw_matches_hand_computed_steps():
    lr, betas, eps, wd = 0.1, (0.9, 0.95), 1e-8, 0.5
    params = {"lm_head.weight": np.array([1.0, -2.0]), "transformer.ln_f.bias": np.array([1.0, -2.0])}
    opt = AdamW(params, lr, betas, eps, wd)
    g1 = np.array([0.5, -0.25])
    opt.step(params, {k: g1.copy() for k in params})
    # step 1: bias-corrected m / sqrt(v) is sign(g); decay shrinks the Linear weight first
    np.testing.assert_allclose(params["lm_head.weight"], [1.0 * 0.95 - 0.1, -2.0 * 0.95 + 0.1], rtol=1e-6)
    np.testing.assert_allclose(params["transformer.ln_f.bias"], [0.9, -1.9], rtol=1e-6)
    after_1 = {k: v.copy() for k, v in params.items()}
    g2 = np.array([1.0, 0.5])
    opt.step(params, {k: g2.copy() for k in params})
    # step 2 by hand: m = 0.9 * 0.1 g1 + 0.1 g2, v = 0.95 * 0.05 g1^2 + 0.05 g2^2
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.95 * 0.05 * g1 ** 2 + 0.05 * g2 ** 2
    update = lr * (m / (1 - 0.9 ** 2)) / (np.sqrt(v / (1 - 0.95 ** 2)) + eps)
    np.testing.assert_allclose(params["transformer.ln_f.bias"],
                               after_1["transformer.ln_f.bias"] - update, rtol=1e-12)
    np.testing.assert_allclose(params["lm_head.weight"],
                               after_1["lm_head.weight"] * (1 - lr * wd) - update, rtol=1e-12)


def test_adamw_zero_gradient_only_decays():
    params = {"transformer.h.0.mlp.c_fc.weight": np.ones(3), "transformer.wte.weight": np.ones(3)}
    AdamW(params, 5e-4, (0.9, 0.95), 1e-8, 0.1).step(params, {k: np.zeros(3) for k in params})
    np.testing.assert_array_equal(params["transformer.h.0.mlp.c_fc.weight"], np.full(3, 1 - 5e-5))
    np.testing.assert_array_equal(params["transformer.wte.weight"], np.ones(3))  # embeddings: no decay


def test_clip_grad_norm_scales_all_gradients_together():
    grads = {"a": np.array([3.0]), "b": np.array([0.0, 4.0])}
    assert clip_grad_norm(grads, 1.0) == pytest.approx(5.0)
    total = math.sqrt(sum(float((g ** 2).sum()) for g in grads.values()))
    assert total == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(grads["a"] / grads["b"][1], 0.75)
    small = {"a": np.array([0.3])}
    clip_grad_norm(small, 1.0)
    assert small["a"][0] == 0.3  # under the limit: untouched


def test_training_is_deterministic_for_a_seed():
    config = TrainConfig(iterations=4)
    a, held_a, losses_a = train(7, config)
    b, held_b, losses_b = train(7, config)
    c, _, _ = train(8, config)
    np.testing.assert_array_equal(losses_a, losses_b)
    np.testing.assert_array_equal(held_a, held_b)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
        assert a.params[name].dtype == np.float32
    assert not np.array_equal(a.params["lm_head.weight"], c.params["lm_head.weight"])


def test_a_short_training_lowers_the_loss():
    _, _, losses = train(0, TrainConfig(iterations=40))
    assert losses[0] > 1.0  # ~ln 3 at init
    assert losses[-10:].mean() < 0.6 * losses[0]
