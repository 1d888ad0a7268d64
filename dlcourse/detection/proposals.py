"""Region proposals (영역 제안) from a Region Proposal Network's outputs, in `keras.ops` on padded
batches (Ren et al. 2015; torchvision's ``RegionProposalNetwork.filter_proposals``):

decode each anchor's deltas (weights (1, 1, 1, 1)) -> clip to the image -> drop boxes smaller than
`min_size` -> keep the `pre_nms_top_n` best objectness scores -> NMS at 0.7 -> keep the
`post_nms_top_n` best. The result has a fixed shape (N, post_nms_top_n, 4) with a `valid` mask, so
it runs inside a traced ``train_step``. The NMS is the greedy one of `dlcourse.detection.nms`
(suppress IoU > threshold, ties to the lower index) written as a loop over the sorted candidates
(`keras.ops.fori_loop`), so it needs no TensorFlow op.

Example:
    >>> import numpy as np
    >>> boxes = np.array([[[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]]], "float32")
    >>> np.asarray(padded_nms(boxes, np.array([[0.9, 0.8, 0.7]], "float32"), 0.5)).tolist()
    [[True, False, True]]
"""

from __future__ import annotations

import math

RPN_WEIGHTS = (1.0, 1.0, 1.0, 1.0)  # the RPN's box coder (the box head's is (10, 10, 5, 5))
BBOX_XFORM_CLIP = math.log(1000.0 / 16)
RPN_NMS = 0.7
MIN_SIZE = 1e-3  # torchvision's RPN min_size


def decode_deltas(deltas, anchors, weights=RPN_WEIGHTS, clip: float = BBOX_XFORM_CLIP):
    """`dlcourse.detection.decode_boxes` in `keras.ops`: (..., 4) deltas applied to (..., 4) anchors."""
    from keras import ops

    wx, wy, ww, wh = weights
    aw, ah = anchors[..., 2] - anchors[..., 0], anchors[..., 3] - anchors[..., 1]
    ax, ay = anchors[..., 0] + 0.5 * aw, anchors[..., 1] + 0.5 * ah
    x = deltas[..., 0] / wx * aw + ax
    y = deltas[..., 1] / wy * ah + ay
    w = ops.exp(ops.minimum(deltas[..., 2] / ww, clip)) * aw
    h = ops.exp(ops.minimum(deltas[..., 3] / wh, clip)) * ah
    return ops.stack([x - 0.5 * w, y - 0.5 * h, x + 0.5 * w, y + 0.5 * h], axis=-1)


def clip_boxes(boxes, image_size):
    """Clip xyxy boxes to a (height, width) image."""
    from keras import ops

    height, width = (float(v) for v in image_size)
    return ops.stack([ops.clip(boxes[..., 0], 0.0, width), ops.clip(boxes[..., 1], 0.0, height),
                      ops.clip(boxes[..., 2], 0.0, width), ops.clip(boxes[..., 3], 0.0, height)], axis=-1)


def padded_nms(boxes, scores, iou_threshold: float, valid=None):
    """Greedy NMS over a batch of fixed-size candidate sets: (N, K) booleans, the boxes kept.

    Same decisions as `dlcourse.detection.nms` (IoU > threshold suppresses; a tie in score keeps
    the lower index first); boxes with ``valid`` False are neither kept nor suppress others.
    """
    from keras import ops

    from dlcourse.detection.matching import pairwise_iou

    boxes = ops.convert_to_tensor(boxes, "float32")
    scores = ops.convert_to_tensor(scores, "float32")
    alive = ops.ones_like(scores, dtype="bool") if valid is None else ops.cast(valid, "bool")
    order = ops.argsort(-scores, axis=-1)  # stable: ties keep the lower index first
    sorted_boxes = ops.take_along_axis(boxes, order[..., None], axis=1)
    alive = ops.take_along_axis(alive, order, axis=1)
    overlap = pairwise_iou(sorted_boxes, sorted_boxes) > iou_threshold  # (N, K, K)
    k = scores.shape[-1]
    later = ops.arange(k)[None, :]

    def visit(i, alive):
        keeps = alive[:, i][:, None]
        suppress = overlap[:, i, :] & keeps & (later > i)
        return alive & ~suppress

    alive = ops.fori_loop(0, k, visit, alive)
    inverse = ops.argsort(order, axis=-1)
    return ops.take_along_axis(alive, inverse, axis=1)


def rpn_proposals(objectness, deltas, anchors, image_size, pre_nms_top_n: int, post_nms_top_n: int,
                  nms_threshold: float = RPN_NMS, min_size: float = MIN_SIZE):
    """The RPN's proposals: (boxes (N, P, 4), scores (N, P), valid (N, P)) with P = `post_nms_top_n`.

    Args:
        objectness: (N, K) logits, one per anchor.
        deltas: (N, K, 4) the RPN's box deltas.
        anchors: (K, 4) xyxy anchors.
        image_size: (height, width).
        pre_nms_top_n: candidates kept by objectness before NMS (per image).
        post_nms_top_n: proposals kept after NMS.
        nms_threshold: the RPN's NMS IoU (0.7).
        min_size: boxes narrower or lower than this are dropped.

    Returns:
        Proposals by descending score; ``valid`` is False for the padding rows (too few survived).
    """
    from keras import ops

    objectness = ops.convert_to_tensor(objectness, "float32")
    k = int(ops.convert_to_tensor(anchors).shape[0])
    pre = min(int(pre_nms_top_n), k)
    post = int(post_nms_top_n)
    scores, index = ops.top_k(objectness, pre)  # (N, pre), by descending score
    chosen = ops.take_along_axis(ops.convert_to_tensor(deltas, "float32"), index[..., None], axis=1)
    anchors = ops.take(ops.convert_to_tensor(anchors, "float32"), index, axis=0)  # (N, pre, 4)
    boxes = clip_boxes(decode_deltas(chosen, anchors), image_size)
    big = ((boxes[..., 2] - boxes[..., 0]) >= min_size) & ((boxes[..., 3] - boxes[..., 1]) >= min_size)
    kept = padded_nms(boxes, scores, nms_threshold, valid=big)
    lowest = ops.convert_to_tensor(-1e9, "float32")
    ranked = ops.where(kept, scores, lowest)
    if post > pre:  # fewer candidates than places: pad so the shape is always (N, post)
        pad = post - pre
        ranked = ops.pad(ranked, ((0, 0), (0, pad)), constant_values=-1e9)
        boxes = ops.pad(boxes, ((0, 0), (0, pad), (0, 0)))
    top, where = ops.top_k(ranked, post)
    boxes = ops.take_along_axis(boxes, where[..., None], axis=1)
    valid = top > -1e9 / 2
    return ops.stop_gradient(boxes), ops.sigmoid(top) * ops.cast(valid, "float32"), valid
