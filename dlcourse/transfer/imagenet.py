"""Reading an ImageNet head's output: the top classes with their names and scores.

Example:
    >>> import numpy as np
    >>> decode_predictions(np.array([[0.1, 0.7, 0.2]]), top=2, class_names=["cat", "dog", "fox"])
    [[('dog', 0.7), ('fox', 0.2)]]
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_positive_int

IMAGENET_CLASSES = 1000


def decode_predictions(predictions, top: int = 5, class_names=None) -> list:
    """The `top` classes of each row of `predictions`, best first, as ``(name, score)`` pairs.

    Args:
        predictions: scores ``(batch, classes)``.
        top: how many classes per row.
        class_names: a name per class; None for ImageNet's 1000 (Keras' class index, downloaded
            once by ``keras.applications.imagenet_utils.decode_predictions``, then cached).

    Returns:
        A list per row of ``(name, score)`` pairs.
    """
    check_positive_int("top", top)
    scores = np.asarray(predictions, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"predictions must be (batch, classes); got shape {scores.shape}")
    if class_names is None:
        if scores.shape[1] != IMAGENET_CLASSES:
            raise ValueError(f"predictions: ImageNet heads have {IMAGENET_CLASSES} classes; got {scores.shape[1]} "
                             "(pass class_names for a head of your own)")
        import keras

        rows = keras.applications.imagenet_utils.decode_predictions(scores, top=top)
        return [[(name, float(score)) for _, name, score in row] for row in rows]
    if len(class_names) != scores.shape[1]:
        raise ValueError(f"class_names has {len(class_names)} names for {scores.shape[1]} classes")
    order = np.argsort(-scores, axis=1)[:, :top]
    return [[(class_names[i], float(round(row[i], 6))) for i in idx] for row, idx in zip(scores, order)]
