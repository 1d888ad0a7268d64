"""Object detection tools (객체 탐지): boxes, IoU, NMS, mAP, anchors and RoI pooling, written from
scratch because the lesson is how they work, each tested against its reference implementation.

Box tools, NMS and mAP are numpy (post-processing, no Keras import); the pieces a model trains
through (the YOLO loss, RoIAlign, Faster R-CNN's matching, sampling, proposals and losses) are in
``keras.ops``.

Example:
    >>> from dlcourse.detection import box_iou
    >>> box_iou([[0, 0, 10, 10]], [[5, 5, 15, 15]]).round(4).tolist()
    [[0.1429]]
"""

from __future__ import annotations

from dlcourse.lazy import lazy_exports

_LAZY = {
    "BOX_FORMATS": "boxes", "convert_boxes": "boxes", "box_area": "boxes", "box_iou": "boxes",
    "encode_boxes": "boxes", "decode_boxes": "boxes", "check_boxes": "boxes", "BOX_CODER_WEIGHTS": "boxes",
    "nms": "suppression", "batched_nms": "suppression", "soft_nms": "suppression",
    "average_precision": "metrics", "voc_evaluate": "metrics", "coco_evaluate": "metrics", "mask_iou": "metrics",
    "generate_anchors": "anchors", "grid_anchors": "anchors",
    "roi_align": "roi", "roi_pool": "roi",
    "pairwise_iou": "matching", "match_boxes": "matching", "sample_balanced": "matching",
    "rpn_proposals": "proposals", "padded_nms": "proposals", "rpn_loss": "rcnn_losses", "box_head_loss": "rcnn_losses",
    "check_yolo_targets": "yolo", "yolo_loss": "yolo", "decode_yolo": "yolo",
}


__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY)
