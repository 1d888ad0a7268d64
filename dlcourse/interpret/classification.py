"""What a trained classifier gets wrong: confusion matrix (혼동 행렬), per-class precision and recall, top losses.

As fastai's ``ClassificationInterpretation``: the predictions of a model on a split, from which the
confusion matrix, each class's precision (정밀도) and recall (재현율), and the examples with the
largest loss (the model's most confident mistakes, or mislabelled images) are read.

Example:
    >>> import numpy as np
    >>> probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    >>> interp = ClassificationInterpretation(probs, np.array([0, 1, 1]))
    >>> interp.confusion_matrix().tolist(), interp.top_losses(1).tolist()
    ([[1, 0], [1, 1]], [2])
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from dlcourse.checks import check_positive_int

EPSILON = 1e-7  # probabilities are clipped to [EPSILON, 1] before the log, as Keras' cross-entropy does


@dataclass
class ClassificationInterpretation:
    """A classifier's class probabilities ``(n, classes)`` on some images, their true labels, and the images.

    Build one with `from_model` or `from_run`.
    """

    probabilities: np.ndarray
    labels: np.ndarray
    images: np.ndarray | None = None
    class_names: list | None = None

    def __post_init__(self):
        self.probabilities = np.asarray(self.probabilities, dtype=np.float64)
        self.labels = np.asarray(self.labels).astype(np.int64).reshape(-1)
        if self.probabilities.ndim != 2 or len(self.probabilities) != len(self.labels):
            raise ValueError(f"probabilities must be (n, classes) with one row per label; got "
                             f"{self.probabilities.shape} for {len(self.labels)} labels")
        classes = self.probabilities.shape[1]
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= classes):
            raise ValueError(f"labels must be class ids from 0 to {classes - 1}")
        if not self.class_names:
            self.class_names = [str(i) for i in range(classes)]
        self.class_names = list(self.class_names)
        if len(self.class_names) != classes:
            raise ValueError(f"class_names has {len(self.class_names)} names for {classes} classes")

    @classmethod
    def from_model(cls, model, images, labels, class_names=None, batch_size: int = 256):
        """Predict `images` with `model` (logits are turned into probabilities with a softmax)."""
        scores = np.asarray(model.predict(np.asarray(images), batch_size=batch_size, verbose=0), dtype=np.float64)
        rows_are_probabilities = np.all(scores >= 0) and np.allclose(scores.sum(axis=1), 1, atol=1e-3)
        if not rows_are_probabilities:
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            scores /= scores.sum(axis=1, keepdims=True)
        return cls(scores, labels, np.asarray(images), class_names)

    @classmethod
    def from_run(cls, run_dir, split: str = "test", data=None):
        """Load a run directory's ``best.keras`` (or ``model.keras``) and the data its ``config.json`` names.

        Args:
            run_dir: a directory written by `dlcourse.train.fit` or ``dlcourse train``.
            split: ``"test"``, ``"val"`` or ``"train"``.
            data: the `ImageData` the run trained on; None loads it as ``config.json`` records (a run
                of ``dlcourse train`` records how; otherwise the data set's name, at the model's
                input size).
        """
        import keras

        from dlcourse.data import load_dataset

        if split not in ("train", "val", "test"):
            raise ValueError(f"split must be one of ('train', 'val', 'test'); got {split!r}")
        record_path = os.path.join(os.fspath(run_dir), "config.json")
        if not os.path.isfile(record_path):
            raise ValueError(f"run_dir: {os.fspath(run_dir)!r} holds no config.json; is it a run directory?")
        model_path = next((os.path.join(run_dir, f) for f in ("best.keras", "model.keras")
                           if os.path.isfile(os.path.join(run_dir, f))), None)
        if model_path is None:
            raise ValueError(f"run_dir: {os.fspath(run_dir)!r} has no best.keras or model.keras yet")
        model = keras.models.load_model(model_path)
        if data is None:
            with open(record_path) as f:
                record = json.load(f)
            load = dict(record.get("data_load") or {"data": record["data"]["name"]})
            name = load.pop("data")
            if load.get("data_path"):
                load["path"] = load["data_path"]
            load = {k: v for k, v in load.items() if v is not None and k in ("image_size", "limit", "sha256", "path")}
            if "image_size" not in load and len(model.input_shape) == 4:
                load["image_size"] = model.input_shape[1]
            data = load_dataset(name, **load)
        x, y = {"train": (data.x_train, data.y_train), "val": (data.x_val, data.y_val),
                "test": (data.x_test, data.y_test)}[split]
        return cls.from_model(model, x, y, data.class_names)

    @property
    def predictions(self) -> np.ndarray:
        """The predicted class of each example."""
        return self.probabilities.argmax(axis=1)

    @property
    def losses(self) -> np.ndarray:
        """Each example's cross-entropy, -log p(true class)."""
        return -np.log(np.clip(self.probabilities[np.arange(len(self.labels)), self.labels], EPSILON, 1.0))

    def confusion_matrix(self) -> np.ndarray:
        """``(classes, classes)`` counts: row = true class, column = predicted class."""
        classes = self.probabilities.shape[1]
        matrix = np.zeros((classes, classes), dtype=np.int64)
        np.add.at(matrix, (self.labels, self.predictions), 1)
        return matrix

    def precision_recall(self) -> dict:
        """``{"precision": (classes,), "recall": (classes,)}``; a class never predicted (or absent) gets 0."""
        matrix = self.confusion_matrix()
        hits = np.diag(matrix).astype(np.float64)
        predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
        return {"precision": np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0),
                "recall": np.divide(hits, actual, out=np.zeros_like(hits), where=actual > 0)}

    def top_losses(self, k: int = 9) -> np.ndarray:
        """Indices of the `k` examples with the largest loss, largest first."""
        check_positive_int("k", k)
        return np.argsort(-self.losses, kind="stable")[:k]

    def plot_confusion_matrix(self, path=None):
        """The confusion matrix as a heat map with counts; saved to `path` if given."""
        from dlcourse.plotting import label_axes, new_figure, save_figure

        matrix = self.confusion_matrix()
        fig, ax = new_figure(figsize=(1 + 0.5 * len(matrix), 0.8 + 0.5 * len(matrix)))
        ax.imshow(matrix, cmap="Blues")
        for (i, j), count in np.ndenumerate(matrix):
            ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                    color="white" if count > matrix.max() / 2 else "black")
        ax.set_xticks(range(len(matrix)), self.class_names, rotation=90)
        ax.set_yticks(range(len(matrix)), self.class_names)
        label_axes(ax, "predicted", "true", "confusion matrix (혼동 행렬)")
        if path is not None:
            save_figure(fig, path)
        return fig

    def plot_top_losses(self, k: int = 9, path=None):
        """The `k` largest-loss images titled predicted / true / loss / p(true); saved to `path` if given."""
        from dlcourse.plotting import new_figure, save_figure

        if self.images is None:
            raise ValueError("plot_top_losses needs the images: build with from_model or from_run")
        idx = self.top_losses(k)
        cols = min(len(idx), 5)
        rows = -(-len(idx) // cols)
        fig, axes = new_figure(ncols=cols, nrows=rows, squeeze=False, figsize=(2.2 * cols, 2.4 * rows))
        for ax in axes.ravel():
            ax.set_axis_off()
        for ax, i in zip(axes.ravel(), idx):
            image = self.images[i]
            ax.imshow(image[..., 0] if image.shape[-1] == 1 else np.clip(image, 0, 1), cmap="gray")
            p_true = self.probabilities[i, self.labels[i]]
            ax.set_title(f"{self.class_names[self.predictions[i]]}/{self.class_names[self.labels[i]]}\n"
                         f"{self.losses[i]:.2f}/{p_true:.2f}", fontsize=8)
        if path is not None:
            save_figure(fig, path)
        return fig
