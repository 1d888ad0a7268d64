"""Data sets as batched, prefetched `tf.data` pipelines plus the arrays for scikit-learn.

Each loader tries, in order: the file you name (`path=`), ``$DLCOURSE_DATA_DIR/<name>.npz``, then
the real download (keras.datasets, or TFDS with ``source="tfds"``). A local file is verified by its
sha256. Offline and without a file, `DatasetUnavailable` says which file to put where.

Example:
    >>> data = load_dataset("digits")            # bundled with scikit-learn: always offline
    >>> data.input_shape, data.num_classes
    ((28, 28, 1), 10)
    >>> train = data.train_dataset(batch_size=64)   # a tf.data.Dataset of (images, labels)
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

DATA_DIR_ENV = "DLCOURSE_DATA_DIR"

# sha256 of the local .npz files we accept, with where each comes from.
KNOWN_SHA256 = {
    "mnist": {
        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1": "keras.datasets' mnist.npz",
        "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64": (
            "MNIST rebuilt from the classic 50k/10k/10k pickle (same pixels, other bytes)"
        ),
    },
}


class DatasetUnavailable(FileNotFoundError):
    """The data set could be neither downloaded nor found on disk; the message says what to do."""


@dataclass(frozen=True)
class ImageData:
    """Train, validation and test images with integer labels, ready for Keras and scikit-learn.

    Images are float32 in [0, 1], shaped ``(n, height, width, channels)``.

    Example:
        >>> data = load_dataset("digits")
        >>> x, y = data.sklearn_arrays("train")     # flat (n, features) arrays
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    source: str
    class_names: tuple = field(default=())

    @property
    def input_shape(self) -> tuple:
        return tuple(self.x_train.shape[1:])

    def arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of ``"train"``, ``"val"`` or ``"test"``."""
        if split not in ("train", "val", "test"):
            raise ValueError(f"split must be 'train', 'val' or 'test'; got {split!r}")
        return getattr(self, f"x_{split}"), getattr(self, f"y_{split}")

    def sklearn_arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` with each image flattened to a feature vector, for scikit-learn."""
        x, y = self.arrays(split)
        return x.reshape(len(x), -1), y

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


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _load_npz(name: str, path: str, sha256: str | None):
    known = KNOWN_SHA256.get(name, {})
    allowed = {sha256: "the sha256 you gave"} if sha256 else known
    if allowed:
        actual = _sha256(path)
        if actual not in allowed:
            raise ValueError(
                f"{path}: sha256 {actual} matches no known {name} file "
                f"({', '.join(f'{h} = {what}' for h, what in allowed.items())})"
            )
    with np.load(path, allow_pickle=False) as f:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(f.files)
        if missing:
            raise ValueError(f"{path} lacks the arrays {sorted(missing)} (keras.datasets' layout)")
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def _local_file(name: str, path) -> str | None:
    if path is not None:
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise ValueError(f"path: no file at {path!r}")
        return path
    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir:
        candidate = os.path.join(data_dir, f"{name}.npz")
        if os.path.isfile(candidate):
            return candidate
    return None


def _download(name: str, source: str):
    try:
        if source == "tfds":
            import tensorflow_datasets as tfds

            train, test = tfds.as_numpy(
                tfds.load(name, split=["train", "test"], batch_size=-1, as_supervised=True)
            )
            return train, test
        import keras

        return getattr(keras.datasets, name).load_data()
    except Exception as error:  # keras raises a bare Exception on a failed fetch
        sums = KNOWN_SHA256.get(name)
        checksum = f" with sha256 one of {sorted(sums)}" if sums else ""
        raise DatasetUnavailable(
            f"{name} could not be downloaded ({type(error).__name__}: {str(error)[:120]}). "
            f"Offline, put {name}.npz{checksum} (arrays x_train, y_train, x_test, y_test, as "
            f"keras.datasets.{name}.load_data() returns them) in the folder named by "
            f"${DATA_DIR_ENV}, or pass path=..."
        ) from error


def _to_images(x: np.ndarray, scale: float) -> np.ndarray:
    x = np.asarray(x, dtype="float32") / scale
    return x[..., None] if x.ndim == 3 else x


def _resize(x: np.ndarray, image_size) -> np.ndarray:
    if image_size is None or x.shape[1:3] == (image_size, image_size):
        return x
    import tensorflow as tf

    return tf.image.resize(x, (image_size, image_size)).numpy().clip(0.0, 1.0)


