"""Faster R-CNN's two losses (Ren et al. 2015; torchvision's ``rpn`` and ``fastrcnn_loss``), in `keras.ops`:

- the RPN's: binary cross-entropy of the objectness of the sampled anchors (256 per image, half
  positive at most), averaged over them, plus smooth L1 (beta 1/9) of the positive anchors' deltas
  (weights (1, 1, 1, 1)), summed and divided by the number of sampled anchors;
- the box head's: cross-entropy of the sampled RoIs' K + 1 class scores (0 is background),
  averaged, plus smooth L1 (beta 1/9) of the deltas of each positive RoI's *matched class*
  (weights (10, 10, 5, 5)), summed and divided by the number of sampled RoIs.

Mask R-CNN adds the mask loss: per positive RoI, binary cross-entropy of the 28 x 28 mask logits
of its matched class against the matched instance mask cropped and resized to the RoI (RoIAlign of
the mask, torchvision's ``project_masks_on_boxes``), averaged over the positive RoIs' pixels.

The sums run over the whole batch (torchvision concatenates the images' samples). An image without
objects has only negatives: its box terms are 0 and its loss finite.

Example:
    >>> round(float(smooth_l1(0.5)), 4), round(float(smooth_l1(0.05)), 4)  # beta 1/9: linear, then quadratic
    (0.4444, 0.0113)
"""

from __future__ import annotations

from dlcourse.detection.boxes import BOX_CODER_WEIGHTS
from dlcourse.detection.matching import (
    IGNORED, ROI_BATCH, ROI_IOU, ROI_POSITIVE_FRACTION, RPN_BATCH, RPN_IOU, RPN_POSITIVE_FRACTION,
    match_boxes, matched_targets, pairwise_iou, sample_balanced,
)
from dlcourse.detection.proposals import RPN_WEIGHTS

SMOOTH_L1_BETA = 1.0 / 9  # torchvision's rpn and fastrcnn_loss


def smooth_l1(x, beta: float = SMOOTH_L1_BETA):
    """0.5 x² / beta where |x| < beta, else |x| - 0.5 beta (elementwise)."""
    from keras import ops

    x = ops.abs(ops.convert_to_tensor(x, "float32"))
    return ops.where(x < beta, 0.5 * x * x / beta, x - 0.5 * beta)


def _count(mask):
    from keras import ops

    return ops.maximum(ops.sum(ops.cast(mask, "float32")), 1.0)


def rpn_loss(objectness, deltas, anchors, gt_boxes, gt_classes, seed=None, iou=RPN_IOU, batch_size=RPN_BATCH,
             positive_fraction=RPN_POSITIVE_FRACTION):
    """The Region Proposal Network's loss: ``{"rpn_objectness": ..., "rpn_box": ...}`` (scalars).

    Args:
        objectness: (N, K) logits, one per anchor.
        deltas: (N, K, 4).
        anchors: (K, 4) xyxy.
        gt_boxes: (N, M, 4) xyxy, padded; gt_classes: (N, M), -1 for padding.
        seed: a `keras.random.SeedGenerator` (or int) for the sampling.
        iou: (positive >=, negative <) IoU thresholds (0.7, 0.3).
        batch_size, positive_fraction: anchors sampled per image and the largest positive share.
    """
    from keras import ops

    valid = ops.convert_to_tensor(gt_classes) >= 0
    labels = match_boxes(pairwise_iou(gt_boxes, anchors), valid, iou[0], iou[1], allow_low_quality=True)
    positive, negative = sample_balanced(labels, batch_size, positive_fraction, seed)
    sampled = positive | negative
    count = _count(sampled)
    bce = ops.binary_crossentropy(ops.cast(positive, "float32"), objectness, from_logits=True)
    targets = matched_targets(gt_boxes, labels, anchors, RPN_WEIGHTS)
    box = ops.sum(smooth_l1(deltas - targets), axis=-1)
    return {"rpn_objectness": ops.sum(bce * ops.cast(sampled, "float32")) / count,
            "rpn_box": ops.sum(box * ops.cast(positive, "float32")) / count}


def sample_rois(proposals, proposal_valid, gt_boxes, gt_classes, rois_per_image: int, seed=None, iou=ROI_IOU,
                batch_size=ROI_BATCH, positive_fraction=ROI_POSITIVE_FRACTION):
    """The box head's training RoIs: proposals and the ground-truth boxes themselves (as torchvision
    adds them), matched at IoU 0.5 and sampled (512 per image, a quarter positive at most).

    Returns:
        ``(rois (N, R, 4), labels (N, R) matched box index or -1, sampled (N, R))`` with
        R = `rois_per_image` places, the sampled RoIs first (the rest not sampled).
    """
    from keras import ops

    gt_boxes = ops.convert_to_tensor(gt_boxes, "float32")
    gt_valid = ops.convert_to_tensor(gt_classes) >= 0
    candidates = ops.concatenate([ops.convert_to_tensor(proposals, "float32"), gt_boxes], axis=1)
    usable = ops.concatenate([ops.cast(proposal_valid, "bool"), gt_valid], axis=1)
    labels = match_boxes(pairwise_iou(gt_boxes, candidates), gt_valid, iou[0], iou[1])
    labels = ops.where(usable, labels, IGNORED)
    positive, negative = sample_balanced(labels, batch_size, positive_fraction, seed)
    places = min(int(rois_per_image), candidates.shape[1])
    key = ops.cast(positive, "float32") * 2.0 + ops.cast(negative, "float32")  # positives, negatives, the rest
    _, index = ops.top_k(key, places)
    rois = ops.take_along_axis(candidates, index[..., None], axis=1)
    labels = ops.take_along_axis(labels, index, axis=1)
    sampled = ops.take_along_axis(positive | negative, index, axis=1)
    return ops.stop_gradient(rois), ops.where(sampled, labels, IGNORED), sampled


