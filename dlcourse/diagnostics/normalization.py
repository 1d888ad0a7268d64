"""Normalisation layers (정규화 층) and how each behaves as the batch size shrinks.

Batch normalisation (배치 정규화; Ioffe & Szegedy, ICML 2015) normalises each channel over the batch,
so its statistics get noisy with small batches; layer (Ba et al., 2016), group (Wu & He, ECCV 2018)
and instance normalisation (Ulyanov et al., 2016) normalise within each example and do not care.
All are Keras' own layers: instance normalisation is `GroupNormalization` with one group per channel.

Example:
    >>> from dlcourse.data import load_dataset
    >>> data = load_dataset("digits", image_size=8)
    >>> results = batch_size_experiment(data, kinds=("batch", "group"), batch_sizes=(2, 64), steps=2, limit=16)
    >>> sorted(results["group"])    # {kind: {batch_size: test accuracy}}
    [2, 64]
"""

from __future__ import annotations

import keras

from dlcourse.optim.names import make_optimizer
from dlcourse.train.tasks import get_task

NORMALIZATIONS = ("none", "batch", "layer", "group", "instance")
# Moving-average momentum for the experiments: PyTorch's default (0.1 there, as 1 - momentum). With Keras'
# 0.99 the moving variance still remembers its initial 1 after 200 steps (0.99 ** 200 = 0.13).
BN_MOMENTUM = 0.9


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


def normalized_cnn(kind: str, input_shape=(28, 28, 1), classes=10, filters=(16, 32), seed=0, momentum=BN_MOMENTUM):
    """A small CNN with `kind` normalisation after each convolution: conv -> norm -> ReLU -> pool.

    Args:
        kind: one of `NORMALIZATIONS`.
        input_shape, classes, filters: the input, the output classes and each block's filters.
        seed: seeds the initialisation.
        momentum: batch normalisation's moving-average momentum (`BN_MOMENTUM`, 0.9; Keras' default is 0.99).

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
        norm = normalization_layer(kind, name=f"block{i}_norm")
        if kind == "batch":
            norm.momentum = momentum
        x = norm(x)
        x = keras.layers.ReLU(name=f"block{i}_relu")(x)
        x = keras.layers.MaxPooling2D(name=f"block{i}_pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=f"cnn_{kind}_norm")


def train_normalized_cnn(data, kind: str, batch_size: int, steps: int = 200, learning_rate=3e-3, limit=None, seed=0,
                         momentum=BN_MOMENTUM):
    """`normalized_cnn(kind)` trained with Adam for exactly `steps` steps of `batch_size` images from `data`.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> model = train_normalized_cnn(load_dataset("digits", image_size=8), "batch", batch_size=4, steps=2, limit=16)
        >>> int(model.optimizer.iterations)
        2
    """
    import tensorflow as tf

    x, y = data.x_train[:limit], data.y_train[:limit]
    model = normalized_cnn(kind, data.input_shape, data.num_classes, seed=seed, momentum=momentum)
    get_task("classification").compile(model, make_optimizer("adam", learning_rate))
    batches = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).repeat().batch(batch_size, drop_remainder=True)
    model.fit(batches, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
    return model


def batch_statistics_sweep(model, x, y, batch_sizes=(1, 2, 4, 8, 32, 128)) -> dict:
    """Test accuracy in training mode, each batch normalised with its own mean and variance, per batch size.

    This is what batch normalisation sees while it trains: the statistics of the batch in hand, which
    with batches of 1 or 2 are noise. Inference mode (``model.evaluate``) uses the moving averages
    instead and does not depend on the batch. The last incomplete batch is left out; the moving
    averages, which Keras updates in training mode, are put back as they were.

    Returns:
        ``{batch_size: accuracy}``.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> data = load_dataset("digits", image_size=8)
        >>> model = train_normalized_cnn(data, "batch", batch_size=4, steps=2, limit=16)
        >>> sorted(batch_statistics_sweep(model, data.x_test[:8], data.y_test[:8], (2, 4)))
        [2, 4]
    """
    import numpy as np

    saved = model.get_weights()
    results = {}
    for batch_size in batch_sizes:
        n = len(x) // batch_size * batch_size
        predictions = [keras.ops.convert_to_numpy(model(x[i:i + batch_size], training=True)) for i in range(0, n, batch_size)]
        results[batch_size] = float(np.mean(np.concatenate(predictions).argmax(-1) == np.asarray(y[:n])))
    model.set_weights(saved)
    return results


def batch_size_experiment(data, kinds=NORMALIZATIONS, batch_sizes=(2, 8, 64), steps=200, learning_rate=3e-3,
                          limit=None, seed=0, momentum=BN_MOMENTUM) -> dict:
    """Train `normalized_cnn(kind)` for the same number of steps at each batch size; return its test accuracy.

    Every run takes `steps` optimiser steps (equal epochs would give the large batches far fewer
    steps, and batch normalisation's moving averages no time to settle). Test accuracy is measured in
    inference mode, where batch normalisation uses its moving averages.

    Args:
        data: an `ImageData`.
        kinds: normalisations from `NORMALIZATIONS`.
        batch_sizes: the batch sizes to compare.
        steps, learning_rate: Adam training of each run.
        limit: use at most this many training images (quick runs).
        momentum: batch normalisation's moving-average momentum. Keras' 0.99 needs several hundred
            steps to forget the initial variance of 1; `BN_MOMENTUM` (0.9) settles in a few dozen.

    Returns:
        ``{kind: {batch_size: test_accuracy}}``.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> data = load_dataset("digits", image_size=8)
        >>> results = batch_size_experiment(data, kinds=("batch", "layer"), batch_sizes=(4,), steps=2, limit=16)
        >>> list(results), list(results["batch"])
        (['batch', 'layer'], [4])
    """
    for kind in kinds:
        if kind not in NORMALIZATIONS:
            raise ValueError(f"kinds must be drawn from {NORMALIZATIONS}; got {kind!r}")
    results = {}
    for kind in kinds:
        results[kind] = {}
        for batch_size in batch_sizes:
            model = train_normalized_cnn(data, kind, batch_size, steps, learning_rate, limit, seed, momentum)
            results[kind][batch_size] = float(
                model.evaluate(data.x_test, data.y_test, batch_size=256, verbose=0, return_dict=True)["accuracy"])
    return results
