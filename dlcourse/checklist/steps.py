"""The training checklist's steps, each a function returning a `StepResult` with a verdict and a reason.

The notes' recipe: 1. check the initial loss; 2. overfit a tiny sample; 3. find a learning rate;
4. a short grid over rates and weight decays; 5. train longer and read the learning curves.

`model` is a registered model name or a function returning a fresh, uncompiled model; each step
builds its own, seeded from the config, so one step's training never leaks into the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dlcourse.checklist.config import ChecklistConfig
from dlcourse.checklist.curves import diagnose_learning_curves


@dataclass
class StepResult:
    """One step's outcome: ``verdict`` is ``"pass"``, ``"warn"`` or ``"fail"``; ``case`` names what was found."""

    step: int
    name: str
    verdict: str
    case: str
    reason: str
    details: dict = field(default_factory=dict)
    curves: dict = field(default_factory=dict)  # series for plots; not printed

    def to_dict(self) -> dict:
        return {"step": self.step, "name": self.name, "verdict": self.verdict, "case": self.case,
                "reason": self.reason, "details": self.details}


CLASSIFIER_TASKS = ("classification", "sequence_classification")  # where the log(C) check applies
NO_SIGNAL = "no_signal"  # step 5's finding before the curves' cases: the labels carry no signal
NO_SIGNAL_LOSS = 0.9  # a final training loss above this fraction of log(C) has learned next to nothing
CHANCE_FACTOR = 1.5  # validation accuracy under this multiple of 1/C counts as chance level


def model_builder(model, data):
    """A function returning a fresh model for `data`, from a registered name or a builder.

    A registered name's builder carries the registry's task as ``builder.task``; a builder's own
    models may declare one as ``model.task`` (else they are classifiers).
    """
    import keras

    if isinstance(model, str):
        from dlcourse.models import get_model, model_entry

        entry = model_entry(model)  # an unknown name fails here with the registry's message

        def build():
            return get_model(model, input_shape=data.input_shape, classes=data.num_classes)

        build.task = getattr(entry, "task", "classification")
        return build
    if isinstance(model, keras.Model):
        raise TypeError("model must be a registered model name or a function returning a fresh model "
                        "(the checklist trains several from scratch); got a built keras.Model")
    if callable(model):
        return model
    raise TypeError(f"model must be a registered model name or a function returning a model; got {model!r}")


def _fresh(build, config, learning_rate, weight_decay=0.0, schedule=None):
    """A freshly built, seeded model compiled by its task with the config's optimiser."""
    import keras

    from dlcourse.optim.names import make_optimizer
    from dlcourse.train.tasks import task_of

    keras.utils.set_random_seed(config.seed)
    model = build()
    task = task_of(model, task=getattr(build, "task", None))
    optimizer = make_optimizer(config.optimizer, learning_rate if schedule is None else schedule,
                               weight_decay=weight_decay, from_scratch=True)
    task.compile(model, optimizer)
    model.checklist_task = task.name
    return model


def _finite(values):
    return all(math.isfinite(v) for v in values)


def without_regularisation(model) -> list:
    """Turn a built model's regularisers (규제) off in place; return the names of the layers changed.

    Dropout-like layers get rate 0, Gaussian noise stddev 0, weight and activity penalties are
    removed. Step 2 asks whether the model *can* memorise a tiny sample, and a regulariser's job
    is to stop exactly that. Augmentation layers inside the model are left as they are.

    Args:
        model: a built, not yet trained `keras.Model` (the rates are read when it first trains).

    Returns:
        The names of the layers whose regularisation was turned off, in model order.

    Example:
        >>> from dlcourse.models import notes_cnn
        >>> without_regularisation(notes_cnn())
        ['dropout']
    """
    import keras

    noise = {"rate": (keras.layers.Dropout, keras.layers.GaussianDropout, keras.layers.AlphaDropout),
             "stddev": (keras.layers.GaussianNoise,)}
    changed = []
    for layer in model._flatten_layers(include_self=False, recursive=True):
        turned_off = False
        for attribute, kinds in noise.items():
            if isinstance(layer, kinds) and getattr(layer, attribute) > 0:
                setattr(layer, attribute, 0.0)  # read at the first training step, so 0 is what trains
                turned_off = True
        if getattr(layer, "activity_regularizer", None) is not None:
            layer.activity_regularizer = None
            turned_off = True
        for variable in layer._trainable_variables:  # L1/L2 penalties on this layer's own weights
            if variable.regularizer is not None:
                variable.regularizer = None
                turned_off = True
        if turned_off:
            changed.append(layer.name)
    return changed