def box_head_loss(class_logits, box_deltas, rois, labels, sampled, gt_boxes, gt_classes):
    """The Fast R-CNN head's loss: ``{"box_classifier": ..., "box_regression": ...}`` (scalars).

    Args:
        class_logits: (N, R, K + 1) scores, 0 the background.
        box_deltas: (N, R, K + 1, 4) per-class deltas.
        rois: (N, R, 4) the sampled RoIs; labels: (N, R) matched box index (>= 0) or negative;
            sampled: (N, R) which RoIs count (`sample_rois`).
        gt_boxes, gt_classes: the padded targets.
    """
    from keras import ops

    gt_classes = ops.cast(ops.convert_to_tensor(gt_classes), "int32")
    positive = (labels >= 0) & sampled
    which = ops.one_hot(ops.maximum(labels, 0), ops.shape(gt_classes)[1])  # (N, R, M)
    matched_class = ops.cast(ops.round(ops.einsum("nrm,nm->nr", which, ops.cast(gt_classes, "float32"))), "int32")
    target_class = ops.where(positive, matched_class + 1, 0)
    count = _count(sampled)
    ce = ops.sparse_categorical_crossentropy(target_class, class_logits, from_logits=True)
    chosen = ops.einsum("nrk,nrkc->nrc", ops.one_hot(target_class, ops.shape(class_logits)[-1]), box_deltas)
    targets = matched_targets(gt_boxes, ops.where(positive, labels, -1), rois, BOX_CODER_WEIGHTS)
    box = ops.sum(smooth_l1(chosen - targets), axis=-1)
    return {"box_classifier": ops.sum(ce * ops.cast(sampled, "float32")) / count,
            "box_regression": ops.sum(box * ops.cast(positive, "float32")) / count}


def positive_rois(rois, labels, sampled, count: int):
    """The first `count` positive RoIs per image (the sampler puts them first): ``(rois (N, P, 4),
    labels (N, P), positive (N, P))``; the mask head trains on these only."""
    from keras import ops

    positive = (labels >= 0) & sampled
    count = min(int(count), rois.shape[1])
    _, index = ops.top_k(ops.cast(positive, "float32"), count)
    return (ops.take_along_axis(rois, index[..., None], axis=1), ops.take_along_axis(labels, index, axis=1),
            ops.take_along_axis(positive, index, axis=1))


def mask_loss(mask_logits, rois, labels, positive, gt_masks, gt_classes):
    """Mask R-CNN's mask loss (a scalar): BCE of each positive RoI's matched-class mask logits.

    Args:
        mask_logits: (N, P, S, S, K + 1) logits (S = 28).
        rois: (N, P, 4) RoIs; labels: (N, P) matched box index; positive: (N, P) which count.
        gt_masks: (N, M, H, W) instance masks (0 / 1), padded like the boxes.
        gt_classes: (N, M) ids, -1 for padding.
    """
    from keras import ops

    from dlcourse.detection.roi import roi_align

    gt_masks = ops.cast(ops.convert_to_tensor(gt_masks), "float32")
    gt_classes = ops.cast(ops.convert_to_tensor(gt_classes), "int32")
    n, p, size = ops.shape(rois)[0], rois.shape[1], mask_logits.shape[2]
    which = ops.one_hot(ops.maximum(labels, 0), ops.shape(gt_classes)[1])  # (N, P, M)
    matched = ops.einsum("npm,nmhw->nphw", which, gt_masks)
    height, width = gt_masks.shape[2], gt_masks.shape[3]
    targets = roi_align(ops.reshape(matched, (-1, height, width, 1)), ops.reshape(rois, (-1, 4)),
                        ops.arange(n * p), size, sampling_ratio=2)
    targets = ops.reshape(targets, (n, p, size, size))
    matched_class = ops.cast(ops.round(ops.einsum("npm,nm->np", which, ops.cast(gt_classes, "float32"))), "int32") + 1
    logits = ops.einsum("nphwk,npk->nphw", mask_logits, ops.one_hot(matched_class, mask_logits.shape[-1]))
    bce = ops.mean(ops.binary_crossentropy(targets, logits, from_logits=True), axis=(2, 3))  # (N, P)
    return ops.sum(bce * ops.cast(positive, "float32")) / _count(positive)
