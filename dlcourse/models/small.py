"""A small batch-normalised CNN backbone for transfer learning on CPU: three conv-BN-ReLU-pool blocks.

Not a paper's network: the course's stand-in for a pretrained backbone, small enough to pretrain
on digits 0-4 in seconds (20 epochs at 16x16 measured: 7.4 s; README, Measured) and transfer to
digits 5-9 (`dlcourse.transfer`), with the same keras.applications signature and registry
``feature_outputs`` (P1-P3, one per block) as the zoo.
24,282 parameters at 28x28x1 with 10 classes (batch norm's moving statistics included).

Example:
    >>> small_cnn(input_shape=(8, 8, 1), classes=5).output_shape
    (None, 5)
"""

from __future__ import annotations

import keras

from dlcourse.blocks.conv import BN_EPSILON
from dlcourse.models.common import check_model_args, classifier_head, load_weights, model_input
from dlcourse.models.registry import model_entry

SMALL_CNN_FILTERS = (16, 32, 64)  # one 3x3 conv per block, each followed by a 2x2 max-pool
# PyTorch's default (Keras' is 0.99): on a few hundred images an epoch is a few dozen steps, and with
# 0.99 the moving statistics are still far from the data's after a few epochs (0.99 ** 100 of the
# initial values remain), so inference-mode accuracy lags far behind training accuracy.
SMALL_CNN_BN_MOMENTUM = 0.9


def small_cnn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=10, classifier_activation="softmax"):
    """Three blocks of 3x3 conv (no bias), batch norm, ReLU and 2x2 max-pool; global average pool; Dense.

    Args:
        include_top: whether to add the global average pool and the classifier.
        weights: None or the path of a ``.weights.h5`` file saved from this model.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(28, 28, 1)`` by default (any size without the top); height and width at least 8.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.

    Returns:
        A `keras.Model` named ``small_cnn``.

    Example:
        >>> small_cnn().count_params()
        24282
    """
    entry = model_entry("small_cnn")
    input_shape = check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation,
    )
    x, inputs = model_input(input_shape, input_tensor)
    for i, filters in enumerate(SMALL_CNN_FILTERS, start=1):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"block{i}_conv")(x)
        x = keras.layers.BatchNormalization(momentum=SMALL_CNN_BN_MOMENTUM, epsilon=BN_EPSILON,
                                            name=f"block{i}_bn")(x)
        x = keras.layers.ReLU(name=f"block{i}_relu")(x)
        x = keras.layers.MaxPooling2D(2, name=f"block{i}_pool")(x)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    return load_weights(keras.Model(inputs, x, name="small_cnn"), weights)
