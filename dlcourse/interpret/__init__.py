"""Looking inside a trained model: Grad-CAM, saliency, feature maps, filters, what it gets wrong, the LR finder.

Importing this package imports no Keras until a function runs.

Example:
    >>> from dlcourse.interpret import ClassificationInterpretation
    >>> import numpy as np
    >>> ClassificationInterpretation(np.eye(3), np.arange(3)).precision_recall()["recall"].tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

import importlib

_LAZY = {
    "gradcam": "cam", "saliency": "cam", "feature_maps": "cam", "first_layer_filters": "cam",
    "last_conv_layer": "cam", "plot_maps": "cam", "plot_grid": "cam",
    "ClassificationInterpretation": "classification",
    "lr_find": "lr_finder", "LRFinderResult": "lr_finder",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"dlcourse.interpret.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted(_LAZY)