def check_initial_loss(model, data, config: ChecklistConfig = ChecklistConfig()) -> StepResult:
    """Step 1: the untrained loss should be near log(C) for cross-entropy over C classes.

    A network that has learned nothing should spread its probability evenly, p = 1/C per class,
    so its cross-entropy is -log(1/C) = log(C) (2.30 for 10 classes). Far above: the untrained
    model is confidently wrong (inputs not scaled, weights initialised too large); far below: it
    knows the answer before training (labels leaking into the inputs).

    Args:
        model: a registered model name or a function returning a fresh model.
        data: an `ImageData`.
        config: a `ChecklistConfig`.

    Returns:
        A `StepResult` with case ``ok``, ``too_high``, ``too_low`` or ``not_finite``; for a model
        whose task is not classification, ``not_applicable`` (a pass).

    Example:
        >>> from dlcourse.data import load_dataset
        >>> check_initial_loss("mlp", load_dataset("digits", image_size=8)).verdict
        'pass'
    """
    build = model_builder(model, data)
    m = _fresh(build, config, config.tiny_learning_rate)
    if m.checklist_task not in CLASSIFIER_TASKS:
        return StepResult(1, "initial loss", "pass", "not_applicable", f"the log(C) check is for classifiers; "
                          f"this model's task is {m.checklist_task}.", {"task": m.checklist_task})
    x, y = data.x_train[: config.initial_loss_examples], data.y_train[: config.initial_loss_examples]
    loss = float(m.evaluate(x, y, batch_size=config.batch_size, verbose=0, return_dict=True)["loss"])
    expected = math.log(data.num_classes)
    details = {"initial_loss": loss, "expected": expected, "classes": data.num_classes,
               "input_range": [float(x.min()), float(x.max())]}
    said = f"initial loss {loss:.3f} vs log({data.num_classes}) = {expected:.3f}"
    if not math.isfinite(loss):
        return StepResult(1, "initial loss", "fail", "not_finite", f"{said}: the loss is not finite before any "
                          "training; look for NaN or inf in the inputs, or an overflow in the model.", details)
    ratio = loss / expected
    details["ratio"] = ratio
    if ratio > 1 + config.initial_loss_tolerance:
        hint = (" The inputs reach {:.0f}: scale images to [0, 1].".format(details["input_range"][1])
                if details["input_range"][1] > 1.5 else "")
        return StepResult(1, "initial loss", "fail", "too_high", f"{said}: far above, so the untrained model is "
                          "confidently wrong. Likely a data or initialisation problem: unscaled inputs, or weights "
                          f"initialised too large (use He/Glorot initialisation, 가중치 초기화).{hint}", details)
    if ratio < 1 - config.initial_loss_tolerance:
        return StepResult(1, "initial loss", "fail", "too_low", f"{said}: far below, so the model is right before "
                          "it has learned anything. Check for labels leaking into the inputs, a single class, or "
                          "a loss that does not match the labels.", details)
    return StepResult(1, "initial loss", "pass", "ok", f"{said}: close, so the untrained model spreads its "
                      "probability evenly over the classes, as it should.", details)


