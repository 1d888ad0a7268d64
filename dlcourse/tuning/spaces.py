"""Search spaces (탐색 공간) for keras-tuner: the notes' CNN, a VGG-style and a ResNet-style small net.

Each architecture is a function ``net(hp, space, input_shape, classes) -> keras.Model`` that reads
its widths and depth from keras-tuner's `HyperParameters`; `CourseHyperModel` adds the training
hyperparameters (optimiser, learning rate on a log scale, weight decay, batch size) and compiles.
Any other registered model name is searched over the training hyperparameters (and its
``dropout``, when the builder has one) with its architecture as registered.

Reference: O'Malley et al., KerasTuner (2019), https://keras.io/keras_tuner/.

Example:
    >>> import keras_tuner as kt
    >>> hypermodel = get_hypermodel("vgg_small", input_shape=(8, 8, 1), classes=10)
    >>> hypermodel.build(kt.HyperParameters()).output_shape
    (None, 10)
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, fields
from numbers import Integral, Real

import keras
import keras_tuner as kt
from keras_tuner.src.engine.hypermodel import get_hypermodel as keras_tuner_hypermodel

from dlcourse.models.common import BN_EPSILON
from dlcourse.train.config import OPTIMIZERS, TrainConfig
from dlcourse.train.fit import classification_loss, make_optimizer

DROPOUT_STEP = 0.1


@dataclass(frozen=True)
class SearchSpace:
    """The values a search may try, as data: one value fixes a hyperparameter, several search it.

    Attributes:
        filters: the first convolution's width; later stages double it.
        depth: number of convolution stages (VGG: two convs each; ResNet: one residual block each).
        dense_units: width of the hidden Dense layer (the notes' CNN and VGG).
        dropout: ``(low, high)`` range of the dropout rate, searched in steps of 0.1.
        learning_rate: ``(low, high)`` range of the learning rate, searched on a log scale.
        optimizers: names from `dlcourse.train.config.OPTIMIZERS`.
        weight_decay: decoupled weight-decay values (0 switches it off).
        batch_size: mini-batch sizes.
    """

    filters: tuple = (16, 32, 64)
    depth: tuple = (1, 2, 3)
    dense_units: tuple = (32, 64, 128)
    dropout: tuple = (0.0, 0.5)
    learning_rate: tuple = (1e-4, 1e-2)
    optimizers: tuple = ("adam", "sgd", "rmsprop")
    weight_decay: tuple = (0.0, 1e-4)
    batch_size: tuple = (32, 64, 128)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (tuple, list)) or len(value) == 0:
                raise ValueError(f"search space: {f.name} must be a non-empty tuple of values; got {value!r}")
        for name in ("filters", "depth", "dense_units", "batch_size"):
            if any(isinstance(v, bool) or not isinstance(v, Integral) or v < 1 for v in getattr(self, name)):
                raise ValueError(f"search space: {name} must hold positive integers; got {getattr(self, name)!r}")
        for name, low_ok in (("dropout", lambda v: 0 <= v < 1), ("learning_rate", lambda v: v > 0)):
            value = getattr(self, name)
            if len(value) != 2 or not all(isinstance(v, Real) and low_ok(v) for v in value) or value[0] > value[1]:
                raise ValueError(f"search space: {name} must be a (low, high) range with low <= high "
                                 f"({'0 <= rate < 1' if name == 'dropout' else 'rates > 0'}); got {value!r}")
        unknown = set(self.optimizers) - set(OPTIMIZERS)
        if unknown:
            raise ValueError(f"search space: optimizers must be among {OPTIMIZERS}; got {sorted(unknown)}")
        if any(not isinstance(v, Real) or v < 0 for v in self.weight_decay):
            raise ValueError(f"search space: weight_decay values must be >= 0; got {self.weight_decay!r}")


def _choice(hp, name, values):
    values = list(dict.fromkeys(values))
    return hp.Fixed(name, values[0]) if len(values) == 1 else hp.Choice(name, values)


def _dropout(hp, space):
    low, high = space.dropout
    return hp.Fixed("dropout", low) if low == high else hp.Float("dropout", low, high, step=DROPOUT_STEP)


def training_config(hp, space: SearchSpace) -> TrainConfig:
    """The training hyperparameters of one trial as a `TrainConfig` (constant learning rate)."""
    low, high = space.learning_rate
    rate = hp.Fixed("learning_rate", low) if low == high else hp.Float("learning_rate", low, high, sampling="log")
    return TrainConfig(
        optimizer=_choice(hp, "optimizer", space.optimizers),
        learning_rate=rate,
        weight_decay=_choice(hp, "weight_decay", space.weight_decay),
        batch_size=_choice(hp, "batch_size", space.batch_size),
        schedule="constant",
        epochs=1,
    )


def _pool_if_room(x, name):
    # Small inputs (digits at 8x8) run out of pixels before deep nets run out of stages.
    return keras.layers.MaxPooling2D(2, name=name)(x) if min(x.shape[1:3]) >= 2 else x


def _classifier(x, hp, space, classes, dense=True):
    if dense:
        x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dense(_choice(hp, "dense_units", space.dense_units), activation="relu", name="fc")(x)
    else:
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = keras.layers.Dropout(_dropout(hp, space), name="dropout")(x)
    return keras.layers.Dense(classes, activation="softmax", name="predictions")(x)


def notes_cnn_net(hp, space, input_shape, classes):
    """The notes' CNN layout (conv-pool stages, Dense, Dropout) with its widths and depth searched.

    Filters go ``f, 2f, 2f, ...`` as the notes' (32, 64, 64); 'same' padding lets 8x8 digits fit.
    """
    filters = _choice(hp, "filters", space.filters)
    x = inputs = keras.Input(input_shape, name="image")
    for i in range(_choice(hp, "depth", space.depth)):
        x = keras.layers.Conv2D(filters * min(2, 2**i), 3, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = _pool_if_room(x, f"pool{i + 1}")
    return keras.Model(inputs, _classifier(x, hp, space, classes), name="notes_cnn_search")


def vgg_net(hp, space, input_shape, classes):
    """VGG-style (Simonyan & Zisserman, 2015): stages of two 3x3 convs then 2x2 max-pooling, width doubling."""
    filters = _choice(hp, "filters", space.filters)
    x = inputs = keras.Input(input_shape, name="image")
    for stage in range(1, _choice(hp, "depth", space.depth) + 1):
        for conv in (1, 2):
            x = keras.layers.Conv2D(filters * 2 ** (stage - 1), 3, padding="same", activation="relu",
                                    name=f"block{stage}_conv{conv}")(x)
        x = _pool_if_room(x, f"block{stage}_pool")
    return keras.Model(inputs, _classifier(x, hp, space, classes), name="vgg_small_search")


def residual_block(x, filters, stride, name):
    """He et al. (2016)'s basic block: two 3x3 conv-BN, a 1x1 projection when the shape changes."""
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_0_bn")(shortcut)
    x = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", name=f"{name}_1_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_1_bn")(x)
    x = keras.layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = keras.layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_2_bn")(x)
    x = keras.layers.Add(name=f"{name}_add")([shortcut, x])
    return keras.layers.Activation("relu", name=f"{name}_out")(x)


def resnet_net(hp, space, input_shape, classes):
    """ResNet-style (He et al., 2016): a conv stem, one residual block per stage, global average pooling."""
    filters = _choice(hp, "filters", space.filters)
    x = inputs = keras.Input(input_shape, name="image")
    x = keras.layers.Conv2D(filters, 3, padding="same", name="stem_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name="stem_bn")(x)
    x = keras.layers.Activation("relu", name="stem_relu")(x)
    for stage in range(1, _choice(hp, "depth", space.depth) + 1):
        stride = 2 if stage > 1 and min(x.shape[1:3]) >= 2 else 1
        x = residual_block(x, filters * 2 ** (stage - 1), stride, name=f"conv{stage + 1}_block1")
    return keras.Model(inputs, _classifier(x, hp, space, classes, dense=False), name="resnet_small_search")


def registry_net(name):
    """A registered model searched over its ``dropout`` (if it has one); its layers stay as registered."""
    from dlcourse.models import model_entry

    builder = model_entry(name).builder

    def net(hp, space, input_shape, classes):
        kwargs = {"input_shape": input_shape, "classes": classes}
        if "dropout" in inspect.signature(builder).parameters:
            kwargs["dropout"] = _dropout(hp, space)
        return builder(**kwargs)

    return net


ARCHITECTURES = {"notes_cnn": notes_cnn_net, "vgg_small": vgg_net, "resnet_small": resnet_net}


def list_search_spaces() -> list[str]:
    """Names `get_hypermodel` accepts: the searched architectures, then every registered model."""
    from dlcourse.models import list_models

    return list(ARCHITECTURES) + [m for m in list_models() if m not in ARCHITECTURES]


class CourseHyperModel(kt.HyperModel):
    """A keras-tuner HyperModel: an architecture from `ARCHITECTURES` (or the registry) plus training.

    Args:
        name: a key of `ARCHITECTURES` or a registered model name.
        input_shape: the image shape, e.g. ``(8, 8, 1)``.
        classes: number of classes.
        space: a `SearchSpace`; its defaults when None.

    Example:
        >>> hypermodel = CourseHyperModel("notes_cnn", (28, 28, 1), 10)
    """

    def __init__(self, name, input_shape, classes, space=None):
        super().__init__(name=name)
        if space is not None and not isinstance(space, SearchSpace):
            raise TypeError(f"space must be a SearchSpace; got {type(space).__name__}")
        self.net = ARCHITECTURES[name] if name in ARCHITECTURES else registry_net(name)
        self.input_shape, self.classes = tuple(input_shape), int(classes)
        self.space = space or SearchSpace()

    def build(self, hp):
        model = self.net(hp, self.space, self.input_shape, self.classes)
        config = training_config(hp, self.space)
        model.compile(optimizer=make_optimizer(config, steps_per_epoch=1), loss=classification_loss(model),
                      metrics=["accuracy"])
        return model

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, batch_size=hp.get("batch_size"), **kwargs)


def get_hypermodel(model, input_shape, classes, space=None):
    """A keras-tuner HyperModel from a search-space name, a HyperModel or a build function ``hp -> model``.

    Args:
        model: a name from `list_search_spaces()`, a `keras_tuner.HyperModel`, or a function taking
            `HyperParameters` and returning a compiled `keras.Model`.
        input_shape: the image shape (used with names).
        classes: number of classes (used with names).
        space: a `SearchSpace` (names only).

    Returns:
        A `keras_tuner.HyperModel`.

    Example:
        >>> get_hypermodel("resnet_small", (8, 8, 1), 10).name
        'resnet_small'
    """
    if isinstance(model, str):
        if model not in ARCHITECTURES:
            from dlcourse.models import model_entry

            model_entry(model)  # unknown names fail here, with the registry's suggestions
        return CourseHyperModel(model, input_shape, classes, space)
    if space is not None:
        raise TypeError("space applies to search-space names only; put the space in your own HyperModel")
    if isinstance(model, kt.HyperModel):
        return model
    if callable(model):
        return keras_tuner_hypermodel(model)  # keras-tuner's own wrapper of a build function
    raise TypeError(f"model must be a search-space name, a keras_tuner.HyperModel or a build function; got {model!r}")


def check_search_space(hypermodel, objective: str) -> kt.HyperParameters:
    """Build `hypermodel` once: raise ValueError if it declares no hyperparameters or cannot report `objective`.

    Returns:
        The declared `HyperParameters` (the search space).
    """
    hp = kt.HyperParameters()
    model = hypermodel.build(hp)
    if not hp.space or all(isinstance(p, kt.engine.hyperparameters.Fixed) for p in hp.space):
        raise ValueError("search space is empty: the model declares no hyperparameter with more than one value "
                         "(use hp.Choice, hp.Int or hp.Float, or give the SearchSpace several values)")
    if not isinstance(model, keras.Model):
        raise TypeError(f"the build function must return a keras.Model; got {type(model).__name__}")
    metric = objective.removeprefix("val_")
    compiled = model.get_compile_config() if getattr(model, "compiled", False) else None
    if compiled is None:
        raise ValueError("the build function must return a compiled model (model.compile(...)) so trials can train")
    if metric != "loss" and metric not in str(compiled.get("metrics")):
        raise ValueError(f"objective {objective!r} is not reported: the model is compiled with metrics "
                         f"{compiled.get('metrics')}; compile with metrics=['{metric}'] or pick another objective")
    return hp
