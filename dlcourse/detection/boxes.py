"""Bounding boxes (경계 상자): format conversions, areas, pairwise IoU, and the deltas a detector
regresses against anchors (Girshick et al. 2014, appendix C; torchvision's ``BoxCoder``).

Formats, as `keras.utils.bounding_boxes` names them, each a last axis of 4 numbers in pixels:
``"xyxy"`` (corners), ``"yxyx"`` (TensorFlow's corners), ``"xywh"`` (top-left corner, width,
height: COCO's format) and ``"center_xywh"`` (centre, width, height: YOLO's). Coordinates are
continuous (no +1: a box [0, 0, 10, 10] has area 100), as in torchvision, TensorFlow and
pycocotools. A box with zero area is valid and overlaps nothing (IoU 0, TensorFlow's convention);
a box with x2 < x1 or y2 < y1 is an error.

Example:
    >>> convert_boxes([[10, 20, 30, 60]], "xyxy", "center_xywh").tolist()
    [[20.0, 40.0, 20.0, 40.0]]
"""

from __future__ import annotations

import math

import numpy as np

from dlcourse.checks import check_choice

BOX_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh")
BOX_CODER_WEIGHTS = (10.0, 10.0, 5.0, 5.0)  # Fast/Faster R-CNN's box head (= target std 0.1, 0.1, 0.2, 0.2)
BBOX_XFORM_CLIP = math.log(1000.0 / 16)  # torchvision's cap on decoded log-scale deltas


def check_boxes(boxes, name: str = "boxes", box_format: str = "xyxy") -> np.ndarray:
    """`boxes` as a float array of shape (..., 4), if finite with x2 >= x1 and y2 >= y1.

    Raises a ValueError naming `name` otherwise.
    """
    check_choice("box_format", box_format, BOX_FORMATS)
    array = np.asarray(boxes)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers; got dtype {array.dtype}")
    if array.ndim == 1 and array.size == 0:
        array = array.reshape(0, 4)
    if array.shape[-1:] != (4,):
        raise ValueError(f"{name} must have shape (..., 4); got {array.shape}")
    array = array.astype(np.float64) if not np.issubdtype(array.dtype, np.floating) else array
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite numbers")
    if box_format in ("xyxy", "yxyx"):
        bad = (array[..., 2] < array[..., 0]) | (array[..., 3] < array[..., 1])
        corners = "x2 >= x1 and y2 >= y1" if box_format == "xyxy" else "y2 >= y1 and x2 >= x1"
    else:
        bad = (array[..., 2] < 0) | (array[..., 3] < 0)
        corners = "w >= 0 and h >= 0"
    if np.any(bad):
        first = np.argwhere(bad)[0]
        raise ValueError(f"{name} must have {corners} ({box_format}); box {tuple(first.tolist())} is "
                         f"{array[tuple(first)].tolist()}")
    return array


def convert_boxes(boxes, source: str, target: str) -> np.ndarray:
    """Boxes from one format to another (the formats of `keras.utils.bounding_boxes.convert_format`).

    Args:
        boxes: array (..., 4) in `source` format.
        source, target: one of `BOX_FORMATS`.

    Returns:
        A float array of the same shape in `target` format.

    Example:
        >>> convert_boxes([[1, 2, 4, 6]], "xyxy", "xywh").tolist()
        [[1.0, 2.0, 3.0, 4.0]]
    """
    check_choice("source", source, BOX_FORMATS)
    check_choice("target", target, BOX_FORMATS)
    b = check_boxes(boxes, "boxes", source)
    a, c, d, e = (b[..., i] for i in range(4))
    if source == "xyxy":
        x1, y1, x2, y2 = a, c, d, e
    elif source == "yxyx":
        y1, x1, y2, x2 = a, c, d, e
    elif source == "xywh":
        x1, y1, x2, y2 = a, c, a + d, c + e
    else:
        x1, y1, x2, y2 = a - d / 2, c - e / 2, a + d / 2, c + e / 2
    if target == "xyxy":
        out = (x1, y1, x2, y2)
    elif target == "yxyx":
        out = (y1, x1, y2, x2)
    elif target == "xywh":
        out = (x1, y1, x2 - x1, y2 - y1)
    else:
        out = ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)
    return np.stack(out, axis=-1)


def box_area(boxes) -> np.ndarray:
    """Areas of xyxy `boxes` (..., 4): (x2 - x1) * (y2 - y1).

    Example:
        >>> box_area([[0, 0, 10, 5]]).tolist()
        [50.0]
    """
    b = check_boxes(boxes)
    return (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])


