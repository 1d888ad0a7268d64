"""Checks and pieces shared by every model builder, done once here (keras.applications repeats them).

All builders take keras.applications' arguments: ``include_top, weights, input_tensor, input_shape,
pooling, classes, classifier_activation``. They are validated by `check_model_args` before any layer
is built, so bad input fails with a clear ValueError or TypeError naming the argument.

Only the ``channels_last`` image layout is supported (Keras' default on every backend).
"""

from __future__ import annotations

import os
from numbers import Integral

import keras

from dlcourse.blocks.conv import BN_EPSILON  # noqa: F401  (defined with the blocks that use it)

POOLING_CHOICES = (None, "avg", "max")


def check_model_args(
    *,
    model_name: str,
    include_top: bool,
    weights,
    input_tensor,
    input_shape,
    pooling,
    classes,
    classifier_activation,
    default_shape: tuple,
    min_size: int | None = None,
    keras_twin: str | None = None,
    imagenet_classes: int = 1000,
) -> tuple:
    """Validate a builder's arguments and return the input shape to build with.

    Args:
        model_name: the builder's name, used in messages.
        default_shape: the shape used when `input_shape` and `input_tensor` are None.
        min_size: smallest height/width the architecture accepts (image models).
        keras_twin: the keras.applications model whose ImageNet weights `weights="imagenet"` uses;
            None means the model has no published weights.
        The other arguments are the builder's own, as in keras.applications.

    Returns:
        The input shape, a tuple with the same rank as `default_shape`.

    Example:
        >>> check_model_args(model_name="notes_cnn", include_top=True, weights=None,
        ...     input_tensor=None, input_shape=None, pooling=None, classes=10,
        ...     classifier_activation="softmax", default_shape=(28, 28, 1), min_size=18)
        (28, 28, 1)
    """
    if not isinstance(include_top, bool):
        raise TypeError(f"include_top must be True or False; got {include_top!r}")
    if isinstance(classes, bool) or not isinstance(classes, Integral) or classes < 1:
        raise ValueError(f"classes must be a positive integer; got {classes!r}")
    if pooling not in POOLING_CHOICES:
        raise ValueError(f"pooling must be one of {POOLING_CHOICES}; got {pooling!r}")
    if classifier_activation is not None and not (
        isinstance(classifier_activation, str) or callable(classifier_activation)
    ):
        raise TypeError(
            "classifier_activation must be None, an activation name or a callable; "
            f"got {classifier_activation!r}"
        )
    _check_weights(model_name, weights, keras_twin)
    if weights == "imagenet" and include_top and classes != imagenet_classes:
        raise ValueError(
            f"weights='imagenet' with include_top=True needs classes={imagenet_classes}; "
            f"got classes={classes}"
        )
    if input_tensor is not None and not keras.backend.is_keras_tensor(input_tensor):
        raise TypeError(
            f"input_tensor must be a Keras tensor (from keras.Input); got {type(input_tensor).__name__}"
        )
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    if input_shape is None:
        input_shape = tuple(default_shape)
    return _check_input_shape(model_name, input_shape, default_shape, min_size, weights)


def _check_weights(model_name, weights, keras_twin):
    if weights is None:
        return
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(f"weights must be None, 'imagenet' or a file path; got {weights!r}")
    if weights == "imagenet":
        if keras_twin is None:
            raise ValueError(
                f"weights='imagenet': {model_name} has no published ImageNet weights; "
                "use weights=None or the path of a .weights.h5 file"
            )
        return
    if not os.path.isfile(weights):
        raise ValueError(
            f"weights must be None, 'imagenet' or the path of an existing .weights.h5 file; "
            f"no file at {os.fspath(weights)!r}"
        )


