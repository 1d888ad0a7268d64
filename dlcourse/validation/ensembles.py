"""Ensembles (앙상블) of Keras models: bagging (배깅) and boosting (부스팅), each against a single model.

Bagging trains every member on a bootstrap resample and averages their probabilities (or takes a
majority vote): Breiman, Bagging Predictors (1996). Boosting here is SAMME, AdaBoost for K classes,
by resampling: each round trains on a sample drawn with the current example weights, and examples
the member gets wrong gain weight: Zhu, Zou, Rosset & Hastie, Multi-class AdaBoost (2009).

Bagging lowers variance, so it pays off for a high-variance learner: below, a wide MLP trained long
on few digits with 30% wrong training labels, so each fit memorises different mistakes.

Example:
    >>> from dlcourse.data import load_dataset
    >>> from dlcourse.models import mlp
    >>> data = noisy_labels(load_dataset("digits", image_size=8, limit=300), 0.3)
    >>> wide = lambda: mlp(hidden_units=(256,), input_shape=(8, 8, 1))
    >>> ensemble = bagging(wide, data, members=3, epochs=40, batch_size=32)
    >>> ensemble.accuracy(data.x_test, data.y_test) > single_model(wide, data, epochs=40, batch_size=32)
    True
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from dlcourse.data import ImageData
from dlcourse.validation.retracing import fresh_models

VOTES = ("average", "majority", "weighted")


def probabilities(model, x, batch_size: int = 1024) -> np.ndarray:
    """`model`'s outputs for `x`, called directly in batches.

    Not `model.predict`: that traces a new prediction function for every model, and an ensemble
    (or a bootstrap loop) of many models makes TensorFlow warn about retracing.
    """
    from keras import ops

    return np.concatenate([ops.convert_to_numpy(model(x[i:i + batch_size], training=False))
                           for i in range(0, max(len(x), 1), batch_size)])


@dataclass
class Ensemble:
    """Trained members and how they combine: ``average`` probabilities, ``majority`` vote, or ``weighted`` vote."""

    members: list
    vote: str = "average"
    weights: list = field(default_factory=list)

    def predict(self, x) -> np.ndarray:
        """Predicted classes of `x`."""
        outputs = self.member_probabilities(x)
        if self.vote == "average":
            return np.mean(outputs, axis=0).argmax(-1)
        weights = self.weights if self.vote == "weighted" else [1.0] * len(outputs)
        votes = np.zeros_like(outputs[0])
        for weight, output in zip(weights, outputs):
            votes[np.arange(len(output)), output.argmax(-1)] += weight
        return votes.argmax(-1)

    def member_probabilities(self, x) -> np.ndarray:
        """Every member's class probabilities for `x`: an array ``(members, len(x), classes)``."""
        return np.stack([probabilities(m, x) for m in self.members])

    def accuracy(self, x, y) -> float:
        return float((self.predict(x) == np.asarray(y)).mean())


def noisy_labels(data: ImageData, fraction: float, *, seed: int = 0) -> ImageData:
    """`data` with `fraction` of its training labels replaced by a different class drawn at random.

    Validation and test labels stay clean. Noisy labels make a large model's fit depend on which
    examples it saw (high variance): the setting where bagging helps.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> data = load_dataset("digits", image_size=8, limit=200)
        >>> float((noisy_labels(data, 0.25).y_train != data.y_train).mean())
        0.25
    """
    from dlcourse.checks import check_fraction

    check_fraction("fraction", fraction)
    rng = np.random.default_rng(seed)
    y = np.array(data.y_train, copy=True)
    flipped = rng.choice(len(y), size=int(round(fraction * len(y))), replace=False)
    y[flipped] = (y[flipped] + rng.integers(1, data.num_classes, len(flipped))) % data.num_classes
    return dataclasses.replace(data, y_train=y.astype(data.y_train.dtype))


