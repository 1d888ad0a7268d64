"""Workaround for keras-team/keras#20585: `model.fit` under `MultiWorkerMirroredStrategy` fails.

With TensorFlow 2.21 and Keras 3.15, Keras' TensorFlow trainer breaks in two places when the
strategy spans several workers (``TF_CONFIG`` with two or more tasks):

1. before the first step it builds the model from the first batch and, to get one batch out of the
   distributed ``(x, y)`` batch, averages the whole tuple across workers as one value
   (``strategy.reduce("MEAN", (x, y), axis=None)``): ``ValueError: Attempt to convert a value
   (PerReplica:...) with an unsupported type``. Building needs only shapes, so this module hands it
   this worker's own first replica's batch.
2. every step it averages the replicas' logs (the loss and metric results, scalars) with
   ``strategy.reduce("MEAN", value, axis=0)``, which also averages along the value's first axis and
   so fails on a scalar: ``Invalid reduction dimension 0 for input with 0 dimensions``. The
   single-worker path averages element-wise across replicas; this module does the same across
   workers (``axis=None``).

`apply` installs both fixes, once, when a multi-worker strategy is resolved
(`dlcourse.train.devices.resolve_strategy`); each fix changes nothing unless the model's strategy is
a `MultiWorkerMirroredStrategy` in multi-worker mode, so every other strategy runs Keras' own code.
`remove` puts Keras' functions back. ``tests/test_distributed_fit.py`` runs Keras' own path first
and fails with "remove the workaround" the day it stops failing.

Example:
    >>> UPSTREAM_ISSUE
    'https://github.com/keras-team/keras/issues/20585'
    >>> applied()
    False
"""

from __future__ import annotations

UPSTREAM_ISSUE = "https://github.com/keras-team/keras/issues/20585"

_ORIGINALS: dict = {}


def in_multi_worker_mode(strategy) -> bool:
    """Whether `strategy` is a `MultiWorkerMirroredStrategy` over two or more workers."""
    import tensorflow as tf

    return (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and strategy.extended._in_multi_worker_mode())


def applied() -> bool:
    """Whether the workaround is installed in Keras' trainer."""
    return bool(_ORIGINALS)


def apply(strategy=None) -> bool:
    """Install the workaround if `strategy` (or, when None, unconditionally) is a multi-worker
    `MultiWorkerMirroredStrategy`; returns whether it is installed. Installing twice is harmless."""
    if strategy is not None and not in_multi_worker_mode(strategy):
        return applied()
    if applied():
        return True
    from keras.src.backend.tensorflow import trainer

    _ORIGINALS["reduce_per_replica"] = trainer.reduce_per_replica
    _ORIGINALS["_maybe_symbolic_build"] = trainer.TensorFlowTrainer._maybe_symbolic_build
    trainer.reduce_per_replica = _reduce_per_replica
    trainer.TensorFlowTrainer._maybe_symbolic_build = _maybe_symbolic_build
    return True


def remove() -> None:
    """Put Keras' own functions back (functions already traced keep what they were traced with)."""
    if not applied():
        return
    from keras.src.backend.tensorflow import trainer

    trainer.reduce_per_replica = _ORIGINALS.pop("reduce_per_replica")
    trainer.TensorFlowTrainer._maybe_symbolic_build = _ORIGINALS.pop("_maybe_symbolic_build")


def _reduce_per_replica(values, strategy, reduction):
    """Fix 2: the replicas' logs averaged element-wise across workers, as across local replicas."""
    if reduction in ("auto", "mean") and in_multi_worker_mode(strategy):
        from keras.src import tree

        return tree.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)
    return _ORIGINALS["reduce_per_replica"](values, strategy, reduction)


def _maybe_symbolic_build(self, iterator=None, data_batch=None):
    """Fix 1: build from this worker's first replica's batch (only its shapes matter)."""
    strategy = self.distribute_strategy
    if iterator is not None and self._distribute_strategy is not None and in_multi_worker_mode(strategy):
        import tensorflow as tf
        from keras.src import tree

        for _, _, batches in iterator:
            data_batch = tree.map_structure(
                lambda v: strategy.experimental_local_results(v)[0]
                if isinstance(v, tf.distribute.DistributedValues) else v,
                next(batches),
            )
            break
        iterator = None
    return _ORIGINALS["_maybe_symbolic_build"](self, iterator=iterator, data_batch=data_batch)
