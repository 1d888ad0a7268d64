"""The training loop the notes describe, written out: forward pass, loss, GradientTape, optimiser step.

`fit` does the same through Keras; this loop shows the mechanics (and lets you change them), compiled
with `tf.function` (optionally with XLA). On the same seed, data order and initial weights it reaches
the same loss as `fit`.

Example:
    >>> import keras
    >>> from dlcourse.data import load_dataset
    >>> from dlcourse.models import mlp
    >>> data = load_dataset("digits", image_size=8)
    >>> model = mlp(input_shape=(8, 8, 1))
    >>> history = train_loop(model, data.dataset("train", 64), epochs=2,
    ...                      optimizer=keras.optimizers.SGD(0.1))
    >>> len(history["loss"])
    2
"""

from __future__ import annotations

import time
from numbers import Integral


def train_loop(model, dataset, *, epochs: int = 1, optimizer=None, loss=None, jit_compile: bool = False, verbose: bool = False) -> dict:
    """Train `model` on `dataset` (batches of ``(x, y)``) with an explicit GradientTape loop.

    Args:
        model: a `keras.Model`.
        dataset: a `tf.data.Dataset` of ``(images, labels)`` batches.
        epochs: passes over `dataset`.
        optimizer: a Keras optimizer (Adam at Keras' defaults if None).
        loss: a Keras loss (sparse categorical cross-entropy matched to the model's output if None).
        jit_compile: compile the training step with XLA.
        verbose: print the mean loss after each epoch.

    Returns:
        ``{"loss": [...], "accuracy": [...], "seconds": [...]}``: the mean training loss and
        accuracy of each epoch (averaged over examples, as Keras' `fit` reports them) and its wall
        time (the first epoch includes tracing and compiling the step).
    """
    import keras
    import tensorflow as tf

    from dlcourse.train.fit import classification_loss

    if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer; got {epochs!r}")
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(f"dataset must be a tf.data.Dataset of (x, y) batches; got {type(dataset).__name__}")
    if jit_compile not in (True, False):
        raise ValueError(f"jit_compile must be True or False; got {jit_compile!r}")
    optimizer = optimizer or keras.optimizers.Adam()
    loss_fn = loss or classification_loss(model)
    mean_loss = keras.metrics.Mean(name="loss")
    accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @tf.function(jit_compile=jit_compile)
    def train_step(x, y):
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)                 # forward pass
            batch_loss = loss_fn(y, predictions)                  # loss
        gradients = tape.gradient(batch_loss, model.trainable_variables)   # backward pass
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))  # w <- w - lr * update
        mean_loss.update_state(batch_loss, sample_weight=tf.shape(x)[0])
        accuracy.update_state(y, predictions)

    history = {"loss": [], "accuracy": [], "seconds": []}
    for epoch in range(epochs):
        start = time.perf_counter()
        mean_loss.reset_state()
        accuracy.reset_state()
        for x, y in dataset:
            train_step(x, y)
        history["seconds"].append(time.perf_counter() - start)
        history["loss"].append(float(mean_loss.result()))
        history["accuracy"].append(float(accuracy.result()))
        if verbose:
            print(f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4f}, accuracy {history['accuracy'][-1]:.4f}")
    return history
