"""Optimisers (최적화 기법) on a two-dimensional loss surface: the paths drawn in lesson 3.

The surface is an ill-conditioned valley, ``f(a, b) = a^2 / 20 + b^2``: twenty times steeper across
(b) than along (a). Its gradient is written out, so any optimiser with ``apply_gradients`` walks it.

Example:
    >>> from dlcourse import optim
    >>> path = optimizer_path(optim.SGD(0.9), steps=60)
    >>> path.shape, round(valley(path[-1]), 5)    # from f = 10.3 to near the minimum
    ((61, 2), 5e-05)
"""

from __future__ import annotations

import keras
import numpy as np

VALLEY_START = (-9.0, 2.5)


def valley(w) -> float:
    """The valley ``f(a, b) = a^2 / 20 + b^2``: minimum 0 at (0, 0)."""
    return float(w[0] ** 2 / 20 + w[1] ** 2)


def valley_gradient(w) -> np.ndarray:
    """The valley's gradient ``(a / 10, 2 b)``."""
    return np.array([w[0] / 10, 2 * w[1]], dtype="float32")


def optimizer_path(optimizer, steps: int = 60, start=VALLEY_START) -> np.ndarray:
    """The points `optimizer` visits on `valley` in `steps` steps from `start`.

    Returns:
        A ``(steps + 1, 2)`` array, the start first.
    """
    w = keras.Variable(np.array(start, "float32"))
    points = [np.array(start, "float32")]
    for _ in range(steps):
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(valley_gradient(points[-1])), w)])
        points.append(keras.ops.convert_to_numpy(w).copy())
    return np.array(points)
