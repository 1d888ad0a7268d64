"""The training loop the notes describe, written out: forward pass, loss, GradientTape, optimiser step.

`fit` does the same through Keras; this loop shows the mechanics (and lets you change them), each
epoch compiled with `tf.function` (the step optionally with XLA). On the same seed, data order and initial weights it reaches
the same loss as `fit`. Under a `tf.distribute` strategy (build the model and optimizer inside its
``scope()``) each step runs on every replica with ``strategy.run`` and the optimiser sums the
replicas' gradients, as `fit` does.

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


def train_loop(model, dataset, *, epochs: int = 1, optimizer=None, loss=None, jit_compile: bool = False,
               verbose: bool = False, strategy=None) -> dict:
    """Train `model` on `dataset` (batches of ``(x, y)``) with an explicit GradientTape loop.

    Args:
        model: a `keras.Model`.
        dataset: a `tf.data.Dataset` of ``(images, labels)`` batches.
        epochs: passes over `dataset`.
        optimizer: a Keras optimizer (Adam at Keras' defaults if None).
        loss: a Keras loss (sparse categorical cross-entropy matched to the model's output if None);
            under a strategy it divides by the number of replicas itself, as Keras' losses do.
        jit_compile: compile the training step with XLA.
        verbose: print the mean loss after each epoch.
        strategy: a `tf.distribute.Strategy` or one of `dlcourse.train.devices.STRATEGIES`
            (``"multiworker"`` across the machines ``TF_CONFIG`` names); None: the strategy whose
            scope is open, else none. `dataset` holds global batches, split across the replicas.

    Returns:
        ``{"loss": [...], "accuracy": [...], "seconds": [...]}``: the mean training loss and
        accuracy of each epoch (averaged over examples, as Keras' `fit` reports them) and its wall
        time (the first epoch includes tracing and compiling the step).
    """
    import keras

    if keras.config.backend() != "tensorflow":
        raise RuntimeError(f"train_loop writes the step with TensorFlow's GradientTape and tf.function; Keras' "
                           f"backend is {keras.config.backend()!r}: use dlcourse.train.fit, which runs on it")
    import tensorflow as tf

    from dlcourse.train.fit import classification_loss

    if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer; got {epochs!r}")
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(f"dataset must be a tf.data.Dataset of (x, y) batches; got {type(dataset).__name__}")
    if jit_compile not in (True, False):
        raise ValueError(f"jit_compile must be True or False; got {jit_compile!r}")
    from dlcourse.train.devices import resolve_strategy

    strategy = tf.distribute.get_strategy() if strategy is None else resolve_strategy(strategy)
    with strategy.scope():
        optimizer = optimizer or keras.optimizers.Adam()
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
    loss_fn = loss or classification_loss(model)
    replicas = strategy.num_replicas_in_sync

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)                 # forward pass
            batch_loss = loss_fn(y, predictions)                  # loss
        gradients = tape.gradient(batch_loss, model.trainable_variables)   # backward pass
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))  # w <- w - lr * update
        # Under a strategy the optimiser sums the replicas' gradients, and a Keras loss already divides
        # the batch mean by the number of replicas so that the sum is the global mean: undo it to report.
        count = tf.cast(tf.shape(x)[0], tf.float32)
        correct = tf.reduce_sum(tf.cast(keras.metrics.sparse_categorical_accuracy(y, predictions), tf.float32))
        return tf.stack([tf.cast(batch_loss, tf.float32) * replicas * count, correct, count])

    step = tf.function(replica_step, jit_compile=True) if jit_compile else replica_step

    @tf.function
    def train_epoch(batches):
        totals = tf.zeros(3)  # the epoch's loss sum, correct predictions and examples, over all replicas
        for x, y in batches:
            totals += strategy.reduce("SUM", strategy.run(step, args=(x, y)), axis=None)
        return totals

    if replicas > 1:
        dataset = strategy.experimental_distribute_dataset(dataset)

    history = {"loss": [], "accuracy": [], "seconds": []}
    for epoch in range(epochs):
        start = time.perf_counter()
        totals = train_epoch(dataset)
        loss_sum, correct, count = totals.numpy().tolist()
        history["seconds"].append(time.perf_counter() - start)
        history["loss"].append(loss_sum / count)
        history["accuracy"].append(correct / count)
        if verbose:
            print(f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4f}, accuracy {history['accuracy'][-1]:.4f}")
    return history