def box_iou(boxes1, boxes2) -> np.ndarray:
    """Pairwise intersection over union (IoU, 교집합 대 합집합) of two sets of xyxy boxes.

    Equal to ``keras.utils.bounding_boxes.compute_iou(a, b, "xyxy")`` and torchvision's
    ``box_iou``, except that a pair involving a zero-area box has IoU 0 (torchvision gives NaN for
    two identical zero-area boxes; TensorFlow's NMS gives 0).

    Args:
        boxes1: (N, 4) xyxy boxes.
        boxes2: (M, 4) xyxy boxes.

    Returns:
        (N, M) IoUs in the boxes' float type.

    Example:
        >>> box_iou([[0, 0, 2, 1]], [[0, 0, 1, 1], [3, 3, 4, 4]]).tolist()
        [[0.5, 0.0]]
    """
    a = check_boxes(boxes1, "boxes1").reshape(-1, 4)
    b = check_boxes(boxes2, "boxes2").reshape(-1, 4)
    dtype = np.result_type(a.dtype, b.dtype)
    a, b = a.astype(dtype), b.astype(dtype)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = w * h
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1), 0)
    return iou.astype(dtype)


def _centres(boxes):
    w = boxes[..., 2] - boxes[..., 0]
    h = boxes[..., 3] - boxes[..., 1]
    return boxes[..., 0] + 0.5 * w, boxes[..., 1] + 0.5 * h, w, h


def encode_boxes(boxes, anchors, weights=BOX_CODER_WEIGHTS) -> np.ndarray:
    """The deltas (dx, dy, dw, dh) that move each anchor onto its box (R-CNN's box regression).

    dx = wx (x - xa) / wa, dy = wy (y - ya) / ha, dw = ww log(w / wa), dh = wh log(h / ha), with
    centres and sizes of xyxy boxes (torchvision's ``BoxCoder``; weights (1, 1, 1, 1) give
    ``keras.utils.bounding_boxes.encode_box_to_deltas`` with ``encoding_format="center_xywh"``).

    Args:
        boxes: (..., 4) xyxy ground-truth boxes with positive width and height.
        anchors: (..., 4) xyxy anchors (or proposals), broadcastable to `boxes`.
        weights: (wx, wy, ww, wh); the default (10, 10, 5, 5) is Fast R-CNN's box head's.

    Returns:
        (..., 4) deltas.

    Example:
        >>> encode_boxes([[1, 2, 13, 10]], [[0, 0, 10, 10]]).round(4).tolist()
        [[2.0, 1.0, 0.9116, -1.1157]]
    """
    b = check_boxes(boxes, "boxes")
    a = check_boxes(anchors, "anchors")
    if np.any(box_area(a) <= 0) or np.any(box_area(b) <= 0):
        raise ValueError("boxes and anchors must have positive width and height to be encoded")
    wx, wy, ww, wh = _check_weights(weights)
    x, y, w, h = _centres(b)
    xa, ya, wa, ha = _centres(a)
    return np.stack([wx * (x - xa) / wa, wy * (y - ya) / ha, ww * np.log(w / wa), wh * np.log(h / ha)], axis=-1)


def decode_boxes(deltas, anchors, weights=BOX_CODER_WEIGHTS, clip: float = BBOX_XFORM_CLIP) -> np.ndarray:
    """The xyxy boxes that `deltas` make of `anchors`: the inverse of `encode_boxes`.

    dw and dh are capped at `clip` (log(1000/16), torchvision's ``bbox_xform_clip``) before the
    exponential, so a wild prediction cannot overflow.

    Example:
        >>> decode_boxes([[2.0, 1.0, 0.91160804, -1.11571776]], [[0, 0, 10, 10]]).round(4).tolist()
        [[1.0, 2.0, 13.0, 10.0]]
    """
    d = np.asarray(deltas, dtype=np.float64)
    if d.shape[-1:] != (4,) or not np.all(np.isfinite(d)):
        raise ValueError(f"deltas must be finite numbers of shape (..., 4); got shape {d.shape}")
    a = check_boxes(anchors, "anchors").astype(np.float64)
    wx, wy, ww, wh = _check_weights(weights)
    xa, ya, wa, ha = _centres(a)
    x = d[..., 0] / wx * wa + xa
    y = d[..., 1] / wy * ha + ya
    w = np.exp(np.minimum(d[..., 2] / ww, clip)) * wa
    h = np.exp(np.minimum(d[..., 3] / wh, clip)) * ha
    return np.stack([x - 0.5 * w, y - 0.5 * h, x + 0.5 * w, y + 0.5 * h], axis=-1)


def _check_weights(weights):
    values = tuple(weights) if np.ndim(weights) == 1 else ()
    if len(values) != 4 or not all(np.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"weights must be 4 positive numbers (wx, wy, ww, wh); got {weights!r}")
    return tuple(float(v) for v in values)
