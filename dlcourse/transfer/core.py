"""Feature extraction (특징 추출기) and fine-tuning (미세 조정) of a registered backbone: transfer learning (전이 학습).

The notes' recipe: load a pretrained model, replace its last layer for the new classes, freeze the
early layers, train; then, with more data or time, unfreeze the top blocks and train them at a lower
learning rate. Three traps of plain Keras are handled here:

* Batch norm (배치 정규화) in inference mode throughout. Passing ``training=False`` when calling the
  base, as the Keras guide says, is not enough in Keras 3: once the base is unfrozen, ``fit`` calls
  the outer model with ``training=True`` and the base's moving statistics drift (keras-team/keras#20285;
  measured in ``tests/test_transfer.py``). Here every BatchNormalization layer stays ``trainable=False``,
  which Keras runs in inference mode whatever the call says.
* Recompiling after changing ``trainable``: `fine_tune` recompiles; a model that is not recompiled
  keeps training the old set of weights.
* Block boundaries come from the registry's ``feature_outputs`` (``conv4_block2_out`` ...), not from
  guessing layer names: block k is every layer after level k-1's output up to level k's.

The base is a nested model (a layer of the transfer model, named as the registered model); the head
is global average pooling, optional dropout and a Dense layer named ``transfer_predictions``.

Example:
    >>> model = feature_extractor("small_cnn", 3, input_shape=(16, 16, 1))
    >>> base_of(model).trainable, len(model.trainable_weights)
    (False, 2)
"""

from __future__ import annotations

import os
import warnings

import keras
import numpy as np

from dlcourse.checks import is_int, is_number
from dlcourse.models import get_model, list_models, model_entry

HEAD_NAME = "transfer_predictions"
FEATURE_LEARNING_RATE = 1e-3  # the head alone: Adam's usual rate
FINE_TUNE_LEARNING_RATE = 1e-4  # unfrozen blocks: ten times lower, so the pretrained weights move little


def _check_backbone(name):
    if not isinstance(name, str):
        raise TypeError(f"name must be a registered backbone name; got {type(name).__name__}")
    entry = model_entry(name)
    if not entry.feature_outputs:
        raise ValueError(f"name: {name} has no feature outputs; backbones: {', '.join(list_models(backbone=True))}")
    return entry


def _check_classes(classes):
    if isinstance(classes, bool) or not is_int(classes) or classes < 1:
        raise ValueError(f"classes (the new head's classes) must be a positive integer; got {classes!r}")
    return int(classes)


def _check_rate(learning_rate):
    if isinstance(learning_rate, bool) or not is_number(learning_rate) or not 0 < learning_rate < float("inf"):
        raise ValueError(f"learning_rate must be a positive number; got {learning_rate!r}")
    return float(learning_rate)


def load_base(name: str, input_shape, weights=None, **kwargs) -> keras.Model:
    """The registered model `name` without its top, with `weights`, for `input_shape` (any channels).

    Weights made for 3 input channels (``"imagenet"``, or a file saved from a 3-channel base) go into a
    1-channel base by summing the first convolution's kernel over its input channels, as timm's
    ``adapt_input_conv`` does: a grey image then gives the features its RGB copy would give.
    A smaller image size than the weights' needs nothing: the base without its top takes any size.

    Args:
        name: a registered backbone (``list_models(backbone=True)``).
        input_shape: ``(height, width, channels)``.
        weights: None, ``"imagenet"`` or the path of a ``.weights.h5`` file saved from this base
            (``base_of(model).save_weights(path)``, as `pretrain` does).
        **kwargs: the builder's other arguments (``alpha``, ``include_preprocessing`` ...).

    Returns:
        A `keras.Model` named `name`.

    Example:
        >>> load_base("small_cnn", (16, 16, 1)).output_shape
        (None, 2, 2, 64)
    """
    _check_backbone(name)
    if weights is not None and not isinstance(weights, (str, os.PathLike)):
        raise TypeError(f"weights must be None, 'imagenet' or a file path; got {weights!r}")
    channels = input_shape[-1] if input_shape is not None else 3
    build = dict(include_top=False, input_shape=input_shape, **kwargs)
    with warnings.catch_warnings():  # Keras warns of the layers without weights (ReLU, pooling) it skips
        warnings.filterwarnings("ignore", message="Skipping nested container")
        return _load_base(name, input_shape, weights, channels, build)


