"""Batch, stochastic and mini-batch gradient descent (배치 / 확률적 / 미니배치 경사 하강법) on one problem.

The same softmax regression, from the same initial weights, trained by plain SGD with the same
learning rate: once on the whole training set per update (batch), once per example (stochastic),
once per mini-batch. An epoch is one pass over the data, so the three differ in how many updates
an epoch buys: 1, n and n / batch.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 2, size=64)
    >>> runs = descent_comparison(x, y, epochs=1)
    >>> {name: run["updates_per_epoch"] for name, run in runs.items()}
    {'batch': 1, 'mini-batch': 2, 'stochastic': 64}
"""

from __future__ import annotations

import math

import keras
import numpy as np

from dlcourse.optim.names import make_optimizer
from dlcourse.train.tasks import get_task

DESCENT_BATCH_SIZES = {"batch": None, "mini-batch": 32, "stochastic": 1}  # None: the whole training set


def descent_comparison(x, y, batch_sizes=None, epochs: int = 5, learning_rate: float = 0.1, seed: int = 0) -> dict:
    """Train softmax regression on ``(x, y)`` with each batch size of `batch_sizes`; record the loss.

    Args:
        x, y: features ``(n, ...)`` (flattened) and integer labels.
        batch_sizes: ``{name: batch size or None for the whole set}``; `DESCENT_BATCH_SIZES` by default.
        epochs: passes over the data.
        learning_rate: plain SGD's rate, the same for every run.
        seed: the initial weights, the same for every run.

    Returns:
        ``{name: {"batch_size": b, "updates_per_epoch": ceil(n / b), "loss": [...]}}``, where ``loss``
        holds the cross-entropy on the whole training set before training and after each epoch.
    """
    batch_sizes = DESCENT_BATCH_SIZES if batch_sizes is None else batch_sizes
    x = np.asarray(x, "float32").reshape(len(x), -1)
    y = np.asarray(y)
    classes = int(y.max()) + 1
    results = {}
    for name, batch_size in batch_sizes.items():
        batch_size = len(x) if batch_size is None else int(batch_size)
        keras.utils.set_random_seed(seed)
        inputs = keras.Input((x.shape[1],), name="input")
        model = keras.Model(inputs, keras.layers.Dense(classes, activation="softmax", name="predictions")(inputs))
        get_task("classification").compile(model, make_optimizer("sgd", learning_rate, momentum=0.0, nesterov=False))
        losses = [_loss(model, x, y)]
        for epoch in range(epochs):
            keras.utils.set_random_seed(seed + 1 + epoch)  # the same shuffles for every run
            model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
            losses.append(_loss(model, x, y))
        results[name] = {"batch_size": batch_size, "updates_per_epoch": math.ceil(len(x) / batch_size), "loss": losses}
    return results


def _loss(model, x, y) -> float:
    probabilities = keras.ops.convert_to_numpy(model(x, training=False))
    return float(np.mean(-np.log(np.clip(probabilities[np.arange(len(y)), y], 1e-12, 1.0))))
