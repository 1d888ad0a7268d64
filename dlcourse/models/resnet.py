"""ResNet-18/34/50/101/152 and SE-ResNet: residual learning (잔차 학습) with shortcut connections.

He, Zhang, Ren & Sun, "Deep Residual Learning for Image Recognition", CVPR 2016, Table 1;
Hu, Shen & Sun, "Squeeze-and-Excitation Networks", CVPR 2018 (SE-ResNet-50).

ResNet-50/101/152 are keras.applications.ResNet50/101/152 layer for layer: bottleneck blocks with
the stride on the first 1x1 conv and conv biases, so their weights transplant (25,636,712,
44,707,176 and 60,419,944 parameters at 224x224 with 1000 classes, batch norm's moving statistics
included). ResNet-18/34 have no keras twin; they are torchvision's (basic blocks, no conv biases):
11,689,512 and 21,797,672 trainable parameters, plus 2 non-trainable per BN channel in Keras.
Any ResNet takes ``se_ratio=16`` to attach squeeze-and-excitation to every block; ``se_resnet50``
adds 2,530,992 parameters to ResNet-50 (the paper's 25.56M -> 28.09M without conv biases).

Example:
    >>> resnet18(input_shape=(32, 32, 3), classes=10).output_shape
    (None, 10)
"""

from __future__ import annotations

import keras

from dlcourse.blocks import SE_RATIO, imagenet_stem, residual_stage
from dlcourse.checks import is_int
from dlcourse.models.common import check_model_args, classifier_head, load_weights, model_input
from dlcourse.models.registry import model_entry

RESNET_FILTERS = (64, 128, 256, 512)  # the four stages' base widths (conv2_x ... conv5_x)


def build_resnet(
    depth_name,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    se_ratio=None,
    include_preprocessing=False,
):
    """The general ResNet builder: 7x7 stem, four residual stages, global average pool, classifier.

    The variant's block type, blocks per stage and conv biases are its row's ``arch`` in
    `dlcourse.models.configs.RESNET`; the public builders (``resnet50()`` ...) pass their arguments here.

    Args:
        depth_name: a registered ResNet (``"resnet50"``, ``"se_resnet50"``).
        include_top: whether to add the global average pool and the classifier.
        weights: None, ``"imagenet"`` (ResNet-50/101/152 without SE) or a ``.weights.h5`` path
            (saved from this model or from its keras.applications twin).
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default (any size without the top); height and width at
            least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.
        include_preprocessing: False, or the weights' `preprocess_input` as the first layer: True or
            ``"0-255"`` for images in [0, 255] (keras.applications' convention), ``"0-1"`` for [0, 1].
        se_ratio: reduction ratio of a squeeze-and-excitation block in every residual block
            (the paper's 16); None for a plain ResNet.

    Returns:
        A `keras.Model` named `depth_name` (``se_`` + it where SE is added to a plain ResNet).
    """
    entry = model_entry(depth_name)
    if se_ratio is not None and (not is_int(se_ratio) or se_ratio < 1):
        raise ValueError(f"se_ratio must be None or a positive integer (the paper uses 16); got {se_ratio!r}")
    name = f"se_{depth_name}" if se_ratio and not depth_name.startswith("se_") else depth_name
    keras_twin = None if se_ratio else entry.keras_twin
    input_shape = check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation, model_name=name,
        with_twin=keras_twin is not None, include_preprocessing=include_preprocessing,
    )
    block, stages, use_bias = entry.arch["block"], entry.arch["stages"], entry.arch["use_bias"]
    x, inputs = model_input(input_shape, input_tensor, include_preprocessing=include_preprocessing, entry=entry)
    x = imagenet_stem(x, use_bias=use_bias)
    for i, (filters, blocks) in enumerate(zip(RESNET_FILTERS, stages)):
        x = residual_stage(
            x, block, filters, blocks, strides=1 if i == 0 else 2, use_bias=use_bias,
            se_ratio=se_ratio, name=f"conv{i + 2}",
        )
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    model = keras.Model(inputs, x, name=name)
    return load_weights(
        model, weights, keras_twin, include_top=include_top, input_shape=input_shape, pooling=pooling,
        classes=classes, classifier_activation=classifier_activation,
    )


# The public builders: keras.applications' signature, passed whole (`locals()`, their arguments by name)
# to the general builder, which reads the variant's row of the registry.
def resnet18(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", se_ratio=None,
             include_preprocessing=False):
    """ResNet-18 (basic blocks 2-2-2-2). Args as `build_resnet`. Example: ``resnet18(classes=10)``."""
    return build_resnet("resnet18", **locals())


def resnet34(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", se_ratio=None,
             include_preprocessing=False):
    """ResNet-34 (basic blocks 3-4-6-3). Args as `build_resnet`. Example: ``resnet34(classes=10)``."""
    return build_resnet("resnet34", **locals())


def resnet50(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", se_ratio=None,
             include_preprocessing=False):
    """ResNet-50 (bottleneck blocks 3-4-6-3). Args as `build_resnet`. Example: ``resnet50(classes=10)``."""
    return build_resnet("resnet50", **locals())


def resnet101(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", se_ratio=None,
              include_preprocessing=False):
    """ResNet-101 (bottleneck blocks 3-4-23-3). Args as `build_resnet`. Example: ``resnet101(classes=10)``."""
    return build_resnet("resnet101", **locals())


def resnet152(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", se_ratio=None,
              include_preprocessing=False):
    """ResNet-152 (bottleneck blocks 3-8-36-3). Args as `build_resnet`. Example: ``resnet152(classes=10)``."""
    return build_resnet("resnet152", **locals())


def se_resnet50(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", se_ratio=SE_RATIO,
                include_preprocessing=False):
    """SE-ResNet-50: ResNet-50 with a squeeze-and-excitation (r = 16) in every block.

    Args as `build_resnet`. Example: ``se_resnet50(input_shape=(32, 32, 3), classes=10)``.
    """
    return build_resnet("se_resnet50", **locals())
