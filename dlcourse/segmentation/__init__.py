"""Semantic segmentation (의미론적 분할) tools: convolutionalization, transposed convolution, losses, IoU.

Semantic segmentation gives every pixel a class; instance segmentation (인스턴스 분할) also tells the
objects of one class apart (Mask R-CNN, in `dlcourse.detection`). The models are in
`dlcourse.models.segmentation` (FCN-32s/16s/8s, U-Net). Importing this package imports no Keras;
each tool imports it when used.

Example:
    >>> from dlcourse.segmentation import transposed_output_size
    >>> transposed_output_size(12, kernel=4, stride=2, padding="same")
    24
"""

from __future__ import annotations

from dlcourse.lazy import lazy_exports

_LAZY = {
    "transposed_output_size": "transposed",
    "transposed_conv2d": "transposed",
    "overlap_counts": "transposed",
    "bilinear_kernel": "transposed",
    "upsample": "transposed",
    "convolutionalize": "fully_convolutional",
    "mean_iou": "metrics",
    "iou_per_class": "metrics",
    "iou_table": "metrics",
    "pixel_accuracy": "metrics",
    "confusion_matrix": "metrics",
    "center_crop": "metrics",
    "boundary_band": "metrics",
    "boundary_iou": "metrics",
    "DiceLoss": "losses",
    "DiceCrossEntropy": "losses",
}


__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY)
