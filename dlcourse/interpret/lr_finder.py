"""The learning-rate finder (학습률 탐색): raise the rate exponentially each mini-batch and watch the loss.

Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017; fastai's ``lr_find``.
The model's weights and optimiser state are restored afterwards, so it can be trained as it was.
The training checklist's learning-rate step (`dlcourse.checklist.steps.lr_range_test`) calls this
same function.

Example:
    >>> from dlcourse.data import load_dataset
    >>> from dlcourse.models import get_model
    >>> data = load_dataset("digits", image_size=8)
    >>> result = lr_find(get_model("mlp", input_shape=(8, 8, 1), classes=10), data, steps=30)
    >>> sorted(result.suggestions)
    ['minimum_over_10', 'steepest']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dlcourse.checks import check_positive_int

SMOOTHING = 0.9  # exponential moving average of the loss, bias-corrected as Adam's moments
STOP_FACTOR = 4  # stop once the smoothed loss is this many times its lowest: it diverged
SKIP_START = round(1 / (1 - SMOOTHING))  # 10: the first points' average holds too few batches to judge a slope


@dataclass
class LRFinderResult:
    """The rates tried, their losses (raw and smoothed) and the suggested rates.

    ``suggestions["minimum_over_10"]`` is a tenth of the rate with the lowest smoothed loss (still on
    the steep, stable part of the curve); ``suggestions["steepest"]`` the rate where the smoothed
    loss fell fastest per decade, not counting the first `SKIP_START` (10) points.
    """

    lr: list
    loss: list
    smoothed: list
    suggestions: dict = field(default_factory=dict)
    diverged: bool = False

    def plot(self, path=None):
        """Loss against learning rate (log scale) with the suggestions marked; saved to `path` if given."""
        from dlcourse.plotting import label_axes, new_figure, save_figure

        fig, ax = new_figure(figsize=(7.5, 3.6))
        ax.plot(self.lr, self.loss, alpha=0.3, label="loss")
        ax.plot(self.lr, self.smoothed, label="smoothed loss")
        for (name, rate), color in zip(self.suggestions.items(), ("C2", "C3")):
            ax.axvline(rate, color=color, linestyle="--", label=f"{name}: {rate:.2g}")
        ax.set_xscale("log")
        label_axes(ax, "learning rate (학습률)", "loss", "learning-rate finder")
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)   # beside the axes: it covers no curve
        if path is not None:
            save_figure(fig, path)
        return fig


def _arrays(data):
    if hasattr(data, "x_train"):
        return np.asarray(data.x_train), np.asarray(data.y_train)
    if isinstance(data, tuple) and len(data) == 2:
        return np.asarray(data[0]), np.asarray(data[1])
    raise TypeError(f"data must be an ImageData or an (x, y) pair of arrays; got {type(data).__name__}")


def _check_range(lr_min, lr_max):
    for name, value in (("lr_min", lr_min), ("lr_max", lr_max)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value) \
                or value <= 0:
            raise ValueError(f"{name} must be a positive number; got {value!r}")
    if lr_max <= lr_min:
        raise ValueError(f"the range is empty: lr_max ({lr_max}) must be larger than lr_min ({lr_min})")


def _compile_if_needed(model, lr_min):
    if getattr(model, "optimizer", None) is not None and getattr(model, "compiled", False):
        if not hasattr(model.optimizer.learning_rate, "assign"):
            raise ValueError("model: its optimiser steps with a schedule; compile it with a number as "
                             "learning_rate for the finder")
        return
    from dlcourse.optim.names import make_optimizer
    from dlcourse.train.tasks import task_of

    task_of(model).compile(model, make_optimizer("adam", lr_min))


def lr_find(model, data, *, lr_min: float = 1e-7, lr_max: float = 10.0, steps: int = 100, batch_size: int = 32,
            seed: int = 0) -> LRFinderResult:
    """Train `model` one mini-batch per rate from `lr_min` to `lr_max` (exponentially), then restore it.

    Args:
        model: a `keras.Model`; compiled with its task's loss and Adam when it is not compiled.
        data: an `ImageData` (its training split) or an ``(x, y)`` pair of arrays.
        lr_min, lr_max: the range of rates, both > 0, lr_min < lr_max.
        steps: mini-batches (rates) at most; the test stops early once the loss diverges.
        batch_size: examples per mini-batch; batches cycle through shuffled copies of the data.
        seed: the shuffling.

    Returns:
        An `LRFinderResult` (``.plot()`` draws it).
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model; got {type(model).__name__}")
    _check_range(lr_min, lr_max)
    check_positive_int("steps", steps)
    check_positive_int("batch_size", batch_size)
    x, y = _arrays(data)
    _compile_if_needed(model, lr_min)
    saved_weights = model.get_weights()
    optimizer = model.optimizer
    saved_rate = float(optimizer.learning_rate.numpy()) if hasattr(optimizer.learning_rate, "numpy") else None
    saved_state = [np.array(v) for v in optimizer.variables] if optimizer.built else None
    growth = (lr_max / lr_min) ** (1.0 / max(1, steps - 1))
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(x)) for _ in range(math.ceil(steps * batch_size / len(x)) + 1)])
    rates, losses, smoothed = [], [], []
    average = 0.0
    try:
        for i in range(steps):
            rate = lr_min * growth**i
            optimizer.learning_rate.assign(rate)
            idx = order[i * batch_size:(i + 1) * batch_size]
            loss = float(model.train_on_batch(x[idx], y[idx], return_dict=True)["loss"])
            if not math.isfinite(loss):
                break
            average = SMOOTHING * average + (1 - SMOOTHING) * loss
            rates.append(rate)
            losses.append(loss)
            smoothed.append(average / (1 - SMOOTHING ** (i + 1)))
            if smoothed[-1] > STOP_FACTOR * min(smoothed):
                break
    finally:
        model.set_weights(saved_weights)
        if saved_state is not None:
            for variable, value in zip(optimizer.variables, saved_state):
                variable.assign(value)
        elif optimizer.built:
            for variable in optimizer.variables:
                variable.assign(np.zeros(variable.shape, variable.dtype))
        if saved_rate is not None:
            optimizer.learning_rate.assign(saved_rate)
    return LRFinderResult(rates, losses, smoothed, _suggest(rates, smoothed), diverged=len(rates) < steps)


def _suggest(rates, smoothed) -> dict:
    if not smoothed:
        return {}
    best = int(np.argmin(smoothed))
    suggestions = {"minimum_over_10": rates[best] / 10}
    # The first SKIP_START points average only a few batches (the moving average's window is 1 / (1 -
    # SMOOTHING) = 10 batches), so one unlucky first batch looks like the steepest fall: skip them, as
    # fastai's first finder did (skip_start=10).
    start = SKIP_START if best - SKIP_START >= 2 else 0
    if best - start >= 2:
        slopes = np.gradient(np.asarray(smoothed[start:best + 1]), np.log10(rates[start:best + 1]))
        suggestions["steepest"] = rates[start + int(np.argmin(slopes))]
    else:
        suggestions["steepest"] = rates[best]
    return suggestions
