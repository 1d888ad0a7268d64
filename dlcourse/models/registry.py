"""The one registry of model builders: the CLI, tuner, tests and lessons all go through it.

Listing and looking up models reads plain data (`dlcourse.models.configs`) and imports no Keras;
a builder's module is imported only when the model is built.

Example:
    >>> from dlcourse.models import get_model, list_models
    >>> "notes_cnn" in list_models()
    True
    >>> model = get_model("notes_cnn", classes=10)
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

TASK_CLASSIFICATION = "classification"
PREPROCESSING_MODES = (None, "caffe", "torch", "tf")  # keras.applications.imagenet_utils' modes
KERAS_BACKENDS = ("tensorflow", "jax")  # the Keras backends a model may claim; tests/test_backend_jax.py checks each claim


class FeatureOutput(NamedTuple):
    """One named feature map of a backbone: the layer that outputs it and its stride (input / map size)."""

    layer: str
    stride: int


@dataclass(frozen=True)
class ModelEntry:
    """What the registry knows of one model: its builder and every fact stated about it.

    Attributes:
        name: the registry name, also the builder's function name.
        family: the architecture family (``"basics"``, ``"vgg"``, ``"resnet"`` ...).
        reference: what the model's numbers are checked against (a paper, keras.applications).
        default_input_shape: the input shape the builder uses when none is given.
        module: the module of ``dlcourse.models`` holding the builder (imported when it is needed).
        task: what the model does, one of ``dlcourse.train.tasks.TASKS`` (``"classification"``).
        keras_twin: name of the keras.applications model with the same architecture, if any.
        min_size: the smallest height and width an image model accepts; None for vector models.
        params: ``count_params()`` at the default configuration.
        macs: multiply-adds for one input at `default_input_shape`.
        reference_params: the reference's own parameter count where it differs from `params`
            (torchvision counts trainable parameters only).
        reference_macs: the paper's multiply-adds, where it states them.
        preprocessing: the input scaling the published weights expect, keras.applications'
            ``preprocess_input`` mode (``"caffe"``, ``"torch"``, ``"tf"``); None without weights.
        feature_outputs: for a model that can serve as a backbone, ``{"P2": FeatureOutput(layer,
            stride), ...}`` (keras-hub's pyramid levels: ``Pk`` is at stride ``2**k``); see
            `get_backbone`.
        arch: the family builder's arguments for this variant (stages, convs, widths).
        backends: the Keras backends the model builds and trains on (``KERAS_BACKENDS``):
            ``("tensorflow", "jax")`` for models written in Keras layers and `keras.ops`;
            ``("tensorflow",)`` where training needs TensorFlow (a ``train_step`` on
            ``tf.GradientTape`` alone), and then `backend_reason` says why. A model registered with
            `register_model` claims TensorFlow only unless it states more.
        backend_reason: why a model runs on fewer backends than ``KERAS_BACKENDS``.
    """

    name: str
    family: str
    reference: str
    default_input_shape: tuple
    module: str | None = None
    task: str = TASK_CLASSIFICATION
    keras_twin: str | None = None
    min_size: int | None = None
    params: int | None = None
    macs: int | None = None
    reference_params: int | None = None
    reference_macs: float | None = None
    preprocessing: str | None = None
    feature_outputs: dict = field(default_factory=dict, hash=False)
    arch: dict = field(default_factory=dict, hash=False)
    backends: tuple = ("tensorflow",)
    backend_reason: str | None = None
    _builder: Callable | None = field(default=None, repr=False, compare=False)

    @property
    def builder(self) -> Callable:
        """The plain function that returns a `keras.Model` (importing its module, and Keras, now)."""
        if self._builder is not None:
            return self._builder
        return getattr(importlib.import_module(f"dlcourse.models.{self.module}"), self.name)

    def check_backend(self, backend: str | None = None) -> None:
        """Raise RuntimeError, before anything is built, when the model does not run on `backend`
        (by default Keras' current backend, ``keras.config.backend()``).

        Example:
            >>> model_entry("gan").check_backend("jax")  # every registered model runs on both
            >>> ModelEntry("taped", "mine", "a tf.GradientTape loop", (2,), backends=("tensorflow",),
            ...            backend_reason="it trains with tf.GradientTape").check_backend("jax")
            Traceback (most recent call last):
            ...
            RuntimeError: taped runs on the Keras backends ('tensorflow',), not 'jax': it trains with tf.GradientTape; run it with KERAS_BACKEND=tensorflow
        """
        if backend is None:
            import keras

            backend = keras.config.backend()
        if backend not in self.backends:
            reason = f": {self.backend_reason}" if self.backend_reason else ""
            raise RuntimeError(f"{self.name} runs on the Keras backends {self.backends}, not {backend!r}{reason}; "
                               f"run it with KERAS_BACKEND={self.backends[0]}")

    @property
    def input_size(self) -> str:
        """The default input as the README table writes it: ``"224x224x3"``."""
        return "x".join(str(d) for d in self.default_input_shape)


_REGISTRY: dict[str, ModelEntry] = {}


def _registry() -> dict[str, ModelEntry]:
    """The registry, filled from the family tables on first use (they import this module)."""
    if not _REGISTRY:
        from dlcourse.models.configs import FAMILY_TABLES

        for table in FAMILY_TABLES:
            _REGISTRY.update(table)
    return _REGISTRY


def register_model(
    *,
    family: str,
    reference: str,
    default_input_shape: tuple,
    keras_twin: str | None = None,
    name: str | None = None,
    task: str = TASK_CLASSIFICATION,
    **facts,
):
    """Decorator that registers a model builder of your own under its function name (or `name`).

    The package's own models are registered by their rows in `dlcourse.models.configs`.
    `facts` are further `ModelEntry` fields (``min_size``, ``params``, ``feature_outputs`` ...).

    Example:
        >>> @register_model(family="basics", reference="the notes", default_input_shape=(2,))
        ... def my_model(**kwargs): ...
    """

    def decorator(builder: Callable) -> Callable:
        model_name = name or builder.__name__
        if model_name in _registry():
            raise ValueError(f"model name {model_name!r} is registered twice")
        _REGISTRY[model_name] = ModelEntry(
            name=model_name, family=family, reference=reference, default_input_shape=tuple(default_input_shape),
            keras_twin=keras_twin, task=task, _builder=builder, **facts,
        )
        return builder

    return decorator


def list_models(family: str | None = None, *, backbone: bool = False) -> list[str]:
    """Names of the registered models, sorted, optionally of one `family` or only backbones.

    Args:
        family: only the models of this family.
        backbone: only the models with feature outputs (those `get_backbone` builds).

    Example:
        >>> list_models(family="basics")
        ['mlp', 'notes_cnn', 'perceptron']
    """
    registry = _registry()
    if family is not None:
        families = sorted({entry.family for entry in registry.values()})
        if family not in families:
            raise ValueError(f"family must be one of {families}; got {family!r}")
    return sorted(
        n for n, e in registry.items()
        if (family is None or e.family == family) and (not backbone or e.feature_outputs)
    )


def model_entry(name: str) -> ModelEntry:
    """The registry entry of `name`; an unknown name raises ValueError listing close matches.

    Example:
        >>> model_entry("resnet50").keras_twin
        'ResNet50'
    """
    if not isinstance(name, str):
        raise TypeError(f"model name must be a string; got {type(name).__name__}")
    registry = _registry()
    if name not in registry:
        close = difflib.get_close_matches(name, list(registry), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown model {name!r}.{hint} Known models: {', '.join(sorted(registry))}")
    return registry[name]


def get_model(name: str, **kwargs):
    """Build the registered model `name`; `kwargs` go to its builder.

    Example:
        >>> model = get_model("notes_cnn", input_shape=(28, 28, 1), classes=10)
        >>> model.count_params()
        93322
    """
    return model_entry(name).builder(**kwargs)


def get_backbone(name: str, input_shape=None, weights=None, **kwargs):
    """The registered model `name` without its classifier, outputting its named feature maps.

    A detection or segmentation head attaches to any backbone through these outputs, as keras-hub's
    ``pyramid_outputs`` and timm's ``feature_info``: ``{"P2": map at 1/4 of the input, "P3": 1/8,
    "P4": 1/16, "P5": 1/32}`` (VGG adds ``"P1"``); ``model_entry(name).feature_outputs`` names each
    level's layer and stride.

    Args:
        name: a model with feature outputs, one of ``list_models(backbone=True)``.
        input_shape: the image shape; None takes any size, ``(None, None, 3)``.
        weights: None, ``"imagenet"`` or a ``.weights.h5`` path, as for the model itself.
        **kwargs: the model's other arguments (``alpha``, ``se_ratio`` ...); not `include_top`,
            `pooling` or `classes`, which belong to the classifier.

    Returns:
        A `keras.Model` whose output is a dict ``{level: feature map}``.

    Example:
        >>> backbone = get_backbone("resnet18", input_shape=(64, 64, 3))
        >>> {level: tuple(feature.shape) for level, feature in backbone.output.items()}["P5"]
        (None, 2, 2, 512)
    """
    entry = model_entry(name)
    if not entry.feature_outputs:
        raise ValueError(
            f"{name} has no feature outputs to serve as a backbone; "
            f"backbones: {', '.join(list_models(backbone=True))}"
        )
    for argument in ("include_top", "pooling", "classes", "classifier_activation"):
        if argument in kwargs:
            raise ValueError(f"get_backbone builds {name} without its classifier: {argument} is not accepted")
    import keras

    model = entry.builder(include_top=False, weights=weights, input_shape=input_shape, **kwargs)
    outputs = {level: model.get_layer(feature.layer).output for level, feature in entry.feature_outputs.items()}
    return keras.Model(model.inputs, outputs, name=f"{model.name}_backbone")
