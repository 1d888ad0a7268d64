"""Mask R-CNN (He et al. 2017): Faster R-CNN plus a mask branch, detection and instance segmentation
(인스턴스 분할) at once, small enough to train on a CPU.

- `MaskRCNN`: a `FasterRCNN` with a `mask_head` (RoIAlign 14 x 14 -> 3x3 convs -> 2x2 transposed
  conv -> a 28 x 28 mask per class). It trains on ``(images, {"boxes", "classes", "masks"})``
  batches (masks ``(N, M, H, W)`` padded like the boxes); the loss adds to Faster R-CNN's four terms
  the mask loss of the positive RoIs (`dlcourse.detection.rcnn_losses.mask_loss`).
  `detect` adds ``"masks"``: per detection a bool (H, W) mask, the 28 x 28 probabilities of its class
  resized (nearest) into its box and thresholded at 0.5, as torchvision's ``paste_masks_in_image``.
- `mask_rcnn_small`: `faster_rcnn_small` with a mask head of two 3x3 convs of 64.

Example:
    >>> mask_rcnn_small(input_shape=(32, 32, 3)).mask_head.output_shape
    (None, 28, 28, 4)
"""

from __future__ import annotations

import keras
import numpy as np

from dlcourse.checks import check_positive_int
from dlcourse.detection.anchors import NOTES_RATIOS
from dlcourse.models.detection.faster_rcnn import (
    BN_MOMENTUM, SMALL_RCNN, SMALL_REPRESENTATION, FasterRCNN, faster_rcnn_small,
)
from dlcourse.models.detection.rcnn import MASK_ROI_SIZE, mask_head

SMALL_MASK_LAYERS = (64, 64)  # the small mask head's convolutions (Mask R-CNN's: four of 256)
MASK_THRESHOLD = 0.5  # a pasted mask's pixels with probability >= this are the object