def overfit_tiny_sample(model, data, config: ChecklistConfig = ChecklistConfig()) -> StepResult:
    """Step 2: with regularisation off, a sound setup overfits (과적합) a tiny sample to 100% accuracy.

    If it cannot, training is broken before data or capacity matter: the loss exploding means the
    learning rate is too high; the loss not falling means a learning rate too low, a bug in the
    model or loss, dead units from a bad initialisation, or labels that do not match the inputs.
    The model's dropout, noise layers and weight penalties are turned off for this step
    (`without_regularisation`), and the optimiser has no weight decay.

    Args:
        model: a registered model name or a function returning a fresh model.
        data: an `ImageData`; the first ``config.tiny_sample`` training examples are used.
        config: a `ChecklistConfig` (``tiny_sample``, ``tiny_steps``, ``tiny_learning_rate``).

    Returns:
        A `StepResult` with case ``memorised``, ``exploded``, ``not_learning`` or ``too_small``.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> overfit_tiny_sample("mlp", load_dataset("digits", image_size=8)).case
        'memorised'
    """
    build = model_builder(model, data)
    m = _fresh(build, config, config.tiny_learning_rate)
    turned_off = without_regularisation(m)
    x, y = data.x_train[: config.tiny_sample], data.y_train[: config.tiny_sample]
    losses = [float(m.train_on_batch(x, y, return_dict=True)["loss"]) for _ in range(config.tiny_steps)]
    final = m.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=True)
    acc, loss = float(final["accuracy"]), float(final["loss"])
    details = {"examples": len(x), "steps": config.tiny_steps, "learning_rate": config.tiny_learning_rate,
               "first_loss": losses[0], "final_loss": loss, "train_accuracy": acc,
               "regularisation_off": turned_off}
    curves = {"loss": losses}
    said = f"{len(x)} examples, {config.tiny_steps} steps at learning rate {config.tiny_learning_rate:g}"
    if turned_off:
        said += f", regularisation off ({', '.join(turned_off)})"
    if not _finite(losses + [loss]) or loss > 1.5 * losses[0] or max(losses) > 3 * losses[0]:
        return StepResult(2, "overfit a tiny sample", "fail", "exploded",
                          f"{said}: the loss exploded ({losses[0]:.3g} -> max {max(losses):.3g}, final {loss:.3g}). "
                          "The learning rate (학습률) is too high: try 10x lower; also check the inputs are scaled.",
                          details, curves)
    if loss > 0.9 * losses[0]:
        return StepResult(2, "overfit a tiny sample", "fail", "not_learning",
                          f"{said}: the loss barely fell ({losses[0]:.3f} -> {loss:.3f}). Causes from the notes: "
                          "learning rate too low, gradients not reaching the weights (a bug, frozen layers), dead "
                          "units from a bad initialisation, or labels that do not match the inputs.", details, curves)
    if acc < 1.0:
        return StepResult(2, "overfit a tiny sample", "warn", "too_small",
                          f"{said}: training accuracy reached only {acc:.1%} (loss {loss:.3f}). The model may be too "
                          "small to memorise even this (too little capacity), or needs more steps.", details, curves)
    return StepResult(2, "overfit a tiny sample", "pass", "memorised",
                      f"{said}: 100% training accuracy (loss {losses[0]:.3f} -> {loss:.4f}); the model, loss and "
                      "optimiser can learn.", details, curves)


def lr_range_test(model, data, config: ChecklistConfig = ChecklistConfig()) -> StepResult:
    """Step 3: the learning-rate range test: raise the rate exponentially each mini-batch, watch the loss.

    Smith, "Cyclical learning rates for training neural networks" (WACV 2017). The suggested
    learning rate (학습률) is a tenth of the rate where the smoothed loss was lowest: still on the
    steep, stable part of the curve. The test itself is `dlcourse.interpret.lr_find`, the same
    function ``dlcourse lr-find`` runs.

    Args:
        model: a registered model name or a function returning a fresh model.
        data: an `ImageData`; mini-batches cycle through all of its training data.
        config: a `ChecklistConfig` (``lr_min``, ``lr_max``, ``lr_steps``, ``batch_size``).

    Returns:
        A `StepResult` with case ``found`` or ``no_descent``; ``details["suggested_lr"]`` and
        ``curves`` (``lr``, ``loss``, ``smoothed``) for the plot.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> result = lr_range_test("mlp", load_dataset("digits", image_size=8))
        >>> result.case, 1e-4 < result.details["suggested_lr"] < 1e-1
        ('found', True)
    """
    from dlcourse.interpret.lr_finder import lr_find

    build = model_builder(model, data)
    found = lr_find(_fresh(build, config, config.lr_min), data, lr_min=config.lr_min, lr_max=config.lr_max,
                    steps=config.lr_steps, batch_size=config.batch_size, seed=config.seed)
    rates, losses, smoothed = found.lr, found.loss, found.smoothed
    curves = {"lr": rates, "loss": losses, "smoothed": smoothed}
    if not smoothed:
        return StepResult(3, "learning-rate range test", "fail", "no_descent",
                          "the loss was not finite from the first step, even at the smallest rate.", {}, curves)
    best = int(np.argmin(smoothed))
    suggested = found.suggestions["minimum_over_10"]
    details = {"suggested_lr": suggested, "lowest_loss_lr": rates[best], "lowest_loss": smoothed[best],
               "steps": len(rates), "diverged_at_lr": rates[-1] if len(rates) < config.lr_steps else None}
    if smoothed[best] > 0.9 * smoothed[0]:
        return StepResult(3, "learning-rate range test", "warn", "no_descent",
                          f"the loss hardly fell at any rate from {config.lr_min:g} to {rates[-1]:.3g} "
                          f"({smoothed[0]:.3f} -> best {smoothed[best]:.3f}); look at the data and labels first. "
                          f"Suggested learning rate anyway: {suggested:.2g}.", details, curves)
    return StepResult(3, "learning-rate range test", "pass", "found",
                      f"the smoothed loss was lowest ({smoothed[best]:.3f}) at rate {rates[best]:.3g} "
                      + (f"and diverged by {rates[-1]:.3g}" if details["diverged_at_lr"] else "")
                      + f"; suggested learning rate {suggested:.2g} (a tenth of it).", details, curves)


