"""Diagnostics of training signals: activation and gradient statistics per layer, the initialisation
(가중치 초기화) and activation experiments, normalisation (정규화) against batch size, and the degradation
of deep plain networks that residual learning (잔차 학습) fixes.

Example:
    >>> import numpy as np
    >>> from dlcourse.diagnostics import signal_experiment
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(256, 64)), rng.integers(0, 10, size=256)
    >>> results = signal_experiment(x, y, [("tanh", "small_random"), ("relu", "he")])
    >>> {name: round(stats[0]["gradient_std"], 4) for name, stats in results.items()}    # dense_1's gradient
    {'tanh/small_random': 0.0, 'relu/he': 0.0035}
"""

from dlcourse.diagnostics.degradation import degradation_experiment, plain_or_residual_net
from dlcourse.diagnostics.gradient_descent import DESCENT_BATCH_SIZES, descent_comparison
from dlcourse.diagnostics.normalization import (
    BN_MOMENTUM,
    NORMALIZATIONS,
    batch_size_experiment,
    batch_statistics_sweep,
    normalization_layer,
    normalized_cnn,
    train_normalized_cnn,
)
from dlcourse.diagnostics.signals import (
    ACTIVATIONS,
    INITIALIZERS,
    deep_network,
    layer_statistics,
    plot_signals,
    signal_experiment,
    symmetry_after_training,
)

__all__ = [
    "ACTIVATIONS", "BN_MOMENTUM", "DESCENT_BATCH_SIZES", "INITIALIZERS", "NORMALIZATIONS", "batch_size_experiment", "batch_statistics_sweep",
    "deep_network", "degradation_experiment", "descent_comparison", "layer_statistics", "normalization_layer", "normalized_cnn", "train_normalized_cnn",
    "plain_or_residual_net", "plot_signals", "signal_experiment", "symmetry_after_training",
]
