"""The perceptron (퍼셉트론) and the multi-layer perceptron (다층 퍼셉트론, MLP).

Rosenblatt, "The perceptron", Psychological Review 65(6), 1958; the notes' logic gates: a single
perceptron computes AND, OR and NAND, but not XOR, which needs a hidden layer (the notes build it from
AND and OR hidden units).

Example:
    >>> gate = logic_gate("and")
    >>> gate.predict(GATE_INPUTS, verbose=0).ravel().tolist()
    [0.0, 0.0, 0.0, 1.0]
"""

from __future__ import annotations

from numbers import Integral

import keras
import numpy as np

from dlcourse.models.common import check_model_args, load_weights, model_input
from dlcourse.models.registry import model_entry

GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
GATE_TRUTH_TABLES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "xor": [0, 1, 1, 0],
}
# Hand-set weights (w1, w2) and bias b, one choice among many: output = step(w1*x1 + w2*x2 + b).
GATE_WEIGHTS = {
    "and": ((0.5, 0.5), -0.7),
    "or": ((0.5, 0.5), -0.2),
    "nand": ((-0.5, -0.5), 0.7),
}


@keras.saving.register_keras_serializable(package="dlcourse")
def step(x):
    """The perceptron's step (Heaviside) activation: 1 where x > 0, else 0."""
    return keras.ops.cast(keras.ops.greater(x, 0), x.dtype)


def perceptron(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1,
    classifier_activation=step,
):
    """A single-layer perceptron: ``step(w . x + b)`` for each of `classes` outputs.

    Args:
        classes: number of output units (1 for a logic gate).
        classifier_activation: the output activation; the notes' step function by default.
        include_top, weights, input_tensor, input_shape, pooling: as in keras.applications
            (a perceptron has no features without its top, so `include_top` must stay True).

    Returns:
        A `keras.Model` named ``perceptron``.

    Example:
        >>> perceptron(input_shape=(2,)).count_params()
        3
    """
    input_shape = check_model_args(
        model_entry("perceptron"), include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, classifier_activation=classifier_activation,
    )
    if not include_top:
        raise ValueError("include_top must be True for perceptron: it has no hidden features")
    x, inputs = model_input(input_shape, input_tensor)
    outputs = keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return load_weights(keras.Model(inputs, outputs, name="perceptron"), weights)


def logic_gate(gate: str) -> keras.Model:
    """A perceptron with hand-set weights (`GATE_WEIGHTS`) for ``"and"``, ``"or"`` or ``"nand"``.

    XOR is not linearly separable, so no single perceptron computes it; `xor_network` composes
    two layers: ``xor(a, b) = or(a, b) and not and(a, b)``.

    Example:
        >>> logic_gate("or").predict(GATE_INPUTS, verbose=0).ravel().tolist()
        [0.0, 1.0, 1.0, 1.0]
    """
    if gate not in GATE_WEIGHTS:
        raise ValueError(
            f"gate must be one of {sorted(GATE_WEIGHTS)}; got {gate!r} "
            "(XOR needs two layers: use xor_network())"
        )
    (w1, w2), bias = GATE_WEIGHTS[gate]
    model = perceptron(input_shape=(2,))
    model.get_layer("predictions").set_weights(
        [np.array([[w1], [w2]], dtype="float32"), np.array([bias], dtype="float32")]
    )
    return model


def xor_network() -> keras.Model:
    """XOR from hand-set perceptrons: a hidden layer of AND and OR units, then "OR and not AND" (a 2-layer MLP).

    The output unit fires when the OR unit does and the AND unit does not: ``step(h_or - h_and - 0.5)``.

    Example:
        >>> xor_network().predict(GATE_INPUTS, verbose=0).ravel().tolist()
        [0.0, 1.0, 1.0, 0.0]
    """
    inputs = keras.Input(shape=(2,), name="input")
    hidden = keras.layers.Dense(2, activation=step, name="and_or")(inputs)
    outputs = keras.layers.Dense(1, activation=step, name="or_and_not_and")(hidden)
    model = keras.Model(inputs, outputs, name="xor_network")
    (a1, a2), ab = GATE_WEIGHTS["and"]
    (o1, o2), ob = GATE_WEIGHTS["or"]
    model.get_layer("and_or").set_weights(
        [np.array([[a1, o1], [a2, o2]], dtype="float32"), np.array([ab, ob], dtype="float32")]
    )
    model.get_layer("or_and_not_and").set_weights(  # h_or - h_and - 0.5 > 0
        [np.array([[-1.0], [1.0]], dtype="float32"), np.array([-0.5], dtype="float32")]
    )
    return model


def mlp(
    hidden_units=(128,),
    activation="relu",
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
):
    """A multi-layer perceptron: flatten, then Dense layers of `hidden_units` with `activation`.

    Args:
        hidden_units: the width of each hidden layer, in order (``()`` gives logistic/softmax
            regression).
        activation: the hidden layers' activation (``"relu"``, ``"sigmoid"``, ``"tanh"`` ...).
        include_top: whether to add the output layer of `classes` units.
        classes, classifier_activation: the output layer; ``classes=1`` with ``"sigmoid"`` for a
            binary problem such as XOR.
        weights, input_tensor, input_shape, pooling: as in keras.applications (`pooling` is
            unused: the input is flattened).

    Returns:
        A `keras.Model` named ``mlp``.

    Example:
        >>> xor = mlp(hidden_units=(4,), activation="tanh", input_shape=(2,), classes=1,
        ...           classifier_activation="sigmoid")
        >>> xor.count_params()
        17
    """
    if isinstance(hidden_units, Integral):
        hidden_units = (hidden_units,)
    hidden_units = tuple(hidden_units)
    if any(isinstance(u, bool) or not isinstance(u, Integral) or u < 1 for u in hidden_units):
        raise ValueError(f"hidden_units must be positive integers; got {hidden_units!r}")
    if input_shape is not None and len(tuple(input_shape)) not in (1, 3):
        raise ValueError(
            f"input_shape for mlp must be a vector (features,) or an image (h, w, c); got {input_shape}"
        )
    input_shape = check_model_args(
        model_entry("mlp"), include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, classifier_activation=classifier_activation,
        default_shape=tuple(input_shape) if input_shape is not None else None,
    )
    x, inputs = model_input(input_shape, input_tensor)
    if len(input_shape) > 1:
        x = keras.layers.Flatten(name="flatten")(x)
    for i, units in enumerate(hidden_units, start=1):
        x = keras.layers.Dense(units, activation=activation, name=f"hidden{i}")(x)
    if include_top:
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return load_weights(keras.Model(inputs, x, name="mlp"), weights)
