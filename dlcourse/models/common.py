"""Checks and pieces shared by every model builder, done once here (keras.applications repeats them).

All builders take keras.applications' arguments: ``include_top, weights, input_tensor, input_shape,
pooling, classes, classifier_activation``. They are validated by `check_model_args` against the
model's row in `dlcourse.models.configs` (its smallest input, default input and keras twin) before
any layer is built, so bad input fails with a clear ValueError or TypeError naming the argument.

Only the ``channels_last`` image layout is supported (Keras' default on every backend); the
``channels_first`` setting, or an input shape that is clearly channels-first, is refused.
"""

from __future__ import annotations

import os

import keras

from dlcourse.blocks.conv import BN_EPSILON  # noqa: F401  (defined with the blocks that use it)
from dlcourse.checks import check_choice, is_int, is_number
from dlcourse.models.preprocessing import add_preprocessing, check_include_preprocessing
from dlcourse.models.registry import ModelEntry

POOLING_CHOICES = (None, "avg", "max")
IMAGENET_CLASSES = 1000
IMAGE_CHANNELS = (1, 3, 4)  # grey, RGB, RGBA: a first dimension like these with a large last one is channels-first


class WeightsUnavailable(FileNotFoundError):
    """The ImageNet weights could be neither downloaded nor found in Keras' cache; the message says what to do."""


def check_model_args(
    entry: ModelEntry,
    *,
    include_top,
    weights,
    input_tensor,
    input_shape,
    pooling,
    classes,
    classifier_activation,
    model_name: str | None = None,
    with_twin: bool = True,
    default_shape: tuple | None = None,
    include_preprocessing=False,
) -> tuple:
    """Validate a builder's arguments against its registry entry and return the input shape to build.

    As in keras.applications, an image model without its top (``include_top=False``) and without an
    `input_shape` takes any image size: ``(None, None, channels)``.

    Args:
        entry: the model's row of `dlcourse.models.configs` (``model_entry(name)``): its smallest
            input (``min_size``), default input and keras.applications twin.
        model_name: the name used in messages, when the variant has another (``se_resnet18``).
        with_twin: False for a variant that is not its entry's keras.applications twin (a ResNet
            with SE), so ``weights="imagenet"`` is refused.
        default_shape: the shape used when none is given, if not the entry's (the MLP's vector input).
        include_preprocessing: False, or put the weights' `preprocess_input` in the model as its
            first layer: True or ``"0-255"`` for images in [0, 255] (keras.applications' ConvNeXt),
            ``"0-1"`` for images in [0, 1] (`ImageData`'s); only for models with a
            ``preprocessing`` mode in the registry and 3 input channels.
        The other arguments are the builder's own, as in keras.applications.

    Returns:
        The input shape, a tuple with the same rank as the default shape.

    Example:
        >>> from dlcourse.models import model_entry
        >>> check_model_args(model_entry("notes_cnn"), include_top=True, weights=None, input_tensor=None,
        ...     input_shape=None, pooling=None, classes=10, classifier_activation="softmax")
        (28, 28, 1)
    """
    model_name = model_name or entry.name
    keras_twin = entry.keras_twin if with_twin else None
    default_shape = tuple(default_shape or entry.default_input_shape)
    if not isinstance(include_top, bool):
        raise TypeError(f"include_top must be True or False; got {include_top!r}")
    if not is_int(classes) or classes < 1:
        raise ValueError(f"classes must be a positive integer; got {classes!r}")
    check_choice("pooling", pooling, POOLING_CHOICES)
    if classifier_activation is not None and not (
        isinstance(classifier_activation, str) or callable(classifier_activation)
    ):
        raise TypeError(
            "classifier_activation must be None, an activation name or a callable; "
            f"got {classifier_activation!r}"
        )
    _check_weights(model_name, weights, keras_twin)
    if weights == "imagenet" and include_top and classes != IMAGENET_CLASSES:
        raise ValueError(
            f"weights='imagenet' with include_top=True needs classes={IMAGENET_CLASSES}; "
            f"got classes={classes}"
        )
    if input_tensor is not None and not keras.backend.is_keras_tensor(input_tensor):
        raise TypeError(
            f"input_tensor must be a Keras tensor (from keras.Input); got {type(input_tensor).__name__}"
        )
    is_image_model = entry.min_size is not None
    if is_image_model and keras.config.image_data_format() != "channels_last":
        raise ValueError(
            f"{model_name} is built channels-last (height, width, channels), but Keras' image data format "
            f"is {keras.config.image_data_format()!r}: call keras.config.set_image_data_format('channels_last')"
        )
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    if input_shape is None:
        any_size = is_image_model and not include_top
        input_shape = (None, None, default_shape[-1]) if any_size else default_shape
    shape = _check_input_shape(model_name, input_shape, default_shape, entry.min_size, weights)
    if check_include_preprocessing(include_preprocessing, entry.preprocessing, model_name) and shape[-1] != 3:
        raise ValueError(f"include_preprocessing needs 3 input channels (RGB); got input_shape={shape}")
    return shape