def _load_base(name, input_shape, weights, channels, build):
    if weights is None or channels == 3:
        return get_model(name, weights=weights, **build)
    if weights != "imagenet":
        try:
            return get_model(name, weights=weights, **build)
        except ValueError as own:
            if channels != 1:
                raise
            first_error = own
    else:
        first_error = None
    rgb_shape = (*tuple(input_shape[:-1]), 3)
    try:
        rgb = get_model(name, weights=weights, **{**build, "input_shape": rgb_shape})
    except ValueError:
        if first_error is not None:
            raise first_error from None
        raise
    if channels != 1:
        raise ValueError(f"input_shape: weights for 3 channels fit 1 or 3 input channels; got {channels}")
    grey = get_model(name, weights=None, **build)
    return _copy_summing_first_kernel(rgb, grey)


def _copy_summing_first_kernel(rgb: keras.Model, grey: keras.Model) -> keras.Model:
    """Copy `rgb`'s weights into `grey`, the first convolution's kernel summed over its input channels."""
    first = True
    for src, dst in zip([lay for lay in rgb.layers if lay.weights], [lay for lay in grey.layers if lay.weights]):
        values = src.get_weights()
        if first and isinstance(src, keras.layers.Conv2D):
            values[0] = values[0].sum(axis=2, keepdims=True)  # (kh, kw, 3, out) -> (kh, kw, 1, out)
            first = False
        dst.set_weights(values)
    return grey


def all_layers(model: keras.Model) -> list:
    """Every layer of `model`, the layers of nested models included (depth first)."""
    found = []
    for layer in model.layers:
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(all_layers(layer))
    return found


