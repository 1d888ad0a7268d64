"""The Inception v1 block (인셉션 모듈) and GoogLeNet's auxiliary classifier.

Szegedy et al., "Going Deeper with Convolutions", CVPR 2015. Four parallel branches see the same
input at different scales: 1x1; 1x1 -> 3x3; 1x1 -> 5x5; 3x3 max-pool -> 1x1. The 1x1 convs are
bottlenecks (병목) that shrink the channels before the expensive 3x3 and 5x5 convs.

Example:
    >>> import keras
    >>> x = keras.Input((28, 28, 192))
    >>> tuple(inception_block(x, (64, 96, 128, 16, 32, 32), name="inception3a").shape)
    (None, 28, 28, 256)
"""

from __future__ import annotations

import keras

from dlcourse.blocks.conv import conv_bn_act

AUX_POOL_SIZE = 4  # the paper's 5x5/3 average pool gives 4x4 on a 14x14 map; adaptive here
AUX_CONV_FILTERS = 128
AUX_FC_UNITS = 1024
AUX_DROPOUT = 0.7


def inception_block(x, filters, name=None):
    """The Inception v1 block: four branches concatenated along the channels.

    Args:
        x: the input feature map.
        filters: ``(1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj)``, the columns of the
            paper's Table 1.
        name: the block's name (``inception3a``); branches are ``{name}_1x1``, ``{name}_3x3_reduce``,
            ``{name}_3x3``, ``{name}_5x5_reduce``, ``{name}_5x5``, ``{name}_pool``, ``{name}_pool_proj``.

    Returns:
        The concatenation, with ``1x1 + 3x3 + 5x5 + pool proj`` channels.

    Example:
        >>> y = inception_block(keras.Input((28, 28, 256)), (128, 128, 192, 32, 96, 64), name="inception3b")
    """
    f1, f3_reduce, f3, f5_reduce, f5, pool_proj = filters
    b1 = conv_bn_act(x, f1, 1, name=f"{name}_1x1")
    b3 = conv_bn_act(x, f3_reduce, 1, name=f"{name}_3x3_reduce")
    b3 = conv_bn_act(b3, f3, 3, name=f"{name}_3x3")
    b5 = conv_bn_act(x, f5_reduce, 1, name=f"{name}_5x5_reduce")
    b5 = conv_bn_act(b5, f5, 5, name=f"{name}_5x5")
    bp = keras.layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    bp = conv_bn_act(bp, pool_proj, 1, name=f"{name}_pool_proj")
    return keras.layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


def inception_aux_classifier(x, classes, classifier_activation="softmax", name=None):
    """GoogLeNet's auxiliary classifier (보조 분류기) on an intermediate map (training only).

    Average pool to 4x4 (adaptive, so it works at any input size), 1x1 conv (128), FC 1024 + ReLU,
    dropout 0.7, FC `classes`.

    Args:
        x: the feature map after inception4a or inception4d.
        classes, classifier_activation: of the output layer.
        name: the classifier's name (``aux1``).

    Returns:
        The auxiliary prediction.

    Example:
        >>> y = inception_aux_classifier(keras.Input((14, 14, 512)), 10, name="aux1")
    """
    x = keras.layers.AdaptiveAveragePooling2D(AUX_POOL_SIZE, name=f"{name}_pool")(x)
    x = conv_bn_act(x, AUX_CONV_FILTERS, 1, name=f"{name}_conv")
    x = keras.layers.Flatten(name=f"{name}_flatten")(x)
    x = keras.layers.Dense(AUX_FC_UNITS, activation="relu", name=f"{name}_fc")(x)
    x = keras.layers.Dropout(AUX_DROPOUT, name=f"{name}_dropout")(x)
    return keras.layers.Dense(classes, activation=classifier_activation, name=f"{name}_predictions")(x)
