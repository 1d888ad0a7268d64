"""MobileNet's blocks: the depthwise separable conv (깊이별 분리 합성곱) and the inverted residual.

Howard et al., "MobileNets", arXiv:1704.04861 (2017): a 3x3 depthwise conv filters each channel
alone, then a 1x1 pointwise conv mixes channels: ``k^2 C + C C'`` weights instead of ``k^2 C C'``.
Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018: expand with
1x1 (x6), depthwise 3x3, project back with a linear 1x1, and add the input where shapes match.

Example:
    >>> import keras
    >>> x = keras.Input((112, 112, 32))
    >>> tuple(depthwise_separable_conv(x, 64, name="conv_1").shape)
    (None, 112, 112, 64)
"""

from __future__ import annotations

import keras

from dlcourse.blocks.conv import BN_MOMENTUM, conv_bn_act, depthwise_bn_act, same_padding

MOBILENET_BN_EPSILON = 1e-3  # Keras' and TF-slim's MobileNet batch-norm epsilon
STRIDE2_PAD_V1 = ((0, 1), (0, 1))  # keras.applications' MobileNet pads bottom/right before a stride-2 dwconv
CHANNEL_DIVISOR = 8  # MobileNetV2 rounds channel counts to multiples of 8


def make_divisible(value, divisor=CHANNEL_DIVISOR):
    """Round `value` to the nearest multiple of `divisor`, never more than 10% below it (MobileNetV2)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def depthwise_separable_conv(x, filters, strides=1, depth_multiplier=1, name=None):
    """MobileNet v1's depthwise separable conv: 3x3 depthwise + BN + ReLU6, 1x1 pointwise + BN + ReLU6.

    Args:
        x: the input feature map.
        filters: channels of the pointwise conv (already scaled by the width multiplier).
        strides: stride of the depthwise conv.
        depth_multiplier: channels per input channel of the depthwise conv (resolution multiplier).
        name: prefix of ``{name}_dw_conv``, ``{name}_dw_bn``, ``{name}_pw_conv`` ...

    Returns:
        The output feature map with `filters` channels.

    Example:
        >>> y = depthwise_separable_conv(keras.Input((56, 56, 128)), 256, strides=2, name="conv_4")
    """
    x = depthwise_bn_act(
        x, 3, strides=strides, padding="same" if strides == 1 else STRIDE2_PAD_V1,
        depth_multiplier=depth_multiplier, activation="relu6", bn_epsilon=MOBILENET_BN_EPSILON,
        name=f"{name}_dw",
    )
    return conv_bn_act(x, filters, 1, activation="relu6", bn_epsilon=MOBILENET_BN_EPSILON, name=f"{name}_pw")


def inverted_residual(x, filters, strides=1, expansion=6, bn_momentum=BN_MOMENTUM, name=None):
    """MobileNetV2's inverted residual with a linear bottleneck (선형 병목).

    Args:
        x: the input feature map with C channels.
        filters: channels of the projection (the block's output).
        strides: stride of the depthwise conv.
        expansion: the 1x1 expansion factor t (no expansion conv where t = 1).
        bn_momentum: batch-norm momentum (Keras' MobileNetV2 uses 0.999).
        name: prefix of ``{name}_expand_conv``, ``{name}_depthwise_conv``, ``{name}_project_conv``,
            ``{name}_add``.

    Returns:
        The output feature map; the input is added where ``strides == 1`` and ``C == filters``.

    Example:
        >>> y = inverted_residual(keras.Input((56, 56, 24)), 24, name="block_2")
    """
    bn = {"bn_epsilon": MOBILENET_BN_EPSILON, "bn_momentum": bn_momentum}
    inputs = x
    if expansion != 1:
        x = conv_bn_act(x, expansion * x.shape[-1], 1, activation="relu6", name=f"{name}_expand", **bn)
    padding = "same" if strides == 1 else same_padding(x, 3)
    x = depthwise_bn_act(x, 3, strides=strides, padding=padding, activation="relu6", name=f"{name}_depthwise", **bn)
    x = conv_bn_act(x, filters, 1, activation=None, name=f"{name}_project", **bn)
    if strides == 1 and inputs.shape[-1] == filters:
        x = keras.layers.Add(name=f"{name}_add")([inputs, x])
    return x
