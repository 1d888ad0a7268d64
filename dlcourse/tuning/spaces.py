"""Search spaces (탐색 공간) for keras-tuner: the notes' CNN, a VGG-style and a ResNet-style small net.

Each architecture is a function ``net(hp, space, input_shape, classes) -> keras.Model`` that reads
its widths and depth from keras-tuner's `HyperParameters` and builds them from `dlcourse.blocks`
(VGG blocks, ResNet's basic blocks); the ``notes_cnn`` space at its default point is
`dlcourse.models.notes_cnn` itself, whose layers give the defaults. `CourseHyperModel` adds the
training hyperparameters (optimiser, learning rate on a log scale, weight decay, batch size) and
compiles with the task's loss and metrics (`dlcourse.train.tasks`). Any other registered model
name is searched over the training hyperparameters (and its ``dropout``, when the builder has one)
with its architecture as registered.

Reference: O'Malley et al., KerasTuner (2019), https://keras.io/keras_tuner/.

Example:
    >>> import keras_tuner as kt
    >>> hypermodel = get_hypermodel("vgg_small", input_shape=(8, 8, 1), classes=10)
    >>> hypermodel.build(kt.HyperParameters()).output_shape
    (None, 10)
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, fields
from numbers import Integral, Real

import keras
import keras_tuner as kt

from dlcourse.blocks import basic_block, conv_bn_act, vgg_block
from dlcourse.train.config import OPTIMIZERS, TrainConfig
from dlcourse.train.fit import make_optimizer
from dlcourse.train.tasks import Task, get_task
from dlcourse.tuning._keras_tuner_compat import all_fixed, hypermodel_from_function

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


def _choice(hp, name, values, default=None):
    values = list(dict.fromkeys(values))
    if len(values) == 1:
        return hp.Fixed(name, values[0])
    return hp.Choice(name, values, default=default if default in values else None)


def _dropout(hp, space, default=None):
    low, high = space.dropout
    if low == high:
        return hp.Fixed("dropout", low)
    on_grid = default is not None and low <= default <= high and round((default - low) / DROPOUT_STEP, 6).is_integer()
    return hp.Float("dropout", low, high, step=DROPOUT_STEP, default=default if on_grid else None)


def _depth(hp, space, fits, input_shape, default=None):
    """The searched depth, among the values of `space.depth` for which ``fits(depth)`` holds."""
    depths = [d for d in space.depth if fits(d)]
    if not depths:
        raise ValueError(f"search space: no depth in {space.depth} fits images of shape {tuple(input_shape)}; "
                         f"use fewer stages or larger images (image_size)")
    return _choice(hp, "depth", depths, default)


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


def _dense_classifier(x, hp, space, classes, defaults=None):
    defaults = defaults or {}
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(_choice(hp, "dense_units", space.dense_units, defaults.get("dense_units")),
                           activation="relu", name="fc")(x)
    x = keras.layers.Dropout(_dropout(hp, space, defaults.get("dropout")), name="dropout")(x)
    return keras.layers.Dense(classes, activation="softmax", name="predictions")(x)


@functools.cache
def notes_cnn_defaults() -> dict:
    """The registry's `notes_cnn` read back: its first width, depth, dense width and dropout rate."""
    from dlcourse.models import notes_cnn

    model = notes_cnn()
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    return {"filters": convs[0].filters, "depth": len(convs), "dense_units": model.get_layer("fc").units,
            "dropout": model.get_layer("dropout").rate}


def _notes_cnn_fits(size, depth):
    # Valid 3x3 convs (-2 pixels) with a 2x2 max-pool between two convs, as in the notes.
    for i in range(depth):
        if size < 3:
            return False
        size -= 2
        if i < depth - 1:
            size //= 2
    return size >= 1


def notes_cnn_net(hp, space, input_shape, classes):
    """The notes' CNN (`dlcourse.models.notes_cnn`) with its widths, depth and dropout searched.

    Valid 3x3 convs with ReLU and a 2x2 max-pool between them, widths ``f, 2f, 2f, ...`` (the
    notes' 32, 64, 64), then Flatten, Dense, Dropout and the classifier. Each hyperparameter's
    default is the registered model's value, so the default point is `notes_cnn()` exactly.
    """
    defaults = notes_cnn_defaults()
    filters = _choice(hp, "filters", space.filters, defaults["filters"])
    depth = _depth(hp, space, lambda d: _notes_cnn_fits(min(input_shape[:2]), d), input_shape, defaults["depth"])
    x = inputs = keras.Input(input_shape, name="input")
    for i in range(1, depth + 1):
        x = keras.layers.Conv2D(filters * min(2, 2 ** (i - 1)), 3, activation="relu", name=f"conv{i}")(x)
        if i < depth:
            x = keras.layers.MaxPooling2D(2, name=f"pool{i}")(x)
    return keras.Model(inputs, _dense_classifier(x, hp, space, classes, defaults), name="notes_cnn")