def _train(model, data: ImageData, x, y, seed, config, overrides):
    from dlcourse.train.config import TrainConfig
    from dlcourse.train.fit import fit

    config = dataclasses.replace(config or TrainConfig(tensorboard=False, verbose=0), **overrides)
    return fit(model, training_split(data, x, y, config), dataclasses.replace(config, seed=seed)).model


def training_split(data: ImageData, x, y, config) -> ImageData:
    """`data` training on ``(x, y)``, its validation split kept only for early stopping, its test split dropped.

    The ensembles score their members on the test split themselves: an evaluation per epoch and one
    at the end of every member's `fit` would cost time and change nothing.
    """
    keep_val = config.early_stopping_patience is not None
    return dataclasses.replace(data, x_train=x, y_train=y, x_val=data.x_val if keep_val else data.x_val[:0],
                               y_val=data.y_val if keep_val else data.y_val[:0], x_test=data.x_test[:0],
                               y_test=data.y_test[:0])


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")


def single_model(model, data: ImageData, *, seed: int = 0, config=None, **overrides) -> float:
    """Test accuracy of one `model` trained on the whole training split: the baseline for ensembles."""
    trained = _train(model, data, data.x_train, data.y_train, seed, config, overrides)
    return float((probabilities(trained, data.x_test).argmax(-1) == data.y_test).mean())


def bagging(model, data: ImageData, members: int = 5, *, vote: str = "average", seed: int = 0, config=None,
            **overrides) -> Ensemble:
    """Bagging (배깅): `members` models, each trained on a bootstrap resample of the training split.

    Args:
        model: a registered model name or a function returning a new `keras.Model`.
        data: an `ImageData`.
        members: ensemble size.
        vote: ``"average"`` (mean probabilities) or ``"majority"``.
        seed: member i resamples and initialises with ``seed + i``.
        config, overrides: the `TrainConfig` for each member's `dlcourse.train.fit`.

    Returns:
        An `Ensemble`.
    """
    from sklearn.utils import resample

    _check_count("members", members)
    if vote not in VOTES[:2]:
        raise ValueError(f"vote must be one of {VOTES[:2]}; got {vote!r}")
    trained = []
    with fresh_models():
        for i in range(members):
            x, y = resample(data.x_train, data.y_train, random_state=seed + i)
            trained.append(_train(model, data, x, y, seed + i, config, overrides))
    return Ensemble(trained, vote)


def boosting(model, data: ImageData, rounds: int = 5, *, seed: int = 0, config=None, **overrides) -> Ensemble:
    """Boosting (부스팅), SAMME by resampling: members focus on the examples earlier members got wrong.

    Args:
        model: a registered model name or a function returning a new `keras.Model`: a weak learner
            (little capacity, such as a 2-unit MLP), but trained long enough to beat chance on the
            weighted sample, or SAMME stops.
        data: an `ImageData`.
        rounds: at most this many members (fewer if a member is no better than chance).

    Returns:
        An `Ensemble` with ``vote="weighted"`` and each member's SAMME weight (alpha).
    """
    _check_count("rounds", rounds)
    rng = np.random.default_rng(seed)
    n, classes = len(data.x_train), data.num_classes
    weights = np.full(n, 1.0 / n)
    members, alphas = [], []
    for i in range(rounds):
        idx = rng.choice(n, size=n, replace=True, p=weights)
        with fresh_models():
            member = _train(model, data, data.x_train[idx], data.y_train[idx], seed + i, config, overrides)
        wrong = probabilities(member, data.x_train).argmax(-1) != data.y_train
        error = float(np.clip(weights[wrong].sum(), 1e-10, None))
        if error >= 1 - 1 / classes:  # no better than chance: SAMME stops
            break
        alpha = np.log((1 - error) / error) + np.log(classes - 1)
        members.append(member)
        alphas.append(float(alpha))
        weights = weights * np.exp(alpha * wrong)
        weights /= weights.sum()
    if not members:
        raise ValueError("boosting: the first member was no better than chance; train it longer or use a larger model")
    return Ensemble(members, "weighted", alphas)
