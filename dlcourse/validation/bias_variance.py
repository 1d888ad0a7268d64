"""The bias-variance decomposition (편향-분산 분해), measured by retraining on bootstrap samples.

For a model retrained on B bootstrap resamples of the training set, with predicted class
probabilities ``p_b(x)`` and one-hot label ``y``, the expected squared error splits exactly as

    E_b ||p_b(x) - y||^2  =  ||p_mean(x) - y||^2  +  E_b ||p_b(x) - p_mean(x)||^2
    (expected error)         (bias^2)               (variance)

averaged over the test images (noise is folded into bias^2: each image has one fixed label).
Reference: Geman, Bienenstock & Doursat, Neural Networks and the Bias/Variance Dilemma (1992).

Example:
    >>> from dlcourse.data import load_dataset
    >>> rows = bias_variance(mlp_capacities((4, 64)), load_dataset("digits", image_size=8), rounds=3, epochs=5)
    >>> rows[0]["bias2"] > rows[1]["bias2"]
    True
"""

from __future__ import annotations

import dataclasses

import numpy as np

from dlcourse.data import ImageData


def mlp_capacities(widths=(2, 8, 32, 128)) -> dict:
    """``{"mlp-W": builder}`` for one-hidden-layer MLPs of growing width: models of growing capacity."""
    from dlcourse.models import mlp

    return {f"mlp-{w}": (lambda w=w: (lambda input_shape, classes: mlp(hidden_units=(w,), input_shape=input_shape,
                                                                       classes=classes)))() for w in widths}


def bootstrap_probabilities(builder, data: ImageData, rounds: int = 5, *, seed: int = 0, config=None, **overrides):
    """Class probabilities on `data`'s test images from `rounds` models, each trained on a bootstrap resample.

    Args:
        builder: ``(input_shape, classes) -> keras.Model`` ending in softmax.
        rounds: B, the number of bootstrap retrainings.
        config, overrides: the `TrainConfig` for `dlcourse.train.fit`.

    Returns:
        An array ``(rounds, n_test, classes)``.
    """
    from sklearn.utils import resample

    from dlcourse.train.config import TrainConfig
    from dlcourse.train.fit import fit

    config = dataclasses.replace(config or TrainConfig(tensorboard=False, verbose=0), **overrides)
    probabilities = []
    for b in range(rounds):
        x, y = resample(data.x_train, data.y_train, random_state=seed + b)  # sampling with replacement
        sample = dataclasses.replace(data, x_train=x, y_train=y)
        result = fit(lambda: builder(data.input_shape, data.num_classes), sample,
                     dataclasses.replace(config, seed=seed + b))
        probabilities.append(result.model.predict(data.x_test, verbose=0))
    return np.stack(probabilities)


def decompose(probabilities, labels) -> dict:
    """``bias2``, ``variance`` and ``error`` (= bias2 + variance) from `bootstrap_probabilities`' output.

    Also ``accuracy`` (mean over rounds) and ``ensemble_accuracy`` (of the averaged prediction).
    """
    probabilities = np.asarray(probabilities, dtype="float64")
    onehot = np.eye(probabilities.shape[-1])[np.asarray(labels)]
    mean = probabilities.mean(axis=0)
    bias2 = float(((mean - onehot) ** 2).sum(-1).mean())
    variance = float(((probabilities - mean) ** 2).sum(-1).mean())
    error = float(((probabilities - onehot) ** 2).sum(-1).mean())
    return {"bias2": bias2, "variance": variance, "error": error,
            "accuracy": float((probabilities.argmax(-1) == labels).mean()),
            "ensemble_accuracy": float((mean.argmax(-1) == labels).mean())}


def bias_variance(builders: dict, data: ImageData, rounds: int = 5, *, seed: int = 0, config=None, **overrides) -> list:
    """Measure bias^2 and variance for each model in `builders` (ordered by capacity).

    Args:
        builders: ``{label: (input_shape, classes) -> keras.Model}``, e.g. `mlp_capacities()`.
        data: an `ImageData`; models train on its train split and are measured on its test split.
        rounds: bootstrap retrainings per model (at least 2).

    Returns:
        One dict per model: ``label``, ``params`` and `decompose`'s numbers.
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 2:
        raise ValueError(f"rounds must be an integer >= 2 (variance needs two models); got {rounds!r}")
    if not builders:
        raise ValueError("builders is empty: give at least one {label: builder}")
    rows = []
    for label, builder in builders.items():
        params = builder(data.input_shape, data.num_classes).count_params()
        probabilities = bootstrap_probabilities(builder, data, rounds, seed=seed, config=config, **overrides)
        rows.append({"label": label, "params": params, **decompose(probabilities, data.y_test)})
    return rows


def plot_bias_variance(rows: list, path=None, title="Bias-variance (편향-분산) by capacity"):
    """bias^2, variance and their sum against model capacity; saved to `path` if given. Returns the Figure."""
    from dlcourse.validation.plotting import finish, new_axes

    params = [r["params"] for r in rows]
    fig, ax = new_axes()
    for key, label in (("bias2", "bias²"), ("variance", "variance"), ("error", "expected error")):
        ax.plot(params, [r[key] for r in rows], "o-", label=label)
    ax.set_xscale("log")
    ax.set(xlabel="parameters (capacity)", ylabel="squared error on probabilities", title=title)
    for r in rows:
        ax.annotate(r["label"], (r["params"], r["error"]), textcoords="offset points", xytext=(0, 6), fontsize=8)
    return finish(fig, ax, path)
