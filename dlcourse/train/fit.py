"""`fit`: train a model for its task with the course's defaults, and keep a run that never loses work.

The task (classification, regression, segmentation, detection, generation ...) supplies the loss,
metrics and monitored quantity (`dlcourse.train.tasks`); a model that overrides `train_step` or
`compute_loss` trains as it is. With a run directory (`dlcourse.train.rundir`):

- run again after it finished: nothing is retrained; the stored result is returned;
- run again after a kill: training resumes from the last finished epoch with everything restored
  (weights, optimiser, batch-norm statistics, dropout's random state, the best value, early stopping's
  counter, the data order), so it ends as the uninterrupted run would have;
- ``epochs=`` larger than before continues a finished run from its final state;
- a different model, data or setting stops with one line per difference, before anything is
  written; ``overwrite=True`` moves the old run to ``replaced/`` and trains afresh;
- a second process on the same directory stops at once;
- the first NaN or infinite loss stops training with `TrainingDiverged`; ``best.keras`` keeps the
  best epoch before it.

On Keras' JAX backend (``KERAS_BACKEND=jax``; the data still flows through tf.data) `fit` compiles
the train step (``jit_compile="auto"`` means True there: uncompiled JAX runs op by op), and a
registered model that runs on TensorFlow only (its registry entry's ``backends``) is refused before
anything is built. Data parallelism on JAX is Keras' own: call
``keras.distribution.set_distribution(keras.distribution.DataParallel())`` before `fit` (the model
is built inside `fit`, so its variables are replicated and each batch is split over the devices).
On TensorFlow that setting does nothing, so `fit` warns; use ``strategy=`` there.

Example:
    >>> from dlcourse.data import load_dataset
    >>> data = load_dataset("digits", image_size=8)
    >>> result = fit("mlp", data, epochs=2, run_dir="runs/demo", verbose=0)
    >>> result.test["accuracy"] > 0.5
    True
    >>> fit("mlp", data, epochs=2, run_dir="runs/demo", verbose=0).status
    runs/demo already finished (2 epochs); its stored result is returned. Overwrite to train again, or ask for more epochs to continue.
    'already finished'
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from dlcourse.data import ImageData
from dlcourse.train.config import TrainConfig
from dlcourse.train.rundir import COSMETIC_SETTINGS, RunDirectory, RunDirectoryError, differences, history_columns
from dlcourse.train.tasks import Task, output_classes, task_of

RECORD_VERSION = 1


@dataclass
class FitResult:
    """What `fit` returns: the trained model, its full history, test metrics and where it all is.

    ``status`` is ``"trained"``, ``"resumed"`` (continued an interrupted or shorter run) or
    ``"already finished"`` (nothing trained: the stored result). ``run_dir`` is None where nothing
    was kept: no run directory was asked for, or this process is a non-chief worker of a multi-worker
    run (only the chief writes it)."""

    model: object
    history: dict
    test: dict
    run_dir: str | None
    config: TrainConfig
    seconds: float
    initial_epoch: int = 0
    jit_compile: bool = False
    extras: dict = field(default_factory=dict)
    status: str = "trained"
    task: str = "classification"
    best_epoch: int | None = None


def make_optimizer(config: TrainConfig, steps_per_epoch: int):
    """The Keras optimizer and learning-rate schedule that `config` describes (names from
    `dlcourse.optim.names`, the package's one vocabulary), with ``config.optimizer_args``."""
    from dlcourse.optim.names import make_optimizer as named_optimizer
    from dlcourse.optim.names import make_schedule

    total_steps = max(1, config.resolve_epochs(steps_per_epoch) * steps_per_epoch)
    schedule = make_schedule(config.schedule, config.learning_rate, total_steps, config.warmup_fraction)
    optimizer = named_optimizer(config.optimizer, schedule, weight_decay=config.weight_decay,
                                **(config.optimizer_args or {}))
    if config.precision == "mixed_float16":  # float16's small range: scale the loss, unscale the gradients
        import keras

        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


REFERENCE_ARGS_OPTIMIZERS = ("adam", "adamw")  # a model's `optimizer_args` are Adam's (beta_1 ...)


def resolve_optimizer_args(config: TrainConfig, model) -> dict:
    """The optimiser arguments a run uses: the config's when it sets them, else the model's
    reference ``optimizer_args`` (class attribute) for Adam and AdamW, else none (Keras' defaults)."""
    if config.optimizer_args is not None:
        return dict(config.optimizer_args)
    if config.optimizer not in REFERENCE_ARGS_OPTIMIZERS:
        return {}
    return dict(getattr(model, "optimizer_args", None) or {})


def classification_loss(model):
    """Sparse categorical cross-entropy, from logits unless the model ends in softmax/sigmoid."""
    from dlcourse.train.tasks import get_task

    return get_task("classification").loss(model)


def check_model_fits_data(model, data: ImageData, task: Task | None = None):
    """Raise ValueError unless `model`'s input and output agree with `data`'s shapes and targets."""
    task = task or task_of(model)
    expected = tuple(model.input_shape[1:])
    if len(expected) != len(data.input_shape) or any(
        e is not None and e != a for e, a in zip(expected, data.input_shape)
    ):
        raise ValueError(
            f"data: images of shape {data.input_shape} do not fit the model's input_shape {expected}; "
            f"build the model with input_shape={data.input_shape} or load the data with image_size="
            + ("; sequences (n, steps, features) go in with task='sequence_classification'"
               if len(expected) == len(data.input_shape) - 1 else "")
        )
    check_data = getattr(model, "check_data", None)  # a model that knows its data's range (generative)
    if callable(check_data):
        for split in ("train", "val", "test"):
            x, y = data.arrays(split)
            if len(x):
                check_data(x, y, split)
    classes = output_classes(model) if task.name in ("classification", "sequence_classification", "segmentation") else None
    for split in ("train", "val", "test"):
        _, y = data.arrays(split)
        task.check_targets(y, classes, split)
        if task.name != "segmentation" or not len(y):
            continue
        output = tuple(model.output_shape[1:3])
        if any(o is not None and o != m for o, m in zip(output, y.shape[1:3])):
            raise ValueError(
                f"data: {split} masks of {y.shape[1:3]} pixels do not match the model's output of {output} pixels; "
                "a U-Net with padding='valid' outputs less than its input (572 -> 388): centre-crop the masks "
                "(dlcourse.segmentation.center_crop) or build it with padding='same'"
            )


def fit(model, data, config: TrainConfig | None = None, *, task: str | None = None, run_dir=None,
        overwrite: bool = False, validation_data=None, model_args: dict | None = None, callbacks=(),
        record: dict | None = None, **overrides) -> FitResult:
    """Compile `model` for its task and train it on `data`; return a `FitResult`.

    Args:
        model: a registered model name (built for `data`'s shape and classes), a `keras.Model`, or
            a function returning one (built inside the distribution strategy's scope).
        data: an `ImageData` (`dlcourse.data.load_dataset`), an ``(x, y)`` pair of arrays (checked and
            split by `dlcourse.data.as_image_data`: images gain a channel axis, sequences
            ``(n, steps[, features])`` with ``task="sequence_classification"`` stay as they are), or a
            `tf.data.Dataset` of ``(x, y)`` batches (then `validation_data` may give another).
        config: a `TrainConfig`; `overrides` replace its fields (``fit(m, d, epochs=5)``).
        task: one of `dlcourse.train.tasks.TASKS`; by default the model's own ``task``, its
            registry entry's, or classification.
        run_dir: where the run's files go (see the module docstring); None keeps nothing on disk.
        overwrite: move an existing run in `run_dir` to ``replaced/`` and train afresh.
        validation_data: validation batches when `data` is a `tf.data.Dataset`.
        model_args: extra keyword arguments for a registered model's builder.
        callbacks: extra Keras callbacks.
        record: extra facts to store in ``config.json`` (the CLI stores how it loaded the data).

    Returns:
        A `FitResult` with the trained model, the full history (all epochs, across resumes) and the
        test metrics.

    Raises:
        TrainingDiverged: the loss became NaN or infinite.
        RunDirectoryError: `run_dir` is in use, or holds a run made with other settings.
    """
    unknown = set(overrides) - {f.name for f in dataclasses.fields(TrainConfig)}
    if unknown:
        raise TypeError(f"unknown training settings {sorted(unknown)}; see TrainConfig")
    config = dataclasses.replace(config or TrainConfig(), **overrides)
    if isinstance(model, str):
        from dlcourse.models import model_entry

        model_entry(model).check_backend()  # a TensorFlow-only model on JAX: one line, before anything
    if model_args is not None and not isinstance(model_args, dict):
        raise TypeError(f"model_args must be a dict of builder arguments; got {type(model_args).__name__}")
    data = _check_data(data, validation_data, task or _declared_task(model))
    if run_dir is None:
        return _train(model, data, config, task, None, validation_data, model_args or {}, callbacks, record)
    from dlcourse.train.multiworker import this_workers_run_dir

    with this_workers_run_dir(run_dir, config.strategy, overwrite) as own_dir:  # only the chief writes run_dir
        run = RunDirectory(own_dir)
        with run.lock():
            if overwrite:
                moved = run.archive()
                if moved:
                    print(f"The earlier run in {run.path} was moved to {moved}")
            result = _train(model, data, config, task, run, validation_data, model_args or {}, callbacks, record)
    if own_dir != run_dir:  # a non-chief worker: its copy is deleted on leaving, so it names no folder
        result = dataclasses.replace(result, run_dir=None)
    return result


def _declared_task(model) -> str | None:
    """The task a model name's registry entry, or a model object, declares (before building)."""
    if isinstance(model, str):
        from dlcourse.models import model_entry

        return getattr(model_entry(model), "task", None)
    declared = getattr(model, "task", None)
    return declared if isinstance(declared, str) else None


def _check_data(data, validation_data, task: str | None):
    """A `tf.data.Dataset` as it is; anything else through `dlcourse.data.as_image_data`, checked."""
    if type(data).__module__.startswith("tensorflow") and hasattr(data, "element_spec"):
        return data
    if validation_data is not None:
        raise TypeError("validation_data goes with a tf.data.Dataset; arrays and ImageData bring their own split")
    if not isinstance(data, (ImageData, tuple)):
        raise TypeError(
            "data must be an ImageData (dlcourse.data.load_dataset), an (x, y) pair of arrays or a "
            f"tf.data.Dataset of (x, y) batches; got {type(data).__name__}"
        )
    from dlcourse.data import as_image_data

    # sequences (n, steps, features) stay as they are; everything else is images and gains a channel axis
    kind = task if task in ("segmentation", "regression", "sequence_classification") else "classification"
    data = as_image_data(data, task=kind)
    if len(data.x_train) == 0:
        raise ValueError("data: the training split is empty")
    return data


def _describe_model(name, model_args, data, built) -> dict:
    if name is not None:
        return {"name": name, "args": _jsonable(builder_args(model_args, data))}
    # A model object: its class and size (Keras renames repeated models: model, model_1 ...).
    return {"class": f"{type(built).__module__}.{type(built).__qualname__}", "parameters": int(built.count_params())}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _describe_data(data) -> dict:
    if isinstance(data, ImageData):
        return _jsonable(data.record())
    return {"name": "tf.data.Dataset", "element_spec": str(data.element_spec),
            "batches": int(data.cardinality())}


def _versions(strategy) -> dict:
    import keras
    import tensorflow as tf

    import dlcourse
    from dlcourse.train.devices import strategy_device_kind

    versions = {"dlcourse": dlcourse.__version__, "tensorflow": tf.__version__, "keras": keras.__version__,
                "python": platform.python_version(), "device": strategy_device_kind(strategy),
                "backend": keras.config.backend()}
    if versions["backend"] == "jax":
        import jax

        versions["jax"] = jax.__version__
    return versions


KERAS_DISTRIBUTION_ON_TF = (
    "keras.distribution is set, but on the TensorFlow backend Keras ignores it (its TensorFlow distribution "
    "module is a prototype): this run is not distributed by it. Use fit's strategy= (tf.distribute) on "
    "TensorFlow, or KERAS_BACKEND=jax for keras.distribution"
)


def data_parallel_devices() -> int:
    """How many devices each batch is split over by `keras.distribution` on JAX; 1 without one."""
    import keras

    distribution = keras.distribution.distribution() if keras.config.backend() == "jax" else None
    if distribution is None:
        return 1
    mesh, batch_axis = distribution.device_mesh, getattr(distribution, "batch_dim_name", None)
    return mesh.shape[list(mesh.axis_names).index(batch_axis)] if batch_axis in mesh.axis_names else 1


def _check_splits_evenly(data, batch_size: int, devices: int) -> None:
    """Raise ValueError unless the batches split evenly over `devices` (JAX shards each batch's first axis);
    the training data's last, smaller batch is dropped, the validation and test sets' is not."""
    sizes = {"batch_size": batch_size, "validation split": len(data.x_val), "test split": len(data.x_test)}
    uneven = [f"{what} {size}" for what, size in sizes.items() if size % devices]
    if uneven:
        raise ValueError(f"data: keras.distribution splits every batch over {devices} devices, so these must be "
                         f"multiples of {devices}: {', '.join(uneven)}")


def _settings(config: TrainConfig) -> dict:
    return _jsonable(dataclasses.asdict(config))


def _compare(old: dict, new: dict, path: str) -> None:
    """Refuse to resume a run made with another model, task, data or setting (epochs may grow)."""
    keep = lambda record: {  # noqa: E731
        "model": record.get("model"), "task": record.get("task"),
        "data": {k: v for k, v in (record.get("data") or {}).items() if k != "source"},  # where, not what
        # runs recorded before a setting existed used Keras' defaults and float32
        "settings": {"optimizer_args": {}, "precision": "float32",
                     **{k: v for k, v in record.get("settings", {}).items()
                        if k not in COSMETIC_SETTINGS + ("epochs",)}},
    }
    lines = differences(keep(old), keep(new))
    if lines:
        raise RunDirectoryError(
            f"{path} holds a run made with other settings; use another run directory, or overwrite "
            "to move the old run aside and start again:\n  " + "\n  ".join(lines)
        )


def _train(model, data, config, task_name, run, validation_data, model_args, callbacks, record):
    import keras

    from dlcourse.train.devices import resolve_jit_compile, resolve_strategy
    from dlcourse.train.precision import build_in_precision, resolve_precision
    from dlcourse.train.recorder import RunRecorder

    if keras.config.backend() != "jax" and keras.distribution.distribution() is not None:
        warnings.warn(KERAS_DISTRIBUTION_ON_TF, stacklevel=3)
    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    is_image_data = isinstance(data, ImageData)
    strategy = resolve_strategy(config.strategy)
    name = model if isinstance(model, str) else None
    precision = resolve_precision(config.precision, strategy)
    built = build_in_precision(lambda: _build(model, data, strategy, model_args), precision)
    task = task_of(built, name=name, task=task_name)
    split_over = data_parallel_devices()
    if is_image_data:
        check_model_fits_data(built, data, task)
        if split_over > 1:
            _check_splits_evenly(data, config.batch_size, split_over)
        # split over devices, every batch must divide evenly: the last, smaller batch is dropped
        steps_per_epoch = (len(data.x_train) // config.batch_size if split_over > 1
                           else math.ceil(len(data.x_train) / config.batch_size))
    else:
        steps_per_epoch = int(data.cardinality())
        if steps_per_epoch < 1:
            raise ValueError("data: a tf.data.Dataset of known, finite length is needed (dataset.cardinality())")
    config = dataclasses.replace(config, epochs=config.resolve_epochs(steps_per_epoch), precision=precision,
                                 optimizer_args=resolve_optimizer_args(config, built))
    jit = resolve_jit_compile(config.jit_compile, strategy)  # "auto": always on JAX, on GPU/TPU under TF
    new_record = {
        "dlcourse_run": RECORD_VERSION, "model": _describe_model(name, model_args, data, built),
        "task": task.name, "data": _describe_data(data), "settings": _settings(config),
        "versions": _versions(strategy), **(_jsonable(record) if record else {}),
    }

    state, status, initial_epoch, continuing = None, "trained", 0, False
    if run is not None:
        old = run.read_record()
        if old is not None:
            _compare(old, new_record, run.path)
            planned = old["settings"]["epochs"]
            if config.epochs < planned:
                raise RunDirectoryError(
                    f"{run.path}: epochs {config.epochs} is fewer than the {planned} this run was made with; "
                    "ask for the same or more epochs, or overwrite"
                )
            metrics = run.read_metrics()
            if metrics is not None and metrics["epochs"] >= config.epochs:
                return _stored_result(run, metrics, config, task)
            continuing = metrics is not None
            checkpoint = run.load_checkpoint()
            if checkpoint is not None:
                state = checkpoint
                initial_epoch = checkpoint[2]["epochs_done"]
                status = "resumed"
        run.write_record(new_record)

    monitor = task.monitor
    has_val = (len(data.x_val) > 0) if is_image_data else validation_data is not None
    if not has_val and monitor.startswith("val_"):
        monitor = monitor[len("val_"):]
    with strategy.scope():
        task.compile(built, make_optimizer(config, steps_per_epoch), jit_compile=jit)
        if state is not None:
            _restore(built, state[0], state[1])
    recorder = RunRecorder(
        run, monitor=monitor, mode="min", patience=config.early_stopping_patience,
        state=None if state is None else {**state[2], "wait": 0 if continuing else state[2]["wait"]},
        learning_rate=config.learning_rate,
    )
    all_callbacks = list(callbacks) + [recorder]
    if run is not None and config.tensorboard:
        all_callbacks.append(keras.callbacks.TensorBoard(run.file("logs")))
    if initial_epoch:
        print(f"Resuming {run.path} from epoch {initial_epoch} of {config.epochs}")

    start = time.perf_counter()
    if is_image_data:
        train = epoch_batches(data.x_train, data.y_train, config.batch_size, config.seed, initial_epoch, config.epochs,
                              drop_remainder=split_over > 1)
        val = data.val_dataset() if has_val else None
    else:
        train, val = data, validation_data
    if initial_epoch < config.epochs:
        built.fit(
            train, validation_data=val, epochs=config.epochs, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch if is_image_data else None,
            callbacks=all_callbacks, verbose=config.verbose, shuffle=False,
        )
    seconds = time.perf_counter() - start
    if recorder.diverged is not None:
        raise recorder.diverged
    test = {}
    if is_image_data and len(data.x_test):
        test = built.evaluate(data.test_dataset(), return_dict=True, verbose=0)
        test = {k: float(v) for k, v in test.items()}
    history = history_columns(recorder.rows)
    if run is not None:
        _finish(run, built, test, seconds, initial_epoch, jit, recorder, history, config.epochs)
    return FitResult(built, history, test, None if run is None else run.path, config, seconds, initial_epoch,
                     jit, status=status, task=task.name, best_epoch=recorder.best_epoch)


def _build(model, data, strategy, model_args):
    import keras

    if isinstance(model, keras.Model):
        return model
    with strategy.scope():
        if isinstance(model, str):
            from dlcourse.models import get_model

            return get_model(model, **builder_args(model_args, data))
        if callable(model):
            built = model()
            if not isinstance(built, keras.Model):
                raise TypeError(f"model: the builder returned {type(built).__name__}, not a keras.Model")
            return built
    raise TypeError(f"model must be a keras.Model, a registered model name or a builder; got {model!r}")


def builder_args(model_args: dict, data) -> dict:
    """The registered builder's arguments: `model_args`, plus the data's input shape and classes."""
    kwargs = dict(model_args)
    if isinstance(data, ImageData):
        kwargs.setdefault("input_shape", tuple(data.input_shape))
        if data.num_classes is not None:
            kwargs.setdefault("classes", data.num_classes)
    return kwargs


def _restore(model, model_values, optimizer_values):
    variables = model.variables
    if len(variables) != len(model_values):
        raise RunDirectoryError(
            f"the checkpoint holds {len(model_values)} model variables, the model has {len(variables)}"
        )
    for variable, value in zip(variables, model_values):
        variable.assign(value)
    model.optimizer.build(model.trainable_variables)
    for variable, value in zip(model.optimizer.variables, optimizer_values):
        variable.assign(value)


def _stored_result(run, metrics, config, task):
    """The stored result of a run that finished everything asked of it: nothing is retrained."""
    import keras

    print(f"{run.path} already finished ({metrics['epochs_done']} epochs); its stored result is returned. "
          "Overwrite to train again, or ask for more epochs to continue.")
    saved = keras.saving.load_model(run.file("model.keras"))
    return FitResult(saved, history_columns(run.read_history()), metrics["test"], run.path, config,
                     metrics["seconds"], metrics.get("initial_epoch", 0), metrics.get("jit_compile", False),
                     status="already finished", task=task.name, best_epoch=metrics.get("best_epoch"))


def _finish(run, model, test, seconds, initial_epoch, jit, recorder, history, epochs):
    from dlcourse.train.plots import plot_learning_curves
    from dlcourse.train.recorder import save_model

    save_model(model, run.file("model.keras"))
    run.write_metrics({
        "test": test, "seconds": seconds, "initial_epoch": initial_epoch, "jit_compile": jit,
        "epochs": epochs, "epochs_done": len(recorder.rows), "best_epoch": recorder.best_epoch,
        "stopped_early": recorder.stopped_early,
    })
    if history:
        plot_learning_curves(history, run.file("learning_curves.png"), title=model.name)


def epoch_batches(x, y, batch_size: int, seed, first_epoch: int, epochs: int, drop_remainder: bool = False):
    """Training batches for epochs ``first_epoch .. epochs - 1``, each epoch in its own order drawn
    from ``(seed, epoch)``: a resumed run sees the batches the uninterrupted run saw. With
    `drop_remainder` each epoch's last, smaller batch is left out."""
    import tensorflow as tf

    seed = 0 if seed is None else int(seed)
    n = len(x)

    def one_epoch(epoch):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), epoch])
        )
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size, drop_remainder=drop_remainder)

    indices = tf.data.Dataset.range(first_epoch, epochs).flat_map(one_epoch)
    arrays = tf.data.Dataset.from_tensors((x, y)).repeat()
    return (
        tf.data.Dataset.zip(indices, arrays)
        .map(lambda idx, xy: (tf.gather(xy[0], idx), tf.gather(xy[1], idx)), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
