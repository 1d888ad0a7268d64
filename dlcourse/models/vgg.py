"""VGG (11/13/16/19 layers, with or without batch norm): stacks of 3x3 convolutions.

Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition",
ICLR 2015, Table 1 configurations A (11), B (13), D (16), E (19). Two stacked 3x3 convs have the
receptive field (수용 영역) of one 5x5 with fewer weights (2 * 9 C^2 < 25 C^2) and one more ReLU.

VGG16 and VGG19 are keras.applications.VGG16/VGG19 layer for layer (their weights transplant);
VGG-11/13 and the ``_bn`` variants are torchvision's (conv biases kept, BN after every conv).
Parameters at 224x224 with 1000 classes: vgg11 132,863,336, vgg13 133,047,848, vgg16 138,357,544,
vgg19 143,667,240. Keras counts batch norm's moving mean and variance as (non-trainable)
parameters, torchvision does not: the ``_bn`` variants' trainable counts equal torchvision's
(vgg11_bn 132,868,840, vgg13_bn 133,053,736, vgg16_bn 138,365,992, vgg19_bn 143,678,248) and
their totals are 2 per BN channel higher.

Example:
    >>> vgg16(input_shape=(32, 32, 3), classes=10).output_shape
    (None, 10)
"""

from __future__ import annotations

import keras

from dlcourse.blocks import vgg_block
from dlcourse.models.common import check_model_args, load_weights, model_input, pool_features, twin_builder
from dlcourse.models.registry import register_model

VGG_FILTERS = (64, 128, 256, 512, 512)  # channels of the five blocks
VGG_CONVS = {  # 3x3 convs per block, the paper's Table 1
    "vgg11": (1, 1, 2, 2, 2),
    "vgg13": (2, 2, 2, 2, 2),
    "vgg16": (2, 2, 3, 3, 3),
    "vgg19": (2, 2, 4, 4, 4),
}
VGG_KERAS_TWINS = {"vgg16": "VGG16", "vgg19": "VGG19"}
VGG_FC_UNITS = 4096
VGG_MIN_SIZE = 32  # five 2x2 max-pools: 32 -> 1


def build_vgg(
    depth_name,
    batch_norm=False,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    dropout=None,
):
    """The general VGG builder: five VGG blocks, then Flatten and FC-4096, FC-4096, FC-classes.

    Args:
        depth_name: a key of `VGG_CONVS` (``"vgg16"``).
        batch_norm: conv + BN + ReLU in every block (torchvision's ``vgg16_bn``).
        include_top: whether to add Flatten and the three fully connected layers.
        weights: None, ``"imagenet"`` (VGG16/VGG19 without batch norm only) or a ``.weights.h5`` path
            (saved from this model or from its keras.applications twin).
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default; height and width at least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.
        dropout: dropout rate after each FC-4096 (the paper's 0.5); None as in keras.applications.

    Returns:
        A `keras.Model` named ``depth_name`` (``vgg16_bn`` with batch norm).
    """
    name = f"{depth_name}_bn" if batch_norm else depth_name
    keras_twin = None if batch_norm else VGG_KERAS_TWINS.get(depth_name)
    input_shape = check_model_args(
        model_name=name, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, default_shape=(224, 224, 3),
        min_size=VGG_MIN_SIZE, keras_twin=keras_twin,
    )
    x, inputs = model_input(input_shape, input_tensor)
    for i, (filters, convs) in enumerate(zip(VGG_FILTERS, VGG_CONVS[depth_name]), start=1):
        x = vgg_block(x, filters, convs, batch_norm=batch_norm, name=f"block{i}")
    if include_top:
        x = keras.layers.Flatten(name="flatten")(x)
        for i in (1, 2):
            x = keras.layers.Dense(VGG_FC_UNITS, activation="relu", name=f"fc{i}")(x)
            if dropout:
                x = keras.layers.Dropout(dropout, name=f"fc{i}_dropout")(x)
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    model = keras.Model(inputs, x, name=name)
    return load_weights(model, weights, twin_builder(
        keras_twin, include_top=include_top, input_shape=input_shape, pooling=pooling,
        classes=classes, classifier_activation=classifier_activation,
    ))


def _register(name, reference, keras_twin=None):
    return register_model(
        family="vgg", reference=reference, default_input_shape=(224, 224, 3), keras_twin=keras_twin, name=name
    )


@_register("vgg11", "torchvision vgg11: 132,863,336")
def vgg11(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax"):
    """VGG-11 (configuration A). Args as `build_vgg`. Example: ``vgg11(classes=10)``."""
    return build_vgg("vgg11", False, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


@_register("vgg11_bn", "torchvision vgg11_bn: 132,868,840 trainable")
def vgg11_bn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax"):
    """VGG-11 with batch normalisation. Args as `build_vgg`. Example: ``vgg11_bn(classes=10)``."""
    return build_vgg("vgg11", True, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


@_register("vgg13", "torchvision vgg13: 133,047,848")
def vgg13(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax"):
    """VGG-13 (configuration B). Args as `build_vgg`. Example: ``vgg13(classes=10)``."""
    return build_vgg("vgg13", False, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


@_register("vgg13_bn", "torchvision vgg13_bn: 133,053,736 trainable")
def vgg13_bn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax"):
    """VGG-13 with batch normalisation. Args as `build_vgg`. Example: ``vgg13_bn(classes=10)``."""
    return build_vgg("vgg13", True, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


@_register("vgg16", "keras.applications.VGG16: 138,357,544", keras_twin="VGG16")
def vgg16(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax"):
    """VGG-16 (configuration D), keras.applications.VGG16's twin. Args as `build_vgg`.

    Example: ``vgg16(input_shape=(32, 32, 3), classes=10)``.
    """
    return build_vgg("vgg16", False, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


@_register("vgg16_bn", "torchvision vgg16_bn: 138,365,992 trainable")
def vgg16_bn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax"):
    """VGG-16 with batch normalisation. Args as `build_vgg`. Example: ``vgg16_bn(classes=10)``."""
    return build_vgg("vgg16", True, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


@_register("vgg19", "keras.applications.VGG19: 143,667,240; 19.6G MACs (He et al.)", keras_twin="VGG19")
def vgg19(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax"):
    """VGG-19 (configuration E), keras.applications.VGG19's twin. Args as `build_vgg`.

    Example: ``vgg19(input_shape=(32, 32, 3), classes=10)``.
    """
    return build_vgg("vgg19", False, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


@_register("vgg19_bn", "torchvision vgg19_bn: 143,678,248 trainable")
def vgg19_bn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax"):
    """VGG-19 with batch normalisation. Args as `build_vgg`. Example: ``vgg19_bn(classes=10)``."""
    return build_vgg("vgg19", True, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)
