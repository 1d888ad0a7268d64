"""Normalisation layers (정규화 층) and how each behaves as the batch size shrinks.

Batch normalisation (배치 정규화; Ioffe & Szegedy, ICML 2015) normalises each channel over the batch,
so its statistics get noisy with small batches; layer (Ba et al., 2016), group (Wu & He, ECCV 2018)
and instance normalisation (Ulyanov et al., 2016) normalise within each example and do not care.
All are Keras' own layers: instance normalisation is `GroupNormalization` with one group per channel.

Example:
    >>> from dlcourse.data import load_dataset
    >>> data = load_dataset("digits", image_size=8)
    >>> results = batch_size_experiment(data, kinds=("batch", "group"), batch_sizes=(2, 64), epochs=1, limit=64)
    >>> sorted(results["group"])    # {kind: {batch_size: test accuracy}}
    [2, 64]
"""

from __future__ import annotations

import keras

from dlcourse.optim.names import make_optimizer
from dlcourse.train.tasks import get_task

NORMALIZATIONS = ("none", "batch", "layer", "group", "instance")


def normalization_layer(kind: str, groups: int = 4, name: str | None = None):
    """The Keras layer for `kind` (one of `NORMALIZATIONS`; ``"none"`` gives an Identity).

    Example:
        >>> type(normalization_layer("instance")).__name__
        'GroupNormalization'
    """
    if kind == "batch":
        return keras.layers.BatchNormalization(name=name)
    if kind == "layer":
        return keras.layers.LayerNormalization(name=name)
    if kind == "group":
        return keras.layers.GroupNormalization(groups=groups, name=name)
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=-1, name=name)  # one group per channel
    if kind == "none":
        return keras.layers.Identity(name=name)
    raise ValueError(f"kind must be one of {NORMALIZATIONS}; got {kind!r}")


def normalized_cnn(kind: str, input_shape=(28, 28, 1), classes=10, filters=(16, 32), seed=0):
    """A small CNN with `kind` normalisation after each convolution: conv -> norm -> ReLU -> pool.

    Example:
        >>> normalized_cnn("group").get_layer("block1_norm").groups
        4
    """
    if kind not in NORMALIZATIONS:
        raise ValueError(f"kind must be one of {NORMALIZATIONS}; got {kind!r}")
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(input_shape, name="input")
    x = inputs
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, 3, padding="same", use_bias=kind == "none", name=f"block{i}_conv")(x)
        x = normalization_layer(kind, name=f"block{i}_norm")(x)
        x = keras.layers.ReLU(name=f"block{i}_relu")(x)
        x = keras.layers.MaxPooling2D(name=f"block{i}_pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=f"cnn_{kind}_norm")


def batch_size_experiment(data, kinds=NORMALIZATIONS, batch_sizes=(2, 8, 64), epochs=2, learning_rate=1e-3,
                          limit=None, seed=0) -> dict:
    """Train `normalized_cnn(kind)` at each batch size; return the test accuracy of each.

    Each run has the same number of epochs (so smaller batches take more, noisier steps); test
    accuracy is measured in inference mode, where batch normalisation uses its moving averages,
    which is where tiny batches hurt it.

    Args:
        data: an `ImageData`.
        kinds: normalisations from `NORMALIZATIONS`.
        batch_sizes: the batch sizes to compare.
        epochs, learning_rate: Adam training of each run.
        limit: use at most this many training images (quick runs).

    Returns:
        ``{kind: {batch_size: test_accuracy}}``.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> data = load_dataset("digits", image_size=8)
        >>> results = batch_size_experiment(data, kinds=("batch", "layer"), batch_sizes=(4,), epochs=1, limit=64)
        >>> list(results), list(results["batch"])
        (['batch', 'layer'], [4])
    """
    for kind in kinds:
        if kind not in NORMALIZATIONS:
            raise ValueError(f"kinds must be drawn from {NORMALIZATIONS}; got {kind!r}")
    x, y = data.x_train[:limit], data.y_train[:limit]
    results = {}
    for kind in kinds:
        results[kind] = {}
        for batch_size in batch_sizes:
            model = normalized_cnn(kind, data.input_shape, data.num_classes, seed=seed)
            get_task("classification").compile(model, make_optimizer("adam", learning_rate))
            model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
            results[kind][batch_size] = float(model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)["accuracy"])
    return results