def short_grid_search(model, data, learning_rate: float, config: ChecklistConfig = ChecklistConfig()) -> StepResult:
    """Step 4: a short grid over learning rates around `learning_rate` and weight decays, 1-5 epochs each.

    Args:
        model: a registered model name or a function returning a fresh model.
        data: an `ImageData` with a validation split (the grid is judged on validation loss).
        learning_rate: the centre of the grid (step 3's suggestion).
        config: a `ChecklistConfig` (``grid_lr_factors``, ``grid_weight_decays``, ``grid_epochs``).

    Returns:
        A `StepResult` with case ``best_inside`` or ``best_on_edge``; ``details["best"]`` holds
        the best ``learning_rate`` and ``weight_decay``, ``details["grid"]`` every point.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> config = ChecklistConfig.quick(grid_weight_decays=(0.0,))    # 3 runs of 1 epoch
        >>> best = short_grid_search("mlp", load_dataset("digits", image_size=8), 1e-3, config).details["best"]
        >>> sorted(best), best["weight_decay"]     # which grid point wins depends on the run
        (['learning_rate', 'weight_decay'], 0.0)
    """
    build = model_builder(model, data)
    x_val, y_val = (data.x_val, data.y_val) if len(data.x_val) else (data.x_train, data.y_train)
    rates = sorted(learning_rate * f for f in config.grid_lr_factors)
    grid = []
    for rate in rates:
        for decay in config.grid_weight_decays:
            m = _fresh(build, config, rate, decay)
            m.fit(data.x_train, data.y_train, batch_size=config.batch_size, epochs=config.grid_epochs, verbose=0)
            scores = m.evaluate(x_val, y_val, batch_size=256, verbose=0, return_dict=True)
            val_loss = float(scores["loss"]) if math.isfinite(float(scores["loss"])) else float("inf")
            grid.append({"learning_rate": rate, "weight_decay": decay, "val_loss": val_loss,
                         "val_accuracy": float(scores["accuracy"])})
    best = min(grid, key=lambda point: point["val_loss"])
    details = {"best": {"learning_rate": best["learning_rate"], "weight_decay": best["weight_decay"]},
               "best_val_loss": best["val_loss"], "best_val_accuracy": best["val_accuracy"], "grid": grid,
               "epochs": config.grid_epochs}
    said = (f"{len(grid)} runs of {config.grid_epochs} epoch(s): best learning rate {best['learning_rate']:.2g} with "
            f"weight decay {best['weight_decay']:g} (validation loss {best['val_loss']:.3f}, accuracy "
            f"{best['val_accuracy']:.1%})")
    if not math.isfinite(best["val_loss"]):
        return StepResult(4, "short grid search", "fail", "all_diverged", f"every run of the grid diverged; lower "
                          "the learning rates.", details)
    if len(rates) > 1 and best["learning_rate"] in (rates[0], rates[-1]):
        return StepResult(4, "short grid search", "warn", "best_on_edge", f"{said}. The best rate is at the edge "
                          "of the grid: the optimum may lie beyond it; widen grid_lr_factors.", details)
    return StepResult(4, "short grid search", "pass", "best_inside", f"{said}.", details)


def _final_schedule(config, learning_rate, total_steps):
    """Step 5's rate: a float for ``constant``, else a schedule (the names of `dlcourse.optim.SCHEDULES`)."""
    from dlcourse.optim.names import make_schedule

    return make_schedule(config.final_schedule, learning_rate, total_steps, config.final_warmup_fraction)