def vgg_net(hp, space, input_shape, classes):
    """VGG-style (Simonyan & Zisserman, 2015): `dlcourse.blocks.vgg_block` stages of two 3x3 convs and a
    2x2 max-pool, width doubling, then Flatten, Dense, Dropout and the classifier."""
    filters = _choice(hp, "filters", space.filters)
    depth = _depth(hp, space, lambda d: min(input_shape[:2]) >= 2**d, input_shape)
    x = inputs = keras.Input(input_shape, name="input")
    for stage in range(1, depth + 1):
        x = vgg_block(x, filters * 2 ** (stage - 1), 2, name=f"block{stage}")
    return keras.Model(inputs, _dense_classifier(x, hp, space, classes), name="vgg_small")


def resnet_net(hp, space, input_shape, classes):
    """ResNet-style (He et al., 2016): a 3x3 conv-BN-ReLU stem, one `dlcourse.blocks.basic_block` per
    stage (stride 2 from the second stage, width doubling), global average pooling, Dropout."""
    filters = _choice(hp, "filters", space.filters)
    depth = _depth(hp, space, lambda d: True, input_shape)
    x = inputs = keras.Input(input_shape, name="input")
    x = conv_bn_act(x, filters, 3, name="stem")
    for stage in range(1, depth + 1):
        x = basic_block(x, filters * 2 ** (stage - 1), strides=1 if stage == 1 else 2, name=f"conv{stage + 1}_block1")
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = keras.layers.Dropout(_dropout(hp, space), name="dropout")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="resnet_small")


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


def task_of_search(name) -> Task:
    """The task a named search trains for: classification for `ARCHITECTURES`, else the registry entry's."""
    from dlcourse.train.tasks import task_of

    return get_task("classification") if name in ARCHITECTURES else task_of(name=name)


class CourseHyperModel(kt.HyperModel):
    """A keras-tuner HyperModel: an architecture from `ARCHITECTURES` (or the registry) plus training.

    Args:
        name: a key of `ARCHITECTURES` or a registered model name.
        input_shape: the image shape, e.g. ``(8, 8, 1)``.
        classes: number of classes.
        space: a `SearchSpace`; its defaults when None.
        task: the `Task` (or its name) that compiles each trial's model; classification by default.

    Example:
        >>> hypermodel = CourseHyperModel("notes_cnn", (28, 28, 1), 10)
    """

    def __init__(self, name, input_shape, classes, space=None, task="classification"):
        super().__init__(name=name)
        if space is not None and not isinstance(space, SearchSpace):
            raise TypeError(f"space must be a SearchSpace; got {type(space).__name__}")
        self.net = ARCHITECTURES[name] if name in ARCHITECTURES else registry_net(name)
        self.input_shape, self.classes = tuple(input_shape), int(classes)
        self.space = space or SearchSpace()
        self.task = task if isinstance(task, Task) else get_task(task)

    def build(self, hp):
        model = self.net(hp, self.space, self.input_shape, self.classes)
        config = training_config(hp, self.space)
        return self.task.compile(model, make_optimizer(config, steps_per_epoch=1))

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, batch_size=hp.get("batch_size"), **kwargs)


def get_hypermodel(model, input_shape, classes, space=None, task=None):
    """A keras-tuner HyperModel from a search-space name, a HyperModel or a build function ``hp -> model``.

    Args:
        model: a name from `list_search_spaces()`, a `keras_tuner.HyperModel`, or a function taking
            `HyperParameters` and returning a compiled `keras.Model`.
        input_shape: the image shape (used with names).
        classes: number of classes (used with names).
        space: a `SearchSpace` (names only).
        task: the task (a `Task` or one of `dlcourse.train.tasks.TASKS`) that compiles a named space's
            models; by default the registry entry's, classification for the searched architectures.

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
        return CourseHyperModel(model, input_shape, classes, space, task or task_of_search(model))
    if space is not None or task is not None:
        raise TypeError("space and task apply to search-space names only; your own HyperModel compiles its models")
    if isinstance(model, kt.HyperModel):
        return model
    if callable(model):
        return hypermodel_from_function(model)
    raise TypeError(f"model must be a search-space name, a keras_tuner.HyperModel or a build function; got {model!r}")


def check_search_space(hypermodel, objective: str) -> kt.HyperParameters:
    """Build `hypermodel` once: raise ValueError if it declares no hyperparameters or cannot report `objective`.

    Returns:
        The declared `HyperParameters` (the search space).
    """
    hp = kt.HyperParameters()
    model = hypermodel.build(hp)
    if not hp.space or all_fixed(hp):
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