@keras.saving.register_keras_serializable(package="dlcourse")
class MaskRCNN(FasterRCNN):
    """Faster R-CNN with Mask R-CNN's mask head (`mask_head`: (R, 14, 14, C) -> (R, 28, 28, K + 1)).

    Args:
        mask_head: the functional mask branch; the other arguments as `FasterRCNN`.
    """

    def __init__(self, features, rpn, head, mask_head, classes, image_size, stride, anchor_sizes,
                 aspect_ratios=NOTES_RATIOS, config=None, seed=0, **kwargs):
        self.mask_head = mask_head
        super().__init__(features, rpn, head, classes, image_size, stride, anchor_sizes, aspect_ratios, config, seed,
                         **kwargs)

    def _mask_logits(self, features, rois):
        """(N, P, 28, 28, K + 1) mask logits of (N, P, 4) RoIs."""
        from keras import ops

        from dlcourse.detection.roi import roi_align

        n, p = ops.shape(rois)[0], rois.shape[1]
        pooled = roi_align(features, ops.reshape(rois, (-1, 4)), ops.repeat(ops.arange(n), p), MASK_ROI_SIZE,
                           spatial_scale=1.0 / self.stride, sampling_ratio=self.config.sampling_ratio)
        out = self.mask_head(pooled)
        return ops.reshape(out, (n, p, *out.shape[1:]))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True, components=False):
        """Faster R-CNN's four terms plus the mask loss (weight 1 each, as torchvision)."""
        from dlcourse.detection.rcnn_losses import mask_loss, positive_rois

        if not isinstance(y, dict) or "masks" not in y:
            raise ValueError('MaskRCNN trains on (images, {"boxes": (N, M, 4), "classes": (N, M), '
                             '"masks": (N, M, height, width)}) batches')
        masks = y["masks"]
        if isinstance(masks, np.ndarray) and isinstance(y.get("boxes"), np.ndarray):
            expected = (*np.shape(y["boxes"])[:2], *self.image_size)
            if masks.shape != expected:
                raise ValueError(f"masks must have shape (N, M, height, width) = {expected}; got {masks.shape}")
        terms, (rois, labels, sampled, _, classes) = self._detection_terms(y, y_pred)
        c = self.config
        rois, labels, positive = positive_rois(rois, labels, sampled, int(c.roi_batch_size * c.roi_positive_fraction))
        terms["mask"] = mask_loss(self._mask_logits(y_pred["features"], rois), rois, labels, positive, masks, classes)
        loss = sum(terms.values())
        return (loss, terms) if components else loss

    def detect(self, images, score_threshold=None, iou_threshold=None, max_detections=None):
        """`FasterRCNN.detect` with ``"masks"``: (k, H, W) bool instance masks, one per detection."""
        results, features = self._detect(images, score_threshold, iou_threshold, max_detections)
        height, width = self.image_size
        for i, found in enumerate(results):
            k = len(found["boxes"])
            if not k:
                found["masks"] = np.zeros((0, height, width), bool)
                continue
            logits = keras.ops.convert_to_numpy(self._mask_logits(features[i:i + 1], found["boxes"][None]))[0]
            probabilities = 1 / (1 + np.exp(-logits[np.arange(k), ..., found["classes"] + 1]))  # (k, 28, 28)
            found["masks"] = np.stack([_paste(p, box, (height, width))
                                       for p, box in zip(probabilities, found["boxes"])])
        return results

    def get_config(self):
        return {**super().get_config(), "mask_head": keras.saving.serialize_keras_object(self.mask_head)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        names = ("features", "rpn", "head", "mask_head")
        parts = {k: keras.saving.deserialize_keras_object(config.pop(k)) for k in names}
        return cls(**parts, **config)


def _paste(probabilities, box, image_size):
    """A (size, size) mask of probabilities placed into its xyxy box of an image: a bool (H, W) mask
    (pixel centres inside the box take the nearest mask cell; >= `MASK_THRESHOLD` is the object)."""
    height, width = image_size
    size = probabilities.shape[0]
    x1, y1, x2, y2 = (float(v) for v in box)
    ys, xs = np.arange(height) + 0.5, np.arange(width) + 0.5
    inside_y, inside_x = (ys >= y1) & (ys < y2), (xs >= x1) & (xs < x2)
    rows = np.clip(((ys - y1) / max(y2 - y1, 1e-6) * size).astype(int), 0, size - 1)
    cols = np.clip(((xs - x1) / max(x2 - x1, 1e-6) * size).astype(int), 0, size - 1)
    mask = probabilities[rows[:, None], cols[None, :]] >= MASK_THRESHOLD
    return mask & inside_y[:, None] & inside_x[None, :]


def mask_rcnn_small(backbone="small_cnn", input_tensor=None, input_shape=None, weights=None, classes=3, level="P3",
                    anchor_sizes=None, aspect_ratios=NOTES_RATIOS, representation=SMALL_REPRESENTATION,
                    bn_momentum=BN_MOMENTUM, config=SMALL_RCNN, seed=0, mask_layers=SMALL_MASK_LAYERS):
    """A small Mask R-CNN: `faster_rcnn_small` (same arguments) with a mask head of `mask_layers`
    3x3 convolutions on RoIAlign 14 x 14 features, a 28 x 28 mask per class.

    Returns:
        A `MaskRCNN`.

    Example:
        >>> mask_rcnn_small().count_params()
        1028341
    """
    base = faster_rcnn_small(backbone, input_tensor, input_shape, weights, classes, level, anchor_sizes, aspect_ratios,
                             representation, bn_momentum, config, seed)
    layers = tuple(check_positive_int("mask_layers", f) for f in mask_layers)
    masks = mask_head(base.classes + 1, base.features.output_shape[-1], MASK_ROI_SIZE, layers=layers)
    return MaskRCNN(base.features, base.rpn, base.head, masks, base.classes, base.image_size, base.stride,
                    base.anchor_sizes, base.aspect_ratios, base.config, base.seed, name="mask_rcnn_small")
