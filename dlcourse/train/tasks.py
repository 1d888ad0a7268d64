"""Tasks (과제): what a model is trained to do decides its loss, metrics and the quantity to watch.

The task contract every trainer in the package reads (`fit`, tuning, the checklist, the CLI): a
registry entry names its task, and the task compiles the model once, here. A model that trains
differently (a GAN, a VAE, a detector) overrides `train_step` or `compute_loss`; its task compiles
it with the optimiser alone and it trains as it is.

| task | default loss | metrics | tuning objective |
| --- | --- | --- | --- |
| classification, sequence_classification | (sparse) cross-entropy | accuracy | val_accuracy (max) |
| regression | mean squared error | mean absolute error | val_loss (min) |
| segmentation | per-pixel cross-entropy | pixel accuracy, mean IoU | val_mean_iou (max) |
| detection, generation | the model's own | the model's own | val_loss (min) |

Example:
    >>> task = get_task("regression")
    >>> task.monitor, task.objective, task.direction
    ('val_loss', 'val_loss', 'min')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcourse.checks import check_choice

TASKS = (
    "classification",
    "regression",
    "segmentation",
    "detection",
    "generation",
    "sequence_classification",
)


def trains_itself(model) -> bool:
    """True when `model` overrides `train_step` or `compute_loss`: it brings its own loss.

    Example:
        >>> import keras
        >>> trains_itself(keras.Sequential([keras.layers.Dense(1)]))
        False
    """
    import keras

    cls = type(model)
    return cls.train_step is not keras.Model.train_step or cls.compute_loss is not keras.Model.compute_loss


def _ends_in_probabilities(model) -> bool:
    """Whether the model's last layer applies softmax or sigmoid (else its outputs are logits)."""
    activation = getattr(model.layers[-1], "activation", None) if model.layers else None
    return getattr(activation, "__name__", "") in ("softmax", "sigmoid")


def output_classes(model) -> int:
    """How many classes the model's output scores: its last dimension, 2 for a single sigmoid unit."""
    outputs = model.output_shape[-1]
    return 2 if outputs == 1 else outputs


@dataclass(frozen=True)
class Task:
    """One kind of training: its default loss and metrics, what early stopping and checkpoints
    watch (`monitor`), and what a hyperparameter search optimises (`objective`, `direction`)."""

    name: str
    monitor: str
    objective: str
    direction: str
    description: str

    def loss(self, model):
        """The default Keras loss for `model`, or None when the model brings its own."""
        import keras

        if trains_itself(model) or self.name in ("detection", "generation"):
            return None
        if self.name == "regression":
            return keras.losses.MeanSquaredError()
        from_logits = not _ends_in_probabilities(model)
        if model.output_shape[-1] == 1 and self.name != "segmentation":
            return keras.losses.BinaryCrossentropy(from_logits=from_logits)
        return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)

    def metrics(self, model) -> list:
        """The default Keras metrics for `model` (none for a model that brings its own loss)."""
        import keras

        if trains_itself(model) or self.name in ("detection", "generation"):
            return []
        if self.name == "regression":
            return [keras.metrics.MeanAbsoluteError(name="mae")]
        if self.name == "segmentation":
            return [
                keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                keras.metrics.MeanIoU(output_classes(model), sparse_y_pred=False, name="mean_iou"),
            ]
        if model.output_shape[-1] == 1:
            threshold = 0.5 if _ends_in_probabilities(model) else 0.0
            return [keras.metrics.BinaryAccuracy(name="accuracy", threshold=threshold)]
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]

    def compile(self, model, optimizer, *, jit_compile=False):
        """Compile `model` with `optimizer` and this task's loss and metrics; returns `model`."""
        loss = self.loss(model)
        if loss is None:
            model.compile(optimizer=optimizer, jit_compile=jit_compile)
        else:
            model.compile(optimizer=optimizer, loss=loss, metrics=self.metrics(model), jit_compile=jit_compile)
        return model

    def check_targets(self, y, classes: int | None, split: str = "train") -> None:
        """Raise ValueError when the targets `y` of `split` cannot be this task's (class ids out of
        range, non-finite regression targets). `classes` is the model's class count."""
        y = np.asarray(y)
        if len(y) == 0 or self.name in ("detection", "generation"):
            return
        if self.name == "regression":
            if not np.issubdtype(y.dtype, np.number) or not np.all(np.isfinite(y)):
                raise ValueError(f"data: {split} targets must be finite numbers for regression")
            return
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(
                f"data: {split} labels must be integer class ids for {self.name}; got dtype {y.dtype}"
            )
        if classes is not None and (y.min() < 0 or y.max() >= classes):
            raise ValueError(
                f"data: {split} labels range over [{y.min()}, {y.max()}] but the model has "
                f"classes={classes}; labels must lie in [0, {classes - 1}]"
            )


_CLASSIFY = dict(monitor="val_loss", objective="val_accuracy", direction="max")
_OWN_LOSS = dict(monitor="val_loss", objective="val_loss", direction="min")

_TASKS = {
    "classification": Task("classification", description="one class per image", **_CLASSIFY),
    "sequence_classification": Task(
        "sequence_classification", description="one class per sequence", **_CLASSIFY
    ),
    "regression": Task("regression", description="a number per example", **_OWN_LOSS),
    "segmentation": Task(
        "segmentation", monitor="val_loss", objective="val_mean_iou", direction="max",
        description="a class per pixel",
    ),
    "detection": Task("detection", description="boxes and classes; the model's own loss", **_OWN_LOSS),
    "generation": Task("generation", description="new samples; the model's own loss", **_OWN_LOSS),
}


def get_task(name: str) -> Task:
    """The `Task` called `name` (one of `TASKS`).

    Example:
        >>> get_task("segmentation").objective
        'val_mean_iou'
    """
    return _TASKS[check_choice("task", name, TASKS)]


def task_of(model=None, name: str | None = None, task: str | None = None) -> Task:
    """The task to train with: `task` if given, else the model's own ``task`` attribute (custom
    models declare one), else the registry entry of the model `name`, else classification."""
    if task is not None:
        return get_task(task)
    declared = getattr(model, "task", None) if model is not None else None
    if isinstance(declared, str):
        return get_task(declared)
    if name is not None:
        from dlcourse.models import model_entry

        return get_task(getattr(model_entry(name), "task", "classification"))
    return get_task("classification")
