"""Bias-variance decomposition, bagging and boosting."""

import keras
import numpy as np
import pytest

from dlcourse.validation import (
    Ensemble, bagging, bias_variance, boosting, decompose, mlp_capacities, noisy_labels, plot_bias_variance,
    polynomial_bias_variance, run_folds, single_model,
)
from dlcourse.models import mlp


@pytest.fixture(scope="module")
def small8():
    from dlcourse.data import load_dataset

    return load_dataset("digits", image_size=8, limit=300)


def test_decomposition_is_exact_and_variance_vanishes_for_identical_models():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(4), size=(5, 30))
    labels = rng.integers(0, 4, 30)
    parts = decompose(probabilities, labels)
    assert parts["error"] == pytest.approx(parts["bias2"] + parts["variance"])
    same = decompose(np.repeat(probabilities[:1], 5, axis=0), labels)
    assert same["variance"] == pytest.approx(0.0) and same["error"] == pytest.approx(same["bias2"])
    perfect = decompose(np.eye(4)[np.tile(labels, (3, 1))], labels)
    assert perfect == {"bias2": 0.0, "variance": 0.0, "error": 0.0, "accuracy": 1.0, "ensemble_accuracy": 1.0}


def test_bias_variance_measures_each_capacity(small8):
    rows = bias_variance(mlp_capacities((2, 32)), small8, rounds=2, epochs=3)
    assert [r["label"] for r in rows] == ["mlp-2", "mlp-32"] and rows[0]["params"] < rows[1]["params"]
    assert all(r["variance"] > 0 and r["error"] == pytest.approx(r["bias2"] + r["variance"]) for r in rows)
    with pytest.raises(ValueError, match="rounds must be an integer >= 2"):
        bias_variance(mlp_capacities((2,)), small8, rounds=1)


class _Fixed(keras.Model):
    """A 'model' whose predictions are given: to check how an ensemble combines them."""

    def __init__(self, outputs):
        super().__init__()
        self.outputs_ = np.asarray(outputs, dtype="float32")

    def __call__(self, x, training=False):
        return self.outputs_


def test_votes_combine_members_as_documented():
    a, b, c = _Fixed([[0.9, 0.1]]), _Fixed([[0.4, 0.6]]), _Fixed([[0.45, 0.55]])
    x = np.zeros((1, 2))
    assert Ensemble([a, b, c], "average").predict(x).tolist() == [0]    # mean 0.58 vs 0.42
    assert Ensemble([a, b, c], "majority").predict(x).tolist() == [1]   # two votes for class 1
    assert Ensemble([a, b, c], "weighted", [3.0, 1.0, 1.0]).predict(x).tolist() == [0]


def _mlp(units, activation="relu"):
    return lambda: mlp(hidden_units=units, activation=activation, input_shape=(8, 8, 1), classes=10)


@pytest.mark.slow
def test_bagging_lowers_the_variance_of_a_high_variance_learner(small8):
    # lesson 7: a wide MLP on few digits with 30% wrong labels; bagged, it beats its members and one model
    noisy = noisy_labels(small8, 0.3)
    single = single_model(_mlp((256,)), noisy, epochs=40, batch_size=32)
    ensemble = bagging(_mlp((256,)), noisy, members=3, epochs=40, batch_size=32)
    outputs = ensemble.member_probabilities(small8.x_test)
    assert not np.allclose(outputs[0], outputs[1])                       # bootstrap samples: distinct members
    parts = decompose(outputs, small8.y_test)
    bagged = ensemble.accuracy(small8.x_test, small8.y_test)
    assert bagged == pytest.approx(parts["ensemble_accuracy"])           # "average" averages the probabilities
    assert parts["variance"] > 0.02 and bagged > parts["accuracy"] + 0.02 and bagged > single
    with pytest.raises(ValueError, match="vote must be one of"):
        bagging("mlp", small8, vote="median")


