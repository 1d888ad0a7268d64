"""Learning-rate schedules (학습률 스케줄): step decay, cosine, linear, warm-up and one-cycle.

Each is a `keras.optimizers.schedules.LearningRateSchedule`: pass it as any optimiser's
`learning_rate`. ``step`` counts optimiser steps (batches), from 0. All serialise (`get_config`,
registered under ``dlcourse>``), so a model compiled with one saves and loads.

Example:
    >>> from dlcourse.optim import Adam, OneCycle
    >>> optimizer = Adam(OneCycle(max_learning_rate=1e-2, total_steps=1000))
"""

from __future__ import annotations

import math

import keras
from keras import ops


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{name} must be a positive number; got {value!r}")


def _check_non_negative(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a number >= 0; got {value!r}")


def _check_steps(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")


def _rate(value, step):
    """A float rate, or a schedule's rate at `step`."""
    if isinstance(value, keras.optimizers.schedules.LearningRateSchedule):
        return value(step)
    return ops.convert_to_tensor(value, "float32")


def _progress(step, steps):
    """step / steps as a float32 tensor, clipped to [0, 1]."""
    step = ops.cast(step, "float32")
    return ops.clip(step / float(steps), 0.0, 1.0)


@keras.saving.register_keras_serializable(package="dlcourse")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Step decay: multiply the rate by `drop` every `step_size` steps.

    The notes' staircase schedule (e.g. halve every few epochs), as in He et al., "Deep residual
    learning" (2016), which divides by 10 at fixed epochs::

        lr(step) = initial_learning_rate * drop ** floor(step / step_size)

    Args:
        initial_learning_rate: the rate before the first drop.
        step_size: optimiser steps between drops (epochs * steps_per_epoch for per-epoch drops).
        drop: the factor applied at each drop, in (0, 1]. Default 0.1.

    Returns:
        A schedule; ``schedule(step)`` is the rate at `step`.

    Example:
        >>> round(float(StepDecay(0.1, step_size=100, drop=0.5)(250)), 4)
        0.025
    """

    def __init__(self, initial_learning_rate, step_size, drop=0.1):
        _check_positive("initial_learning_rate", initial_learning_rate)
        _check_steps("step_size", step_size)
        if not 0 < drop <= 1:
            raise ValueError(f"drop must be in (0, 1]; got {drop!r}")
        self.initial_learning_rate = initial_learning_rate
        self.step_size = step_size
        self.drop = drop

    def __call__(self, step):
        drops = ops.floor(ops.cast(step, "float32") / float(self.step_size))
        return self.initial_learning_rate * ops.power(ops.convert_to_tensor(self.drop, "float32"), drops)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "step_size": self.step_size, "drop": self.drop}


@keras.saving.register_keras_serializable(package="dlcourse")
class CosineDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Cosine decay (annealing) from the initial rate to ``alpha * initial`` over `decay_steps`.

    Loshchilov & Hutter, "SGDR: stochastic gradient descent with warm restarts" (ICLR 2017),
    without restarts::

        lr(step) = initial * (alpha + (1 - alpha) * (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2)

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps until the rate reaches its floor.
        alpha: the floor as a fraction of the initial rate. Default 0.

    Returns:
        A schedule (the same values as `keras.optimizers.schedules.CosineDecay` without warm-up).

    Example:
        >>> round(float(CosineDecay(0.1, decay_steps=100)(50)), 4)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0):
        _check_positive("initial_learning_rate", initial_learning_rate)
        _check_steps("decay_steps", decay_steps)
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1]; got {alpha!r}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha

    def __call__(self, step):
        cosine = 0.5 * (1.0 + ops.cos(math.pi * _progress(step, self.decay_steps)))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps, "alpha": self.alpha}


@keras.saving.register_keras_serializable(package="dlcourse")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear decay from the initial rate to `end_learning_rate` over `decay_steps`, then constant.

    The linear schedule of the notes (and of BERT's fine-tuning recipe, Devlin et al. 2019)::

        lr(step) = initial + (end - initial) * min(step, decay_steps) / decay_steps

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps until `end_learning_rate` is reached.
        end_learning_rate: the final rate. Default 0.

    Returns:
        A schedule (as `keras.optimizers.schedules.PolynomialDecay` with ``power=1``).

    Example:
        >>> round(float(LinearDecay(0.1, decay_steps=100)(25)), 4)
        0.075
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0):
        _check_positive("initial_learning_rate", initial_learning_rate)
        _check_steps("decay_steps", decay_steps)
        _check_non_negative("end_learning_rate", end_learning_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate

    def __call__(self, step):
        fraction = _progress(step, self.decay_steps)
        return self.initial_learning_rate + (self.end_learning_rate - self.initial_learning_rate) * fraction

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate}


@keras.saving.register_keras_serializable(package="dlcourse")
class Warmup(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up (워밍업) from `initial_learning_rate` to `after`'s rate, then `after`.

    Goyal et al., "Accurate, large minibatch SGD: training ImageNet in 1 hour" (2017): start small
    while the early gradients are large and the statistics of normalisation layers unsettled::

        lr(step) = initial + (target - initial) * step / warmup_steps   for step < warmup_steps
        lr(step) = after(step - warmup_steps)                           afterwards

    where ``target = after(0)`` (or `after` itself when it is a float).

    Args:
        after: a float rate or a schedule to follow the warm-up (it sees steps counted from 0).
        warmup_steps: length of the warm-up.
        initial_learning_rate: where the warm-up starts. Default 0.

    Returns:
        A schedule.

    Example:
        >>> schedule = Warmup(CosineDecay(0.1, decay_steps=900), warmup_steps=100)
        >>> round(float(schedule(50)), 4)
        0.05
    """

    def __init__(self, after, warmup_steps, initial_learning_rate=0.0):
        if not isinstance(after, keras.optimizers.schedules.LearningRateSchedule):
            _check_positive("after", after)
        _check_steps("warmup_steps", warmup_steps)
        _check_non_negative("initial_learning_rate", initial_learning_rate)
        self.after = after
        self.warmup_steps = warmup_steps
        self.initial_learning_rate = initial_learning_rate

    def __call__(self, step):
        step = ops.cast(step, "float32")
        target = _rate(self.after, 0)
        warm = self.initial_learning_rate + (target - self.initial_learning_rate) * step / float(self.warmup_steps)
        rest = _rate(self.after, ops.maximum(step - self.warmup_steps, 0.0))
        return ops.where(step < self.warmup_steps, warm, rest)

    def get_config(self):
        after = self.after
        if isinstance(after, keras.optimizers.schedules.LearningRateSchedule):
            after = keras.saving.serialize_keras_object(after)
        return {"after": after, "warmup_steps": self.warmup_steps, "initial_learning_rate": self.initial_learning_rate}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config["after"], dict):
            config["after"] = keras.saving.deserialize_keras_object(config["after"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="dlcourse")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """The one-cycle policy: one rise to `max_learning_rate`, then a long fall far below the start.

    Smith & Topin, "Super-convergence" (2019); the cosine phases of fast.ai and PyTorch's
    ``OneCycleLR``. With ``start = max / div_factor``, ``end = start / final_div_factor`` and
    ``p = warmup_fraction * total_steps``::

        lr(step) = start + (max - start) * (1 - cos(pi * step / p)) / 2          for step <= p
        lr(step) = end + (max - end) * (1 + cos(pi * (step - p) / (total - p))) / 2   afterwards

    Args:
        max_learning_rate: the peak rate (e.g. the learning-rate range test's suggestion).
        total_steps: the length of the whole cycle (epochs * steps_per_epoch).
        warmup_fraction: the fraction of steps spent rising, in (0, 1). Default 0.3.
        div_factor: start = max / div_factor. Default 25.
        final_div_factor: end = start / final_div_factor. Default 1e4.

    Returns:
        A schedule.

    Example:
        >>> round(float(OneCycle(0.1, total_steps=100)(30)), 4)
        0.1
    """

    def __init__(self, max_learning_rate, total_steps, warmup_fraction=0.3, div_factor=25.0, final_div_factor=1e4):
        _check_positive("max_learning_rate", max_learning_rate)
        _check_steps("total_steps", total_steps, minimum=2)
        if not 0 < warmup_fraction < 1:
            raise ValueError(f"warmup_fraction must be in (0, 1); got {warmup_fraction!r}")
        _check_positive("div_factor", div_factor)
        _check_positive("final_div_factor", final_div_factor)
        self.max_learning_rate = max_learning_rate
        self.total_steps = total_steps
        self.warmup_fraction = warmup_fraction
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor

    def __call__(self, step):
        peak = self.max_learning_rate
        start = peak / self.div_factor
        end = start / self.final_div_factor
        rise_steps = max(1.0, self.warmup_fraction * self.total_steps)
        step = ops.cast(step, "float32")
        rise = start + (peak - start) * 0.5 * (1.0 - ops.cos(math.pi * ops.minimum(step / rise_steps, 1.0)))
        fall_fraction = ops.clip((step - rise_steps) / (self.total_steps - rise_steps), 0.0, 1.0)
        fall = end + (peak - end) * 0.5 * (1.0 + ops.cos(math.pi * fall_fraction))
        return ops.where(step <= rise_steps, rise, fall)

    def get_config(self):
        return {"max_learning_rate": self.max_learning_rate, "total_steps": self.total_steps,
                "warmup_fraction": self.warmup_fraction, "div_factor": self.div_factor,
                "final_div_factor": self.final_div_factor}


def schedule_values(schedule, steps: int) -> list[float]:
    """The rates of `schedule` at steps 0 .. steps-1, as floats (for plots and tests).

    Example:
        >>> schedule_values(StepDecay(1.0, step_size=2, drop=0.5), 5)
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    return [float(ops.convert_to_numpy(schedule(step))) for step in range(steps)]


def plot_schedules(schedules: dict, steps: int, path=None, title: str = "Learning-rate schedules (학습률 스케줄)"):
    """Plot each schedule of ``{label: schedule}`` over `steps` steps; save to `path` if given.

    Returns:
        The matplotlib figure (left open, to show in a notebook).

    Example:
        >>> fig = plot_schedules({"cosine": CosineDecay(0.1, 1000)}, 1000, "assets/03_schedules.png")
        >>> fig.axes[0].get_ylabel()
        'learning rate'
    """
    from dlcourse.plotting import label_axes, new_figure, save_figure

    fig, ax = new_figure(figsize=(7, 3.8))
    for label, schedule in schedules.items():
        ax.plot(range(steps), schedule_values(schedule, steps), label=label)
    label_axes(ax, "step", "learning rate", title, legend=True)
    if path is not None:
        save_figure(fig, path, close=False)
    return fig
