"""YOLOv1's targets, loss and decoding (Redmon et al. 2016, "You Only Look Once", eq. 3).

The output tensor: an S x S grid (격자), each cell predicting B boxes and one set of C conditional
class probabilities: S x S x (5B + C) (7 x 7 x 30 for S = 7, B = 2, C = 20). The layout of a cell's
last axis is ``[x, y, sqrt(w), sqrt(h), confidence] * B`` then the C class probabilities: x, y
are the box centre's offset within its cell (0 to 1), and the network predicts the square roots of
the width and height as fractions of the image (as darknet's detection layer, ``sqrt=1``), so the
loss's square roots are never of a negative number.

The loss (λcoord = 5, λnoobj = 0.5), summed over the grid and averaged over the batch:
λcoord Σ 1obj_ij [(x - x̂)² + (y - ŷ)² + (√w - √ŵ)² + (√h - √ĥ)²] + Σ 1obj_ij (C - Ĉ)²
+ λnoobj Σ 1noobj_ij C² + Σ_i 1obj_i Σ_c (p(c) - p̂(c))².
An object belongs to the cell holding its centre (the first object listed wins a cell that holds
two: YOLOv1 detects one object per cell). In that cell the responsible predictor is the one whose
box has the highest IoU with the object (the first on a tie; darknet's lowest RMSE when every IoU is
0), and its confidence target is that IoU (darknet's ``rescore=1``; ``confidence_target="one"``
gives the target 1 many re-implementations use). Every other predictor's confidence goes to 0.

Example:
    >>> import numpy as np
    >>> pred = np.zeros((1, 2, 2, 12), "float32")
    >>> round(float(yolo_loss([[[8, 8, 24, 40]]], [[1]], pred, (64, 64), 2, 2)), 4)
    8.8125
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_choice, check_number, check_positive_int

LAMBDA_COORD = 5.0  # the paper's weight of the box-coordinate errors
LAMBDA_NOOBJ = 0.5  # the paper's weight of the confidence errors of boxes without objects
CONFIDENCE_TARGETS = ("iou", "one")


def _iou_centre(a, b):
    """IoU of boxes given as (cx, cy, w, h) tuples of tensors, broadcasting."""
    from keras import ops

    ax1, ay1, ax2, ay2 = a[0] - a[2] / 2, a[1] - a[3] / 2, a[0] + a[2] / 2, a[1] + a[3] / 2
    bx1, by1, bx2, by2 = b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2
    w = ops.maximum(ops.minimum(ax2, bx2) - ops.maximum(ax1, bx1), 0.0)
    h = ops.maximum(ops.minimum(ay2, by2) - ops.maximum(ay1, by1), 0.0)
    inter = w * h
    union = a[2] * a[3] + b[2] * b[3] - inter
    return ops.where(union > 0, inter / ops.maximum(union, 1e-12), 0.0)


def check_yolo_targets(boxes, classes, image_size, num_classes: int):
    """Check concrete detection targets: raise a ValueError naming the first bad box or class id.

    Args:
        boxes: (N, M, 4) xyxy pixels, padding rows (class -1) ignored.
        classes: (N, M) ids in 0..num_classes - 1, or -1 for padding.
        image_size: (height, width) in pixels.
        num_classes: C.

    Example:
        >>> check_yolo_targets([[[8, 8, 4, 40]]], [[0]], (64, 64), 3)
        Traceback (most recent call last):
        ...
        ValueError: boxes must have x2 > x1 and y2 > y1 (no zero area); image 0, box 0 is [8.0, 8.0, 4.0, 40.0]
    """
    boxes, classes = np.asarray(boxes, dtype=np.float64), np.asarray(classes)
    if boxes.ndim != 3 or boxes.shape[-1] != 4 or classes.shape != boxes.shape[:2]:
        raise ValueError(f"boxes must be (N, M, 4) and classes (N, M); got shapes {boxes.shape} and {classes.shape}")
    if classes.size and (not np.all(np.equal(np.mod(classes, 1), 0)) or classes.min() < -1
                         or classes.max() >= num_classes):
        bad = np.argwhere((classes < -1) | (classes >= num_classes) | (np.mod(classes, 1) != 0))[0]
        raise ValueError(f"classes must be ids 0..{num_classes - 1}, or -1 for padding; image {bad[0]}, box {bad[1]} "
                         f"is {classes[tuple(bad)].item()!r}")
    real = classes >= 0
    x1, y1, x2, y2 = np.moveaxis(boxes, -1, 0)
    height, width = (float(v) for v in image_size)
    checks = ((~np.isfinite(boxes).all(-1), "be finite numbers"),
              ((x2 <= x1) | (y2 <= y1), "have x2 > x1 and y2 > y1 (no zero area)"),
              ((x1 < 0) | (y1 < 0) | (x2 > width) | (y2 > height), f"lie inside the {width:g} x {height:g} image"))
    for bad, rule in checks:
        where = np.argwhere(bad & real)
        if len(where):
            i, k = where[0]
            raise ValueError(f"boxes must {rule}; image {i}, box {k} is {boxes[i, k].tolist()}")


def yolo_loss(boxes, classes, y_pred, image_size, boxes_per_cell: int, num_classes: int,
              lambda_coord: float = LAMBDA_COORD, lambda_noobj: float = LAMBDA_NOOBJ,
              confidence_target: str = "iou", components: bool = False):
    """YOLOv1's sum-squared loss (paper eq. 3), in `keras.ops`.

    Args:
        boxes: (N, M, 4) xyxy ground-truth boxes in pixels, padded with -1 rows.
        classes: (N, M) class ids, -1 for padding.
        y_pred: (N, S, S, 5B + C) network outputs.
        image_size: (height, width) of the images in pixels.
        boxes_per_cell: B.
        num_classes: C.
        lambda_coord, lambda_noobj: the paper's 5 and 0.5.
        confidence_target: ``"iou"`` (the paper, darknet) or ``"one"``.
        components: also return the four terms (coord, object, no-object, class), each weighted.

    Returns:
        The loss (a scalar tensor: the per-image sums averaged over the batch; 0 for an empty
        batch), or ``(loss, {name: term})`` with `components`.

    Raises:
        ValueError: for numpy or list targets (before any trace), a class id outside -1..C-1 or a
            real box that is inverted, of zero area, not finite or outside the image
            (`check_yolo_targets`); tensors are taken as they are.
    """
    from keras import ops

    check_choice("confidence_target", confidence_target, CONFIDENCE_TARGETS)
    B, C = check_positive_int("boxes_per_cell", boxes_per_cell), check_positive_int("num_classes", num_classes)
    concrete = (np.ndarray, list, tuple)
    if isinstance(boxes, concrete) and isinstance(classes, concrete) and all(
            isinstance(v, (int, float, np.integer, np.floating)) for v in image_size):
        check_yolo_targets(boxes, classes, image_size, C)
    y_pred = ops.convert_to_tensor(y_pred, "float32")
    if y_pred.shape[-1] is not None and y_pred.shape[-1] != 5 * B + C:
        raise ValueError(f"y_pred must end in 5 * boxes_per_cell + num_classes = {5 * B + C} values; "
                         f"got shape {tuple(y_pred.shape)}")
    shape = ops.shape(y_pred)
    n, sh, sw = shape[0], shape[1], shape[2]
    cells = sh * sw
    height, width = ops.cast(image_size[0], "float32"), ops.cast(image_size[1], "float32")
    boxes = ops.convert_to_tensor(boxes, "float32")
    classes = ops.cast(ops.convert_to_tensor(classes), "int32")
    valid = ops.cast(classes >= 0, "float32")
    x1, y1, x2, y2 = boxes[..., 0] / width, boxes[..., 1] / height, boxes[..., 2] / width, boxes[..., 3] / height
    cx, cy, w, h = (x1 + x2) / 2, (y1 + y2) / 2, ops.maximum(x2 - x1, 0.0), ops.maximum(y2 - y1, 0.0)
    fsh, fsw = ops.cast(sh, "float32"), ops.cast(sw, "float32")
    col = ops.clip(ops.floor(cx * fsw), 0.0, fsw - 1)
    row = ops.clip(ops.floor(cy * fsh), 0.0, fsh - 1)
    in_cell = ops.one_hot(ops.cast(row * fsw + col, "int32"), cells) * valid[..., None]  # (N, M, S*S)
    first = in_cell * ops.cast(ops.equal(ops.cumsum(in_cell, axis=1), 1.0), "float32")  # first object per cell
    obj = ops.sum(first, axis=1)  # (N, S*S): 1 where a cell is responsible for an object
    features = ops.concatenate([
        ops.stack([cx * fsw - col, cy * fsh - row, ops.sqrt(w), ops.sqrt(h), cx, cy, w, h], axis=-1),
        ops.one_hot(ops.maximum(classes, 0), C) * valid[..., None],
    ], axis=-1)
    target = ops.einsum("nms,nmk->nsk", first, features)  # (N, S*S, 8 + C)

    pred = ops.reshape(y_pred, (n, cells, 5 * B + C))
    box = ops.reshape(pred[..., : 5 * B], (n, cells, B, 5))
    probabilities = pred[..., 5 * B:]
    index = ops.arange(cells)
    cell_row = ops.cast(index // sw, "float32")[None, :, None]
    cell_col = ops.cast(index % sw, "float32")[None, :, None]
    predicted = ((cell_col + box[..., 0]) / fsw, (cell_row + box[..., 1]) / fsh, box[..., 2] ** 2, box[..., 3] ** 2)
    truth = tuple(target[..., k][..., None] for k in range(4, 8))
    iou = _iou_centre(predicted, truth)  # (N, S*S, B)
    rmse = ops.sqrt(sum((p - t) ** 2 for p, t in zip(predicted, truth)))
    best = ops.where(ops.any(iou > 0, axis=-1), ops.argmax(iou, axis=-1), ops.argmin(rmse, axis=-1))
    responsible = ops.one_hot(best, B) * obj[..., None]  # 1obj_ij

    coord = ops.sum(responsible * sum((box[..., k] - target[..., k][..., None]) ** 2 for k in range(4)), axis=(1, 2))
    goal = ops.stop_gradient(iou) if confidence_target == "iou" else ops.ones_like(iou)
    object_conf = ops.sum(responsible * (box[..., 4] - goal) ** 2, axis=(1, 2))
    no_object_conf = ops.sum((1.0 - responsible) * box[..., 4] ** 2, axis=(1, 2))
    class_error = ops.sum(obj[..., None] * (probabilities - target[..., 8:]) ** 2, axis=(1, 2))
    terms = {"coord": lambda_coord * coord, "object": object_conf, "no_object": lambda_noobj * no_object_conf,
             "class": class_error}
    batch = ops.maximum(ops.cast(n, "float32"), 1.0)  # an empty batch has loss 0, not NaN
    terms = {name: ops.sum(value) / batch for name, value in terms.items()}
    loss = terms["coord"] + terms["object"] + terms["no_object"] + terms["class"]
    return (loss, terms) if components else loss


def decode_yolo(y_pred, image_size, boxes_per_cell: int, num_classes: int, score_threshold: float = 0.2,
                iou_threshold: float = 0.5, max_detections: int = 100) -> list:
    """Detections from YOLO outputs: class-specific scores p(c) x confidence, thresholded, then
    per-class NMS (the paper's test time).

    Args:
        y_pred: (N, S, S, 5B + C) outputs (numpy or tensor).
        image_size: (height, width) in pixels.
        boxes_per_cell, num_classes: B and C.
        score_threshold: keep class scores > this.
        iou_threshold: per-class NMS threshold.
        max_detections: at most this many per image.

    Returns:
        One dict per image: ``{"boxes": (k, 4) xyxy pixels clipped to the image, "scores": (k,),
        "classes": (k,)}``, by descending score.

    Example:
        >>> out = np.zeros((1, 1, 1, 7), "float32"); out[0, 0, 0, :6] = [.5, .5, .5, .5, .9, 1.0]
        >>> decode_yolo(out, (10, 10), 1, 2)[0]["boxes"].tolist()
        [[3.75, 3.75, 6.25, 6.25]]
    """
    from dlcourse.detection.suppression import batched_nms

    B, C = check_positive_int("boxes_per_cell", boxes_per_cell), check_positive_int("num_classes", num_classes)
    check_number("score_threshold", score_threshold, minimum=0, maximum=1)
    pred = np.asarray(y_pred, dtype=np.float32)
    if pred.ndim != 4 or pred.shape[-1] != 5 * B + C:
        raise ValueError(f"y_pred must have shape (N, S, S, {5 * B + C}); got {pred.shape}")
    height, width = (float(v) for v in image_size)
    n, sh, sw, _ = pred.shape
    rows, cols = np.meshgrid(np.arange(sh), np.arange(sw), indexing="ij")
    box = pred[..., : 5 * B].reshape(n, sh, sw, B, 5)
    cx = (cols[..., None] + box[..., 0]) / sw * width
    cy = (rows[..., None] + box[..., 1]) / sh * height
    w, h = box[..., 2] ** 2 * width, box[..., 3] ** 2 * height
    xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1).reshape(n, -1, 4)
    xyxy = np.clip(xyxy, 0, np.array([width, height, width, height], np.float32))
    confidence = np.clip(box[..., 4], 0, 1)[..., None]
    probabilities = np.clip(pred[..., 5 * B:], 0, 1)[..., None, :]
    scores = (confidence * probabilities).reshape(n, -1, C)  # (N, S*S*B, C)
    results = []
    for i in range(n):
        which, cls = np.nonzero(scores[i] > score_threshold)
        boxes, score = xyxy[i][which], scores[i][which, cls]
        keep = batched_nms(boxes, score, cls, iou_threshold, max_detections)
        results.append({"boxes": boxes[keep], "scores": score[keep], "classes": cls[keep].astype(np.int32)})
    return results
