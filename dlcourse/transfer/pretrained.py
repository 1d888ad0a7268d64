"""Offline "pretrained" weights: pretrain a backbone on a source task, transfer to a target with few labels.

No network is needed: the source is digits 0-4 (901 images: 648 training, 73 validation, 180 test),
the target digits 5-9 with 10 labels per class, both from scikit-learn's digits
(`load_dataset("digits")`); the weights go to a ``.weights.h5`` file that
`feature_extractor(..., weights=path)` reads.

Example:
    >>> source, target = digits_transfer_split(image_size=16, labels_per_class=10)
    >>> source.num_classes, target.num_classes, len(target.x_train)
    (5, 5, 50)
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from dlcourse.checks import check_positive_int

SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)


def _subset(data, digits, labels_per_class=None, seed=0):
    """`data` with only `digits`, relabelled 0..len(digits)-1; few training labels per class if asked."""
    rng = np.random.default_rng(seed)
    lookup = {d: i for i, d in enumerate(digits)}

    def pick(x, y, per_class=None):
        keep = np.flatnonzero(np.isin(y, digits))
        if per_class is not None:
            keep = np.concatenate([rng.choice(np.flatnonzero(y == d), per_class, replace=False) for d in digits])
            keep = rng.permutation(keep)
        return x[keep], np.array([lookup[int(v)] for v in y[keep]], dtype=y.dtype)

    x_train, y_train = pick(data.x_train, data.y_train, labels_per_class)
    x_val, y_val = pick(data.x_val, data.y_val)
    x_test, y_test = pick(data.x_test, data.y_test)
    names = [str(d) for d in digits]
    return dataclasses.replace(data, name=f"{data.name}_{''.join(map(str, digits))}", x_train=x_train,
                               y_train=y_train, x_val=x_val, y_val=y_val, x_test=x_test, y_test=y_test,
                               num_classes=len(digits), class_names=names)


def digits_transfer_split(image_size: int = 16, labels_per_class: int = 10, seed: int = 0):
    """The source (digits 0-4, all labels) and target (digits 5-9, `labels_per_class` each) tasks.

    Args:
        image_size: height and width (`small_cnn` takes 8 or more, the zoo's others 32).
        labels_per_class: training images per target class (validation and test keep all theirs).
        seed: which target images are labelled.

    Returns:
        ``(source, target)``, two `ImageData` with classes 0-4 (target class i is digit 5 + i).

    Example:
        >>> digits_transfer_split(labels_per_class=3)[1].y_train.shape
        (15,)
    """
    from dlcourse.data import load_dataset

    check_positive_int("labels_per_class", labels_per_class)
    data = load_dataset("digits", image_size=image_size)
    return _subset(data, SOURCE_DIGITS), _subset(data, TARGET_DIGITS, int(labels_per_class), seed)


def pretrain(name: str, source, path, *, epochs: int = 10, batch_size: int = 32, learning_rate: float = 1e-3,
             seed: int = 0, **kwargs) -> dict:
    """Train backbone `name` with a head on `source` from scratch and save the base's weights to `path`.

    Args:
        name: a registered backbone.
        source: an `ImageData` (e.g. ``digits_transfer_split()[0]``).
        path: where the base's ``.weights.h5`` goes; an existing file is not overwritten.
        epochs, batch_size, learning_rate, seed: of the source training.
        **kwargs: the builder's other arguments (``alpha`` ...).

    Returns:
        ``{"path": path, "source_test_accuracy": float}``.

    Example:
        >>> import tempfile, os
        >>> source, _ = digits_transfer_split(image_size=8)
        >>> out = pretrain("small_cnn", source, os.path.join(tempfile.mkdtemp(), "b.weights.h5"), epochs=1)
        >>> sorted(out)
        ['path', 'source_test_accuracy']
    """
    import keras

    from dlcourse.transfer.core import all_layers, base_of, compile_transfer, feature_extractor

    path = os.fspath(path)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"path must end in .weights.h5 (Keras' weights format); got {path!r}")
    if os.path.exists(path):
        raise ValueError(f"path: {path!r} exists; choose another name (nothing is overwritten)")
    check_positive_int("epochs", epochs)
    keras.utils.set_random_seed(seed)
    model = feature_extractor(name, source.num_classes, input_shape=source.x_train.shape[1:], **kwargs)
    base = base_of(model)
    for layer in [base, *all_layers(base)]:  # from scratch: everything learns, batch norm its statistics
        layer.trainable = True
    compile_transfer(model, learning_rate)
    model.fit(source.x_train, source.y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    accuracy = float(model.evaluate(source.x_test, source.y_test, verbose=0, return_dict=True)["accuracy"])
    base_of(model).save_weights(path)
    return {"path": path, "source_test_accuracy": accuracy}