def train_and_diagnose(model, data, learning_rate: float, weight_decay: float = 0.0,
                       config: ChecklistConfig = ChecklistConfig(), initial_loss: float | None = None,
                       memorised: bool | None = None) -> StepResult:
    """Step 5: train the best settings longer, then read the learning curves (`diagnose_learning_curves`).

    One finding comes before the curves' cases: a training loss still near log(C) (the loss of a
    uniform guess) with validation accuracy at chance means the model found nothing to learn in the
    labels. If step 2 memorised a tiny sample, the model, loss and optimiser work, so the labels
    carry no signal (shuffled, misaligned or random labels): case ``no_signal``, a fail, whose
    advice is to check the labels, not to grow the model.

    Args:
        model: a registered model name or a function returning a fresh model.
        data: an `ImageData`.
        learning_rate, weight_decay: the settings to train with (step 4's best).
        config: a `ChecklistConfig` (``final_epochs``, ``final_schedule`` and the diagnosis thresholds).
        initial_loss: step 1's untrained loss, to judge a flat start.
        memorised: whether step 2 memorised a tiny sample (None: not run).

    Returns:
        A `StepResult` whose case is ``no_signal`` or one of `dlcourse.checklist.CASES`;
        ``curves`` holds the history.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> train_and_diagnose("mlp", load_dataset("digits", image_size=8), 3e-3, config=ChecklistConfig.quick()).case
        'still_improving'
    """
    import keras

    build = model_builder(model, data)
    steps_per_epoch = math.ceil(len(data.x_train) / config.batch_size)
    schedule = _final_schedule(config, learning_rate, steps_per_epoch * config.final_epochs)
    m = _fresh(build, config, learning_rate, weight_decay, schedule)
    rates = []
    record_rate = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: rates.append(
            float(keras.ops.convert_to_numpy(schedule(m.optimizer.iterations))) if callable(schedule) else schedule))
    has_val = len(data.x_val) > 0
    history = m.fit(data.x_train, data.y_train, batch_size=config.batch_size, epochs=config.final_epochs,
                    validation_data=(data.x_val, data.y_val) if has_val else None, callbacks=[record_rate],
                    verbose=0).history
    history = {k: [float(v) for v in vs] for k, vs in history.items() if k != "learning_rate"}
    history["learning_rate"] = rates
    diagnosis = diagnose_learning_curves(
        history, initial_loss=initial_loss, target_accuracy=config.target_accuracy,
        gap_threshold=config.gap_threshold, tolerance=config.tolerance, window=config.window)
    reason = f"{config.final_epochs} epochs at learning rate {learning_rate:.2g} ({config.final_schedule}): " + diagnosis.reason
    chance = 1.0 / data.num_classes
    case, verdict = diagnosis.case, diagnosis.verdict
    at_chance = has_val and "val_accuracy" in history and history["val_accuracy"][-1] < CHANCE_FACTOR * chance
    if at_chance and memorised is not False and history["loss"][-1] >= NO_SIGNAL_LOSS * math.log(data.num_classes):
        case, verdict = NO_SIGNAL, "fail"
        said = (f"{config.final_epochs} epochs at learning rate {learning_rate:.2g} ({config.final_schedule}): the "
                f"training loss is still {history['loss'][-1]:.3f}, near log({data.num_classes}) = "
                f"{math.log(data.num_classes):.3f} (a uniform guess), and validation accuracy "
                f"{history['val_accuracy'][-1]:.1%} is at chance ({chance:.0%}): the model found nothing to learn. ")
        reason = said + (
            "Yet it memorised a tiny sample in step 2, so the model, loss and optimiser work: the labels carry no "
            "signal about the inputs (shuffled, misaligned or random labels). Check a few images against their "
            "labels before changing the model." if memorised else
            "Either the labels carry no signal about the inputs (shuffled, misaligned or random labels) or the "
            "model cannot learn at all; step 2 (overfit a tiny sample) tells them apart: if it memorises, the "
            "labels are at fault.")
    elif at_chance and case != "flat_from_start":
        verdict = "fail"
        reason += (f" Validation accuracy {history['val_accuracy'][-1]:.1%} is at chance level ({chance:.0%}): "
                   "the labels may not match the images (shuffled or misaligned labels?).")
    return StepResult(5, "train longer and diagnose", verdict, case, reason, diagnosis.evidence,
                      {"history": history})
