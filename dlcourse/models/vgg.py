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
from dlcourse.models.common import check_dropout, check_model_args, load_weights, model_input, pool_features
from dlcourse.models.registry import model_entry

VGG_FILTERS = (64, 128, 256, 512, 512)  # channels of the five blocks
VGG_FC_UNITS = 4096


def build_vgg(
    name,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    dropout=None,
    include_preprocessing=False,
):
    """The general VGG builder: five VGG blocks, then Flatten and FC-4096, FC-4096, FC-classes.

    The variant's convs per block and batch norm are its row's ``arch`` in
    `dlcourse.models.configs.VGG`; the public builders (``vgg16()`` ...) pass their arguments here.

    Args:
        name: a registered VGG (``"vgg16"``, ``"vgg16_bn"``: conv + BN + ReLU in every block).
        include_top: whether to add Flatten and the three fully connected layers.
        weights: None, ``"imagenet"`` (VGG16/VGG19 without batch norm only) or a ``.weights.h5`` path
            (saved from this model or from its keras.applications twin).
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default (any size without the top); height and width at
            least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.
        include_preprocessing: False, or the weights' `preprocess_input` as the first layer: True or
            ``"0-255"`` for images in [0, 255] (keras.applications' convention), ``"0-1"`` for [0, 1].
        dropout: dropout rate after each FC-4096 (the paper's 0.5); None as in keras.applications.

    Returns:
        A `keras.Model` named `name`.
    """
    entry = model_entry(name)
    if dropout is not None:
        check_dropout(dropout)
    input_shape = check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )
    x, inputs = model_input(input_shape, input_tensor, include_preprocessing=include_preprocessing, entry=entry)
    for i, (filters, convs) in enumerate(zip(VGG_FILTERS, entry.arch["convs"]), start=1):
        x = vgg_block(x, filters, convs, batch_norm=entry.arch["batch_norm"], name=f"block{i}")
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
    return load_weights(
        model, weights, entry.keras_twin, include_top=include_top, input_shape=input_shape, pooling=pooling,
        classes=classes, classifier_activation=classifier_activation,
    )


# The public builders: keras.applications' signature, passed whole (`locals()`, their arguments by name)
# to the general builder, which reads the variant's row of the registry.
def vgg11(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", dropout=None,
          include_preprocessing=False):
    """VGG-11 (configuration A). Args as `build_vgg`. Example: ``vgg11(classes=10)``."""
    return build_vgg("vgg11", **locals())


def vgg11_bn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", dropout=None,
             include_preprocessing=False):
    """VGG-11 with batch normalisation. Args as `build_vgg`. Example: ``vgg11_bn(classes=10)``."""
    return build_vgg("vgg11_bn", **locals())


def vgg13(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", dropout=None,
          include_preprocessing=False):
    """VGG-13 (configuration B). Args as `build_vgg`. Example: ``vgg13(classes=10)``."""
    return build_vgg("vgg13", **locals())


def vgg13_bn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", dropout=None,
             include_preprocessing=False):
    """VGG-13 with batch normalisation. Args as `build_vgg`. Example: ``vgg13_bn(classes=10)``."""
    return build_vgg("vgg13_bn", **locals())


def vgg16(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", dropout=None,
          include_preprocessing=False):
    """VGG-16 (configuration D), keras.applications.VGG16's twin. Args as `build_vgg`.

    Example: ``vgg16(input_shape=(32, 32, 3), classes=10, dropout=0.5)``.
    """
    return build_vgg("vgg16", **locals())


def vgg16_bn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", dropout=None,
             include_preprocessing=False):
    """VGG-16 with batch normalisation. Args as `build_vgg`. Example: ``vgg16_bn(classes=10)``."""
    return build_vgg("vgg16_bn", **locals())


def vgg19(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", dropout=None,
          include_preprocessing=False):
    """VGG-19 (configuration E), keras.applications.VGG19's twin. Args as `build_vgg`.

    Example: ``vgg19(input_shape=(32, 32, 3), classes=10)``.
    """
    return build_vgg("vgg19", **locals())


def vgg19_bn(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", dropout=None,
             include_preprocessing=False):
    """VGG-19 with batch normalisation. Args as `build_vgg`. Example: ``vgg19_bn(classes=10)``."""
    return build_vgg("vgg19_bn", **locals())
