"""AlexNet: five convolutions and three fully connected layers, the 2012 ImageNet winner.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural
Networks", NeurIPS 2012. Built on one device (단일 GPU): the paper splits conv2, conv4 and conv5
into two groups across two GPUs and adds local response normalisation; neither is built here.
Two filter plans (variants as data):

- ``"paper"`` (default), the notes' table: 96-256-384-384-256 filters, 62,378,344 parameters at
  224x224 with 1000 classes (conv1 96 11x11x3 filters: 34,944 with biases ...).
- ``"torchvision"``: 64-192-384-256-256 filters, torchvision's ``alexnet``, 61,100,840 parameters.

conv1 pads 2 pixels as torchvision does, so a 224x224 image gives the paper's 55x55 map
(the paper's "224" needs 227 without padding); the 6x6x256 map is flattened into fc6, so fc6's
size depends on the input (torchvision pools adaptively to 6x6 instead).

Example:
    >>> alexnet(input_shape=(64, 64, 3), classes=10).output_shape
    (None, 10)
"""

from __future__ import annotations

import keras

from dlcourse.models.common import check_dropout, check_model_args, load_weights, model_input, pool_features
from dlcourse.models.registry import model_entry

ALEXNET_FILTERS = {"paper": (96, 256, 384, 384, 256), "torchvision": (64, 192, 384, 256, 256)}
ALEXNET_KERNELS = (11, 5, 3, 3, 3)
ALEXNET_CONV1_STRIDE = 4
ALEXNET_CONV1_PAD = 2
ALEXNET_POOL_AFTER = (1, 2, 5)  # 3x3/2 overlapping max-pools after conv1, conv2, conv5
ALEXNET_FC_UNITS = 4096
ALEXNET_DROPOUT = 0.5


def alexnet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
            classes=1000, classifier_activation="softmax", variant="paper", dropout=ALEXNET_DROPOUT):
    """AlexNet on one device, with the paper's or torchvision's filter counts.

    Args:
        include_top: whether to add Flatten, fc6, fc7 (with dropout) and the classifier.
        weights: None or the path of a ``.weights.h5`` file saved from this model.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default (any size without the top); height and width at
            least 63.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer.
        variant: ``"paper"`` or ``"torchvision"``, a key of `ALEXNET_FILTERS`.
        dropout: the dropout rate before fc6 and fc7 (the paper's 0.5).

    Returns:
        A `keras.Model` named ``alexnet``.

    Example:
        >>> alexnet(variant="torchvision").count_params()
        61100840
    """
    if variant not in ALEXNET_FILTERS:
        raise ValueError(f"variant must be one of {tuple(ALEXNET_FILTERS)}; got {variant!r}")
    check_dropout(dropout)
    input_shape = check_model_args(
        model_entry("alexnet"), include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, classifier_activation=classifier_activation,
    )
    x, inputs = model_input(input_shape, input_tensor)
    x = keras.layers.ZeroPadding2D(ALEXNET_CONV1_PAD, name="conv1_pad")(x)
    for i, (filters, kernel) in enumerate(zip(ALEXNET_FILTERS[variant], ALEXNET_KERNELS), start=1):
        x = keras.layers.Conv2D(
            filters, kernel, strides=ALEXNET_CONV1_STRIDE if i == 1 else 1,
            padding="valid" if i == 1 else "same", activation="relu", name=f"conv{i}",
        )(x)
        if i in ALEXNET_POOL_AFTER:
            x = keras.layers.MaxPooling2D(3, strides=2, name=f"pool{i}")(x)
    if include_top:
        x = keras.layers.Flatten(name="flatten")(x)
        for i in (6, 7):
            x = keras.layers.Dropout(dropout, name=f"fc{i}_dropout")(x)
            x = keras.layers.Dense(ALEXNET_FC_UNITS, activation="relu", name=f"fc{i}")(x)
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    return load_weights(keras.Model(inputs, x, name="alexnet"), weights)
