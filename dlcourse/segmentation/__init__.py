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

import importlib

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


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"dlcourse.segmentation.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted(_LAZY, key=str.lower)
