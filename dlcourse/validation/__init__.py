"""Validation (검증): K-fold cross-validation, the bias-variance decomposition, bagging and boosting.

Example:
    >>> from dlcourse.data import load_dataset
    >>> from dlcourse.validation import cross_validate
    >>> result = cross_validate("mlp", load_dataset("digits", image_size=8), folds=5, epochs=5)
    >>> len(result.folds), result.mean["accuracy"] > 0.8
    (5, True)
"""

from dlcourse.validation.bias_variance import (
    bias_variance, bootstrap_probabilities, decompose, mlp_capacities, plot_bias_variance, polynomial_bias_variance,
    true_function,
)
from dlcourse.validation.ensembles import Ensemble, bagging, boosting, noisy_labels, single_model
from dlcourse.validation.kfold import CVResult, check_folds, cross_validate, kfold_splits, plot_folds, run_folds

__all__ = [
    "CVResult", "Ensemble", "bagging", "bias_variance", "boosting", "bootstrap_probabilities", "check_folds",
    "cross_validate", "decompose", "kfold_splits", "mlp_capacities", "plot_bias_variance", "plot_folds",
    "noisy_labels", "polynomial_bias_variance", "true_function",
    "run_folds", "single_model",
]
