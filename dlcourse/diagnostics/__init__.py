"""Diagnostics of training signals: activation and gradient statistics per layer, the initialisation
(가중치 초기화) and activation experiments, and normalisation (정규화) against batch size.

Example:
    >>> from dlcourse.diagnostics import signal_experiment
    >>> results = signal_experiment(x, y, [("tanh", "small_random"), ("relu", "he")])
"""

from dlcourse.diagnostics.normalization import NORMALIZATIONS, batch_size_experiment, normalization_layer, normalized_cnn
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
    "ACTIVATIONS", "INITIALIZERS", "NORMALIZATIONS", "batch_size_experiment", "deep_network", "layer_statistics",
    "normalization_layer", "normalized_cnn", "plot_signals", "signal_experiment", "symmetry_after_training",
]
