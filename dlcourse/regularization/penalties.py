"""Regularisation (규제) in the loss and the inputs: label smoothing, Gaussian noise, L2 weight decay.

Example:
    >>> from dlcourse.models import notes_cnn
    >>> model = with_l2(notes_cnn(), 1e-4)
    >>> noisy = with_input_noise(model, stddev=0.1)
    >>> [layer.name for layer in noisy.layers]
    ['input', 'input_noise', 'notes_cnn']
"""

from __future__ import annotations

import keras


def smooth_labels(labels, num_classes: int, smoothing: float = 0.1):
    """Label smoothing: ``(1 - smoothing) * one_hot + smoothing / num_classes``, written from its formula.

    Szegedy et al., "Rethinking the Inception architecture" (CVPR 2016): the target no longer asks
    for infinite confidence. Same targets as ``CategoricalCrossentropy(label_smoothing=smoothing)``.

    Args:
        labels: integer labels ``(n,)``.
        num_classes: C.
        smoothing: epsilon in [0, 1).

    Returns:
        A float32 ``(n, C)`` tensor whose rows sum to 1.

    Example:
        >>> [round(float(p), 4) for p in smooth_labels([1], 4, 0.2)[0]]
        [0.05, 0.85, 0.05, 0.05]
    """
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be in [0, 1); got {smoothing!r}")
    one_hot = keras.ops.one_hot(keras.ops.convert_to_tensor(labels, "int32"), num_classes)
    return one_hot * (1.0 - smoothing) + smoothing / num_classes


def with_input_noise(model: keras.Model, stddev: float = 0.1) -> keras.Model:
    """`model` with Keras' `GaussianNoise` on its inputs: noise N(0, stddev^2) while training only.

    Bishop, "Training with noise is equivalent to Tikhonov regularization" (1995).

    Example:
        >>> from dlcourse.models import notes_cnn
        >>> with_input_noise(notes_cnn(), 0.1).layers[1].name
        'input_noise'
    """
    if not stddev > 0:
        raise ValueError(f"stddev must be positive; got {stddev!r}")
    inputs = keras.Input(model.input_shape[1:], name="input")
    x = keras.layers.GaussianNoise(stddev, name="input_noise")(inputs)
    return keras.Model(inputs, model(x), name=f"{model.name}_noisy")


def with_l2(model: keras.Model, factor: float = 1e-4) -> keras.Model:
    """A copy of `model` (same weights) whose Dense and Conv kernels carry an L2 penalty ``factor * sum(w^2)``.

    L2 weight decay (가중치 감쇠) in the loss, as the notes write it. (With Adam, prefer the
    optimiser's decoupled ``weight_decay``; Loshchilov & Hutter, ICLR 2019.)

    Returns:
        The regularised copy; its ``losses`` hold the penalty, added to the loss by ``fit``.

    Example:
        >>> from dlcourse.models import mlp
        >>> with_l2(mlp(), 1e-4).get_layer("hidden1").kernel_regularizer.l2
        0.0001
    """
    if not factor > 0:
        raise ValueError(f"factor must be positive; got {factor!r}")

    def clone(layer):
        config = layer.get_config()
        if "kernel_regularizer" in config:
            config["kernel_regularizer"] = keras.regularizers.L2(factor)
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy
