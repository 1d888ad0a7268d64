"""The course notes' MNIST CNN (합성곱 신경망), in the functional API.

The notes build it with ``keras.Sequential``: Conv2D(32, 3x3, relu) on 28x28x1, MaxPooling 2x2,
Conv2D(64, 3x3, relu), MaxPooling 2x2, Conv2D(64, 3x3, relu), Flatten, Dense(64, relu),
Dropout(0.2), Dense(10, softmax): 93,322 parameters.

Example:
    >>> notes_cnn().count_params()
    93322
"""

from __future__ import annotations

import keras

from dlcourse.models.common import check_dropout, check_model_args, load_weights, model_input, pool_features
from dlcourse.models.registry import model_entry

NOTES_CNN_FILTERS = (32, 64, 64)
NOTES_CNN_DENSE_UNITS = 64
NOTES_CNN_DROPOUT = 0.2


def notes_cnn(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    dropout=NOTES_CNN_DROPOUT,
):
    """The notes' three-convolution MNIST CNN.

    Args:
        include_top: whether to add Flatten, Dense(64), Dropout and the classifier.
        weights: None, or the path of a ``.weights.h5`` file saved from this model.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: the image shape, ``(28, 28, 1)`` by default (any size without the top); height
            and width >= 18.
        pooling: with ``include_top=False``, None (the feature map, 3x3x64 at 28x28), "avg" or "max".
        classes: number of classes.
        classifier_activation: the output activation; None returns logits.
        dropout: the dropout rate before the classifier (the notes use 0.2).

    Returns:
        A `keras.Model` named ``notes_cnn``.

    Example:
        >>> model = notes_cnn(input_shape=(28, 28, 1), classes=10)
        >>> model.output_shape
        (None, 10)
    """
    check_dropout(dropout)
    entry = model_entry("notes_cnn")
    input_shape = check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation,
    )
    x, inputs = model_input(input_shape, input_tensor)
    for i, filters in enumerate(NOTES_CNN_FILTERS, start=1):
        x = keras.layers.Conv2D(filters, 3, activation="relu", name=f"conv{i}")(x)
        if i < len(NOTES_CNN_FILTERS):
            x = keras.layers.MaxPooling2D(2, name=f"pool{i}")(x)
    if include_top:
        x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dense(NOTES_CNN_DENSE_UNITS, activation="relu", name="fc")(x)
        x = keras.layers.Dropout(dropout, name="dropout")(x)
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    return load_weights(keras.Model(inputs, x, name="notes_cnn"), weights)
