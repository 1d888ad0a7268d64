"""Residual learning (잔차 학습): the basic and bottleneck (병목) blocks of ResNet.

He, Zhang, Ren & Sun, "Deep Residual Learning for Image Recognition", CVPR 2016. A block learns
the residual F(x) and outputs relu(F(x) + shortcut(x)); the shortcut is the identity, or a 1x1
projection conv + BN where the shape changes (the paper's option B).

Example:
    >>> import keras
    >>> x = keras.Input((56, 56, 64))
    >>> tuple(basic_block(x, 128, strides=2, name="conv3_block1").shape)
    (None, 28, 28, 128)
"""

from __future__ import annotations

import keras

from dlcourse.blocks.conv import conv_bn_act
from dlcourse.blocks.squeeze_excite import squeeze_excite

BOTTLENECK_EXPANSION = 4  # a bottleneck block outputs 4x its 3x3 conv's channels


def _shortcut(x, filters, strides, use_bias, name):
    """Identity where the shape is kept, else the 1x1 projection ``{name}_0_conv`` + ``{name}_0_bn``."""
    if strides == 1 and x.shape[-1] == filters:
        return x
    return conv_bn_act(x, filters, 1, strides=strides, use_bias=use_bias, activation=None, name=f"{name}_0")


def _merge(shortcut, residual, se_ratio, name):
    if se_ratio:
        residual = squeeze_excite(residual, se_ratio, name=name)
    x = keras.layers.Add(name=f"{name}_add")([shortcut, residual])
    return keras.layers.Activation("relu", name=f"{name}_out")(x)


def basic_block(x, filters, strides=1, use_bias=False, se_ratio=None, name=None):
    """The basic residual block of ResNet-18/34: two 3x3 convs and a shortcut.

    Args:
        x: the input feature map.
        filters: channels of both convs (and of the output).
        strides: stride of the first conv (and of the projection shortcut).
        use_bias: conv biases (False as in torchvision; BN's beta plays their part).
        se_ratio: attach a squeeze-and-excitation block with this reduction ratio (None: none).
        name: the block's name, e.g. ``conv3_block1``.

    Returns:
        The output feature map with `filters` channels.

    Example:
        >>> y = basic_block(keras.Input((56, 56, 64)), 64, name="conv2_block1")
    """
    shortcut = _shortcut(x, filters, strides, use_bias, name)
    x = conv_bn_act(x, filters, 3, strides=strides, use_bias=use_bias, name=f"{name}_1")
    x = conv_bn_act(x, filters, 3, use_bias=use_bias, activation=None, name=f"{name}_2")
    return _merge(shortcut, x, se_ratio, name)


def bottleneck_block(x, filters, strides=1, use_bias=True, se_ratio=None, name=None):
    """The bottleneck (병목) block of ResNet-50/101/152: 1x1 reduce, 3x3, 1x1 expand (x4).

    As in the original (Caffe) ResNet and keras.applications, the stride sits on the first 1x1
    conv; torchvision's "ResNet v1.5" puts it on the 3x3 (same parameters; ResNet-50 then has 6% more
    MACs: the first 1x1 of conv3-conv5's first blocks runs at 4x the positions).

    Args:
        x: the input feature map.
        filters: channels of the 1x1 reduce and the 3x3 conv; the output has 4x as many.
        strides: stride of the first 1x1 conv (and of the projection shortcut).
        use_bias: conv biases (True in keras.applications' ResNet50, whose weights this loads).
        se_ratio: attach a squeeze-and-excitation block with this reduction ratio (None: none).
        name: the block's name, e.g. ``conv2_block1``; layers ``conv2_block1_1_conv`` ... as in Keras.

    Returns:
        The output feature map with ``4 * filters`` channels.

    Example:
        >>> y = bottleneck_block(keras.Input((56, 56, 64)), 64, name="conv2_block1")
    """
    shortcut = _shortcut(x, BOTTLENECK_EXPANSION * filters, strides, use_bias, name)
    x = conv_bn_act(x, filters, 1, strides=strides, use_bias=use_bias, name=f"{name}_1")
    x = conv_bn_act(x, filters, 3, use_bias=use_bias, name=f"{name}_2")
    x = conv_bn_act(
        x, BOTTLENECK_EXPANSION * filters, 1, use_bias=use_bias, activation=None, name=f"{name}_3"
    )
    return _merge(shortcut, x, se_ratio, name)


RESIDUAL_BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block}


def residual_stage(x, block, filters, blocks, strides=2, use_bias=False, se_ratio=None, name=None):
    """A stage of `blocks` residual blocks; the first may downsample with `strides`.

    Args:
        x: the input feature map.
        block: "basic" or "bottleneck".
        filters: the blocks' `filters`.
        blocks: how many blocks.
        strides: stride of the first block (1 for conv2, 2 for the later stages).
        use_bias, se_ratio: passed to every block.
        name: the stage's name (``conv2``); blocks are ``conv2_block1`` ...

    Returns:
        The stage's output feature map.

    Example:
        >>> y = residual_stage(keras.Input((56, 56, 64)), "basic", 64, 2, strides=1, name="conv2")
    """
    block_fn = RESIDUAL_BLOCKS[block]
    for i in range(1, blocks + 1):
        x = block_fn(
            x, filters, strides=strides if i == 1 else 1, use_bias=use_bias, se_ratio=se_ratio,
            name=f"{name}_block{i}",
        )
    return x