def _check_input_shape(model_name, input_shape, default_shape, min_size, weights):
    try:
        shape = tuple(input_shape)
    except TypeError:
        raise TypeError(f"input_shape must be a tuple of integers; got {input_shape!r}") from None
    if len(shape) != len(default_shape):
        raise ValueError(
            f"input_shape for {model_name} must have {len(default_shape)} dimensions "
            f"like {default_shape}; got {shape}"
        )
    for dim in shape:
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, Integral) or dim < 1):
            raise ValueError(f"input_shape must hold positive integers; got {shape}")
    if min_size is not None and len(shape) == 3:
        height, width = shape[0], shape[1]
        if (height is not None and height < min_size) or (width is not None and width < min_size):
            raise ValueError(
                f"input_shape {shape} is too small for {model_name}: height and width must be "
                f"at least {min_size}"
            )
    if weights == "imagenet" and len(shape) == 3 and shape[-1] != 3:
        raise ValueError(f"weights='imagenet' needs 3 input channels; got input_shape={shape}")
    return tuple(int(d) if d is not None else None for d in shape)


def model_input(input_shape: tuple, input_tensor=None, name: str = "input"):
    """Return ``(x, inputs)``: the tensor the layers start from and the model's inputs.

    As in keras.applications, an `input_tensor` that is not itself an `Input` is wrapped.
    """
    if input_tensor is None:
        x = keras.Input(shape=input_shape, name=name)
        return x, x
    return input_tensor, keras.utils.get_source_inputs(input_tensor)


def pool_features(x, pooling):
    """Global average or max pooling of a feature map for ``include_top=False`` (None keeps it)."""
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def transplant_weights(source: keras.Model, target: keras.Model) -> keras.Model:
    """Copy the weights of `source` into `target`, layer by layer in order.

    The two models must have the same weight-bearing layers with the same weight shapes (our model
    and its keras.applications twin do). Returns `target`.
    """
    src_layers = [layer for layer in source.layers if layer.weights]
    dst_layers = [layer for layer in target.layers if layer.weights]
    if len(src_layers) != len(dst_layers):
        raise ValueError(
            f"cannot copy weights from {source.name} ({len(src_layers)} layers with weights) "
            f"into {target.name} ({len(dst_layers)})"
        )
    for src, dst in zip(src_layers, dst_layers):
        src_shapes = [tuple(w.shape) for w in src.weights]
        dst_shapes = [tuple(w.shape) for w in dst.weights]
        if src_shapes != dst_shapes:
            raise ValueError(
                f"cannot copy weights of layer {src.name} {src_shapes} into {dst.name} {dst_shapes}"
            )
        dst.set_weights(src.get_weights())
    return target


def load_weights(model: keras.Model, weights, build_twin=None) -> keras.Model:
    """Load `weights` (None, 'imagenet' or a file path) into `model` and return it.

    Args:
        model: the freshly built model.
        weights: None (keep the random initialisation), ``"imagenet"`` (the keras.applications
            twin's published weights, downloaded by Keras) or the path of a ``.weights.h5`` file
            saved from this model or from its keras.applications twin.
        build_twin: function ``weights -> keras.Model`` building the keras.applications twin with
            the same configuration; None where the model has no twin.
    """
    if weights is None:
        return model
    if weights == "imagenet":
        return transplant_weights(build_twin("imagenet"), model)
    try:
        model.load_weights(weights)
        return model
    except ValueError as own_format_error:
        if build_twin is None:
            raise ValueError(
                f"weights file {os.fspath(weights)!r} does not fit {model.name}: {own_format_error}"
            ) from own_format_error
    twin = build_twin(None)
    twin.load_weights(weights)
    return transplant_weights(twin, model)


def classifier_head(x, include_top, pooling, classes, classifier_activation, dropout=None):
    """The keras.applications top: global average pool (+ dropout) + Dense ``predictions``.

    With ``include_top=False`` it returns ``pool_features(x, pooling)`` instead.
    """
    if not include_top:
        return pool_features(x, pooling)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    return keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


def twin_builder(keras_twin, *, include_top, input_shape, pooling, classes, classifier_activation, **kwargs):
    """A function ``weights -> keras.Model`` building the keras.applications twin `keras_twin`
    (e.g. ``"ResNet50"``) with the same configuration, for `load_weights`; None without a twin."""
    if keras_twin is None:
        return None

    def build(weights):
        return getattr(keras.applications, keras_twin)(
            include_top=include_top, weights=weights, input_shape=input_shape, pooling=pooling,
            classes=classes, classifier_activation=classifier_activation, **kwargs,
        )

    return build
