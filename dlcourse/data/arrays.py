"""Data as users have it, as `ImageData`: an `ImageData` as it is, or ``(x, y)`` arrays checked and
split. A folder of images is ``load_dataset("folder", path=DIR, image_size=...)``.

Example:
    >>> import numpy as np
    >>> x, y = np.zeros((20, 8, 8), dtype=np.uint8), np.arange(20) % 2
    >>> data = as_image_data((x, y), test=(x[:4], y[:4]))
    >>> data.sizes(), data.num_classes, data.input_shape
    ({'train': 18, 'val': 2, 'test': 4}, 2, (8, 8, 1))
"""

from __future__ import annotations

import os

import numpy as np

from dlcourse.checks import check_choice, check_fraction, check_int, check_positive_int
from dlcourse.data.checks import (
    check_class_labels,
    check_images,
    check_mask_labels,
    check_regression_targets,
    check_same_length,
    check_sequences,
    encode_string_labels,
    is_string_labels,
)
from dlcourse.data.image_data import ImageData, split_validation

TARGET_KINDS = ("classification", "segmentation", "regression", "sequence_classification")


def _pair(argument: str, value) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{argument} must be an (x, y) pair of arrays; got {type(value).__name__}")
    x, y = np.asarray(value[0]), np.asarray(value[1])
    check_same_length(x, y, argument)
    return x, y


def _class_ids(labels: dict, num_classes, class_names, task: str) -> tuple:
    """Check every split's labels; returns ``(labels, num_classes, class_names)``."""
    if any(is_string_labels(y) for y in labels.values()):
        if task != "classification":
            raise TypeError(f"string labels are only for classification; got them for {task}")
        if class_names is None:
            *ids, class_names = encode_string_labels(*labels.values())
            labels = dict(zip(labels, ids))
        else:
            index = {str(c): i for i, c in enumerate(class_names)}
            for split, y in labels.items():
                unknown = sorted({str(v) for v in np.ravel(y)} - set(index))
                if unknown:
                    raise ValueError(f"y_{split} holds labels {unknown[:5]} that are not in class_names")
            labels = {split: np.array([index[str(v)] for v in np.ravel(y)], dtype="int64")
                      for split, y in labels.items()}
    if class_names is not None:
        class_names = tuple(str(c) for c in class_names)
        if num_classes is not None and len(class_names) != num_classes:
            raise ValueError(f"class_names has {len(class_names)} names but num_classes is {num_classes}")
        num_classes = num_classes or len(class_names)
    check = check_class_labels if task == "classification" else check_mask_labels
    labels = {split: check(y, num_classes, f"y_{split}") for split, y in labels.items()}
    if num_classes is None:
        num_classes = 1 + max(int(y.max()) for y in labels.values() if y.size)
    return labels, num_classes, class_names or ()


def as_image_data(data, *, test=None, validation=None, validation_split: float = 0.1, seed: int | None = 0,
                  task: str = "classification", num_classes: int | None = None, class_names=None,
                  name: str = "arrays") -> ImageData:
    """`data` as an `ImageData`, checked: what `fit`, `cross_validate` and `search` train on.

    Images go through `dlcourse.data.checks.check_images` (uint8 and [0, 255] integer images are
    divided by 255; float images must be in [0, 1] and are never scaled again; NaN or infinite
    values are an error). Classification labels go through `check_class_labels` (whole-number
    floats become int64, one-hot rows their argmax); string labels become ids 0, 1, ... in sorted
    order of the names, which become `class_names` (or in the order of `class_names` if given).

    Args:
        data: an `ImageData` (returned as it is), or an ``(x, y)`` pair of arrays, images
            ``(n, height, width[, channels])``.
        test: an optional ``(x_test, y_test)`` pair; without it the test split is empty.
        validation: an optional ``(x_val, y_val)`` pair; without it `validation_split` of the
            training pair is held out (stratified by class where possible).
        validation_split: the fraction held out when `validation` is not given, in [0, 1).
        seed: seed of that split.
        task: what `y` holds: ``"classification"`` (class ids ``(n,)``, one-hot or strings),
            ``"segmentation"`` (per-pixel class ids ``(n, height, width)``), ``"regression"``
            (real values ``(n, ...)``, ``num_classes`` None) or ``"sequence_classification"``
            (class ids as for classification; then `x` holds sequences ``(n, steps[, features])``,
            checked by `dlcourse.data.checks.check_sequences`: kept as they are, no channel axis).
        num_classes: the number of classes (default: the largest label + 1, or ``len(class_names)``).
        class_names: optional names of the classes, in id order.
        name: what the data is called in runs and messages.

    Returns:
        An `ImageData` with ``source="arrays"`` and ``sha256=None``.

    Example:
        >>> as_image_data((np.zeros((10, 4, 4)), ["cat", "dog"] * 5), validation_split=0.2).class_names
        ('cat', 'dog')
    """
    if isinstance(data, ImageData):
        if test is not None or validation is not None:
            raise TypeError("test= and validation= go with (x, y) arrays; an ImageData already has its splits")
        return data
    if isinstance(data, (str, os.PathLike)):
        raise TypeError(f"data: a path ({os.fspath(data)!r}) is not arrays; for a folder of images use "
                        "load_dataset('folder', path=..., image_size=...)")
    if not isinstance(data, (tuple, list)):
        raise TypeError(f"data must be an ImageData or an (x, y) pair of arrays; got {type(data).__name__}")
    check_choice("task", task, TARGET_KINDS)
    validation_split = check_fraction("validation_split", validation_split)
    if seed is not None:
        seed = check_int("seed", seed, minimum=0)
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string; got {name!r}")
    pairs = {"train": _pair("data", data)}
    for split, argument, value in (("val", "validation", validation), ("test", "test", test)):
        if value is not None:
            pairs[split] = _pair(argument, value)
    for split, (x, _) in pairs.items():
        if not len(x):
            raise ValueError(f"x_{split} is empty: a split that is given needs at least one example")

    labels = {split: y for split, (_, y) in pairs.items()}
    if task == "regression":
        if num_classes is not None or class_names is not None:
            raise ValueError("num_classes and class_names are for classes; regression targets have none")
        labels = {split: check_regression_targets(y, f"y_{split}") for split, y in labels.items()}
        class_names = ()
    else:
        kind = "classification" if task == "sequence_classification" else task
        labels, num_classes, class_names = _class_ids(labels, num_classes, class_names, kind)
    check_x = check_sequences if task == "sequence_classification" else check_images
    images = {split: check_x(x, f"x_{split}") for split, (x, _) in pairs.items()}
    if task == "segmentation":
        for split, y in labels.items():
            if y.shape[1:] != images[split].shape[1:3]:
                raise ValueError(f"y_{split}: masks of {y.shape[1:]} pixels do not match the images' "
                                 f"{images[split].shape[1:3]}")

    if "val" in pairs:
        x_train, y_train, x_val, y_val = images["train"], labels["train"], images["val"], labels["val"]
    else:
        x_train, y_train, x_val, y_val = split_validation(
            images["train"], labels["train"], validation_split, seed,
            stratify=task in ("classification", "sequence_classification")
        )
    x_test, y_test = (images["test"], labels["test"]) if "test" in pairs else (x_train[:0], y_train[:0])
    return ImageData(name=name, x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val, x_test=x_test,
                     y_test=y_test, num_classes=num_classes, source="arrays", class_names=class_names)
