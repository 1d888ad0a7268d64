"""The one vocabulary of optimiser (최적화 기법) and schedule (학습률 스케줄) names, and the two
functions that turn a name into a Keras object: `make_optimizer` and `make_schedule`.

`fit`, the command line, tuning, the checklist and diagnostics all build their optimisers here, so
a name means the same thing everywhere. No TensorFlow or Keras at import: the command line checks
``--optimizer`` and ``--schedule`` against these names before importing them.

Example:
    >>> "adamw" in OPTIMIZERS and "warmup_cosine" in SCHEDULES
    True
    >>> make_schedule("constant", 1e-3, total_steps=100)
    0.001
"""

from __future__ import annotations

from dlcourse.checks import check_choice, check_fraction, check_int, check_number, check_positive_number

# Keras' optimisers by these names; `make_optimizer(..., from_scratch=True)` gives ours (dlcourse.optim).
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta")
SCHEDULES = ("constant", "warmup_cosine", "cosine", "linear", "step", "one_cycle")

SGD_MOMENTUM = 0.9  # "sgd" is Nesterov momentum SGD (Sutskever et al. 2013): plain SGD is rarely what one wants
STEP_DROP = 0.5  # "step": the rate is multiplied by this ...
STEP_DROPS = 3  # ... at each of this many equal parts of the run after the first (halve at 1/3 and 2/3)
ONE_CYCLE_RISE = 0.3  # "one_cycle" without a warm-up fraction rises for 30% of the run (fast.ai, PyTorch)


def check_optimizer_name(name: str) -> str:
    """`name`, if it is one of `OPTIMIZERS`; else a ValueError listing them."""
    return check_choice("optimizer", name, OPTIMIZERS)


def check_schedule_name(name: str) -> str:
    """`name`, if it is one of `SCHEDULES`; else a ValueError listing them."""
    return check_choice("schedule", name, SCHEDULES)


def make_schedule(name: str, peak: float, total_steps: int, warmup_fraction: float = 0.0):
    """The learning rate `name` describes, rising to or starting at `peak`, over `total_steps` steps.

    ``constant``: `peak` throughout (a float). ``warmup_cosine``: linear warm-up from 0 over
    ``warmup_fraction * total_steps`` steps (Goyal et al. 2017), then cosine decay to 0 (Loshchilov
    & Hutter 2017). ``cosine``: cosine decay from `peak` to 0. ``linear``: linear decay to 0.
    ``step``: halve the rate at each third of the run. ``one_cycle``: Smith & Topin's one-cycle
    policy (2019), rising for `warmup_fraction` of the run (0.3 when it is 0). Only ``warmup_cosine``
    and ``one_cycle`` read `warmup_fraction`; the others start at `peak`.

    Args:
        name: one of `SCHEDULES`.
        peak: the highest rate, a finite number > 0.
        total_steps: the optimiser steps of the whole run (epochs * steps per epoch), >= 1.
        warmup_fraction: in [0, 1).

    Returns:
        A float for ``constant``, else a `keras.optimizers.schedules.LearningRateSchedule`
        (Keras' own classes, so saved models load without dlcourse; ``one_cycle`` is
        `dlcourse.optim.OneCycle`).

    Example:
        >>> schedule = make_schedule("warmup_cosine", 4e-3, total_steps=600, warmup_fraction=0.1)
        >>> round(float(schedule(60)), 6)
        0.004
    """
    check_schedule_name(name)
    peak = check_positive_number("peak", peak)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    warmup_fraction = check_fraction("warmup_fraction", warmup_fraction)
    if name == "constant":
        return peak
    import keras

    schedules = keras.optimizers.schedules
    if name == "warmup_cosine":
        warmup = int(warmup_fraction * total_steps)
        if not warmup:
            return schedules.CosineDecay(peak, decay_steps=total_steps)
        return schedules.CosineDecay(0.0, decay_steps=max(1, total_steps - warmup), warmup_target=peak,
                                     warmup_steps=warmup)
    if name == "cosine":
        return schedules.CosineDecay(peak, decay_steps=total_steps)
    if name == "linear":
        return schedules.PolynomialDecay(peak, decay_steps=total_steps, end_learning_rate=0.0, power=1.0)
    if name == "step":
        return schedules.ExponentialDecay(peak, decay_steps=max(1, total_steps // STEP_DROPS), decay_rate=STEP_DROP,
                                          staircase=True)
    from dlcourse.optim.schedules import OneCycle

    return OneCycle(peak, total_steps=max(2, total_steps), warmup_fraction=warmup_fraction or ONE_CYCLE_RISE)


def make_optimizer(name: str, learning_rate, *, weight_decay: float = 0.0, from_scratch: bool = False, **kwargs):
    """The optimiser `name` describes, stepping at `learning_rate` (a float or a schedule).

    ``sgd`` is SGD with Nesterov momentum 0.9. A `weight_decay` > 0 is decoupled from the gradient
    for every name (Keras 3 decays the weights directly, as AdamW does: Loshchilov & Hutter, ICLR
    2019), so ``adamw`` is ``adam`` under its familiar name.

    Args:
        name: one of `OPTIMIZERS`.
        learning_rate: a finite number > 0, or a `LearningRateSchedule` (e.g. from `make_schedule`).
        weight_decay: decoupled weight decay (가중치 감쇠), >= 0; 0 is none.
        from_scratch: build ours from `dlcourse.optim` (the update rules written out; the same
            weights step for step) instead of Keras' own.
        **kwargs: the optimiser's other arguments (``clipnorm``, ``beta_1``, ``momentum`` ...).

    Returns:
        A `keras.optimizers.Optimizer`.

    Example:
        >>> make_optimizer("sgd", 0.1).get_config()["momentum"]
        0.9
    """
    check_optimizer_name(name)
    weight_decay = check_number("weight_decay", weight_decay, minimum=0)
    import keras

    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        learning_rate = check_positive_number("learning_rate", learning_rate)
    if weight_decay or name == "adamw":  # keras' AdamW decays by 0.004 unless told otherwise
        kwargs["weight_decay"] = weight_decay
    if name == "sgd":
        kwargs.setdefault("momentum", SGD_MOMENTUM)
        kwargs.setdefault("nesterov", True)
    if from_scratch:
        from dlcourse.optim.optimizers import get_optimizer

        return get_optimizer("adam" if name == "adamw" else name, learning_rate=learning_rate, **kwargs)
    classes = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW, "sgd": keras.optimizers.SGD,
               "rmsprop": keras.optimizers.RMSprop, "adagrad": keras.optimizers.Adagrad,
               "adadelta": keras.optimizers.Adadelta}
    return classes[name](learning_rate, **kwargs)
