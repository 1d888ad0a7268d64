"""Regularisation (규제) against overfitting (과적합): data augmentation (데이터 증강) with Keras'
layers, MixUp, CutMix, RandomErasing, label smoothing, Gaussian input noise and L2 weight decay.
Dropout and early stopping are Keras' own: ``keras.layers.Dropout``, ``keras.callbacks.EarlyStopping``.

Example:
    >>> from dlcourse.regularization import augmentation, mixed_batches, with_l2
"""

from dlcourse.regularization.augment import MIXES, augmentation, mix_batch, mix_layer, mixed_batches, random_erasing
from dlcourse.regularization.experiment import (
    REGULARIZERS,
    clean_accuracy,
    early_stopping_run,
    overfitting_mlp,
    regularization_experiment,
)
from dlcourse.regularization.penalties import smooth_labels, with_input_noise, with_l2

__all__ = ["MIXES", "REGULARIZERS", "augmentation", "clean_accuracy", "early_stopping_run", "mix_batch", "mix_layer",
           "mixed_batches", "overfitting_mlp", "random_erasing", "regularization_experiment", "smooth_labels",
           "with_input_noise", "with_l2"]
