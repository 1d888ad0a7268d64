"""Anchor-to-ground-truth matching (정답 박스 할당) and balanced sampling, as Faster R-CNN trains its
Region Proposal Network and box head (Ren et al. 2015), in `keras.ops` on padded batches so that
they run inside a ``train_step`` on any backend.

Matching follows torchvision's ``Matcher``: each anchor (or proposal) takes the ground-truth box
it overlaps most; it is positive when that IoU is >= `high` (RPN 0.7, box head 0.5), negative
(`BACKGROUND`, -1) when < `low` (0.3; 0.5), ignored (`IGNORED`, -2) in between. With
`allow_low_quality` (the RPN's), every ground-truth box's best anchors (all that tie at its highest
IoU) become positive too, matched to *their own* best box, as torchvision does. One deliberate
difference: a box that overlaps no anchor at all (highest IoU 0) makes no anchor positive, where
torchvision would make every anchor with IoU 0 positive. Padding rows (class -1) never match.

Sampling follows torchvision's ``BalancedPositiveNegativeSampler``: per image, at most
``batch_size x positive_fraction`` positives drawn at random, then negatives to fill the batch
(256 anchors, half positive, for the RPN; 512 RoIs, a quarter positive, for the box head).

Example:
    >>> import numpy as np
    >>> anchors = np.array([[0, 0, 10, 10], [0, 0, 10, 5]], "float32")
    >>> np.asarray(pairwise_iou(np.array([[[0, 0, 10, 10]]], "float32"), anchors)).round(2).tolist()
    [[[1.0, 0.5]]]
"""

from __future__ import annotations

BACKGROUND, IGNORED = -1, -2  # torchvision's Matcher.BELOW_LOW_THRESHOLD and BETWEEN_THRESHOLDS
RPN_IOU = (0.7, 0.3)  # positive >=, negative < (the RPN's anchors)
ROI_IOU = (0.5, 0.5)  # the box head's proposals
RPN_BATCH, RPN_POSITIVE_FRACTION = 256, 0.5
ROI_BATCH, ROI_POSITIVE_FRACTION = 512, 0.25


def pairwise_iou(boxes1, boxes2):
    """IoU of every pair: (N, M, 4) with (N, K, 4) (or (K, 4) shared by the batch) -> (N, M, K).

    xyxy boxes; a pair whose union is 0 has IoU 0 (as `dlcourse.detection.box_iou`).
    """
    from keras import ops

    a = ops.convert_to_tensor(boxes1, "float32")
    b = ops.convert_to_tensor(boxes2, "float32")
    if len(b.shape) == 2:
        b = b[None]
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    a, b = a[..., :, None, :], b[..., None, :, :]  # (N, M, 1, 4) and (N, 1, K, 4)
    w = ops.maximum(ops.minimum(a[..., 2], b[..., 2]) - ops.maximum(a[..., 0], b[..., 0]), 0.0)
    h = ops.maximum(ops.minimum(a[..., 3], b[..., 3]) - ops.maximum(a[..., 1], b[..., 1]), 0.0)
    inter = w * h
    union = area_a[..., :, None] + area_b[..., None, :] - inter
    return ops.where(union > 0, inter / ops.where(union > 0, union, 1.0), 0.0)


def match_boxes(iou, valid, high: float, low: float, allow_low_quality: bool = False):
    """Match each anchor to a ground-truth box, as torchvision's ``Matcher``.

    Args:
        iou: (N, M, K) IoU of M ground-truth boxes (padded) with K anchors or proposals.
        valid: (N, M) booleans: the real boxes (not padding).
        high: IoU >= high is positive.
        low: IoU < low is negative; in between is ignored.
        allow_low_quality: also make each box's best anchors positive (the RPN's rule).

    Returns:
        (N, K) int32: the matched box's index (0..M-1), `BACKGROUND` (-1) or `IGNORED` (-2).

    Example:
        >>> import numpy as np
        >>> iou = np.array([[[0.8, 0.5, 0.1, 0.6]]], "float32")  # one box, four anchors
        >>> np.asarray(match_boxes(iou, [[True]], 0.7, 0.3)).tolist()
        [[0, -2, -1, -2]]
    """
    from keras import ops

    iou = ops.convert_to_tensor(iou, "float32")
    valid = ops.cast(ops.convert_to_tensor(valid), "bool")
    if high < low:
        raise ValueError(f"high must be >= low; got high={high}, low={low}")
    quality = ops.where(valid[..., None], iou, -1.0)  # padding rows never match
    # one more padding row, so that an image (or a batch) without boxes still has a maximum
    pad = ops.zeros_like(ops.sum(quality, axis=1, keepdims=True)) - 1.0  # (N, 1, K), even when M = 0
    quality = ops.concatenate([quality, pad], axis=1)
    valid = ops.concatenate([valid, pad[..., 0] > 0], axis=1)
    best = ops.max(quality, axis=1)  # (N, K): each anchor's best IoU (-1: no real box)
    matches = ops.cast(ops.argmax(quality, axis=1), "int32")
    labels = ops.where(best >= high, matches, ops.where(best < low, BACKGROUND, IGNORED))
    if allow_low_quality:
        highest = ops.max(quality, axis=2, keepdims=True)  # (N, M, 1): each box's best IoU
        is_best = (quality == highest) & valid[..., None] & (highest > 0)
        labels = ops.where(ops.any(is_best, axis=1), matches, labels)
    return ops.cast(labels, "int32")


