"""The notes' formulas, computed: cross-entropy (교차 엔트로피) and the initialisations' standard deviations.

Where a note writes a formula wrongly, the lessons put the note beside the number computed here.

Example:
    >>> round(cross_entropy([0, 1, 0], [0.2, 0.7, 0.1]), 4)    # -log 0.7
    0.3567
    >>> round(init_std("xavier", 256, 128), 4), round(init_std("he", 256), 4)
    (0.0722, 0.0884)
"""

from __future__ import annotations

import numpy as np

INIT_SCHEMES = ("small_random", "xavier", "he")
SMALL_RANDOM_STD = 0.01  # N(0, 0.01): 0.01 is the standard deviation (variance 1e-4), as in Keras' RandomNormal


def cross_entropy(y, y_hat, eps: float = 1e-12) -> float:
    """Cross-entropy ``-sum_k y_k log y_hat_k`` between a target distribution `y` and a prediction `y_hat`.

    Averaged over rows when given a batch ``(n, classes)``. The target weighs the log of the
    prediction: with a one-hot `y` it is ``-log`` of the probability given to the true class.

    Example:
        >>> round(cross_entropy([[1, 0], [0, 1]], [[0.9, 0.1], [0.5, 0.5]]), 4)    # (-log 0.9 - log 0.5) / 2
        0.3993
    """
    y, y_hat = np.atleast_2d(np.asarray(y, "float64")), np.atleast_2d(np.asarray(y_hat, "float64"))
    if y.shape != y_hat.shape:
        raise ValueError(f"y and y_hat must have the same shape; got {y.shape} and {y_hat.shape}")
    return float(np.mean(-np.sum(y * np.log(np.clip(y_hat, eps, 1.0)), axis=-1)))


def init_std(scheme: str, fan_in: int, fan_out: int | None = None) -> float:
    """The standard deviation of a layer's initial weights under `scheme`.

    ``"xavier"`` (Glorot & Bengio, 2010): ``sqrt(2 / (fan_in + fan_out))``, fan-in and fan-out;
    ``"he"`` (He et al., 2015): ``sqrt(2 / fan_in)``, fan-in only (made for ReLU, which zeroes half);
    ``"small_random"``: N(0, 0.01), a standard deviation of 0.01 whatever the layer.

    Example:
        >>> init_std("small_random", 784)
        0.01
    """
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"scheme must be one of {INIT_SCHEMES}; got {scheme!r}")
    if scheme == "small_random":
        return SMALL_RANDOM_STD
    if scheme == "he":
        return float(np.sqrt(2.0 / fan_in))
    if fan_out is None:
        raise ValueError("fan_out is needed for scheme='xavier'")
    return float(np.sqrt(2.0 / (fan_in + fan_out)))
