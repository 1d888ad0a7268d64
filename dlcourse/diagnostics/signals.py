"""Activation and gradient statistics per layer: seeing vanishing gradients (기울기 소실) happen.

Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks"
(AISTATS 2010); He et al., "Delving deep into rectifiers" (ICCV 2015). A deep stack of Dense layers
keeps its signal only when each layer's weights are scaled to its fan-in and activation: with
N(0, 0.01) or sigmoid the activations and gradients shrink layer after layer; He + ReLU keeps them.

Gradients come from `tf.GradientTape` (TensorFlow backend, as the training code).

Example:
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(256, 64)), rng.integers(0, 10, size=256)
    >>> stats = layer_statistics(deep_network(depth=10, activation="relu", initializer="he", input_dim=64), x, y)
    >>> round(stats[9]["activation_std"], 2)    # dense_10: the signal is still there after ten layers
    0.69
"""

from __future__ import annotations

import keras
import numpy as np

from dlcourse.optim.names import make_optimizer
from dlcourse.train.tasks import get_task

# The notes' weight initialisations (가중치 초기화), by name.
INITIALIZERS = {
    "zeros": lambda seed: keras.initializers.Zeros(),
    "small_random": lambda seed: keras.initializers.RandomNormal(0.0, 0.01, seed=seed),  # N(0, 0.01)
    "xavier": lambda seed: keras.initializers.GlorotNormal(seed=seed),  # Var = 2 / (fan_in + fan_out)
    "he": lambda seed: keras.initializers.HeNormal(seed=seed),  # Var = 2 / fan_in
}
# The notes' activations (활성화 함수): Keras names.
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}; got {value!r}")


def deep_network(depth=10, width=256, activation="tanh", initializer="xavier", input_dim=784, classes=10, seed=0):
    """A deep MLP of `depth` Dense layers ``dense_1 .. dense_depth`` for signal experiments.

    Args:
        depth: hidden layers.
        width: units per hidden layer.
        activation: one of `ACTIVATIONS`.
        initializer: one of `INITIALIZERS` (``zeros``, ``small_random``, ``xavier``, ``he``).
        input_dim, classes: the input features and output classes (softmax).
        seed: seeds the initialisation.

    Returns:
        An uncompiled `keras.Model`.

    Example:
        >>> deep_network(depth=3, width=8, input_dim=4).count_params()    # (4+1)*8 + 2*(8+1)*8 + (8+1)*10
        274
    """
    _choice("activation", activation, ACTIVATIONS)
    _choice("initializer", initializer, INITIALIZERS)
    inputs = keras.Input((input_dim,), name="input")
    x = inputs
    for i in range(1, depth + 1):
        x = keras.layers.Dense(width, activation=activation, kernel_initializer=INITIALIZERS[initializer](seed + i),
                               name=f"dense_{i}")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions",
                                 kernel_initializer=INITIALIZERS[initializer](seed))(x)
    return keras.Model(inputs, outputs, name=f"deep_{activation}_{initializer}")


def layer_statistics(model, x, y) -> list[dict]:
    """Mean and std of each Dense layer's activations, and std of its kernel's gradient, on one batch.

    Args:
        model: a model of Dense layers (as from `deep_network`); its output is softmax.
        x, y: a batch of inputs and integer labels.

    Returns:
        One dict per layer with a kernel, in order: ``layer``, ``activation_mean``,
        ``activation_std``, ``gradient_std`` (of d loss / d kernel).

    Example:
        >>> x, y = np.ones((2, 4)), np.array([0, 1])
        >>> layer_statistics(deep_network(depth=2, width=8, input_dim=4), x, y)[0]["layer"]
        'dense_1'
    """
    import tensorflow as tf

    layers = [layer for layer in model.layers if getattr(layer, "kernel", None) is not None]
    probe = keras.Model(model.inputs, [layer.output for layer in layers])
    x = tf.convert_to_tensor(np.asarray(x, "float32"))
    with tf.GradientTape() as tape:
        outputs = probe(x, training=True)
        loss = keras.losses.sparse_categorical_crossentropy(y, outputs[-1])
        loss = tf.reduce_mean(loss)
    grads = tape.gradient(loss, [layer.kernel for layer in layers])
    return [
        {"layer": layer.name, "activation_mean": float(tf.reduce_mean(out)), "activation_std": float(tf.math.reduce_std(out)),
         "gradient_std": float(tf.math.reduce_std(g)) if g is not None else 0.0}
        for layer, out, g in zip(layers, outputs, grads)
    ]


