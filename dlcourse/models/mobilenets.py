"""MobileNet v1 and v2: depthwise separable convolutions (깊이별 분리 합성곱) for small, fast networks.

Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
Applications", arXiv:1704.04861 (2017), Table 1 (569M multiply-adds, 4.2M parameters);
Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018, Table 2
(300M multiply-adds, 3.4M parameters). Layer for layer keras.applications.MobileNet and
MobileNetV2, whose weights transplant: 4,253,864 and 3,538,984 parameters at 224x224 with 1000
classes and alpha 1 (batch norm's moving statistics included).

Example:
    >>> mobilenet(input_shape=(32, 32, 3), classes=10, alpha=0.5).output_shape
    (None, 10)
"""

from __future__ import annotations

import keras

from dlcourse.blocks import conv_bn_act, depthwise_separable_conv, inverted_residual, make_divisible
from dlcourse.blocks.mobile import MOBILENET_BN_EPSILON
from dlcourse.models.common import check_model_args, classifier_head, load_weights, model_input, pool_features
from dlcourse.models.registry import model_entry

MOBILENET_ALPHAS = (0.25, 0.5, 0.75, 1.0)  # the width multipliers with published weights
MOBILENET_V2_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
MOBILENET_STEM_FILTERS = 32
MOBILENET_LAYERS = (  # (pointwise filters, depthwise stride) of the 13 separable convs, Table 1
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
)
MOBILENET_DROPOUT = 1e-3  # keras.applications' default before the 1x1 classifier conv
MOBILENET_V2_BN_MOMENTUM = 0.999  # keras.applications' MobileNetV2 batch-norm momentum
MOBILENET_V2_STAGES = (  # (expansion t, channels c, repeats n, first stride s), Table 2
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
)
MOBILENET_V2_LAST_FILTERS = 1280


def _check_alpha(name, alpha, allowed):
    if alpha not in allowed:
        raise ValueError(f"alpha (width multiplier) of {name} must be one of {allowed}; got {alpha!r}")


def mobilenet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", alpha=1.0, depth_multiplier=1,
              dropout=MOBILENET_DROPOUT, include_preprocessing=False):
    """MobileNet v1: a 3x3 stem and 13 depthwise separable convs, width-scaled by `alpha`.

    Args:
        include_top: whether to add the global pool, dropout and the 1x1-conv classifier.
        weights: None, ``"imagenet"`` or a ``.weights.h5`` path (from this model or its keras twin).
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default (any size without the top); height and width at
            least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.
        alpha: the width multiplier, one of `MOBILENET_ALPHAS`.
        depth_multiplier: channels per input channel of each depthwise conv.
        dropout: the dropout rate before the classifier.
        include_preprocessing: False, or the weights' `preprocess_input` as the first layer: True or
            ``"0-255"`` for images in [0, 255] (keras.applications' convention), ``"0-1"`` for [0, 1].

    Returns:
        A `keras.Model` named ``mobilenet``.

    Example:
        >>> mobilenet(input_shape=(96, 96, 3), classes=5, alpha=0.25).count_params()
        219829
    """
    _check_alpha("mobilenet", alpha, MOBILENET_ALPHAS)
    entry = model_entry("mobilenet")
    input_shape = check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )
    x, inputs = model_input(input_shape, input_tensor, include_preprocessing=include_preprocessing, entry=entry)
    x = conv_bn_act(x, int(MOBILENET_STEM_FILTERS * alpha), 3, strides=2, activation="relu6",
                    bn_epsilon=MOBILENET_BN_EPSILON, name="stem")
    for i, (filters, strides) in enumerate(MOBILENET_LAYERS, start=1):
        x = depthwise_separable_conv(x, int(filters * alpha), strides, depth_multiplier, name=f"block{i}")
    if include_top:  # keras.applications' top: a 1x1 conv classifier on the pooled 1x1 map
        x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="avg_pool")(x)
        x = keras.layers.Dropout(dropout, name="dropout")(x)
        x = keras.layers.Conv2D(classes, 1, padding="same", name="conv_preds")(x)
        x = keras.layers.Reshape((classes,), name="reshape")(x)
        x = keras.layers.Activation(classifier_activation, name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    model = keras.Model(inputs, x, name="mobilenet")
    return load_weights(
        model, weights, entry.keras_twin, include_top=include_top, input_shape=input_shape, pooling=pooling,
        classes=classes, classifier_activation=classifier_activation, alpha=alpha,
        depth_multiplier=depth_multiplier, dropout=dropout,
    )


def mobilenet_v2(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", alpha=1.0,
                 include_preprocessing=False):
    """MobileNetV2: a 3x3 stem, 17 inverted residuals, a 1x1 conv to 1280 channels, classifier.

    Args:
        include_top: whether to add the global average pool and the classifier.
        weights: None, ``"imagenet"`` or a ``.weights.h5`` path (from this model or its keras twin).
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default (any size without the top); height and width at
            least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.
        alpha: the width multiplier, one of `MOBILENET_V2_ALPHAS`.
        include_preprocessing: False, or the weights' `preprocess_input` as the first layer: True or
            ``"0-255"`` for images in [0, 255] (keras.applications' convention), ``"0-1"`` for [0, 1].

    Returns:
        A `keras.Model` named ``mobilenet_v2``.

    Example:
        >>> mobilenet_v2(input_shape=(32, 32, 3), classes=10).output_shape
        (None, 10)
    """
    _check_alpha("mobilenet_v2", alpha, MOBILENET_V2_ALPHAS)
    entry = model_entry("mobilenet_v2")
    input_shape = check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )
    bn = {"bn_epsilon": MOBILENET_BN_EPSILON, "bn_momentum": MOBILENET_V2_BN_MOMENTUM}
    x, inputs = model_input(input_shape, input_tensor, include_preprocessing=include_preprocessing, entry=entry)
    x = conv_bn_act(x, make_divisible(MOBILENET_STEM_FILTERS * alpha), 3, strides=2, activation="relu6",
                    name="stem", **bn)
    block = 0
    for expansion, channels, repeats, first_stride in MOBILENET_V2_STAGES:
        for i in range(repeats):
            x = inverted_residual(
                x, make_divisible(int(channels * alpha)), strides=first_stride if i == 0 else 1,
                expansion=expansion, bn_momentum=MOBILENET_V2_BN_MOMENTUM, name=f"block{block}",
            )
            block += 1
    last_filters = make_divisible(MOBILENET_V2_LAST_FILTERS * alpha) if alpha > 1 else MOBILENET_V2_LAST_FILTERS
    x = conv_bn_act(x, last_filters, 1, activation="relu6", name="top", **bn)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    model = keras.Model(inputs, x, name="mobilenet_v2")
    return load_weights(
        model, weights, entry.keras_twin, include_top=include_top, input_shape=input_shape, pooling=pooling,
        classes=classes, classifier_activation=classifier_activation, alpha=alpha,
    )
