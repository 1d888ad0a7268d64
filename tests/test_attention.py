"""Attention from the formula equals keras.layers.MultiHeadAttention; the pre-norm encoder block;
attention maps; the one-block attention classifier; count_macs on attention."""

import keras
import numpy as np
import pytest

from dlcourse.analysis import count_macs
from dlcourse.models.sequence.transformer import attention_maps, attention_rows, transformer_encoder_block
from dlcourse.sequence import multi_head_attention, scaled_dot_product_attention


def _numpy_attention(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    return weights @ v, weights


def test_scaled_dot_product_attention_is_the_formula():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 4, 8)), rng.normal(size=(2, 6, 8)), rng.normal(size=(2, 6, 3))
    mask = rng.uniform(size=(2, 4, 6)) > 0.3
    mask[..., 0] = True  # every query sees at least one key
    for m in (None, mask):
        out, weights = scaled_dot_product_attention(q.astype("float32"), k.astype("float32"), v.astype("float32"), m)
        expected_out, expected_weights = _numpy_attention(q, k, v, m)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(out), expected_out, atol=1e-5)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(weights), expected_weights, atol=1e-6)
    assert np.all(keras.ops.convert_to_numpy(weights)[~mask] == 0)


@pytest.mark.parametrize("masked", ["none", "causal", "padding"])
def test_multi_head_attention_equals_keras_on_transplanted_weights(masked):
    rng = np.random.default_rng(1)
    query = rng.normal(size=(2, 5, 12)).astype("float32")
    value = rng.normal(size=(2, 7, 12)).astype("float32")  # cross-attention: other length
    layer = keras.layers.MultiHeadAttention(num_heads=3, key_dim=4)
    layer(query, value)
    weights = [w + rng.normal(scale=0.1, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    mask = None
    if masked == "causal":
        mask = np.tril(np.ones((5, 7), bool))[None].repeat(2, 0)
    elif masked == "padding":  # the second example's last 3 keys are padding
        mask = np.ones((2, 5, 7), bool)
        mask[1, :, 4:] = False
    expected, expected_scores = layer(query, value, attention_mask=mask, return_attention_scores=True)
    ours, scores = multi_head_attention(query, value, weights, mask=mask)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(expected), atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(scores), keras.ops.convert_to_numpy(expected_scores),
                               atol=1e-6)
    assert scores.shape == (2, 3, 5, 7)


def test_keras_attention_parameter_counts():
    layer = keras.layers.MultiHeadAttention(num_heads=12, key_dim=64)
    layer(np.zeros((1, 2, 768), "float32"), np.zeros((1, 2, 768), "float32"))
    assert layer.count_params() == 4 * 768 ** 2 + 4 * 768 == 2_362_368


def test_encoder_block_is_pre_norm_with_the_stated_count():
    x = keras.Input((17, 64))
    model = keras.Model(x, transformer_encoder_block(x, num_heads=4, mlp_dim=128, name="enc1"))
    d, m = 64, 128
    assert model.count_params() == (4 * d * d + 4 * d) + (2 * d * m + m + d) + 4 * d == 33_472
    # pre-norm: the attention reads the layer norm of the input, and the input goes straight to the sum
    attention = model.get_layer("enc1_attention")
    assert attention.input[0].name == model.get_layer("enc1_ln1").output.name
    assert model.get_layer("enc1_add1").input[0].name == x.name


def test_heads_must_divide_the_width():
    with pytest.raises(ValueError, match="num_heads 5 must divide the width 64"):
        transformer_encoder_block(keras.Input((3, 64)), num_heads=5, mlp_dim=8, name="b")
    with pytest.raises(ValueError, match="weights must be the 8 arrays"):
        multi_head_attention(np.zeros((1, 2, 4)), np.zeros((1, 2, 4)), [np.zeros(1)])


def test_attention_maps_are_keras_scores_and_sum_to_one():
    model = attention_rows(input_shape=(8, 8, 1))
    x = np.random.default_rng(2).uniform(size=(3, 8, 8, 1)).astype("float32")
    maps = attention_maps(model, x)
    assert list(maps) == ["encoder1_attention"]
    scores = maps["encoder1_attention"]
    assert scores.shape == (3, 4, 8, 8)
    np.testing.assert_allclose(scores.sum(-1), 1, atol=1e-5)
    with pytest.raises(ValueError, match="has no MultiHeadAttention layer"):
        attention_maps(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]), np.zeros((1, 2)))


def test_attention_rows_count_and_macs():
    model = attention_rows()
    assert model.count_params() == 37_898  # the README and registry figure
    macs = count_macs(model).by_layer
    t, d, heads = 28, 64, 4
    assert macs["encoder1_attention"] == 3 * t * d * d + heads * t * t * 2 * (d // heads) + t * d * d
    assert macs["row_embedding"] == t * 28 * d and macs["encoder1_mlp1"] == t * d * 128
    assert count_macs(model).total == 1_068_672