def signal_experiment(x, y, settings, depth=10, width=256) -> dict:
    """`layer_statistics` of a fresh `deep_network` for each ``(activation, initializer)`` in `settings`.

    The initialisation and activation experiments of the notes: e.g. ``[("tanh", "small_random"),
    ("tanh", "xavier"), ("relu", "he"), ("sigmoid", "xavier")]``.

    Returns:
        ``{"activation/initializer": [per-layer stats ...]}``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x, y = rng.normal(size=(256, 64)), rng.integers(0, 10, size=256)
        >>> results = signal_experiment(x, y, [("tanh", "small_random"), ("relu", "he")])
        >>> {name: round(stats[-2]["activation_std"], 2) for name, stats in results.items()}    # the last hidden layer
        {'tanh/small_random': 0.0, 'relu/he': 0.69}
    """
    x = np.asarray(x, "float32").reshape(len(x), -1)
    return {f"{act}/{init}": layer_statistics(deep_network(depth, width, act, init, input_dim=x.shape[1]), x, y)
            for act, init in settings}


def symmetry_after_training(initializer="zeros", activation="tanh", x=None, y=None, steps=20, seed=0) -> float:
    """How different the hidden units of an MLP with two hidden layers are after `steps` of SGD: 0 means symmetric.

    With all weights equal (zeros or any constant), every hidden unit computes the same function and
    receives the same gradient, so no amount of training makes them differ: the symmetry that random
    initialisation exists to break.

    Returns:
        The largest standard deviation, across the 16 units of the second hidden layer (``dense_2``), of
        their incoming weights (one row of its kernel per unit of the first hidden layer feeding it).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x, y = rng.normal(size=(64, 8)), rng.integers(0, 3, size=64)
        >>> symmetry_after_training("zeros", x=x, y=y)
        0.0
    """
    keras.utils.set_random_seed(seed)
    model = deep_network(depth=2, width=16, activation=activation, initializer=initializer, input_dim=x.shape[1],
                         classes=int(np.max(y)) + 1, seed=seed)
    get_task("classification").compile(model, make_optimizer("sgd", 0.5, momentum=0.0, nesterov=False))  # plain SGD
    for _ in range(steps):
        model.train_on_batch(x, y)
    kernel = model.get_layer("dense_2").kernel.numpy()  # (units in, units out): column j is unit j's weights
    return float(np.max(np.std(kernel, axis=1)))


def plot_signals(results: dict, key="activation_std", path=None, title=None):
    """Plot `key` (``activation_std`` or ``gradient_std``) per layer for each setting; save to `path`.

    Returns:
        The matplotlib figure (left open, to show in a notebook).

    Example:
        >>> fig = plot_signals({"he + relu": [{"activation_std": 1.0}, {"activation_std": 0.9}]})
        >>> fig.axes[0].get_xlabel()
        'layer'
    """
    from dlcourse.plotting import label_axes, new_figure, save_figure

    fig, ax = new_figure(figsize=(6.5, 3.8))
    for label, stats in results.items():
        ax.plot(range(1, len(stats) + 1), [max(s[key], 1e-12) for s in stats], "o-", label=label)
    ax.set_yscale("log")
    label_axes(ax, "layer", key.replace("_", " "), title or key)
    ax.legend(fontsize=8)
    if path is not None:
        save_figure(fig, path, close=False)
    return fig
