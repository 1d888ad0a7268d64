"""Non-maximum suppression (NMS, 비최대 억제): keep the best-scoring box, drop the boxes that overlap
it too much, repeat (greedy, as YOLO and Faster R-CNN use it at test time).

The conventions are TensorFlow's ``tf.image.non_max_suppression`` exactly (and torchvision's
``nms`` but for the threshold's precision):

- boxes are visited by descending score; tied scores keep the lower index first;
- a box is suppressed when its IoU with an already kept box is strictly greater than
  `iou_threshold` (IoU exactly at the threshold survives);
- IoU is computed in float32 and compared with the threshold cast to float32 (so an IoU of exactly
  0.3 survives at 0.3, where torchvision, comparing with the double 0.3, suppresses it);
- `score_threshold` drops boxes whose score is not strictly greater;
- a zero-area box overlaps nothing (IoU 0).

Boxes are xyxy here (TensorFlow's are yxyx). Soft-NMS (Bodla et al. 2017) lowers overlapping
scores by exp(-IoU^2 / (2 sigma)) instead of dropping them, as
``tf.image.non_max_suppression_with_scores(..., soft_nms_sigma=sigma)``.

Example:
    >>> nms([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], [0.9, 0.8, 0.7], iou_threshold=0.5).tolist()
    [0, 2]
"""

from __future__ import annotations

import heapq

import numpy as np

from dlcourse.checks import check_int, check_number, check_optional_positive_int
from dlcourse.detection.boxes import check_boxes


def _check_inputs(boxes, scores, iou_threshold, max_output_size, score_threshold):
    b = check_boxes(boxes).reshape(-1, 4) if np.size(boxes) else np.zeros((0, 4), np.float32)
    b = b.astype(np.float32)
    s = np.asarray(scores, dtype=np.float32).reshape(-1)
    if len(s) != len(b):
        raise ValueError(f"scores must have one value per box: {len(b)} boxes, {len(s)} scores")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite numbers")
    check_number("iou_threshold", iou_threshold, minimum=0, maximum=1)
    max_output_size = len(b) if max_output_size is None else check_int("max_output_size", max_output_size, minimum=0)
    if score_threshold is not None and not (isinstance(score_threshold, (int, float, np.number)) and not np.isnan(score_threshold)):
        raise ValueError(f"score_threshold must be a number or None; got {score_threshold!r}")
    return b, s, np.float32(iou_threshold), max_output_size


def _iou_f32(box, boxes):
    """IoU of one box with many, in float32 with TensorFlow's operation order."""
    area = (box[3] - box[1]) * (box[2] - box[0])
    areas = (boxes[:, 3] - boxes[:, 1]) * (boxes[:, 2] - boxes[:, 0])
    h = np.maximum(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), np.float32(0))
    w = np.maximum(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), np.float32(0))
    inter = h * w
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / ((area + areas) - inter)
    return np.where((area <= 0) | (areas <= 0), np.float32(0), iou).astype(np.float32)


def _order(scores):
    """Indices by descending score, ties by ascending index (a stable sort of -score)."""
    return np.argsort(-scores, kind="stable")


