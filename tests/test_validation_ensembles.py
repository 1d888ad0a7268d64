"""Bias-variance decomposition, bagging and boosting."""

import keras
import numpy as np
import pytest

from dlcourse.validation import Ensemble, bagging, bias_variance, boosting, decompose, mlp_capacities


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

    def predict(self, x, verbose=0):
        return self.outputs_


def test_votes_combine_members_as_documented():
    a, b, c = _Fixed([[0.9, 0.1]]), _Fixed([[0.4, 0.6]]), _Fixed([[0.45, 0.55]])
    assert Ensemble([a, b, c], "average").predict(None).tolist() == [0]    # mean 0.58 vs 0.42
    assert Ensemble([a, b, c], "majority").predict(None).tolist() == [1]   # two votes for class 1
    assert Ensemble([a, b, c], "weighted", [3.0, 1.0, 1.0]).predict(None).tolist() == [0]


def test_bagging_trains_distinct_members_on_bootstrap_samples(small8):
    ensemble = bagging("mlp", small8, members=2, epochs=2)
    first, second = (m.predict(small8.x_test, verbose=0) for m in ensemble.members)
    assert not np.allclose(first, second)
    assert ensemble.accuracy(small8.x_test, small8.y_test) == pytest.approx(
        float((((first + second) / 2).argmax(-1) == small8.y_test).mean()))
    with pytest.raises(ValueError, match="vote must be one of"):
        bagging("mlp", small8, vote="median")


def test_boosting_weights_members_by_their_error(small8):
    ensemble = boosting("mlp", small8, rounds=2, epochs=2)
    assert ensemble.vote == "weighted" and 1 <= len(ensemble.members) <= 2
    assert all(alpha > 0 for alpha in ensemble.weights)  # SAMME keeps only better-than-chance members
    with pytest.raises(ValueError, match="rounds must be a positive integer"):
        boosting("mlp", small8, rounds=0)
