"""The one registry of model builders: the CLI, tuner, tests and lessons all go through it.

Example:
    >>> from dlcourse.models import get_model, list_models
    >>> "notes_cnn" in list_models()
    True
    >>> model = get_model("notes_cnn", classes=10)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class ModelEntry:
    """What the registry knows of one model besides its builder.

    Attributes:
        name: the registry name, also the builder's function name.
        builder: the plain function that returns a `keras.Model`.
        family: the architecture family (``"basics"``, ``"vgg"``, ``"resnet"`` ...).
        reference: what the model's numbers are checked against (a paper, keras.applications).
        default_input_shape: the input shape the builder uses when none is given.
        keras_twin: name of the keras.applications model with the same architecture, if any.
    """

    name: str
    builder: Callable
    family: str
    reference: str
    default_input_shape: tuple
    keras_twin: str | None = None


_REGISTRY: dict[str, ModelEntry] = {}


def register_model(
    *,
    family: str,
    reference: str,
    default_input_shape: tuple,
    keras_twin: str | None = None,
    name: str | None = None,
):
    """Decorator that registers a model builder under its function name (or `name`).

    Example:
        >>> @register_model(family="basics", reference="the notes", default_input_shape=(2,))
        ... def my_model(**kwargs): ...
    """

    def decorator(builder: Callable) -> Callable:
        model_name = name or builder.__name__
        if model_name in _REGISTRY:
            raise ValueError(f"model name {model_name!r} is registered twice")
        _REGISTRY[model_name] = ModelEntry(
            name=model_name,
            builder=builder,
            family=family,
            reference=reference,
            default_input_shape=tuple(default_input_shape),
            keras_twin=keras_twin,
        )
        return builder

    return decorator


def list_models(family: str | None = None) -> list[str]:
    """Names of the registered models, sorted, optionally of one `family`.

    Example:
        >>> list_models(family="basics")
        ['mlp', 'notes_cnn', 'perceptron']
    """
    if family is not None:
        families = sorted({entry.family for entry in _REGISTRY.values()})
        if family not in families:
            raise ValueError(f"family must be one of {families}; got {family!r}")
    return sorted(n for n, e in _REGISTRY.items() if family is None or e.family == family)


def model_entry(name: str) -> ModelEntry:
    """The registry entry of `name`; an unknown name raises ValueError listing close matches."""
    if not isinstance(name, str):
        raise TypeError(f"model name must be a string; got {type(name).__name__}")
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"unknown model {name!r}.{hint} Known models: {', '.join(sorted(_REGISTRY))}"
        )
    return _REGISTRY[name]


def get_model(name: str, **kwargs):
    """Build the registered model `name`; `kwargs` go to its builder.

    Example:
        >>> model = get_model("notes_cnn", input_shape=(28, 28, 1), classes=10)
        >>> model.count_params()
        93322
    """
    return model_entry(name).builder(**kwargs)