def nms(boxes, scores, iou_threshold: float = 0.5, max_output_size: int | None = None,
        score_threshold: float | None = None) -> np.ndarray:
    """Greedy non-maximum suppression: the indices of the boxes kept, best first.

    Args:
        boxes: (N, 4) xyxy boxes.
        scores: (N,) scores.
        iou_threshold: suppress a box whose IoU with a kept box is > this (in [0, 1]).
        max_output_size: keep at most this many (None: no limit).
        score_threshold: drop boxes whose score is not > this (None: keep all).

    Returns:
        int64 indices into `boxes`, by descending score.

    Example:
        >>> nms([[0, 0, 1, 1]] * 2 + [[5, 5, 6, 6]], [0.5, 0.7, 0.5]).tolist()
        [1, 2]
    """
    b, s, threshold, limit = _check_inputs(boxes, scores, iou_threshold, max_output_size, score_threshold)
    candidates = _order(s)
    if score_threshold is not None:
        candidates = candidates[s[candidates] > np.float32(score_threshold)]
    keep = []
    alive = np.ones(len(candidates), bool)
    for position, index in enumerate(candidates):
        if len(keep) >= limit:
            break
        if not alive[position]:
            continue
        keep.append(index)
        rest = candidates[position + 1:]
        alive[position + 1:] &= ~(_iou_f32(b[index], b[rest]) > threshold)
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes, scores, classes, iou_threshold: float = 0.5, max_output_size: int | None = None,
                score_threshold: float | None = None) -> np.ndarray:
    """Per-class NMS: boxes of different classes never suppress each other (torchvision's ``batched_nms``).

    Args:
        boxes, scores, iou_threshold, max_output_size, score_threshold: as for `nms`.
        classes: (N,) integer class ids.

    Returns:
        int64 indices of the kept boxes over all classes, by descending score (ties: lower index).

    Example:
        >>> batched_nms([[0, 0, 1, 1]] * 2, [0.9, 0.8], [0, 1]).tolist()
        [0, 1]
    """
    c = np.asarray(classes).reshape(-1)
    if c.size and not np.issubdtype(c.dtype, np.integer):
        raise ValueError(f"classes must be integer class ids; got dtype {c.dtype}")
    b, s, _, limit = _check_inputs(boxes, scores, iou_threshold, max_output_size, score_threshold)
    if len(c) != len(b):
        raise ValueError(f"classes must have one id per box: {len(b)} boxes, {len(c)} classes")
    kept = [np.flatnonzero(c == k)[nms(b[c == k], s[c == k], iou_threshold, None, score_threshold)]
            for k in np.unique(c)]
    kept = np.concatenate(kept) if kept else np.zeros(0, np.int64)
    order = np.lexsort((kept, -s[kept]))
    return kept[order][:limit].astype(np.int64)


def soft_nms(boxes, scores, sigma: float = 0.5, max_output_size: int | None = None,
             score_threshold: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian soft-NMS: overlapping boxes are down-weighted by exp(-IoU^2 / (2 sigma)), not removed.

    Equal to ``tf.image.non_max_suppression_with_scores(boxes, scores, max_output_size,
    score_threshold=score_threshold, soft_nms_sigma=sigma)``: each round takes the best remaining
    box; its score is decayed by the boxes selected since it was last looked at; if unchanged it is
    selected, else it goes back with its lower score unless that is <= `score_threshold`.

    Args:
        boxes: (N, 4) xyxy boxes.
        scores: (N,) scores.
        sigma: the Gaussian's width (> 0).
        max_output_size: keep at most this many (None: all).
        score_threshold: boxes whose (decayed) score falls to this or below are dropped.

    Returns:
        (indices, scores): the selected boxes in selection order and their decayed scores.

    Example:
        >>> index, new = soft_nms([[0, 0, 10, 10], [0, 0, 10, 9]], [0.9, 0.8])
        >>> index.tolist(), [round(float(score), 4) for score in new]
        ([0, 1], [0.9, 0.3559])
    """
    sigma = check_number("sigma", sigma, minimum=0, strict_minimum=True)
    b, s, _, limit = _check_inputs(boxes, scores, 0.5, max_output_size, score_threshold)
    floor = np.float32(score_threshold)
    scale = np.float32(-0.5) / np.float32(sigma)
    heap = [(-s[i], i, s[i], 0) for i in range(len(s)) if s[i] > floor]
    heapq.heapify(heap)
    selected, selected_scores = [], []
    while heap and len(selected) < limit:
        _, index, original, begin = heapq.heappop(heap)
        score = original
        for j in range(len(selected) - 1, begin - 1, -1):
            iou = _iou_f32(b[index], b[selected[j]][None])[0]
            score = np.float32(score * np.exp(np.float32(scale * iou * iou)))
            if score <= floor:
                break
        if score == original:
            selected.append(index)
            selected_scores.append(score)
        elif score > floor:
            heapq.heappush(heap, (-score, index, score, len(selected)))
    return np.asarray(selected, dtype=np.int64), np.asarray(selected_scores, dtype=np.float32)
