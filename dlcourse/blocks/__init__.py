"""Reusable building blocks (빌딩 블록) of the classic CNNs: each is a function ``x -> x``.

Every block names its layers from its `name` argument, as keras.applications does
(``conv2_block1_1_conv``), so summaries read like the papers' tables and weights load by order.

Example:
    >>> import keras
    >>> from dlcourse.blocks import bottleneck_block, squeeze_excite
    >>> x = keras.Input((56, 56, 64))
    >>> y = bottleneck_block(x, 64, name="conv2_block1")
    >>> tuple(y.shape)
    (None, 56, 56, 256)
"""

from dlcourse.blocks.conv import BN_EPSILON, conv_bn_act, depthwise_bn_act, imagenet_stem, same_padding, vgg_block
from dlcourse.blocks.dense import dense_block, dense_layer, transition_layer
from dlcourse.blocks.inception import inception_block, inception_aux_classifier
from dlcourse.blocks.mobile import depthwise_separable_conv, inverted_residual, make_divisible
from dlcourse.blocks.residual import basic_block, bottleneck_block, residual_stage
from dlcourse.blocks.squeeze_excite import SE_RATIO, squeeze_excite

__all__ = [
    "BN_EPSILON",
    "basic_block",
    "bottleneck_block",
    "conv_bn_act",
    "dense_block",
    "dense_layer",
    "depthwise_bn_act",
    "depthwise_separable_conv",
    "imagenet_stem",
    "inception_aux_classifier",
    "inception_block",
    "inverted_residual",
    "make_divisible",
    "residual_stage",
    "same_padding",
    "SE_RATIO",
    "squeeze_excite",
    "transition_layer",
    "vgg_block",
]
