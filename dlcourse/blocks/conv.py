"""Convolution + batch normalisation (배치 정규화) + activation, the stems and the VGG block.

Ioffe & Szegedy, "Batch Normalization", ICML 2015; Simonyan & Zisserman, "Very Deep Convolutional
Networks for Large-Scale Image Recognition" (VGG), ICLR 2015.

Example:
    >>> import keras
    >>> x = keras.Input((32, 32, 3))
    >>> y = conv_bn_act(x, 16, 3, name="stem")
    >>> [layer.name for layer in keras.Model(x, y).layers[1:]]
    ['stem_conv', 'stem_bn', 'stem_relu']
"""

from __future__ import annotations

import keras

BN_EPSILON = 1.001e-5  # keras.applications' batch-norm epsilon (ResNet, DenseNet), so weights transplant
BN_MOMENTUM = 0.99  # Keras' default moving-average momentum
IMAGENET_STEM_FILTERS = 64  # the 7x7/2 stem of ResNet and DenseNet


def _bn_act(x, activation, bn_epsilon, bn_momentum, name):
    x = keras.layers.BatchNormalization(epsilon=bn_epsilon, momentum=bn_momentum, name=f"{name}_bn")(x)
    if activation is not None:
        x = keras.layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x


def _pad(x, padding, name):
    """Explicit zero padding (an int or ``((top, bottom), (left, right))``) before a valid conv."""
    if isinstance(padding, str):
        return x, padding
    return keras.layers.ZeroPadding2D(padding, name=f"{name}_pad")(x), "valid"


def same_padding(x, kernel_size: int):
    """The explicit padding keras.applications uses before a strided conv (``correct_pad``).

    It equals TensorFlow's ``"same"`` padding: one pixel less on the top/left of an even-sized map.
    """
    height, width = x.shape[1], x.shape[2]
    half = kernel_size // 2
    return tuple((half - (1 - size % 2 if size is not None else 1), half) for size in (height, width))


def conv_bn_act(
    x,
    filters,
    kernel_size,
    strides=1,
    padding="same",
    use_bias=False,
    activation="relu",
    bn_epsilon=BN_EPSILON,
    bn_momentum=BN_MOMENTUM,
    name=None,
):
    """Conv2D, batch normalisation, activation: the unit every modern CNN is built from.

    Args:
        x: the input feature map.
        filters, kernel_size, strides: of the Conv2D.
        padding: "same", "valid", or an explicit zero padding (int or pairs) before a valid conv.
        use_bias: the conv's bias; False by default since batch-norm's beta replaces it.
        activation: an activation name, or None for conv + BN only.
        bn_epsilon, bn_momentum: of the BatchNormalization.
        name: prefix of the layer names ``{name}_conv``, ``{name}_bn``, ``{name}_{activation}``.

    Returns:
        The output feature map.

    Example:
        >>> y = conv_bn_act(keras.Input((32, 32, 3)), 64, 7, strides=2, padding=3, name="conv1")
    """
    x, padding = _pad(x, padding, name)
    x = keras.layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=f"{name}_conv"
    )(x)
    return _bn_act(x, activation, bn_epsilon, bn_momentum, name)


def depthwise_bn_act(
    x,
    kernel_size=3,
    strides=1,
    padding="same",
    depth_multiplier=1,
    activation="relu",
    bn_epsilon=BN_EPSILON,
    bn_momentum=BN_MOMENTUM,
    name=None,
):
    """Depthwise conv (깊이별 합성곱, one filter per channel), batch normalisation, activation.

    Args:
        x: the input feature map.
        kernel_size, strides, depth_multiplier: of the DepthwiseConv2D.
        padding, activation, bn_epsilon, bn_momentum: as in `conv_bn_act`.
        name: prefix of the layer names ``{name}_conv``, ``{name}_bn``, ``{name}_{activation}``.

    Returns:
        The output feature map.

    Example:
        >>> y = depthwise_bn_act(keras.Input((32, 32, 8)), strides=2, padding="same", name="dw")
    """
    x, padding = _pad(x, padding, name)
    x = keras.layers.DepthwiseConv2D(
        kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
        use_bias=False, name=f"{name}_conv",
    )(x)
    return _bn_act(x, activation, bn_epsilon, bn_momentum, name)


def imagenet_stem(x, use_bias=False, name="conv1", pool_name="pool1"):
    """The 7x7/2 convolution and 3x3/2 max-pool stem of ResNet and DenseNet (224 -> 56).

    Args:
        x: the image tensor.
        use_bias: the conv's bias (True in keras.applications' ResNet, False elsewhere).
        name, pool_name: prefixes of the conv and pool layer names (``conv1_conv``, ``pool1_pool``).

    Returns:
        The 64-channel feature map at a quarter of the input's resolution.

    Example:
        >>> tuple(imagenet_stem(keras.Input((224, 224, 3))).shape)
        (None, 56, 56, 64)
    """
    x = conv_bn_act(x, IMAGENET_STEM_FILTERS, 7, strides=2, padding=3, use_bias=use_bias, name=name)
    x = keras.layers.ZeroPadding2D(1, name=f"{pool_name}_pad")(x)
    return keras.layers.MaxPooling2D(3, strides=2, name=f"{pool_name}_pool")(x)


def vgg_block(x, filters, convs, batch_norm=False, name=None):
    """The VGG block: `convs` 3x3 convolutions (two stacked see 5x5, three 7x7) and a 2x2 max-pool.

    Args:
        x: the input feature map.
        filters: channels of every conv in the block.
        convs: how many 3x3 convs.
        batch_norm: conv + BN + ReLU (torchvision's ``vgg*_bn``) instead of conv with ReLU.
        name: the block's name; layers are ``{name}_conv1`` ... and ``{name}_pool`` as in Keras.

    Returns:
        The feature map at half the resolution.

    Example:
        >>> tuple(vgg_block(keras.Input((32, 32, 3)), 64, 2, name="block1").shape)
        (None, 16, 16, 64)
    """
    for i in range(1, convs + 1):
        if batch_norm:
            x = conv_bn_act(x, filters, 3, use_bias=True, name=f"{name}_conv{i}")
        else:
            x = keras.layers.Conv2D(filters, 3, activation="relu", padding="same", name=f"{name}_conv{i}")(x)
    return keras.layers.MaxPooling2D(2, strides=2, name=f"{name}_pool")(x)
