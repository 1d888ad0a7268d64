"""Pixel accuracy and intersection over union (IoU, 교집합/합집합) per class, and their mean (mIoU).

IoU of class c = TP / (TP + FP + FN) over all pixels; the mean IoU averages it over the classes
present in the labels or the predictions, as ``keras.metrics.MeanIoU`` does (a class absent from
both has no IoU and does not count). Long et al. (FCN) report pixel accuracy and mean IoU.

The reference's sanity value: labels ``[[0, 0, 1], [1, 2, 2]]``, predictions ``[[0, 1, 1], [1, 2, 0]]``:
per-class IoU (1/3, 2/3, 1/2), mean 0.5 (also with a 4th class absent from both), pixel accuracy 2/3.

Example:
    >>> y_true, y_pred = [[0, 0, 1], [1, 2, 2]], [[0, 1, 1], [1, 2, 0]]
    >>> float(mean_iou(y_true, y_pred, num_classes=4)), round(float(pixel_accuracy(y_true, y_pred)), 4)
    (0.5, 0.6667)
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_positive_int


def _labels(y_true, y_pred, num_classes):
    num_classes = check_positive_int("num_classes", num_classes)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[:-1] == y_true.shape:  # scores: take the argmax
        y_pred = y_pred.argmax(axis=-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be masks of the same shape "
                         "(or y_pred scores with one more axis)")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= num_classes):
            raise ValueError(f"{name} must hold integer class ids in [0, {num_classes - 1}]")
    return y_true.ravel(), y_pred.ravel(), num_classes


def center_crop(masks, size) -> np.ndarray:
    """The central ``size x size`` pixels of masks ``(n, h, w)`` (or images ``(n, h, w, c)``): the
    targets of a U-Net with valid convolutions, whose output is smaller than its input (572 -> 388).

    Example:
        >>> center_crop(np.zeros((2, 572, 572)), 388).shape
        (2, 388, 388)
    """
    masks = np.asarray(masks)
    size = check_positive_int("size", size)
    height, width = masks.shape[1:3]
    if size > min(height, width):
        raise ValueError(f"size: cannot crop {size} x {size} pixels out of {height} x {width}")
    top, left = (height - size) // 2, (width - size) // 2
    return masks[:, top:top + size, left:left + size]


def confusion_matrix(y_true, y_pred, num_classes) -> np.ndarray:
    """``(num_classes, num_classes)`` pixel counts: row = true class, column = predicted class.

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 1, 0], 2).tolist()
        [[1, 0], [1, 1]]
    """
    y_true, y_pred, num_classes = _labels(y_true, y_pred, num_classes)
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def iou_per_class(y_true, y_pred, num_classes) -> np.ndarray:
    """Each class's IoU; NaN for a class absent from both labels and predictions.

    Example:
        >>> iou_per_class([[0, 0, 1], [1, 2, 2]], [[0, 1, 1], [1, 2, 0]], 4).round(4).tolist()
        [0.3333, 0.6667, 0.5, nan]
    """
    matrix = confusion_matrix(y_true, y_pred, num_classes).astype("float64")
    tp = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def mean_iou(y_true, y_pred, num_classes) -> float:
    """Mean IoU over the classes present in labels or predictions (``keras.metrics.MeanIoU``'s value).

    Args:
        y_true: integer masks.
        y_pred: integer masks of the same shape, or scores with a last axis of `num_classes`.
        num_classes: the number of classes.

    Returns:
        The mean IoU, a float in [0, 1].
    """
    iou = iou_per_class(y_true, y_pred, num_classes)
    return float(np.nanmean(iou)) if np.any(~np.isnan(iou)) else 0.0


def pixel_accuracy(y_true, y_pred) -> float:
    """The fraction of pixels whose predicted class is the true one.

    Example:
        >>> pixel_accuracy([0, 1, 1, 2], [0, 1, 2, 2])
        0.75
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.ndim == y_true.ndim + 1:
        y_pred = y_pred.argmax(axis=-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be masks of the same shape")
    return float(np.mean(y_true == y_pred))


def iou_table(y_true, y_pred, class_names) -> str:
    """A per-class IoU table (plain text): each class's IoU and pixel counts, then the mean.

    Args:
        y_true, y_pred: as for `mean_iou`.
        class_names: one name per class, in id order (``("background", "circle", ...)``).

    Returns:
        The table, one row per class; absent classes show "-" and are left out of the mean.

    Example:
        >>> print(iou_table([[0, 0, 1], [1, 2, 2]], [[0, 1, 1], [1, 2, 0]], ["bg", "a", "b", "c"]))
        class  IoU    true pixels  predicted pixels
        bg     0.333            2                 2
        a      0.667            2                 3
        b      0.500            2                 1
        c      -                0                 0
        mean   0.500
    """
    names = [str(n) for n in class_names]
    matrix = confusion_matrix(y_true, y_pred, len(names))
    iou = iou_per_class(y_true, y_pred, len(names))
    width = max(5, *(len(n) for n in names))
    rows = [f"{'class':<{width}}  IoU    true pixels  predicted pixels"]
    for c, name in enumerate(names):
        value = "-" if np.isnan(iou[c]) else f"{iou[c]:.3f}"
        rows.append(f"{name:<{width}}  {value:<5}  {matrix[c].sum():>11}  {matrix[:, c].sum():>16}")
    rows.append(f"{'mean':<{width}}  {mean_iou(y_true, y_pred, len(names)):.3f}")
    return "\n".join(rows)


def boundary_band(masks, width=2) -> np.ndarray:
    """The pixels less than `width` pixels (chessboard distance) from a boundary pixel of `masks` ``(n, h, w)``.

    A pixel is a boundary pixel when one of its 4 neighbours has another class (so both sides of an
    edge are; ``width=1`` is those two pixels, ``width=2`` four across the edge): the "trimap" band
    of Kohli et al. 2009, in which DeepLab (Chen et al. 2017) measures boundaries.

    Example:
        >>> boundary_band(np.array([[[0, 0, 0, 1, 1, 1]]]), width=2).astype(int).tolist()
        [[[0, 1, 1, 1, 1, 0]]]
    """
    masks = np.asarray(masks)
    width = check_positive_int("width", width)
    if masks.ndim != 3:
        raise ValueError(f"masks must be (n, height, width) class ids; got shape {masks.shape}")
    edge = np.zeros(masks.shape, dtype=bool)
    edge[:, 1:] |= masks[:, 1:] != masks[:, :-1]
    edge[:, :-1] |= masks[:, 1:] != masks[:, :-1]
    edge[:, :, 1:] |= masks[:, :, 1:] != masks[:, :, :-1]
    edge[:, :, :-1] |= masks[:, :, 1:] != masks[:, :, :-1]
    reach = width - 1  # each side of an edge is marked already: width 1 is the two pixels beside it
    padded = np.pad(edge, ((0, 0), (reach, reach), (0, 0)))
    rows = np.zeros_like(edge)
    for shift in range(2 * reach + 1):  # grow along the rows, then the columns: a square of side 2 * reach + 1
        rows |= padded[:, shift:shift + edge.shape[1]]
    padded = np.pad(rows, ((0, 0), (0, 0), (reach, reach)))
    band = np.zeros_like(edge)
    for shift in range(2 * reach + 1):
        band |= padded[:, :, shift:shift + edge.shape[2]]
    return band


def boundary_iou(y_true, y_pred, num_classes, width=2) -> float:
    """Mean IoU over only the pixels within `width` pixels of a true class boundary (trimap mean IoU).

    The interior of a blob is easy; this band is where coarse upsampling (FCN-32s) blurs and skips
    (FCN-16s, 8s, U-Net) help.

    Args:
        y_true: integer masks ``(n, h, w)``.
        y_pred: masks of the same shape, or scores with a last axis of `num_classes`.
        num_classes: the number of classes.
        width: the band's half-width in pixels.

    Returns:
        The mean IoU over the band's pixels (classes present there), a float in [0, 1].

    Example:
        >>> y = np.array([[[0, 0, 0, 1, 1, 1]]])
        >>> boundary_iou(y, y, 2), boundary_iou(y, np.array([[[0, 0, 1, 1, 1, 1]]]), 2, width=1)
        (1.0, 0.25)
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[:-1] == y_true.shape:
        y_pred = y_pred.argmax(axis=-1)
    band = boundary_band(y_true, width)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be masks of the same shape "
                         "(or y_pred scores with one more axis)")
    return mean_iou(y_true[band], y_pred[band], num_classes)
