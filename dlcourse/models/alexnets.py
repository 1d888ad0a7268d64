"""AlexNet: five convolutions and three fully connected layers, the 2012 ImageNet winner.

Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural
Networks", NeurIPS 2012. Two filter plans (variants as data):

- ``"paper"`` (default): 96-256-384-384-256 filters, 62,378,344 parameters at 224x224 with 1000
  classes when built on one device (단일 GPU; conv1 96 11x11x3 filters: 34,944 with biases ...).
- ``"torchvision"``: 64-192-384-256-256 filters, torchvision's ``alexnet``, 61,100,840 parameters.

``groups=2`` builds the paper's two-GPU network, the one the notes' per-layer table counts: conv2,
conv4 and conv5 see only their own GPU's half of the previous maps (conv2: 5x5x48x128x2 = 307,200
weights; conv4: 3x3x192x192x2 = 663,552; conv5: 3x3x192x128x2 = 442,368), 60,965,224 parameters
in all. The notes' fc6 figure "13x13x128x2048x2 = 177M" is not the paper's: conv5's maps are
max-pooled to 6x6x256 before fc6, which has 6x6x256x4096 = 37,748,736 weights. Local response
normalisation is not built.

conv1 pads 2 pixels as torchvision does, so a 224x224 image gives the paper's 55x55 map
(the paper's "224" needs 227 without padding); the 6x6x256 map is flattened into fc6, so fc6's
size depends on the input (torchvision pools adaptively to 6x6 instead).

Example:
    >>> alexnet(input_shape=(64, 64, 3), classes=10).output_shape
    (None, 10)
"""

from __future__ import annotations

import keras

from dlcourse.checks import check_choice
from dlcourse.models.common import check_dropout, check_model_args, load_weights, model_input, pool_features
from dlcourse.models.registry import model_entry

ALEXNET_FILTERS = {"paper": (96, 256, 384, 384, 256), "torchvision": (64, 192, 384, 256, 256)}
ALEXNET_KERNELS = (11, 5, 3, 3, 3)
ALEXNET_CONV1_STRIDE = 4
ALEXNET_CONV1_PAD = 2
ALEXNET_POOL_AFTER = (1, 2, 5)  # 3x3/2 overlapping max-pools after conv1, conv2, conv5
ALEXNET_FC_UNITS = 4096
ALEXNET_DROPOUT = 0.5
ALEXNET_GROUPED = (2, 4, 5)  # the convolutions that, on two GPUs, see only their own GPU's maps
ALEXNET_GROUPS = (1, 2)


def alexnet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
            classes=1000, classifier_activation="softmax", variant="paper", dropout=ALEXNET_DROPOUT, groups=1):
    """AlexNet with the paper's or torchvision's filter counts, on one device or as the paper's two GPUs.

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
        groups: 1 (one device) or 2 (the paper's two GPUs: conv2, conv4 and conv5 grouped).

    Returns:
        A `keras.Model` named ``alexnet``.

    Example:
        >>> alexnet(variant="torchvision").count_params()
        61100840
        >>> alexnet(groups=2).count_params()   # the paper's two-GPU network, the notes' table
        60965224
    """
    if variant not in ALEXNET_FILTERS:
        raise ValueError(f"variant must be one of {tuple(ALEXNET_FILTERS)}; got {variant!r}")
    check_choice("groups", groups, ALEXNET_GROUPS)
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
            groups=groups if i in ALEXNET_GROUPED else 1,
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