@pytest.mark.slow
def test_boosting_beats_its_weak_learner(small8):
    # lesson 7: a 2-unit tanh MLP trained to convergence is weak but better than chance; SAMME improves on it
    weak = single_model(_mlp((2,), "tanh"), small8, epochs=20, batch_size=32)
    ensemble = boosting(_mlp((2,), "tanh"), small8, rounds=5, epochs=20, batch_size=32)
    assert ensemble.vote == "weighted" and len(ensemble.members) == 5
    assert all(alpha > 0 for alpha in ensemble.weights)   # SAMME: alpha > 0 iff weighted error < 1 - 1/K (chance)
    assert ensemble.accuracy(small8.x_test, small8.y_test) > weak + 0.1
    with pytest.raises(ValueError, match="rounds must be a positive integer"):
        boosting("mlp", small8, rounds=0)


def test_noisy_labels_flip_the_asked_fraction_to_other_classes(small8):
    noisy = noisy_labels(small8, 0.3, seed=1)
    changed = noisy.y_train != small8.y_train
    assert changed.mean() == pytest.approx(0.3, abs=0.5 / len(changed))
    assert noisy.y_test is small8.y_test and set(np.unique(noisy.y_train)) <= set(range(10))
    with pytest.raises(ValueError, match="fraction"):
        noisy_labels(small8, 1.0)


def test_polynomial_bias_variance_shows_the_trade_off_and_decomposes_exactly():
    # lesson 7: bias^2 falls and variance rises with the degree; the expected error is U-shaped
    rows = polynomial_bias_variance(range(13))   # 500 training sets of 15 points, sigma = 0.3
    bias2, variance, error = ([r[key] for r in rows] for key in ("bias2", "variance", "error"))
    assert all(a >= b - 1e-9 for a, b in zip(bias2, bias2[1:])) and bias2[-1] < 0.01 * bias2[0]
    assert all(a < b for a, b in zip(variance, variance[1:])) and variance[-1] > 20 * variance[0]
    best = int(np.argmin(error))
    assert best == 3 and error[0] > 2 * error[best] and error[-1] > 2 * error[best]   # README: lowest at degree 3
    for r in rows:  # the measured error is bias^2 + variance + sigma^2, sigma^2 = 0.3^2 (E[eps] = 0)
        assert r["noise"] == pytest.approx(0.09) and abs(r["noise_mean"]) < 0.03
        assert r["error"] == pytest.approx(r["bias2"] + r["variance"] + r["noise"], rel=0.03)


def test_polynomial_bias_variance_defaults_are_the_documented_ones():
    import inspect

    defaults = {k: p.default for k, p in inspect.signature(polynomial_bias_variance).parameters.items()}
    assert defaults["degrees"] == tuple(range(13)) and defaults["samples"] == 15
    assert defaults["noise"] == 0.3 and defaults["repeats"] == 500


def test_polynomial_bias_variance_refuses_bad_arguments_before_any_work():
    with pytest.raises(ValueError, match="degrees must be integers from 0 to samples - 2 = 13"):
        polynomial_bias_variance((3, 14))
    with pytest.raises(ValueError, match="noise"):
        polynomial_bias_variance(noise=0)
    with pytest.raises(ValueError, match="repeats"):
        polynomial_bias_variance(repeats=1.5)


def test_bias_variance_plot_draws_korean_text_without_missing_glyphs(tmp_path):
    import warnings

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        plot_bias_variance(polynomial_bias_variance((0, 3, 9), repeats=20), tmp_path / "new" / "bv.png",
                           title="편향-분산 (bias-variance)")
    assert (tmp_path / "new" / "bv.png").stat().st_size > 0   # the folder is created
    assert not [w for w in record if "Glyph" in str(w.message)]


def test_kfold_trains_k_models_each_on_k_minus_1_folds():
    # the notes say k-1 models; in fact each of the K folds is held out once: K models
    x, y = np.arange(30.0), np.arange(30) % 3
    sizes = []
    run_folds(x, y, lambda xt, yt, xh, yh, fold: sizes.append((len(xt), len(xh))) or {"accuracy": 1.0}, folds=5)
    assert sizes == [(24, 6)] * 5
