"""The dense block and transition layer of DenseNet (조밀 연결): every layer sees all earlier maps.

Huang, Liu, van der Maaten & Weinberger, "Densely Connected Convolutional Networks", CVPR 2017.
A dense layer is BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k) (DenseNet-B), its k new channels
(the growth rate) concatenated to its input; a transition halves the channels (compression 0.5,
DenseNet-C) with a 1x1 conv and the resolution with a 2x2 average pool.

Example:
    >>> import keras
    >>> x = keras.Input((56, 56, 64))
    >>> tuple(dense_block(x, 6, name="conv2").shape)
    (None, 56, 56, 256)
"""

from __future__ import annotations

import keras

from dlcourse.blocks.conv import BN_EPSILON

GROWTH_RATE = 32  # k, new channels per dense layer in DenseNet-121/169/201
BOTTLENECK_WIDTH = 4  # the 1x1 bottleneck (병목) conv has 4k channels
COMPRESSION = 0.5  # a transition keeps this fraction of the channels


def _bn_relu_conv(x, filters, kernel_size, name, conv_name):
    """Pre-activation unit BN-ReLU-Conv, named as in keras.applications' DenseNet."""
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    x = keras.layers.Activation("relu", name=f"{name}_relu")(x)
    return keras.layers.Conv2D(filters, kernel_size, padding="same", use_bias=False, name=conv_name)(x)


def dense_layer(x, growth_rate=GROWTH_RATE, name=None):
    """One dense layer: BN-ReLU-1x1 conv (4k) - BN-ReLU-3x3 conv (k), concatenated to `x`.

    Args:
        x: the input feature map with C channels.
        growth_rate: k, the channels this layer adds.
        name: the layer's name, e.g. ``conv2_block1`` (layers ``conv2_block1_0_bn`` ... ``_concat``).

    Returns:
        The feature map with C + k channels.

    Example:
        >>> y = dense_layer(keras.Input((56, 56, 64)), name="conv2_block1")
    """
    y = _bn_relu_conv(x, BOTTLENECK_WIDTH * growth_rate, 1, f"{name}_0", f"{name}_1_conv")
    y = _bn_relu_conv(y, growth_rate, 3, f"{name}_1", f"{name}_2_conv")
    return keras.layers.Concatenate(name=f"{name}_concat")([x, y])


def dense_block(x, layers, growth_rate=GROWTH_RATE, name=None):
    """A dense block of `layers` dense layers (C input channels -> C + layers * k).

    Args:
        x: the input feature map.
        layers: how many dense layers.
        growth_rate: k.
        name: the block's name (``conv2``); layers are ``conv2_block1`` ...

    Returns:
        The concatenated feature map.

    Example:
        >>> y = dense_block(keras.Input((28, 28, 128)), 12, name="conv3")
    """
    for i in range(1, layers + 1):
        x = dense_layer(x, growth_rate, name=f"{name}_block{i}")
    return x


def transition_layer(x, compression=COMPRESSION, name=None):
    """The transition between dense blocks: BN-ReLU-1x1 conv (x compression) - 2x2 average pool.

    Args:
        x: the dense block's output.
        compression: the fraction of channels kept (DenseNet-C's 0.5).
        name: the layer's name (``pool2``; layers ``pool2_bn``, ``pool2_relu``, ``pool2_conv``, ``pool2_pool``).

    Returns:
        The feature map at half the resolution and ``int(C * compression)`` channels.

    Example:
        >>> tuple(transition_layer(keras.Input((56, 56, 256)), name="pool2").shape)
        (None, 28, 28, 128)
    """
    x = _bn_relu_conv(x, int(x.shape[-1] * compression), 1, name, f"{name}_conv")
    return keras.layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)
