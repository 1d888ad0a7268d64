"""`ImageData`: train, validation and test arrays with what a run records about them.

Example:
    >>> import numpy as np
    >>> data = ImageData("tiny", np.zeros((4, 2, 2, 1), "float32"), np.arange(4), np.zeros((0, 2, 2, 1), "float32"),
    ...                  np.arange(0), np.zeros((2, 2, 2, 1), "float32"), np.arange(2), num_classes=4, source="arrays")
    >>> data.sizes()
    {'train': 4, 'val': 0, 'test': 2}
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class ImageData:
    """Train, validation and test images with their targets, ready for Keras and scikit-learn.

    Images are float32 in [0, 1], shaped ``(n, height, width, channels)``. Targets are generic:
    int64 class ids ``(n,)`` for classification, int64 masks ``(n, height, width)`` for
    segmentation, float32 values for regression (then ``num_classes`` is None).

    Example:
        >>> from dlcourse.data import load_dataset
        >>> data = load_dataset("digits", image_size=8)
        >>> x, y = data.sklearn_arrays("train")     # flat (n, features) arrays
        >>> x.shape
        (1293, 64)
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int | None
    source: str
    class_names: tuple = field(default=())
    sha256: str | None = None  # of the file (or folder of images) the data came from; None for arrays

    @property
    def input_shape(self) -> tuple:
        return tuple(self.x_train.shape[1:])

    def arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of ``"train"``, ``"val"`` or ``"test"``."""
        if split not in SPLITS:
            raise ValueError(f"split must be 'train', 'val' or 'test'; got {split!r}")
        return getattr(self, f"x_{split}"), getattr(self, f"y_{split}")

    def sklearn_arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` with each image flattened to a feature vector, for scikit-learn."""
        x, y = self.arrays(split)
        return x.reshape(len(x), -1), y

    def sizes(self) -> dict:
        """The number of examples in each split: ``{"train": n, "val": n, "test": n}``."""
        return {split: len(self.arrays(split)[0]) for split in SPLITS}

    def fingerprint(self) -> str:
        """The sha256 of all six arrays (their dtypes, shapes and bytes): equal data, equal fingerprint.

        A run records it to tell whether it is resumed on the same data; MNIST takes well under a second.
        """
        digest = hashlib.sha256()
        for split in SPLITS:
            for kind, array in zip("xy", self.arrays(split)):
                array = np.ascontiguousarray(array)
                digest.update(f"{kind}_{split} {array.dtype.str} {array.shape}\n".encode())
                digest.update(array.data)
        return digest.hexdigest()

    def record(self) -> dict:
        """What a run's config.json records about the data: name, source, sizes, sha256 and fingerprint."""
        return {
            "name": self.name,
            "source": self.source,
            "sizes": self.sizes(),
            "sha256": self.sha256,
            "fingerprint": self.fingerprint(),
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
        }

    def dataset(self, split: str, batch_size: int = 128, shuffle: bool | None = None, seed=None):
        """A batched, prefetched `tf.data.Dataset` of ``(images, labels)`` for `split`.

        Training data is shuffled every epoch unless ``shuffle=False``.
        """
        import tensorflow as tf

        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        x, y = self.arrays(split)
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        if shuffle if shuffle is not None else split == "train":
            ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def train_dataset(self, batch_size: int = 128, seed=None):
        return self.dataset("train", batch_size, seed=seed)

    def val_dataset(self, batch_size: int = 256):
        return self.dataset("val", batch_size)

    def test_dataset(self, batch_size: int = 256):
        return self.dataset("test", batch_size)


def split_validation(x, y, validation_split: float, seed, *, stratify: bool = True):
    """``(x_train, y_train, x_val, y_val)``: hold out `validation_split` of the examples.

    Stratified by class where every class can be (at least two examples each, and at least one per
    class on each side); otherwise a plain shuffled split.
    """
    if validation_split == 0:
        return x, y, x[:0], y[:0]
    held = int(np.ceil(validation_split * len(x)))
    if held >= len(x):
        raise ValueError(f"validation_split={validation_split} of {len(x)} examples leaves no training "
                         "examples; use a smaller validation_split or more data")
    from sklearn.model_selection import train_test_split

    counts = np.unique(y, return_counts=True)[1] if stratify else ()
    classes = len(counts)
    can_stratify = stratify and counts.min() >= 2 and held >= classes and len(x) - held >= classes
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=validation_split, random_state=seed, stratify=y if can_stratify else None
    )
    return x_train, y_train, x_val, y_val
