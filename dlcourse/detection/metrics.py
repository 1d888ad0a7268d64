"""Mean average precision (mAP, 평균 정밀도): PASCAL VOC's 11-point (2007) and all-point (2010+) AP,
and COCO's AP@[.5:.95], AP50, AP75 and AR@100, written from scratch and equal to pycocotools.

Conventions (the references'; each checked by the tests):

- **Matching.** Detections are taken by descending score. COCO: each takes the best-IoU ground
  truth of its image and class not yet matched, if the IoU is >= the threshold (IoU exactly at a
  threshold matches). VOC: each takes its highest-IoU ground truth; it is a true positive if that
  IoU is > 0.5 (strictly) and the ground truth is still free, else a false positive (the devkit does
  not fall back to the next ground truth).
- **Ties in score** keep the input order (a stable sort: pycocotools' mergesort; the VOC devkit's
  quicksort is unstable, so its tie order is arbitrary).
- **IoU** is continuous (no +1 pixel), computed from (x, y, w, h) as pycocotools does.
- **AP.** VOC07: the mean over recall r in ``np.arange(0, 1.1, 0.1)`` of the best precision at
  recall >= r. VOC: the area under the monotone precision envelope. COCO: the envelope sampled at
  101 recall points ``np.linspace(0, 1, 101)`` (0 beyond the highest recall), averaged over the 10
  IoU thresholds ``np.linspace(.5, .95, 10)``; at most `max_detections` per image and class.
- **Classes.** The mean runs over classes that have ground truth; a class with ground truth and no
  detections counts 0; a class without ground truth has AP NaN and is left out. Images without
  objects take part (their detections are false positives). Ground truth without any object raises
  a ValueError: AP is undefined there.

Example:
    >>> result = coco_evaluate([[[0, 0, 10, 10]]], [[0]], [[[0, 0, 10, 9]]], [[0.9]], [[0]], num_classes=1)
    >>> round(result["AP50"], 3), round(result["AP"], 3)
    (1.0, 0.9)
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_choice, check_positive_int
from dlcourse.detection.boxes import check_boxes

COCO_IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
COCO_RECALL_POINTS = np.linspace(0.0, 1.0, int(np.round((1.0 - 0.0) / 0.01)) + 1, endpoint=True)
AP_METHODS = ("voc07", "voc", "coco")


def average_precision(recall, precision, method: str = "voc") -> float:
    """Area under one precision-recall curve (recall ascending, one point per detection).

    Args:
        recall, precision: the curve after each detection, in score order.
        method: ``"voc07"`` (11-point), ``"voc"`` (all points) or ``"coco"`` (101 points).

    Example:
        >>> average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 0.667], "voc")
        0.8335
    """
    check_choice("method", method, AP_METHODS)
    rec, prec = np.asarray(recall, np.float64), np.asarray(precision, np.float64)
    if rec.shape != prec.shape or rec.ndim != 1:
        raise ValueError(f"recall and precision must be 1-D of one length; got {rec.shape} and {prec.shape}")
    if method == "voc07":
        return float(sum((np.max(prec[rec >= t]) if np.any(rec >= t) else 0.0) / 11.0
                         for t in np.arange(0.0, 1.1, 0.1)))
    if method == "voc":
        mrec = np.concatenate(([0.0], rec, [1.0]))
        mpre = np.concatenate(([0.0], prec, [0.0]))
        mpre = np.maximum.accumulate(mpre[::-1])[::-1]
        i = np.flatnonzero(mrec[1:] != mrec[:-1])
        return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))
    envelope = np.maximum.accumulate(prec[::-1])[::-1] if len(prec) else prec
    at = np.searchsorted(rec, COCO_RECALL_POINTS, side="left")
    return float(np.mean(np.where(at < len(prec), envelope[np.minimum(at, len(prec) - 1)] if len(prec) else 0, 0)))


def _check_images(name, values, count, kind):
    if len(values) != count:
        raise ValueError(f"{name} must have one entry per image: {count} images, {len(values)} entries")
    out = []
    for i, value in enumerate(values):
        if kind == "boxes":
            out.append(check_boxes(value, f"{name}[{i}]").reshape(-1, 4).astype(np.float64))
        else:
            array = np.asarray(value).reshape(-1)
            if kind == "classes" and array.size and not np.issubdtype(array.dtype, np.integer):
                raise ValueError(f"{name}[{i}] must be integer class ids; got dtype {array.dtype}")
            if kind == "scores" and not np.all(np.isfinite(array.astype(np.float64))):
                raise ValueError(f"{name}[{i}] must be finite numbers")
            out.append(array.astype(np.int64 if kind == "classes" else np.float64))
    return out


def _prepare(gt_boxes, gt_classes, det_boxes, det_scores, det_classes, num_classes):
    num_classes = check_positive_int("num_classes", num_classes)
    count = len(gt_boxes)
    if count == 0:
        raise ValueError("gt_boxes is empty: evaluate at least one image")
    gb = _check_images("gt_boxes", gt_boxes, count, "boxes")
    gc = _check_images("gt_classes", gt_classes, count, "classes")
    db = _check_images("det_boxes", det_boxes, count, "boxes")
    ds = _check_images("det_scores", det_scores, count, "scores")
    dc = _check_images("det_classes", det_classes, count, "classes")
    for i in range(count):
        if len(gb[i]) != len(gc[i]):
            raise ValueError(f"gt_classes[{i}] must have one id per box of gt_boxes[{i}]")
        if not len(db[i]) == len(ds[i]) == len(dc[i]):
            raise ValueError(f"det_boxes[{i}], det_scores[{i}] and det_classes[{i}] must have one entry per detection")
        for name, ids in (("gt_classes", gc[i]), ("det_classes", dc[i])):
            if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
                raise ValueError(f"{name}[{i}] must be class ids in [0, {num_classes - 1}]; got {ids.tolist()}")
        area = (gb[i][:, 2] - gb[i][:, 0]) * (gb[i][:, 3] - gb[i][:, 1])
        if np.any(area <= 0):
            raise ValueError(f"gt_boxes[{i}] has a box of zero area: {gb[i][area <= 0][0].tolist()}")
    if sum(len(c) for c in gc) == 0:
        raise ValueError("the ground truth has no objects: average precision is undefined")
    return num_classes, gb, gc, db, ds, dc


def _xywh_iou(dets, gts):
    """(D, G) IoU from (x, y, w, h), in pycocotools' order of operations (maskApi.c bbIou)."""
    d = np.concatenate([dets[:, :2], dets[:, 2:] - dets[:, :2]], axis=1)
    g = np.concatenate([gts[:, :2], gts[:, 2:] - gts[:, :2]], axis=1)
    w = np.minimum(d[:, None, 2] + d[:, None, 0], g[None, :, 2] + g[None, :, 0]) - np.maximum(d[:, None, 0], g[None, :, 0])
    h = np.minimum(d[:, None, 3] + d[:, None, 1], g[None, :, 3] + g[None, :, 1]) - np.maximum(d[:, None, 1], g[None, :, 1])
    inter = w * h
    union = (d[:, 2] * d[:, 3])[:, None] + (g[:, 2] * g[:, 3])[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((w > 0) & (h > 0), inter / union, 0.0)


def mask_iou(masks1, masks2) -> np.ndarray:
    """Pairwise IoU of binary masks: (D, H, W) with (G, H, W) -> (D, G), pixels of the intersection
    over pixels of the union (0 where both are empty), as pycocotools' ``maskUtils.iou`` (no crowd).

    Example:
        >>> a = np.zeros((1, 4, 4), bool); a[0, :2] = True; b = np.zeros((1, 4, 4), bool); b[0, :, :2] = True
        >>> mask_iou(a, b).tolist()  # 4 pixels in common, 12 in either
        [[0.3333333333333333]]
    """
    a, b = np.asarray(masks1), np.asarray(masks2)
    if a.ndim != 3 or b.ndim != 3 or a.shape[1:] != b.shape[1:]:
        raise ValueError(f"masks must be (count, height, width) of one size; got shapes {a.shape} and {b.shape}")
    pixels = int(np.prod(a.shape[1:]))
    a = a.reshape(len(a), pixels).astype(bool).astype(np.float64)
    b = b.reshape(len(b), pixels).astype(bool).astype(np.float64)
    inter = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _check_masks(name, masks, boxes):
    if masks is None:
        return None
    if len(masks) != len(boxes):
        raise ValueError(f"{name} must have one entry per image: {len(boxes)} images, {len(masks)} entries")
    out = []
    for i, (m, b) in enumerate(zip(masks, boxes)):
        m = np.asarray(m)
        if m.ndim != 3 or len(m) != len(b):
            raise ValueError(f"{name}[{i}] must be (k, height, width) with one mask per box ({len(b)}); "
                             f"got shape {m.shape}")
        out.append(m.astype(bool))
    return out


def coco_evaluate(gt_boxes, gt_classes, det_boxes, det_scores, det_classes, num_classes: int,
                  max_detections: int = 100, gt_masks=None, det_masks=None) -> dict:
    """COCO box AP@[.5:.95], AP50, AP75 and AR@`max_detections`, equal to pycocotools' ``COCOeval``;
    with `gt_masks` and `det_masks`, the mask AP (``iouType="segm"``): the same matching with mask IoU.

    Args:
        gt_boxes: per image, an array (k, 4) of xyxy ground-truth boxes (k may be 0).
        gt_classes: per image, (k,) class ids in [0, num_classes).
        det_boxes, det_scores, det_classes: per image, the detections' xyxy boxes, scores and ids.
        num_classes: how many classes there are.
        max_detections: the best detections kept per image and class (COCO's 100).
        gt_masks, det_masks: per image, (k, height, width) binary instance masks, one per box (both
            or neither); IoU is then `mask_iou` (Mask R-CNN's mask AP).

    Returns:
        ``{"AP", "AP50", "AP75", "AR": floats; "per_class_AP": (num_classes,) with NaN for classes
        without ground truth; "precision": (10, 101, num_classes) the sampled PR curves, -1 where
        undefined; "recall": (10, num_classes)}``.

    Example:
        >>> coco_evaluate([[[0, 0, 4, 4]], []], [[0], []], [[[0, 0, 4, 4]], [[1, 1, 2, 2]]],
        ...               [[0.5], [0.9]], [[0], [0]], num_classes=1)["AP"]
        0.5
    """
    num_classes, gb, gc, db, ds, dc = _prepare(gt_boxes, gt_classes, det_boxes, det_scores, det_classes, num_classes)
    max_detections = check_positive_int("max_detections", max_detections)
    if (gt_masks is None) != (det_masks is None):
        raise ValueError("gt_masks and det_masks go together: give both (mask AP) or neither (box AP)")
    gm, dm = _check_masks("gt_masks", gt_masks, gb), _check_masks("det_masks", det_masks, db)
    thresholds = COCO_IOU_THRESHOLDS
    precision = -np.ones((len(thresholds), len(COCO_RECALL_POINTS), num_classes))
    recall = -np.ones((len(thresholds), num_classes))
    for k in range(num_classes):
        scores, matched, positives = [], [], 0
        for i in range(len(gb)):
            gts = gb[i][gc[i] == k]
            order = np.argsort(-ds[i][dc[i] == k], kind="mergesort")[:max_detections]
            dets, det_score = db[i][dc[i] == k][order], ds[i][dc[i] == k][order]
            positives += len(gts)
            if gm is None:
                ious = _xywh_iou(dets, gts)
            else:
                ious = mask_iou(dm[i][dc[i] == k][order], gm[i][gc[i] == k])
            hits = np.zeros((len(thresholds), len(dets)), bool)
            for t, threshold in enumerate(thresholds):
                used = np.zeros(len(gts), bool)
                for d in range(len(dets)):
                    best, match = min(threshold, 1 - 1e-10), -1
                    for g in range(len(gts)):
                        if used[g] or ious[d, g] < best:
                            continue
                        best, match = ious[d, g], g
                    if match >= 0:
                        used[match], hits[t, d] = True, True
            scores.append(det_score)
            matched.append(hits)
        if positives == 0:
            continue
        scores = np.concatenate(scores)
        order = np.argsort(-scores, kind="mergesort")
        hits = np.concatenate(matched, axis=1)[:, order]
        tp = np.cumsum(hits, axis=1).astype(float)
        fp = np.cumsum(~hits, axis=1).astype(float)
        for t in range(len(thresholds)):
            rc = tp[t] / positives
            pr = tp[t] / (fp[t] + tp[t] + np.spacing(1))
            recall[t, k] = rc[-1] if len(rc) else 0
            envelope = np.maximum.accumulate(pr[::-1])[::-1]
            at = np.searchsorted(rc, COCO_RECALL_POINTS, side="left")
            q = np.zeros(len(COCO_RECALL_POINTS))
            q[at < len(rc)] = envelope[at[at < len(rc)]]
            precision[t, :, k] = q

    def mean(values):
        values = values[values > -1]
        return float(np.mean(values)) if values.size else -1.0

    has_gt = precision[0, 0] > -1
    per_class = np.where(has_gt, precision.mean(axis=(0, 1)), np.nan)
    return {"AP": mean(precision), "AP50": mean(precision[thresholds == 0.5]),
            "AP75": mean(precision[thresholds == 0.75]), "AR": mean(recall), "per_class_AP": per_class,
            "precision": precision, "recall": recall}


def voc_evaluate(gt_boxes, gt_classes, det_boxes, det_scores, det_classes, num_classes: int,
                 use_07_metric: bool = False, iou_threshold: float = 0.5) -> dict:
    """PASCAL VOC mAP (the devkit's ``voc_eval``): 11-point (VOC2007) or all-point (VOC2010+) AP.

    Args:
        gt_boxes, gt_classes, det_boxes, det_scores, det_classes, num_classes: as for `coco_evaluate`.
        use_07_metric: the 11-point AP of VOC2007 (else the area under the envelope).
        iou_threshold: a detection is a true positive if its best IoU is > this.

    Returns:
        ``{"mAP": float, "per_class_AP": (num_classes,) with NaN for classes without ground truth,
        "curves": {class: (recall, precision)} after each detection}``.

    Example:
        >>> voc_evaluate([[[0, 0, 4, 4], [5, 5, 9, 9]]], [[0, 0]], [[[0, 0, 4, 4]]], [[0.9]], [[0]], 1)["mAP"]
        0.5
    """
    num_classes, gb, gc, db, ds, dc = _prepare(gt_boxes, gt_classes, det_boxes, det_scores, det_classes, num_classes)
    if isinstance(use_07_metric, (bool, np.bool_)) is False:
        raise TypeError(f"use_07_metric must be True or False; got {use_07_metric!r}")
    per_class, curves = np.full(num_classes, np.nan), {}
    for k in range(num_classes):
        positives = sum(int(np.sum(c == k)) for c in gc)
        image = np.concatenate([np.full(int(np.sum(dc[i] == k)), i) for i in range(len(gb))]).astype(int)
        boxes = np.concatenate([db[i][dc[i] == k] for i in range(len(gb))])
        scores = np.concatenate([ds[i][dc[i] == k] for i in range(len(gb))])
        if positives == 0:
            continue
        order = np.argsort(-scores, kind="stable")
        used = {i: np.zeros(int(np.sum(gc[i] == k)), bool) for i in range(len(gb))}
        tp = np.zeros(len(order))
        for n, d in enumerate(order):
            gts = gb[image[d]][gc[image[d]] == k]
            if len(gts):
                ious = _xywh_iou(boxes[d][None], gts)[0]
                best = int(np.argmax(ious))
                if ious[best] > iou_threshold and not used[image[d]][best]:
                    used[image[d]][best], tp[n] = True, 1
        rec = np.cumsum(tp) / positives
        prec = np.cumsum(tp) / np.maximum(np.arange(1, len(tp) + 1), np.finfo(np.float64).eps)
        curves[k] = (rec, prec)
        per_class[k] = average_precision(rec, prec, "voc07" if use_07_metric else "voc")
    return {"mAP": float(np.nanmean(per_class)), "per_class_AP": per_class, "curves": curves}
