"""DenseNet-121/169/201: dense connectivity (조밀 연결), each layer fed every earlier feature map.

Huang, Liu, van der Maaten & Weinberger, "Densely Connected Convolutional Networks", CVPR 2017,
Table 1 (DenseNet-BC, growth rate k = 32, compression 0.5). Layer for layer
keras.applications.DenseNet121/169/201, whose weights transplant: 8,062,504, 14,307,880 and
20,242,984 parameters at 224x224 with 1000 classes (batch norm's moving statistics included).

Example:
    >>> densenet121(input_shape=(32, 32, 3), classes=10).output_shape
    (None, 10)
"""

from __future__ import annotations

import keras

from dlcourse.blocks import BN_EPSILON, dense_block, imagenet_stem, transition_layer
from dlcourse.models.common import check_model_args, classifier_head, load_weights, model_input
from dlcourse.models.registry import model_entry


def build_densenet(
    name,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=False,
):
    """The general DenseNet builder: 7x7 stem, four dense blocks with transitions, BN-ReLU, classifier.

    The dense layers per block are the variant's row's ``arch`` in `dlcourse.models.configs.DENSENET`;
    the public builders (``densenet121()`` ...) pass their arguments here.

    Args:
        name: a registered DenseNet (``"densenet121"``).
        include_top: whether to add the global average pool and the classifier.
        weights: None, ``"imagenet"`` or a ``.weights.h5`` path (from this model or its keras twin).
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default (any size without the top); height and width at
            least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.
        include_preprocessing: False, or the weights' `preprocess_input` as the first layer: True or
            ``"0-255"`` for images in [0, 255] (keras.applications' convention), ``"0-1"`` for [0, 1].

    Returns:
        A `keras.Model` named `name`.
    """
    entry = model_entry(name)
    input_shape = check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation,
        include_preprocessing=include_preprocessing,
    )
    x, inputs = model_input(input_shape, input_tensor, include_preprocessing=include_preprocessing, entry=entry)
    x = imagenet_stem(x)
    blocks = entry.arch["blocks"]
    for i, layers in enumerate(blocks, start=2):
        x = dense_block(x, layers, name=f"conv{i}")
        if i < len(blocks) + 1:
            x = transition_layer(x, name=f"pool{i}")
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name="bn")(x)
    x = keras.layers.Activation("relu", name="relu")(x)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    model = keras.Model(inputs, x, name=name)
    return load_weights(
        model, weights, entry.keras_twin, include_top=include_top, input_shape=input_shape, pooling=pooling,
        classes=classes, classifier_activation=classifier_activation,
    )


# The public builders: keras.applications' signature, passed whole (`locals()`, their arguments by name)
# to the general builder, which reads the variant's row of the registry.
def densenet121(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax",
                include_preprocessing=False):
    """DenseNet-121 (6-12-24-16). Args as `build_densenet`. Example: ``densenet121(classes=10)``."""
    return build_densenet("densenet121", **locals())


def densenet169(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax",
                include_preprocessing=False):
    """DenseNet-169 (6-12-32-32). Args as `build_densenet`. Example: ``densenet169(classes=10)``."""
    return build_densenet("densenet169", **locals())


def densenet201(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax",
                include_preprocessing=False):
    """DenseNet-201 (6-12-48-32). Args as `build_densenet`. Example: ``densenet201(classes=10)``."""
    return build_densenet("densenet201", **locals())