def _split_validation(x, y, validation_split, seed):
    if not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be in [0, 1); got {validation_split!r}")
    if validation_split == 0:
        return x, y, x[:0], y[:0]
    from sklearn.model_selection import train_test_split

    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=validation_split, random_state=seed, stratify=y
    )
    return x_train, y_train, x_val, y_val


def _limit(x, y, limit, seed):
    if limit is None:
        return x, y
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive integer or None; got {limit!r}")
    if limit >= len(x):
        return x, y
    order = np.random.default_rng(seed).permutation(len(x))[:limit]
    return x[order], y[order]


def _digits(path, source, sha256):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.images.astype("float32")  # 8x8, values 0..16
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.2, random_state=0, stratify=digits.target
    )
    return (x_train, y_train), (x_test, y_test), 16.0, "scikit-learn load_digits"


def _keras_dataset(name: str) -> Callable:
    def load(path, source, sha256):
        local = _local_file(name, path)
        if local is not None:
            train, test = _load_npz(name, local, sha256)
            return train, test, 255.0, f"file {local}"
        train, test = _download(name, source)
        return train, test, 255.0, source

    return load


@dataclass(frozen=True)
class DatasetSpec:
    loader: Callable
    num_classes: int
    default_image_size: int | None
    description: str
    class_names: tuple = ()


DATASETS = {
    "digits": DatasetSpec(
        _digits, 10, 28,
        "scikit-learn's bundled 8x8 handwritten digits (1,797), resized to 28x28 by default",
    ),
    "mnist": DatasetSpec(_keras_dataset("mnist"), 10, None, "MNIST handwritten digits, 28x28x1"),
    "fashion_mnist": DatasetSpec(
        _keras_dataset("fashion_mnist"), 10, None, "Fashion-MNIST clothing images, 28x28x1",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
         "Bag", "Ankle boot"),
    ),
    "cifar10": DatasetSpec(
        _keras_dataset("cifar10"), 10, None, "CIFAR-10 colour images, 32x32x3",
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
    ),
}


def list_datasets() -> list[str]:
    """Names of the registered data sets."""
    return sorted(DATASETS)


def load_dataset(
    name: str,
    *,
    path=None,
    validation_split: float = 0.1,
    image_size: int | None = None,
    limit: int | None = None,
    seed: int = 0,
    source: str = "keras",
    sha256: str | None = None,
) -> ImageData:
    """Load data set `name` as `ImageData` (float32 images in [0, 1], integer labels).

    Args:
        name: one of `list_datasets()`.
        path: a local ``.npz`` file (keras.datasets' layout) to use instead of downloading.
        validation_split: the fraction of the training set held out, stratified by class.
        image_size: resize images to ``image_size x image_size`` (digits: 28 by default, the notes'
            CNN input; pass 8 for the original images).
        limit: keep at most this many training examples (quick experiments, lessons' quick mode).
        seed: seed of the validation split and of `limit`'s sample.
        source: ``"keras"`` (keras.datasets) or ``"tfds"`` (TensorFlow Datasets) for downloads.
        sha256: the expected sha256 of `path`, for files this package does not know.

    Returns:
        An `ImageData`.

    Example:
        >>> load_dataset("digits", image_size=8).input_shape
        (8, 8, 1)
    """
    if not isinstance(name, str) or name not in DATASETS:
        close = difflib.get_close_matches(str(name), DATASETS, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown data set {name!r}.{hint} Known data sets: {', '.join(list_datasets())}")
    if source not in ("keras", "tfds"):
        raise ValueError(f"source must be 'keras' or 'tfds'; got {source!r}")
    if image_size is not None and (isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1):
        raise ValueError(f"image_size must be a positive integer or None; got {image_size!r}")
    spec = DATASETS[name]
    (x_train, y_train), (x_test, y_test), scale, origin = spec.loader(path, source, sha256)
    y_train = np.asarray(y_train, dtype="int64").ravel()
    y_test = np.asarray(y_test, dtype="int64").ravel()
    x_train, y_train = _limit(x_train, y_train, limit, seed)
    image_size = image_size or spec.default_image_size
    x_train = _resize(_to_images(x_train, scale), image_size)
    x_test = _resize(_to_images(x_test, scale), image_size)
    x_train, y_train, x_val, y_val = _split_validation(x_train, y_train, validation_split, seed)
    return ImageData(
        name=name, x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val,
        x_test=x_test, y_test=y_test, num_classes=spec.num_classes, source=origin,
        class_names=spec.class_names,
    )
