"""Checks of images and labels before training: each returns the array ready for Keras or raises one
clear ValueError or TypeError naming the array (``x_train``, ``y_test``, ``FILE: y_train``).

The conversions done here, and nothing else:
- integer images: uint8 images, and integer images with values in [0, 255], are divided by 255;
  uint16 images by 65535 (the largest value of each type). Other integer images are an error.
- float images must already lie in [0, 1] and are never scaled again; outside [0, 1] is an error
  that says to scale them (``x / 255``). NaN or infinite pixels are an error giving their count.
- ``(n, height, width)`` images gain a channel axis: ``(n, height, width, 1)``.
- class labels: floats that are whole numbers (3.0) become int64 (other floats are an error);
  ``(n, 1)`` columns are flattened; one-hot rows (2-D, 0/1, one 1 per row) become their argmax;
  booleans become 0/1. String labels are mapped to ids by `encode_string_labels` (class names
  sorted); `check_class_labels` itself rejects them.

numpy only: the data layer and the training layer's tasks call these before importing TensorFlow.

Example:
    >>> import numpy as np
    >>> float(check_images(np.full((2, 4, 4), 255, dtype=np.uint8)).max()), check_images(np.zeros((2, 4, 4))).shape
    (1.0, (2, 4, 4, 1))
    >>> check_class_labels(np.array([[0, 1], [1, 0]]), 2).tolist()     # one-hot rows
    [1, 0]
"""

from __future__ import annotations

import re

import numpy as np

from dlcourse.checks import check_positive_int

UINT8_MAX = 255  # the largest value of 8-bit images
UINT16_MAX = 65535  # the largest value of 16-bit images
SHA256_PATTERN = re.compile(r"^[0-9a-fA-F]{64}$")


def check_sha256(name: str, value) -> str | None:
    """None, or `value` in lower case if it is 64 hexadecimal digits (a sha256 digest)."""
    if value is None:
        return None
    if not isinstance(value, str) or not SHA256_PATTERN.match(value):
        raise ValueError(f"{name} must be a sha256 digest (64 hexadecimal digits); got {value!r}")
    return value.lower()


def check_same_length(x, y, name: str = "train") -> None:
    """Raise ValueError unless `x` and `y` hold the same number of examples."""
    if len(x) != len(y):
        raise ValueError(f"{name}: x has {len(x)} examples but y has {len(y)}; they must be the same length")


def check_finite(x: np.ndarray, name: str) -> None:
    """Raise ValueError if float array `x` holds NaN or infinite values, with their count."""
    if np.issubdtype(x.dtype, np.floating) and x.size:
        bad = int(np.count_nonzero(~np.isfinite(x)))
        if bad:
            raise ValueError(f"{name} holds {bad:,} NaN or infinite values of {x.size:,}; remove or replace them")


def check_images(x, name: str = "x_train", *, scale: float | None = None) -> np.ndarray:
    """`x` as float32 images in [0, 1], shaped ``(n, height, width, channels)``.

    Args:
        x: images ``(n, height, width)`` or ``(n, height, width, channels)``; uint8/integer images are
            divided by 255 (uint16 by 65535), float images must already be in [0, 1].
        name: what the error messages call `x`.
        scale: divide by this instead (a loader that knows its data, e.g. 16 for scikit-learn's digits);
            the result must then lie in [0, 1].

    Returns:
        A float32 array in [0, 1] with a channel axis.

    Example:
        >>> check_images(np.array([[[0, 51]]], dtype=np.uint8)).ravel().tolist()
        [0.0, 0.20000000298023224]
    """
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise TypeError(f"{name} must be numeric images (integers or floats); got dtype {x.dtype}")
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} must be images shaped (n, height, width) or (n, height, width, channels); "
                         f"got shape {x.shape}")
    check_finite(x, name)
    if scale is not None:
        x = np.asarray(x, dtype="float32") / scale
        low, high = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
        if low < 0 or high > 1:
            raise ValueError(f"{name} holds values in [{low * scale:g}, {high * scale:g}], beyond [0, {scale:g}]")
    elif np.issubdtype(x.dtype, np.integer):
        low, high = (int(x.min()), int(x.max())) if x.size else (0, 0)
        maximum = UINT16_MAX if x.dtype == np.uint16 else UINT8_MAX
        if low < 0 or high > maximum:
            raise ValueError(f"{name} holds integers in [{low}, {high}]; integer images must lie in "
                             f"[0, 255] (or be uint16); scale them to floats in [0, 1] yourself")
        x = np.asarray(x, dtype="float32") / float(maximum)
    else:
        low, high = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
        if low < 0 or high > 1:
            hint = ("if they are 0..255 pixels, divide them by 255 first" if high <= UINT8_MAX and low >= 0
                    else "scale them to [0, 1] first, e.g. (x - x.min()) / (x.max() - x.min())")
            raise ValueError(f"{name} holds float values in [{low:g}, {high:g}]; float images must lie in "
                             f"[0, 1] ({hint})")
        x = np.asarray(x, dtype="float32")
    return x[..., None] if x.ndim == 3 else x


