"""A small VGG-style backbone for the small FCNs: five conv-BN-ReLU blocks, each ending in a 2x2 max-pool.

Not a paper's network: VGG's plan (Simonyan & Zisserman 2015: 3x3 convolutions, a 2x2 max-pool per
block, channels doubling) at widths 16-32-64-128-128 with 1, 1, 2, 2, 2 convolutions, batch norm
after each (its bias dropped) with momentum 0.9. Its pools are VGG16's pool1-pool5 (P1-P5, strides
2-32), so FCN's pool3/pool4 skips attach where the paper's do. It is the small FCNs' default
encoder because MobileNet at width 0.25, trained from scratch on 64x64 shapes, does not learn in a
CPU budget (its training loss stalls and its masks stay background, in training mode too: an underfit,
not batch-norm statistics). 580,474 parameters at 64x64x3 with 10 classes.

Example:
    >>> vgg_small(input_shape=(32, 32, 3), classes=3).output_shape
    (None, 3)
"""

from __future__ import annotations

import keras

from dlcourse.blocks.conv import BN_EPSILON
from dlcourse.models.common import check_model_args, classifier_head, load_weights, model_input
from dlcourse.models.registry import model_entry

VGG_SMALL_FILTERS = (16, 32, 64, 128, 128)
VGG_SMALL_CONVS = (1, 1, 2, 2, 2)  # VGG16's 2, 2, 3, 3, 3, thinned
VGG_SMALL_BN_MOMENTUM = 0.9  # not Keras' 0.99: a small data set gives few steps per epoch


def vgg_small(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=10, classifier_activation="softmax"):
    """Five blocks of 3x3 convolutions (no bias) + batch norm + ReLU, each with a 2x2 max-pool; Dense on top.

    Args:
        include_top: whether to add the global average pool and the classifier.
        weights: None or the path of a ``.weights.h5`` file saved from this model.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(64, 64, 3)`` by default (any size without the top); height and width at least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.

    Returns:
        A `keras.Model` named ``vgg_small`` (layers ``block1_pool`` ... ``block5_pool``: P1-P5).

    Example:
        >>> vgg_small().count_params()
        580474
    """
    entry = model_entry("vgg_small")
    input_shape = check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation,
    )
    x, inputs = model_input(input_shape, input_tensor)
    for block, (filters, convs) in enumerate(zip(VGG_SMALL_FILTERS, VGG_SMALL_CONVS), start=1):
        for i in range(1, convs + 1):
            x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"block{block}_conv{i}")(x)
            x = keras.layers.BatchNormalization(momentum=VGG_SMALL_BN_MOMENTUM, epsilon=BN_EPSILON,
                                                name=f"block{block}_bn{i}")(x)
            x = keras.layers.ReLU(name=f"block{block}_relu{i}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    return load_weights(keras.Model(inputs, x, name="vgg_small"), weights)
