"""Looking inside a trained model: Grad-CAM, saliency, feature maps, filters, what it gets wrong, the LR finder.

Importing this package imports no Keras until a function runs.

Example:
    >>> from dlcourse.interpret import ClassificationInterpretation
    >>> import numpy as np
    >>> ClassificationInterpretation(np.eye(3), np.arange(3)).precision_recall()["recall"].tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

from dlcourse.lazy import lazy_exports

_LAZY = {
    "gradcam": "cam", "saliency": "cam", "feature_maps": "cam", "first_layer_filters": "cam",
    "last_conv_layer": "cam", "plot_maps": "cam", "plot_grid": "cam",
    "ClassificationInterpretation": "classification",
    "lr_find": "lr_finder", "LRFinderResult": "lr_finder",
}


__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY)
