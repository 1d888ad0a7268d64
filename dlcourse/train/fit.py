"""`fit`: compile and train a model with the course's defaults, and keep everything it produced.

A run directory receives ``config.json``, ``history.csv`` (one row per epoch), TensorBoard logs,
``best.keras`` (lowest validation loss), ``model.keras`` (the final model), ``metrics.json`` (test
metrics) and ``learning_curves.png``. An interrupted run (the process killed part way) started again
with the same run directory resumes from its last finished epoch (Keras' BackupAndRestore).

Example:
    >>> from dlcourse.data import load_dataset
    >>> data = load_dataset("digits")
    >>> result = fit("notes_cnn", data, epochs=2, run_dir="runs/demo")
    >>> result.test["accuracy"] > 0.5
    True
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import time
from dataclasses import dataclass, field
from typing import Callable

from dlcourse.data import ImageData
from dlcourse.train.config import NOTES_RECIPE, SGD_MOMENTUM, TrainConfig
from dlcourse.train.devices import resolve_jit_compile, resolve_strategy

@dataclass
class FitResult:
    """What `fit` returns: the trained model, its full history, test metrics and where it all is."""

    model: object
    history: dict
    test: dict
    run_dir: str | None
    config: TrainConfig
    seconds: float
    initial_epoch: int = 0
    jit_compile: bool = False
    extras: dict = field(default_factory=dict)


def make_optimizer(config: TrainConfig, steps_per_epoch: int):
    """The Keras optimizer and learning-rate schedule that `config` describes."""
    import keras

    total_steps = max(1, config.resolve_epochs(steps_per_epoch) * steps_per_epoch)
    rate = config.learning_rate
    if config.schedule == "warmup_cosine":
        warmup = int(config.warmup_fraction * total_steps)
        rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0 if warmup else config.learning_rate,
            decay_steps=total_steps - warmup,
            warmup_target=config.learning_rate if warmup else None,
            warmup_steps=warmup,
        )
    decay = config.weight_decay or None
    if config.optimizer == "adam":
        return keras.optimizers.Adam(rate, weight_decay=decay)
    if config.optimizer == "adamw":
        return keras.optimizers.AdamW(rate, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=SGD_MOMENTUM, nesterov=True, weight_decay=decay)
    return keras.optimizers.RMSprop(rate, weight_decay=decay)


def classification_loss(model):
    """Sparse categorical cross-entropy, from logits unless the model ends in softmax/sigmoid."""
    import keras

    activation = getattr(model.layers[-1], "activation", None)
    name = getattr(activation, "__name__", "")
    from_logits = name not in ("softmax", "sigmoid")
    if model.output_shape[-1] == 1:
        return keras.losses.BinaryCrossentropy(from_logits=from_logits)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)


def check_model_fits_data(model, data: ImageData):
    """Raise ValueError unless `model`'s input and output agree with `data`'s shapes and labels."""
    expected = tuple(model.input_shape[1:])
    if any(e is not None and e != a for e, a in zip(expected, data.input_shape)) or len(expected) != len(data.input_shape):
        raise ValueError(
            f"data: images of shape {data.input_shape} do not fit the model's input_shape {expected}; "
            f"build the model with input_shape={data.input_shape} or load the data with image_size="
        )
    outputs = model.output_shape[-1]
    classes = 2 if outputs == 1 else outputs
    for split in ("train", "val", "test"):
        _, y = data.arrays(split)
        if len(y) and (y.min() < 0 or y.max() >= classes):
            raise ValueError(
                f"data: {split} labels range over [{y.min()}, {y.max()}] but the model has "
                f"classes={classes}; labels must lie in [0, {classes - 1}]"
            )


def _build(model, data: ImageData, strategy):
    import keras

    if isinstance(model, keras.Model):
        return model
    with strategy.scope():
        if isinstance(model, str):
            from dlcourse.models import get_model

            return get_model(model, input_shape=data.input_shape, classes=data.num_classes)
        if callable(model):
            return model()
    raise TypeError(f"model must be a keras.Model, a registered model name or a builder; got {model!r}")


def _resume_epoch(backup_dir: str) -> int:
    path = os.path.join(backup_dir, "training_metadata.json")
    if not os.path.isfile(path):
        return 0
    with open(path) as f:
        return int(json.load(f)["epoch"])


def _read_history(csv_path: str, keep_epochs: int | None = None) -> dict:
    """The history in `csv_path`; with `keep_epochs`, rewrite the file to hold only those epochs."""
    if not os.path.isfile(csv_path):
        return {}
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    if keep_epochs is not None:
        rows = [r for r in rows if int(r["epoch"]) < keep_epochs]
        with open(csv_path, "w", newline="") as f:
            if rows:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
    history: dict = {}
    for row in rows:
        for key, value in row.items():
            if key != "epoch":
                history.setdefault(key, []).append(float(value))
    return history


def fit(model, data: ImageData, config: TrainConfig | None = None, *, run_dir=None, callbacks=(), **overrides) -> FitResult:
    """Compile `model` and train it on `data`; return a `FitResult`.

    Args:
        model: a `keras.Model`, a registered model name (built for `data`'s shape and classes), or
            a function returning a model (built inside the distribution strategy's scope).
        data: an `ImageData` from `dlcourse.data.load_dataset`.
        config: a `TrainConfig`; `overrides` replace its fields (``fit(m, d, epochs=5)``).
        run_dir: where the run's files go; None keeps nothing on disk (no resuming).
        callbacks: extra Keras callbacks.

    Returns:
        A `FitResult` with the trained model, the full history (all epochs, across resumes) and the
        test metrics.
    """
    import keras

    if not isinstance(data, ImageData):
        raise TypeError(f"data must be an ImageData from dlcourse.data.load_dataset; got {type(data).__name__}")
    unknown = set(overrides) - {f.name for f in dataclasses.fields(TrainConfig)}
    if unknown:
        raise TypeError(f"unknown training settings {sorted(unknown)}; see TrainConfig")
    config = dataclasses.replace(config or TrainConfig(), **overrides)
    if len(data.x_train) == 0:
        raise ValueError("data: the training split is empty")
    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    strategy = resolve_strategy(config.strategy)
    model = _build(model, data, strategy)
    check_model_fits_data(model, data)
    jit = resolve_jit_compile(config.jit_compile, strategy)
    steps_per_epoch = math.ceil(len(data.x_train) / config.batch_size)
    config = dataclasses.replace(config, epochs=config.resolve_epochs(steps_per_epoch))
    with strategy.scope():
        model.compile(
            optimizer=make_optimizer(config, steps_per_epoch),
            loss=classification_loss(model),
            metrics=["accuracy"],
            jit_compile=jit,
        )

    has_val = len(data.x_val) > 0
    monitor = "val_loss" if has_val else "loss"
    all_callbacks = list(callbacks)
    if config.early_stopping_patience:
        all_callbacks.append(
            keras.callbacks.EarlyStopping(monitor, patience=config.early_stopping_patience, restore_best_weights=True)
        )
    initial_epoch = 0
    csv_path = None
    if run_dir is not None:
        run_dir = os.fspath(run_dir)
        os.makedirs(run_dir, exist_ok=True)
        backup_dir = os.path.join(run_dir, "backup")
        csv_path = os.path.join(run_dir, "history.csv")
        initial_epoch = _resume_epoch(backup_dir)
        # Keep exactly the epochs the backup holds: a kill between logging and backing up an epoch
        # must not leave it twice in the history.
        _read_history(csv_path, keep_epochs=initial_epoch)
        if initial_epoch:
            print(f"Resuming {run_dir} from epoch {initial_epoch} of {config.epochs}")
        with open(os.path.join(run_dir, "config.json"), "w") as f:
            json.dump(dataclasses.asdict(config), f, indent=2)
        all_callbacks += [
            keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True),
            keras.callbacks.CSVLogger(csv_path, append=initial_epoch > 0),
            keras.callbacks.ModelCheckpoint(os.path.join(run_dir, "best.keras"), monitor=monitor, save_best_only=True),
        ]
        if config.tensorboard:
            all_callbacks.append(keras.callbacks.TensorBoard(os.path.join(run_dir, "logs")))

    start = time.perf_counter()
    keras_history = model.fit(
        data.train_dataset(config.batch_size, seed=config.seed),
        validation_data=data.val_dataset() if has_val else None,
        epochs=config.epochs,
        callbacks=all_callbacks,
        verbose=config.verbose,
        shuffle=False,  # the tf.data pipeline shuffles
    )
    seconds = time.perf_counter() - start
    test = {}
    if len(data.x_test):
        test = model.evaluate(data.test_dataset(), return_dict=True, verbose=0)
        test = {k: float(v) for k, v in test.items()}
    history = _read_history(csv_path) if csv_path else {
        k: [float(v) for v in vs] for k, vs in keras_history.history.items()
    }
    if run_dir is not None:
        from dlcourse.train.plots import plot_learning_curves

        model.save(os.path.join(run_dir, "model.keras"))
        with open(os.path.join(run_dir, "metrics.json"), "w") as f:
            json.dump({"test": test, "seconds": seconds, "initial_epoch": initial_epoch, "jit_compile": jit}, f, indent=2)
        plot_learning_curves(history, os.path.join(run_dir, "learning_curves.png"), title=model.name)
    return FitResult(model, history, test, run_dir, config, seconds, initial_epoch, jit)
