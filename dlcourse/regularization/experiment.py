"""The regularisation (규제) experiment of lesson 3: one overfitting MLP, each regulariser in turn.

Every run starts from the same initial weights and sees the same few training digits; train and
validation accuracy are both measured afterwards in inference mode on clean inputs (dropout and
input noise off, no MixUp/CutMix mixing, no augmentation), so the gaps are comparable.

Example:
    >>> from dlcourse.data import load_dataset
    >>> results = regularization_experiment(load_dataset("digits", image_size=8), ("none", "dropout"), n=32, epochs=1)
    >>> sorted(results["dropout"])
    ['gap', 'train', 'val']
"""

from __future__ import annotations

import keras

from dlcourse.regularization.augment import augmentation, mixed_batches
from dlcourse.regularization.penalties import smooth_labels, with_input_noise, with_l2

REGULARIZERS = ("none", "l2", "dropout", "augmentation", "mixup", "cutmix", "label_smoothing", "input_noise")


def overfitting_mlp(input_shape, classes=10, width=256, dropout=0.0, seed=0) -> keras.Model:
    """A one-hidden-layer MLP wide enough to memorise a few hundred digits (optionally with dropout)."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(input_shape, name="input")
    x = keras.layers.Flatten(name="flatten")(inputs)
    x = keras.layers.Dense(width, activation="relu", name="hidden1")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="overfitting_mlp")


def clean_accuracy(model, x, y) -> float:
    """Accuracy of `model` on `x` in inference mode: dropout and input noise off, nothing mixed."""
    import numpy as np

    predictions = keras.ops.convert_to_numpy(model(keras.ops.convert_to_tensor(x), training=False))
    return float(np.mean(predictions.argmax(-1) == np.asarray(y)))


def regularization_experiment(data, methods=REGULARIZERS, n=400, epochs=40, width=256, batch_size=32, l2=1e-3,
                              dropout=0.5, noise=0.3, smoothing=0.1, learning_rate=1e-3, seed=0) -> dict:
    """Train `overfitting_mlp` on the first `n` training images once per regulariser in `methods`.

    Args:
        data: an `ImageData` (images in [0, 1]).
        methods: names from `REGULARIZERS`.
        n, epochs, width, batch_size, learning_rate: the data, the Adam training and the MLP.
        l2, dropout, noise, smoothing: each regulariser's strength (L2 factor, dropout rate, input
            noise standard deviation, label-smoothing epsilon).

    Returns:
        ``{method: {"train": accuracy, "val": accuracy, "gap": train - val}}``, both accuracies on
        clean inputs in inference mode.
    """
    import tensorflow as tf

    unknown = [m for m in methods if m not in REGULARIZERS]
    if unknown:
        raise ValueError(f"methods must be drawn from {REGULARIZERS}; got {unknown[0]!r}")
    classes = data.num_classes
    xs, ys = data.x_train[:n], data.y_train[:n]

    def batches(labels):
        return tf.data.Dataset.from_tensor_slices((xs, labels)).shuffle(len(xs), seed=seed).batch(batch_size)

    results = {}
    for method in methods:
        model = overfitting_mlp(data.input_shape, classes, width, dropout if method == "dropout" else 0.0, seed)
        train, loss = batches(ys), "sparse_categorical_crossentropy"
        if method == "l2":
            model = with_l2(model, l2)
        elif method == "input_noise":
            model = with_input_noise(model, noise)
        elif method == "augmentation":
            layer = augmentation(seed=seed)
            train = train.map(lambda a, b: (layer(a, training=True), b))
        elif method in ("mixup", "cutmix"):
            train, loss = mixed_batches(batches(ys), method, classes, seed=seed), "categorical_crossentropy"
        elif method == "label_smoothing":
            train, loss = batches(smooth_labels(ys, classes, smoothing)), "categorical_crossentropy"
        model.compile(keras.optimizers.Adam(learning_rate), loss, metrics=["accuracy"])
        model.fit(train, epochs=epochs, shuffle=False, verbose=0)
        accuracy = [clean_accuracy(model, x, y) for x, y in ((xs, ys), (data.x_val, data.y_val))]
        results[method] = {"train": accuracy[0], "val": accuracy[1], "gap": accuracy[0] - accuracy[1]}
    return results


def early_stopping_run(data, n=400, max_epochs=100, patience=5, learning_rate=1e-3, width=256, batch_size=32,
                       seed=0) -> dict:
    """Train `overfitting_mlp` with Keras' `EarlyStopping` on the validation loss (조기 종료).

    Returns:
        ``{"history": {...}, "best_epoch": e, "stopped_epoch": s, "model": model}``: epochs count
        from 1; the run stops `patience` epochs after the best one (unless `max_epochs` comes first),
        and the model holds the best epoch's weights.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> run = early_stopping_run(load_dataset("digits", image_size=8), n=32, max_epochs=2, patience=1)
        >>> run["stopped_epoch"] <= 2
        True
    """
    import numpy as np

    model = overfitting_mlp(data.input_shape, data.num_classes, width, seed=seed)
    model.compile(keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    history = model.fit(data.x_train[:n], data.y_train[:n], batch_size=batch_size, epochs=max_epochs,
                        validation_data=(data.x_val, data.y_val), callbacks=[stop], verbose=0).history
    return {"history": history, "best_epoch": int(np.argmin(history["val_loss"])) + 1,
            "stopped_epoch": len(history["loss"]), "model": model}
