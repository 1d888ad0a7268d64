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
from dlcourse.models.common import check_model_args, classifier_head, load_weights, model_input, twin_builder
from dlcourse.models.registry import register_model

DENSENET_BLOCKS = {  # dense layers in each of the four dense blocks
    "densenet121": (6, 12, 24, 16),
    "densenet169": (6, 12, 32, 32),
    "densenet201": (6, 12, 48, 32),
}
DENSENET_KERAS_TWINS = {"densenet121": "DenseNet121", "densenet169": "DenseNet169", "densenet201": "DenseNet201"}
DENSENET_MIN_SIZE = 32  # stem /4 and three 2x2 transitions: 32 -> 1


def build_densenet(
    depth_name,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
):
    """The general DenseNet builder: 7x7 stem, four dense blocks with transitions, BN-ReLU, classifier.

    Args:
        depth_name: a key of `DENSENET_BLOCKS` (``"densenet121"``).
        include_top: whether to add the global average pool and the classifier.
        weights: None, ``"imagenet"`` or a ``.weights.h5`` path (from this model or its keras twin).
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default; height and width at least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.

    Returns:
        A `keras.Model` named `depth_name`.
    """
    keras_twin = DENSENET_KERAS_TWINS[depth_name]
    input_shape = check_model_args(
        model_name=depth_name, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, default_shape=(224, 224, 3),
        min_size=DENSENET_MIN_SIZE, keras_twin=keras_twin,
    )
    x, inputs = model_input(input_shape, input_tensor)
    x = imagenet_stem(x)
    blocks = DENSENET_BLOCKS[depth_name]
    for i, layers in enumerate(blocks, start=2):
        x = dense_block(x, layers, name=f"conv{i}")
        if i < len(blocks) + 1:
            x = transition_layer(x, name=f"pool{i}")
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name="bn")(x)
    x = keras.layers.Activation("relu", name="relu")(x)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    model = keras.Model(inputs, x, name=depth_name)
    return load_weights(model, weights, twin_builder(
        keras_twin, include_top=include_top, input_shape=input_shape, pooling=pooling,
        classes=classes, classifier_activation=classifier_activation,
    ))


def _register(name, reference, keras_twin):
    return register_model(
        family="densenet", reference=reference, default_input_shape=(224, 224, 3), keras_twin=keras_twin, name=name
    )


@_register("densenet121", "keras.applications.DenseNet121: 8,062,504", "DenseNet121")
def densenet121(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """DenseNet-121 (6-12-24-16). Args as `build_densenet`. Example: ``densenet121(classes=10)``."""
    return build_densenet("densenet121", include_top, weights, input_tensor, input_shape, pooling, classes,
                          classifier_activation)


@_register("densenet169", "keras.applications.DenseNet169: 14,307,880", "DenseNet169")
def densenet169(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """DenseNet-169 (6-12-32-32). Args as `build_densenet`. Example: ``densenet169(classes=10)``."""
    return build_densenet("densenet169", include_top, weights, input_tensor, input_shape, pooling, classes,
                          classifier_activation)


@_register("densenet201", "keras.applications.DenseNet201: 20,242,984", "DenseNet201")
def densenet201(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """DenseNet-201 (6-12-48-32). Args as `build_densenet`. Example: ``densenet201(classes=10)``."""
    return build_densenet("densenet201", include_top, weights, input_tensor, input_shape, pooling, classes,
                          classifier_activation)