def check_dropout(dropout) -> float:
    """`dropout` as a float, if it is a rate in [0, 1)."""
    if not is_number(dropout) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1); got {dropout!r}")
    return float(dropout)


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
        if dim is not None and (not is_int(dim) or dim < 1):
            raise ValueError(f"input_shape must hold positive integers; got {shape}")
    if min_size is not None and len(shape) == 3:
        height, width, channels = shape
        if height in IMAGE_CHANNELS and channels is not None and channels > max(IMAGE_CHANNELS):
            raise ValueError(
                f"input_shape {shape} looks channels-first; {model_name} takes (height, width, channels), "
                f"e.g. {(shape[1], shape[2], shape[0])}"
            )
        if (height is not None and height < min_size) or (width is not None and width < min_size):
            raise ValueError(
                f"input_shape {shape} is too small for {model_name}: height and width must be "
                f"at least {min_size}"
            )
    if weights == "imagenet" and len(shape) == 3 and shape[-1] != 3:
        raise ValueError(f"weights='imagenet' needs 3 input channels; got input_shape={shape}")
    return tuple(int(d) if d is not None else None for d in shape)


def model_input(input_shape: tuple, input_tensor=None, name: str = "input", include_preprocessing=False,
                entry: ModelEntry | None = None):
    """Return ``(x, inputs)``: the tensor the layers start from and the model's inputs.

    As in keras.applications, an `input_tensor` that is not itself an `Input` is wrapped. With
    `include_preprocessing` (checked by `check_model_args`), `x` is the input after an
    `ImagePreprocessing` layer of the `entry`'s mode.
    """
    if input_tensor is None:
        x = inputs = keras.Input(shape=input_shape, name=name)
    else:
        x, inputs = input_tensor, keras.utils.get_source_inputs(input_tensor)
    if entry is not None:
        input_range = check_include_preprocessing(include_preprocessing, entry.preprocessing, entry.name)
        x = add_preprocessing(x, input_range, entry.preprocessing)
    return x, inputs


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


def load_weights(model: keras.Model, weights, keras_twin: str | None = None, **twin_args) -> keras.Model:
    """Load `weights` (None, 'imagenet' or a file path) into `model` and return it.

    Args:
        model: the freshly built model.
        weights: None (keep the random initialisation), ``"imagenet"`` (the keras.applications
            twin's published weights, downloaded by Keras) or the path of a ``.weights.h5`` file
            saved from this model or from its keras.applications twin.
        keras_twin: the keras.applications model with the same architecture (``"ResNet50"``), from
            the model's registry entry; None where it has none.
        **twin_args: the twin's arguments for the same configuration (``include_top``,
            ``input_shape``, ``pooling``, ``classes``, ``classifier_activation``, ``alpha`` ...).

    Raises:
        ValueError: the file cannot be read (corrupt, truncated) or does not fit the model; the
            message names the file.
        WeightsUnavailable: ``"imagenet"`` weights could not be downloaded (no network).
    """
    if weights is None:
        return model
    if weights == "imagenet":
        return transplant_weights(_imagenet_twin(model.name, keras_twin, twin_args), model)
    path = os.fspath(weights)
    try:
        model.load_weights(path)
        return model
    except OSError as unreadable:
        raise ValueError(
            f"weights file {path!r} cannot be read as a Keras weights file (corrupt or truncated?): {unreadable}"
        ) from unreadable
    except ValueError as own_format_error:
        if keras_twin is None:
            raise ValueError(f"weights file {path!r} does not fit {model.name}: {own_format_error}") from None
    twin = getattr(keras.applications, keras_twin)(weights=None, **twin_args)
    try:
        twin.load_weights(path)
    except ValueError as twin_format_error:
        raise ValueError(
            f"weights file {path!r} fits neither {model.name} nor keras.applications.{keras_twin} "
            f"with the same arguments: {twin_format_error}"
        ) from None
    return transplant_weights(twin, model)


def _imagenet_twin(model_name, keras_twin, twin_args):
    """The keras.applications twin with its ImageNet weights (Keras downloads them once, then caches)."""
    try:
        return getattr(keras.applications, keras_twin)(weights="imagenet", **twin_args)
    except (ValueError, TypeError):  # an argument Keras refuses: its own message is the clearest
        raise
    except Exception as error:  # Keras' download raises a bare Exception ("URL fetch failure ...")
        file_name = f"{model_name}.weights.h5"
        include_top = twin_args.get("include_top", True)
        raise WeightsUnavailable(
            f"weights='imagenet': could not get keras.applications.{keras_twin}'s ImageNet weights ({error}). "
            f"Without a network here: on a machine with one, run keras.applications.{keras_twin}("
            f"weights='imagenet', include_top={include_top}).save_weights('{file_name}'), copy the file here "
            f"and pass weights='{file_name}' (or copy that machine's ~/.keras/models/ folder here)"
        ) from error


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
