"""Argument checks shared by the segmentation builders, done before any layer is built."""

from __future__ import annotations

import os

from dlcourse.checks import check_positive_int, is_int


def check_segmentation_args(name, *, input_shape, default_shape, classes, classifier_activation, weights,
                            input_tensor):
    """Validate the keras.applications-style arguments; return the input shape (None sizes allowed)."""
    import keras

    classes = check_positive_int("classes", classes)
    if classifier_activation is not None and not (isinstance(classifier_activation, str) or callable(classifier_activation)):
        raise TypeError(f"classifier_activation must be None, an activation name or a callable; got {classifier_activation!r}")
    if weights is not None:
        if not isinstance(weights, (str, os.PathLike)) or not os.path.isfile(weights):
            raise ValueError(f"weights must be None or the path of an existing .weights.h5 file for {name}; "
                             f"got {weights!r}")
    if input_tensor is not None and not keras.backend.is_keras_tensor(input_tensor):
        raise TypeError(f"input_tensor must be a Keras tensor (from keras.Input); got {type(input_tensor).__name__}")
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    if input_shape is None:
        input_shape = default_shape
    try:
        shape = tuple(input_shape)
    except TypeError:
        raise TypeError(f"input_shape must be a tuple (height, width, channels); got {input_shape!r}") from None
    if len(shape) != 3 or any(d is not None and (not is_int(d) or d < 1) for d in shape) or shape[2] is None:
        raise ValueError(f"input_shape for {name} must be (height, width, channels) of positive integers "
                         f"(height and width may be None); got {shape}")
    return tuple(None if d is None else int(d) for d in shape), classes


def finish(model, weights):
    """Load `weights` (a ``.weights.h5`` path) into `model`, if given."""
    if weights is not None:
        model.load_weights(weights)
    return model