def _freeze_batch_norm(model: keras.Model) -> None:
    """Keep every BatchNormalization layer (nested ones too) frozen: Keras then runs it in inference mode."""
    for layer in all_layers(model):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def base_of(model: keras.Model) -> keras.Model:
    """The nested base model of a transfer model (from `feature_extractor`).

    Example:
        >>> base_of(feature_extractor("small_cnn", 2, input_shape=(16, 16, 1))).name
        'small_cnn'
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model from feature_extractor; got {type(model).__name__}")
    bases = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if len(bases) != 1 or bases[0].name not in list_models(backbone=True):
        raise ValueError("model must come from feature_extractor (one nested registered backbone); "
                         f"{model.name} has {len(bases)} nested models")
    return bases[0]


def blocks_of(model: keras.Model) -> list[list[str]]:
    """The base's blocks from the bottom, each the layer names of one feature level (the stem in the first).

    Block k ends at the registry's ``feature_outputs`` layer of level k; the layers after the last
    feature output (none in most backbones) join the top block.

    Example:
        >>> len(blocks_of(feature_extractor("small_cnn", 2, input_shape=(16, 16, 1))))
        3
    """
    base = base_of(model)
    ends = [feature.layer for feature in model_entry(base.name).feature_outputs.values()]
    names = [layer.name for layer in base.layers]
    blocks, start = [], 0
    for end in ends:
        stop = names.index(end) + 1
        blocks.append(names[start:stop])
        start = stop
    blocks[-1].extend(names[start:])
    return blocks


def compile_transfer(model: keras.Model, learning_rate: float, optimizer: str = "adam") -> keras.Model:
    """Compile `model` as a classifier (the task's loss and metrics) with `optimizer` at `learning_rate`."""
    from dlcourse.optim.names import make_optimizer
    from dlcourse.train.tasks import get_task

    get_task("classification").compile(model, make_optimizer(optimizer, _check_rate(learning_rate)))
    return model


def feature_extractor(
    name: str,
    classes: int,
    *,
    weights=None,
    input_shape=None,
    dropout: float = 0.0,
    learning_rate: float = FEATURE_LEARNING_RATE,
    classifier_activation="softmax",
    **kwargs,
) -> keras.Model:
    """A pretrained backbone, frozen, with a new head for `classes`: the feature extractor, compiled.

    Args:
        name: a registered backbone (``list_models(backbone=True)``).
        classes: the new task's classes (at least 1).
        weights: None, ``"imagenet"`` or a base's ``.weights.h5`` file (see `load_base`).
        input_shape: ``(height, width, channels)``; 1 channel with 3-channel weights is adapted.
        dropout: dropout rate before the new Dense layer.
        learning_rate: Adam's rate for the head.
        classifier_activation: of the new head.
        **kwargs: the builder's other arguments (``alpha``, ``include_preprocessing`` ...).

    Returns:
        A compiled `keras.Model`: the base (frozen, batch norm in inference mode), global average
        pooling, dropout, ``transfer_predictions``.

    Example:
        >>> feature_extractor("small_cnn", 5, input_shape=(16, 16, 1)).output_shape
        (None, 5)
    """
    _check_backbone(name)
    classes = _check_classes(classes)
    _check_rate(learning_rate)
    if not is_number(dropout) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1); got {dropout!r}")
    base = load_base(name, input_shape, weights, **kwargs)
    base.trainable = False
    _freeze_batch_norm(base)
    inputs = keras.Input(shape=base.input_shape[1:], name="image")
    x = base(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="transfer_pool")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="transfer_dropout")(x)
    outputs = keras.layers.Dense(classes, activation=classifier_activation, name=HEAD_NAME)(x)
    model = keras.Model(inputs, outputs, name=f"{name}_transfer")
    return compile_transfer(model, learning_rate)


def fine_tune(model: keras.Model, blocks: int = 1, learning_rate: float = FINE_TUNE_LEARNING_RATE) -> keras.Model:
    """Unfreeze the top `blocks` blocks of a feature extractor's base and recompile at a lower rate.

    Batch norm stays frozen (inference mode, its moving statistics unchanged); the layers below the
    unfrozen blocks stay frozen; the model is recompiled, as Keras needs after changing ``trainable``.

    Args:
        model: a model from `feature_extractor` (trained or not); changed in place.
        blocks: how many blocks to unfreeze from the top, 1 to ``len(blocks_of(model))``.
        learning_rate: Adam's rate now (a tenth of the head's by default).

    Returns:
        `model`, recompiled.

    Example:
        >>> model = fine_tune(feature_extractor("small_cnn", 2, input_shape=(16, 16, 1)), blocks=1)
        >>> base_of(model).get_layer("block3_conv").trainable, base_of(model).get_layer("block1_conv").trainable
        (True, False)
    """
    all_blocks = blocks_of(model)
    if isinstance(blocks, bool) or not is_int(blocks) or not 1 <= blocks <= len(all_blocks):
        raise ValueError(f"blocks must be an integer from 1 to {len(all_blocks)} (the blocks of "
                         f"{base_of(model).name}); got {blocks!r}")
    _check_rate(learning_rate)
    base = base_of(model)
    base.trainable = True
    unfrozen = {name for block in all_blocks[len(all_blocks) - int(blocks):] for name in block}
    for layer in base.layers:
        layer.trainable = layer.name in unfrozen
    _freeze_batch_norm(base)
    return compile_transfer(model, learning_rate)


def batch_norm_statistics(model: keras.Model) -> dict:
    """``{layer name: (moving mean, moving variance)}`` of every batch-norm layer, nested ones included."""
    return {layer.name: (np.array(layer.moving_mean), np.array(layer.moving_variance))
            for layer in all_layers(model)
            if isinstance(layer, keras.layers.BatchNormalization)}