def _rank(keys):
    """(N, K) -> each entry's 0-based rank by descending key within its row."""
    from keras import ops

    order = ops.argsort(-keys, axis=-1)
    return ops.argsort(order, axis=-1)


def sample_balanced(labels, batch_size: int, positive_fraction: float, seed=None):
    """Choose per image at most ``batch_size x positive_fraction`` positives at random, then negatives
    to fill `batch_size` (torchvision's ``BalancedPositiveNegativeSampler``).

    Args:
        labels: (N, K) matches from `match_boxes`: >= 0 positive, -1 negative, -2 ignored (never drawn).
        batch_size: anchors (RoIs) per image.
        positive_fraction: the largest share of positives.
        seed: a `keras.random.SeedGenerator` or an int (None: unseeded).

    Returns:
        ``(positive, negative)``: (N, K) booleans, disjoint, with ``positive.sum(1) = min(#positives,
        int(batch_size x positive_fraction))`` and ``negative.sum(1) = min(#negatives, batch_size -
        positive.sum(1))``.

    Example:
        >>> import numpy as np
        >>> positive, negative = sample_balanced(np.array([[0, 1, 2, -1, -1, -2]]), 4, 0.5, seed=0)
        >>> int(np.sum(positive)), int(np.sum(negative))
        (2, 2)
    """
    import keras
    from keras import ops

    labels = ops.convert_to_tensor(labels, "int32")
    wanted = int(batch_size * positive_fraction)
    keys = keras.random.uniform(ops.shape(labels), seed=seed)
    is_positive, is_negative = labels >= 0, labels == BACKGROUND
    positive = is_positive & (_rank(ops.where(is_positive, keys, -1.0)) < wanted)
    taken = ops.sum(ops.cast(positive, "int32"), axis=1, keepdims=True)
    negative = is_negative & (_rank(ops.where(is_negative, keys, -1.0)) < batch_size - taken)
    return positive, negative


def encode_deltas(boxes, anchors, weights):
    """`dlcourse.detection.encode_boxes` in `keras.ops` (broadcasting (..., 4) boxes and anchors)."""
    from keras import ops

    wx, wy, ww, wh = weights
    aw, ah = anchors[..., 2] - anchors[..., 0], anchors[..., 3] - anchors[..., 1]
    bw, bh = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    ax, ay = anchors[..., 0] + 0.5 * aw, anchors[..., 1] + 0.5 * ah
    bx, by = boxes[..., 0] + 0.5 * bw, boxes[..., 1] + 0.5 * bh
    return ops.stack([wx * (bx - ax) / aw, wy * (by - ay) / ah, ww * ops.log(bw / aw), wh * ops.log(bh / ah)], axis=-1)


def matched_targets(gt_boxes, labels, anchors, weights):
    """The regression targets of matched anchors: (N, K, 4) deltas from each anchor to its box.

    Unmatched anchors (labels < 0) get 0, never NaN (their box is replaced by the anchor before
    encoding), so a masked loss stays finite.
    """
    from keras import ops

    gt_boxes = ops.convert_to_tensor(gt_boxes, "float32")
    anchors = ops.convert_to_tensor(anchors, "float32")  # (K, 4) shared, or (N, K, 4)
    which = ops.one_hot(ops.maximum(labels, 0), ops.shape(gt_boxes)[1])  # (N, K, M)
    matched = ops.einsum("nkm,nmc->nkc", which, gt_boxes)
    positive = (labels >= 0)[..., None]
    safe_anchor = ops.where(positive, anchors, ops.convert_to_tensor([0.0, 0.0, 1.0, 1.0]))
    matched = ops.where(positive, matched, safe_anchor)
    return ops.where(positive, encode_deltas(matched, safe_anchor, weights), 0.0)
