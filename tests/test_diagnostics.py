"""Signal diagnostics: vanishing activations and gradients with bad initialisation, healthy He + ReLU."""

import numpy as np
import pytest

from dlcourse.diagnostics import (
    NORMALIZATIONS,
    batch_size_experiment,
    deep_network,
    normalization_layer,
    normalized_cnn,
    signal_experiment,
    symmetry_after_training,
)


@pytest.fixture(scope="module")
def batch():
    from dlcourse.data import load_dataset

    x, y = load_dataset("digits").sklearn_arrays("train")
    return x[:256], y[:256]


@pytest.fixture(scope="module")
def signals(batch):
    return signal_experiment(*batch, [("tanh", "small_random"), ("sigmoid", "xavier"), ("relu", "he")], depth=10)


def _hidden(stats, key):
    return np.array([s[key] for s in stats[:-1]])  # the 10 hidden layers, without the softmax layer


def test_small_random_init_makes_activations_vanish(signals):
    std = _hidden(signals["tanh/small_random"], "activation_std")
    assert std[-1] < 1e-5 * std[0]
    assert np.all(np.diff(np.log(std)) < 0)  # shrinks at every layer


def test_he_relu_keeps_the_signal(signals):
    std = _hidden(signals["relu/he"], "activation_std")
    assert 0.5 < std[-1] / std[0] < 2.0
    grads = _hidden(signals["relu/he"], "gradient_std")
    assert grads[0] > 0.05 * grads[-1]


def test_sigmoid_gradients_vanish_towards_the_input(signals):
    grads = _hidden(signals["sigmoid/xavier"], "gradient_std")
    assert grads[0] < 1e-4 * grads[-1]


def test_zero_initialisation_never_breaks_symmetry(batch):
    x, y = batch
    assert symmetry_after_training("zeros", x=x, y=y, steps=10) == 0.0
    assert symmetry_after_training("xavier", x=x, y=y, steps=10) > 0.01


def test_bad_names_are_rejected():
    with pytest.raises(ValueError, match="initializer must be one of"):
        deep_network(initializer="orthogonal")
    with pytest.raises(ValueError, match="activation must be one of"):
        deep_network(activation="swish")
    with pytest.raises(ValueError, match="kind must be one of"):
        normalization_layer("weight")


def test_normalisation_layers_are_keras_own_and_normalise():
    x = np.random.default_rng(0).normal(3.0, 5.0, size=(4, 6, 6, 8)).astype("float32")
    for kind in ("layer", "group", "instance"):
        out = np.asarray(normalization_layer(kind)(x))
        axes = {"layer": (1, 2, 3), "group": None, "instance": (1, 2)}[kind]
        if axes:
            np.testing.assert_allclose(out.mean(axis=axes), 0.0, atol=1e-4)
    assert normalization_layer("instance").groups == -1
    assert {type(normalized_cnn(k).get_layer("block1_norm")).__name__ for k in NORMALIZATIONS} == {
        "Identity", "BatchNormalization", "LayerNormalization", "GroupNormalization"}


def test_batch_size_experiment_reports_every_kind_and_size():
    from dlcourse.data import load_dataset

    results = batch_size_experiment(load_dataset("digits", image_size=8), kinds=("batch", "group"),
                                    batch_sizes=(4, 32), steps=3, limit=64)
    assert set(results) == {"batch", "group"} and all(set(v) == {4, 32} for v in results.values())
    assert all(0.0 <= acc <= 1.0 for v in results.values() for acc in v.values())
