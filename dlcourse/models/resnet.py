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
from dlcourse.models.common import check_model_args, classifier_head, load_weights, model_input, twin_builder
from dlcourse.models.registry import register_model

RESNET_STAGES = {  # block type, blocks per stage (conv2_x ... conv5_x), conv biases
    "resnet18": ("basic", (2, 2, 2, 2), False),
    "resnet34": ("basic", (3, 4, 6, 3), False),
    "resnet50": ("bottleneck", (3, 4, 6, 3), True),
    "resnet101": ("bottleneck", (3, 4, 23, 3), True),
    "resnet152": ("bottleneck", (3, 8, 36, 3), True),
}
RESNET_FILTERS = (64, 128, 256, 512)
RESNET_KERAS_TWINS = {"resnet50": "ResNet50", "resnet101": "ResNet101", "resnet152": "ResNet152"}
RESNET_MIN_SIZE = 32  # stem /4 and three stride-2 stages: 32 -> 1


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
    name=None,
):
    """The general ResNet builder: 7x7 stem, four residual stages, global average pool, classifier.

    Args:
        depth_name: a key of `RESNET_STAGES` (``"resnet50"``).
        include_top: whether to add the global average pool and the classifier.
        weights: None, ``"imagenet"`` (ResNet-50/101/152 without SE) or a ``.weights.h5`` path
            (saved from this model or from its keras.applications twin).
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default; height and width at least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.
        se_ratio: reduction ratio of a squeeze-and-excitation block in every residual block
            (the paper's 16); None for a plain ResNet.
        name: the model's name (``depth_name``, or ``se_`` + it with SE).

    Returns:
        A `keras.Model`.
    """
    block, stages, use_bias = RESNET_STAGES[depth_name]
    name = name or (f"se_{depth_name}" if se_ratio else depth_name)
    keras_twin = None if se_ratio else RESNET_KERAS_TWINS.get(depth_name)
    if se_ratio is not None and (isinstance(se_ratio, bool) or not isinstance(se_ratio, int) or se_ratio < 1):
        raise ValueError(f"se_ratio must be None or a positive integer (the paper uses 16); got {se_ratio!r}")
    input_shape = check_model_args(
        model_name=name, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, default_shape=(224, 224, 3),
        min_size=RESNET_MIN_SIZE, keras_twin=keras_twin,
    )
    x, inputs = model_input(input_shape, input_tensor)
    x = imagenet_stem(x, use_bias=use_bias)
    for i, (filters, blocks) in enumerate(zip(RESNET_FILTERS, stages)):
        x = residual_stage(
            x, block, filters, blocks, strides=1 if i == 0 else 2, use_bias=use_bias,
            se_ratio=se_ratio, name=f"conv{i + 2}",
        )
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    model = keras.Model(inputs, x, name=name)
    return load_weights(model, weights, twin_builder(
        keras_twin, include_top=include_top, input_shape=input_shape, pooling=pooling,
        classes=classes, classifier_activation=classifier_activation,
    ))


def _register(name, reference, keras_twin=None, family="resnet"):
    return register_model(
        family=family, reference=reference, default_input_shape=(224, 224, 3), keras_twin=keras_twin, name=name
    )


@_register("resnet18", "torchvision resnet18: 11,689,512 trainable; He et al.: 1.8G MACs")
def resnet18(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", se_ratio=None):
    """ResNet-18 (basic blocks 2-2-2-2). Args as `build_resnet`. Example: ``resnet18(classes=10)``."""
    return build_resnet("resnet18", include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, se_ratio)


@_register("resnet34", "torchvision resnet34: 21,797,672 trainable; He et al.: 3.6G MACs")
def resnet34(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", se_ratio=None):
    """ResNet-34 (basic blocks 3-4-6-3). Args as `build_resnet`. Example: ``resnet34(classes=10)``."""
    return build_resnet("resnet34", include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, se_ratio)


@_register("resnet50", "keras.applications.ResNet50: 25,636,712; He et al.: 3.8G MACs", keras_twin="ResNet50")
def resnet50(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", se_ratio=None):
    """ResNet-50 (bottleneck blocks 3-4-6-3). Args as `build_resnet`. Example: ``resnet50(classes=10)``."""
    return build_resnet("resnet50", include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, se_ratio)


@_register("resnet101", "keras.applications.ResNet101: 44,707,176; He et al.: 7.6G MACs", keras_twin="ResNet101")
def resnet101(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", se_ratio=None):
    """ResNet-101 (bottleneck blocks 3-4-23-3). Args as `build_resnet`. Example: ``resnet101(classes=10)``."""
    return build_resnet("resnet101", include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, se_ratio)


@_register("resnet152", "keras.applications.ResNet152: 60,419,944; He et al.: 11.3G MACs", keras_twin="ResNet152")
def resnet152(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", se_ratio=None):
    """ResNet-152 (bottleneck blocks 3-8-36-3). Args as `build_resnet`. Example: ``resnet152(classes=10)``."""
    return build_resnet("resnet152", include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, se_ratio)


@_register("se_resnet50", "Hu et al. 2018: 28.09M without conv biases", family="senet")
def se_resnet50(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", se_ratio=SE_RATIO):
    """SE-ResNet-50: ResNet-50 with a squeeze-and-excitation (r = 16) in every block.

    Args as `build_resnet`. Example: ``se_resnet50(input_shape=(32, 32, 3), classes=10)``.
    """
    return build_resnet("resnet50", include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, se_ratio)
