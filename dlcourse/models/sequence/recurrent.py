"""SimpleRNN, LSTM and GRU classifiers that read an image as a sequence of rows (순환 신경망).

An image ``(height, width, channels)`` becomes ``height`` time steps of ``width * channels``
features: 28 steps of 28 pixels for MNIST. One recurrent layer of `units` reads them; its last
hidden state goes to the classifier. The recurrent layer alone has ``recurrent_params`` parameters
(28 inputs, 128 units: SimpleRNN 20,096, LSTM 80,384, GRU 60,672 with Keras' ``reset_after=True``);
with the 10-class classifier (128 * 10 + 10 = 1,290) the models have 21,386 / 81,674 / 61,962.

Example:
    >>> lstm_rows().count_params()
    81674
"""

from __future__ import annotations

import keras

from dlcourse.checks import check_positive_int
from dlcourse.models.common import check_model_args, load_weights, model_input
from dlcourse.models.registry import model_entry

ROW_UNITS = 128  # the notes' MNIST RNN: 128 hidden units
_LAYERS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def check_sequence_args(entry, *, include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation) -> tuple:
    """`check_model_args` for the sequence models: their input shape is always fixed (no pooling)."""
    if pooling is not None:
        raise ValueError(f"pooling must be None for {entry.name} (its features are a vector); got {pooling!r}")
    return check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=entry.default_input_shape if input_shape is None and input_tensor is None else input_shape,
        pooling=None, classes=classes, classifier_activation=classifier_activation,
    )


def recurrent_rows(kind, *, include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                   classes=10, classifier_activation="softmax", units=ROW_UNITS, name):
    """The family builder: rows -> one `kind` recurrent layer -> the classifier."""
    input_shape = check_sequence_args(
        model_entry(name), include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, classifier_activation=classifier_activation,
    )
    classes = int(classes)  # numpy integers too
    units = check_positive_int("units", units)
    x, inputs = model_input(input_shape, input_tensor)
    height, width, channels = input_shape
    x = keras.layers.Reshape((height, width * channels), name="rows")(x)  # one time step per row
    x = getattr(keras.layers, _LAYERS[kind])(units, name=kind)(x)
    if include_top:
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return load_weights(keras.Model(inputs, x, name=name), weights)


_DOC = """A {layer} classifier over the rows of an image: {params} parameters at 28x28x1, 128 units, 10 classes.

    Reference: {reference}.

    Args:
        include_top: whether to add the Dense classifier (else the last hidden state is the output).
        weights: None, or the path of a ``.weights.h5`` file saved from this model.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(height, width, channels)``, ``(28, 28, 1)`` by default: `height` time steps
            of ``width * channels`` features.
        pooling: must be None (the features are the last hidden state).
        classes: number of classes.
        classifier_activation: the output activation; None returns logits.
        units: size of the hidden state.

    Returns:
        A `keras.Model` named ``{name}``.

    Example:
        >>> {name}(input_shape=(8, 8, 1), units=16).output_shape
        (None, 10)
    """


def rnn_rows(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", units=ROW_UNITS):
    return recurrent_rows("simple_rnn", **locals(), name="rnn_rows")


def lstm_rows(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
              classifier_activation="softmax", units=ROW_UNITS):
    return recurrent_rows("lstm", **locals(), name="lstm_rows")


def gru_rows(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", units=ROW_UNITS):
    return recurrent_rows("gru", **locals(), name="gru_rows")


rnn_rows.__doc__ = _DOC.format(layer="SimpleRNN", params="21,386", name="rnn_rows",
                               reference="Elman 1990; SimpleRNN(128) on 28 inputs: 20,096")
lstm_rows.__doc__ = _DOC.format(layer="LSTM", params="81,674", name="lstm_rows",
                                reference="Hochreiter & Schmidhuber 1997; LSTM(128) on 28 inputs: 80,384")
gru_rows.__doc__ = _DOC.format(layer="GRU", params="61,962", name="gru_rows",
                               reference="Cho et al. 2014; GRU(128, reset_after=True) on 28 inputs: 60,672")
