"""Data sets as batched, prefetched `tf.data` pipelines plus the arrays for scikit-learn.

Each loader tries, in order: the file you name (`path=`), ``$DLCOURSE_DATA_DIR/<name>.npz``, then
the real download (keras.datasets, or TFDS with ``source="tfds"``). A local file is verified by its
sha256. Offline and without a file, `DatasetUnavailable` says which file to put where. Your own
images load with ``load_dataset("folder", path=DIR, image_size=...)``; arrays you already hold
become `ImageData` through `dlcourse.data.as_image_data`.

Example:
    >>> data = load_dataset("digits")            # bundled with scikit-learn: always offline
    >>> data.input_shape, data.num_classes
    ((28, 28, 1), 10)
    >>> train = data.train_dataset(batch_size=64)   # a tf.data.Dataset of (images, labels)
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from dlcourse.checks import check_choice, check_fraction, check_int, check_optional_positive_int
from dlcourse.data.checks import check_class_labels, check_images, check_same_length, check_sha256
from dlcourse.data.folder import file_sha256, folder_sha256, load_folder
from dlcourse.data.image_data import ImageData, split_validation

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


MAX_IMAGE_SIZE = 1024  # the largest image_size accepted: larger resizes only exhaust memory
BYTES_PER_PIXEL = 4  # float32


@dataclass
class RawData:
    """What a loader found, before the checks: arrays as stored, and where they came from."""

    train: tuple
    test: tuple
    origin: str
    scale: float | None = None  # divide images by this; None: check_images decides (uint8: 255)
    sha256: str | None = None
    val: tuple | None = None
    class_names: tuple = ()
    test_given: bool = True  # False: the source has no test split (a folder without test/)
    where: str = ""  # prefix of error messages: the file the arrays came from


def _check_sha256(path: str, actual: str, name: str, sha256: str | None) -> None:
    if sha256:
        if actual != sha256:
            raise ValueError(f"{path}: sha256 {actual} does not match the sha256 you gave ({sha256})")
        return
    known = KNOWN_SHA256.get(name, {})
    if known and actual not in known:
        raise ValueError(
            f"{path}: sha256 {actual} matches no known {name} file "
            f"({', '.join(f'{h} = {what}' for h, what in known.items())}); pass sha256= to use another file"
        )


def _load_npz(name: str, path: str, sha256: str | None) -> RawData:
    actual = file_sha256(path)
    _check_sha256(path, actual, name, sha256)
    keys = ("x_train", "y_train", "x_test", "y_test")
    try:
        with np.load(path, allow_pickle=False) as f:
            present = set(f.files)
            arrays = {key: f[key] for key in keys if key in present}
    except Exception as error:  # a truncated or corrupt file fails in zipfile, zlib or numpy
        raise ValueError(
            f"{path}: not a readable .npz file ({type(error).__name__}: {str(error)[:120]}); "
            "it may be truncated: download or copy it again"
        ) from error
    missing = set(keys) - set(arrays)
    if missing:
        raise ValueError(f"{path} lacks the arrays {sorted(missing)} (keras.datasets' layout)")
    return RawData(train=(arrays["x_train"], arrays["y_train"]), test=(arrays["x_test"], arrays["y_test"]),
                   origin=f"file {path}", sha256=actual, where=f"{path}: ")


def _data_dir() -> str | None:
    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir and not os.path.isdir(data_dir):
        raise DatasetUnavailable(f"${DATA_DIR_ENV} names {data_dir!r}, which is not a folder: "
                                 f"create it and put the data set's .npz file there, or unset {DATA_DIR_ENV}")
    return data_dir or None


def _local_file(name: str, path) -> str | None:
    if path is not None:
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise ValueError(f"path: no file at {path!r}")
        return path
    data_dir = _data_dir()
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


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        return None


def _resize(x: np.ndarray, image_size, name: str) -> np.ndarray:
    if image_size is None or x.shape[1:3] == (image_size, image_size):
        return x
    needed = len(x) * image_size * image_size * x.shape[-1] * BYTES_PER_PIXEL
    memory = _physical_memory()
    if memory is not None and needed > memory:
        raise ValueError(
            f"image_size={image_size}: the {len(x):,} resized {name} images need {needed / 2**30:,.1f} GiB, "
            f"more than this machine's {memory / 2**30:,.1f} GiB of memory; use a smaller image_size or limit="
        )
    import tensorflow as tf

    return tf.image.resize(x, (image_size, image_size)).numpy().clip(0.0, 1.0)


def _limit(x, y, limit, seed):
    if limit is None or limit >= len(x):
        return x, y
    order = np.random.default_rng(seed).permutation(len(x))[:limit]
    return x[order], y[order]


def _sklearn_digits_file() -> str:
    from importlib import resources

    return str(resources.files("sklearn.datasets") / "data" / "digits.csv.gz")


def _digits(path, source, sha256, image_size) -> RawData:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    file = _sklearn_digits_file()
    actual = file_sha256(file) if os.path.isfile(file) else None
    if sha256 and actual != sha256:
        raise ValueError(f"{file}: sha256 {actual} does not match the sha256 you gave ({sha256})")
    digits = load_digits()
    x = digits.images.astype("float32")  # 8x8, values 0..16
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.2, random_state=0, stratify=digits.target
    )
    return RawData(train=(x_train, y_train), test=(x_test, y_test), origin="scikit-learn load_digits",
                   scale=16.0, sha256=actual)


def _keras_dataset(name: str) -> Callable:
    def load(path, source, sha256, image_size) -> RawData:
        local = _local_file(name, path)
        if local is not None:
            return _load_npz(name, local, sha256)
        if sha256:
            raise DatasetUnavailable(
                f"sha256 checks a local file, but no {name}.npz was given (path=) or found in "
                f"${DATA_DIR_ENV}; pass path=FILE, or leave sha256 out to download {name}"
            )
        train, test = _download(name, source)
        return RawData(train=train, test=test, origin=source)

    return load


def _folder(path, source, sha256, image_size) -> RawData:
    if path is None:
        raise ValueError("path: the folder data set needs path=DIR (a folder with one sub-folder per class)")
    if image_size is None:
        raise ValueError("image_size: the folder data set needs an image_size (images are resized to "
                         "image_size x image_size)")
    path = os.fspath(path)
    found = load_folder(path, image_size)
    actual = folder_sha256(path)
    if sha256 and actual != sha256:
        raise ValueError(f"{path}: sha256 {actual} of its images does not match the sha256 you gave ({sha256})")
    x_train, y_train = found["train"]
    test = found["test"] if found["test"] is not None else (x_train[:0], y_train[:0])
    return RawData(train=found["train"], test=test, val=found["val"], origin=f"folder {path}", scale=255.0,
                   sha256=actual, class_names=found["class_names"], test_given=found["test"] is not None,
                   where=f"{path}: ")


def _shapes(image_size, limit, validation_split, seed) -> ImageData:
    from dlcourse.data.shapes import MIN_IMAGE_SIZE, SHAPES_TRAIN, load_shapes

    if image_size < MIN_IMAGE_SIZE:
        raise ValueError(f"image_size must be at least {MIN_IMAGE_SIZE} for the shapes data set; got {image_size}")
    train, test = load_shapes(image_size=image_size, train_size=min(limit or SHAPES_TRAIN, SHAPES_TRAIN), seed=seed)
    data = train.image_data(test=test, validation_split=validation_split, seed=seed)
    return dataclasses.replace(data, source=f"dlcourse.data.shapes (drawn here, seed {seed})")


@dataclass(frozen=True)
class DatasetSpec:
    loader: Callable
    num_classes: int | None  # None: read from the data (a folder's sub-folders)
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
    "shapes": DatasetSpec(
        None, 4, 64,
        "synthetic circles, squares and triangles with semantic masks (made here, offline); "
        "dlcourse.data.shapes has the boxes and instance masks",
        ("background", "circle", "square", "triangle"),
    ),
    # segmentation sets for users with a network (or VOC's extracted folder): dlcourse.data.segmentation_sets
    "oxford_iiit_pet": DatasetSpec(
        None, 3, 128, "Oxford-IIIT Pets through TFDS: pet / background / border masks (downloads ~800 MB)",
        ("background", "pet", "border"),
    ),
    "voc": DatasetSpec(
        None, 21, 128, "PASCAL VOC 2012 segmentation, 21 classes, from an extracted VOC2012 folder (path=)",
    ),
    "folder": DatasetSpec(
        _folder, None, None, "your own images: path=DIR with one sub-folder per class (needs image_size)",
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
    task: str | None = None,
) -> ImageData:
    """Load data set `name` as `ImageData` (float32 images in [0, 1], int64 labels).

    Images are checked and converted by `dlcourse.data.checks`: uint8 images are divided by 255
    (digits' 0..16 by 16), float images already in [0, 1] are kept as they are (never scaled twice),
    anything else (NaN, floats outside [0, 1], labels out of range, x and y of different lengths, an
    empty split) is one ValueError naming the file and the array.

    Args:
        name: one of `list_datasets()`; ``"folder"`` reads your own images (`path` and `image_size`
            required; see `dlcourse.data.folder`).
        path: a local ``.npz`` file (keras.datasets' layout) to use instead of downloading; for
            ``"folder"``, the folder of images.
        validation_split: the fraction of the training set held out, stratified by class.
        image_size: resize images to ``image_size x image_size``, at most 1024 (digits: 28 by
            default, the notes' CNN input; pass 8 for the original images).
        limit: keep at most this many training examples (quick experiments, lessons' quick mode).
        seed: seed of the validation split and of `limit`'s sample.
        source: ``"keras"`` (keras.datasets) or ``"tfds"`` (TensorFlow Datasets) for downloads.
        sha256: the expected sha256 of the data's file (for every data set: the ``.npz``, digits'
            bundled file, a folder's manifest); a mismatch is an error naming the file. Given, a
            data set is never downloaded. Without it, files this package knows (MNIST) are checked
            against their known sums. The sha256 found is kept in ``ImageData.sha256``.
        task: what the labels are for: ``"classification"`` (every data set but shapes) or
            ``"segmentation"`` (shapes: y are ``(n, size, size)`` masks of background, circle, square,
            triangle; its boxes are in `dlcourse.data.shapes`; ``oxford_iiit_pet`` through TFDS and
            ``voc`` from its extracted folder: `dlcourse.data.segmentation_sets`). Default: the data set's own.

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
    check_choice("source", source, ("keras", "tfds"))
    if image_size is not None:
        image_size = check_int("image_size", image_size, minimum=1, maximum=MAX_IMAGE_SIZE)
    limit = check_optional_positive_int("limit", limit)
    validation_split = check_fraction("validation_split", validation_split)
    sha256 = check_sha256("sha256", sha256)
    if seed is not None:
        seed = check_int("seed", seed, minimum=0)
    spec = DATASETS[name]
    if name == "shapes":
        check_choice("task", task, (None, "segmentation"))
        if sha256:
            raise ValueError("sha256: the shapes data set is drawn here, not read from a file; leave sha256 out")
        return _shapes(image_size or spec.default_image_size, limit, validation_split, seed or 0)
    if spec.loader is None:  # oxford_iiit_pet, voc: masks, loaded by dlcourse.data.segmentation_sets
        from dlcourse.data import segmentation_sets

        check_choice("task", task, (None, "segmentation"))
        if sha256:
            raise ValueError(f"sha256: {name} is checked by its own loader; leave sha256 out")
        size = image_size or spec.default_image_size
        if name == "voc":
            return segmentation_sets.load_voc(path, size, limit, validation_split, seed or 0)
        return segmentation_sets.load_pets(size, limit, validation_split, seed or 0)
    check_choice("task", task, (None, "classification"))
    raw = spec.loader(path, source, sha256, image_size)
    num_classes = spec.num_classes or len(raw.class_names)
    where = raw.where
    splits = {"train": raw.train, "test": raw.test}
    if raw.val is not None:
        splits["val"] = raw.val
    labels = {}
    for split, (x, y) in splits.items():
        check_same_length(x, y, f"{where}{split}")
        if not len(x) and (split == "train" or (split == "test" and raw.test_given)):
            raise ValueError(f"{where}x_{split} is empty: the {split} split needs at least one example")
        labels[split] = check_class_labels(y, num_classes, f"{where}y_{split}")
    x_train, y_train = _limit(raw.train[0], labels["train"], limit, seed)
    image_size = image_size or spec.default_image_size
    x_train = _resize(check_images(x_train, f"{where}x_train", scale=raw.scale), image_size, "training")
    x_test = _resize(check_images(raw.test[0], f"{where}x_test", scale=raw.scale), image_size, "test")
    if raw.val is None:
        x_train, y_train, x_val, y_val = split_validation(x_train, y_train, validation_split, seed)
    else:
        x_val, y_val = _resize(check_images(raw.val[0], f"{where}x_val", scale=raw.scale), image_size, "val"), labels["val"]
    return ImageData(
        name=name, x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val,
        x_test=x_test, y_test=labels["test"], num_classes=num_classes, source=raw.origin,
        class_names=raw.class_names or spec.class_names, sha256=raw.sha256,
    )