def check_sequences(x, name: str = "x_train") -> np.ndarray:
    """`x` as sequences ``(n, steps[, features])``: never rescaled, never given a channel axis.

    Float sequences become float32 (any finite values: features are not pixels); integer sequences
    (token ids for an ``Embedding``) become int32.

    Args:
        x: sequences ``(n, steps)`` or ``(n, steps, features)``, at least one step.
        name: what the error messages call `x`.

    Returns:
        A float32 or int32 array of the same shape.

    Example:
        >>> check_sequences(np.zeros((2, 5, 3))).shape, check_sequences(np.ones((2, 4), "int64")).dtype.name
        ((2, 5, 3), 'int32')
    """
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise TypeError(f"{name} must be numeric sequences (integers or floats); got dtype {x.dtype}")
    if x.ndim not in (2, 3):
        raise ValueError(f"{name} must be sequences shaped (n, steps) or (n, steps, features); got shape {x.shape}")
    if x.shape[1] == 0:
        raise ValueError(f"{name} has a sequence length of 0 (shape {x.shape}); each sequence needs at least one step")
    check_finite(x, name)
    return np.asarray(x, dtype="int32" if np.issubdtype(x.dtype, np.integer) else "float32")


def encode_string_labels(*ys) -> tuple:
    """Map string labels to integer ids: ``(ids_1, ..., ids_k, class_names)``, names sorted.

    Every array gets the same ids; `class_names` is the sorted set of labels across all of them.

    Example:
        >>> encode_string_labels(np.array(["cat", "dog", "cat"]), np.array(["dog"]))
        (array([0, 1, 0]), array([1]), ('cat', 'dog'))
    """
    arrays = [np.asarray(y).ravel() for y in ys]
    class_names = tuple(sorted({str(label) for y in arrays for label in y}))
    index = {label: i for i, label in enumerate(class_names)}
    ids = [np.array([index[str(label)] for label in y], dtype="int64") for y in arrays]
    return (*ids, class_names)


def is_string_labels(y) -> bool:
    """True when `y` holds strings (numpy str or bytes, or Python strings in an object array)."""
    y = np.asarray(y)
    if y.dtype.kind in "US":
        return True
    return y.dtype == object and y.size > 0 and all(isinstance(v, (str, bytes)) for v in y.ravel())


def _integral(y: np.ndarray, name: str, what: str) -> np.ndarray:
    if y.dtype == object or y.dtype.kind in "US":
        raise TypeError(f"{name} must be integer {what}; got {'strings' if is_string_labels(y) else y.dtype} "
                        "(as_image_data maps string labels to ids)")
    if y.dtype == bool:
        return y.astype("int64")
    if np.issubdtype(y.dtype, np.floating):
        check_finite(y, name)
        fractional = int(np.count_nonzero(y != np.round(y)))
        if fractional:
            raise ValueError(f"{name} holds {fractional:,} non-integer float labels (e.g. {y[y != np.round(y)][0]:g}); "
                             f"{what} must be whole numbers (for real-valued targets use regression)")
        return y.astype("int64")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name} must be integer {what}; got dtype {y.dtype}")
    return y.astype("int64")


def _check_range(y: np.ndarray, num_classes, name: str) -> None:
    if not y.size:
        return
    low, high = int(y.min()), int(y.max())
    if low < 0:
        raise ValueError(f"{name} holds the negative label {low}; labels are class ids 0, 1, ...")
    if num_classes is not None and high >= num_classes:
        raise ValueError(f"{name} holds the label {high} but num_classes is {num_classes}; "
                         f"labels must lie in [0, {num_classes - 1}]")


def _is_one_hot(y: np.ndarray) -> bool:
    if y.ndim != 2 or y.shape[1] < 2 or not y.size or y.dtype == object or y.dtype.kind in "US":
        return False
    return bool(np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all())


def check_class_labels(y, num_classes: int | None = None, name: str = "y_train") -> np.ndarray:
    """`y` as int64 class ids shaped ``(n,)``, for classification.

    Args:
        y: class ids ``(n,)`` or ``(n, 1)``; integral floats (3.0) and booleans are converted;
            one-hot rows ``(n, classes)`` become their argmax.
        num_classes: when given, every label must lie in ``[0, num_classes - 1]``.
        name: what the error messages call `y`.

    Returns:
        An int64 array ``(n,)``.

    Example:
        >>> check_class_labels([3.0, 1.0], 10).tolist()
        [3, 1]
    """
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
    y = np.asarray(y)
    if _is_one_hot(y):
        if num_classes is not None and y.shape[1] != num_classes:
            raise ValueError(f"{name}: one-hot rows of {y.shape[1]} classes, but num_classes is {num_classes}")
        return y.argmax(axis=1).astype("int64")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name} must be one class id per example, shaped (n,) (or one-hot rows); got shape {y.shape}")
    y = _integral(y, name, "class ids")
    _check_range(y, num_classes, name)
    return y


def check_mask_labels(y, num_classes: int | None = None, name: str = "y_train") -> np.ndarray:
    """`y` as int64 per-pixel class ids shaped ``(n, height, width)``, for segmentation.

    ``(n, height, width, 1)`` masks lose their last axis; integral floats are converted.

    Example:
        >>> check_mask_labels(np.zeros((2, 4, 4, 1)), 3).shape
        (2, 4, 4)
    """
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
    y = np.asarray(y)
    if y.ndim == 4 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.ndim != 3:
        raise ValueError(f"{name} must be masks of class ids shaped (n, height, width); got shape {y.shape}")
    y = _integral(y, name, "class ids")
    _check_range(y, num_classes, name)
    return y


def check_regression_targets(y, name: str = "y_train") -> np.ndarray:
    """`y` as finite float32 targets shaped ``(n, ...)``, for regression.

    Example:
        >>> check_regression_targets([1, 2.5]).dtype
        dtype('float32')
    """
    y = np.asarray(y)
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise TypeError(f"{name} must be numbers for regression; got dtype {y.dtype}")
    if y.ndim == 0:
        raise ValueError(f"{name} must hold one target per example; got a scalar")
    check_finite(y, name)
    return y.astype("float32")
