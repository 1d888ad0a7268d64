"""Where training runs: the distribution strategy and whether XLA compilation pays off.

Measured on the course's 2-core CPU machine for the notes' CNN on MNIST (2026-11-24, best of 3
fresh processes, ``python benchmarks/bench_compile.py``; README, Measured): without XLA it trains
7,095 images/s, with XLA (``jit_compile=True``) 3,197. So XLA is chosen on GPU and TPU, where it
fuses kernels and helps, and never on CPU (Keras' own ``jit_compile="auto"`` picks XLA on CPU too).

Example:
    >>> strategy = resolve_strategy("auto")
    >>> resolve_jit_compile("auto", strategy)   # on a CPU-only machine
    False
"""

from __future__ import annotations

import sys

STRATEGIES = ("auto", "default", "mirrored", "multiworker", "tpu", "one_device")
JIT_CHOICES = ("auto", True, False)


def accelerators() -> dict:
    """Counts of the accelerators TensorFlow sees: ``{"GPU": n, "TPU": n}``."""
    import tensorflow as tf

    return {
        kind: len(tf.config.list_logical_devices(kind))
        for kind in ("GPU", "TPU")
    }


def _connect_tpu():
    import tensorflow as tf

    resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def resolve_strategy(strategy="auto"):
    """A `tf.distribute.Strategy` from a name, or the strategy itself if one is given.

    ``"auto"``: TPUStrategy when a TPU is attached, MirroredStrategy over several GPUs, the default
    strategy otherwise. ``"default"``, ``"mirrored"``, ``"tpu"`` and ``"one_device"`` force one.
    ``"multiworker"``: MultiWorkerMirroredStrategy over the machines ``TF_CONFIG`` names
    (`dlcourse.train.multiworker`), with the workaround for Keras' fit under it (`keras_20585`).
    """
    if not isinstance(strategy, str) or strategy not in STRATEGIES:
        tf = sys.modules.get("tensorflow")  # a Strategy object means TensorFlow is already imported
        if tf is not None and isinstance(strategy, tf.distribute.Strategy):
            from dlcourse.train import keras_20585

            keras_20585.apply(strategy)
            return strategy
        raise ValueError(f"strategy must be one of {STRATEGIES} or a tf.distribute.Strategy; got {strategy!r}")
    if strategy == "multiworker":
        from dlcourse.train.multiworker import read_tf_config

        read_tf_config()  # a clear error before TensorFlow tries to connect
    import tensorflow as tf

    if strategy == "multiworker":
        return _multiworker_strategy()
    if strategy == "tpu":
        return _connect_tpu()
    if strategy == "mirrored":
        return tf.distribute.MirroredStrategy()
    if strategy == "one_device":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    if strategy == "auto":
        try:
            return _connect_tpu()
        except (ValueError, RuntimeError, tf.errors.OpError):
            pass  # no TPU attached
        if len(tf.config.list_logical_devices("GPU")) > 1:
            return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


_MULTIWORKER = []  # the process's one MultiWorkerMirroredStrategy: collectives are configured once


def _multiworker_strategy():
    import tensorflow as tf

    from dlcourse.train import keras_20585

    if not _MULTIWORKER:
        try:
            _MULTIWORKER.append(tf.distribute.MultiWorkerMirroredStrategy())
        except RuntimeError as error:
            if "program startup" not in str(error):
                raise
            raise RuntimeError(
                "strategy 'multiworker': TensorFlow must set up its collective operations before it runs anything; "
                "call dlcourse.train.devices.resolve_strategy('multiworker') at the start of the program, before "
                "loading data or building models (later calls return the same strategy)") from None
    keras_20585.apply(_MULTIWORKER[0])
    return _MULTIWORKER[0]


def strategy_device_kind(strategy) -> str:
    """``"TPU"``, ``"GPU"`` or ``"CPU"``: what the strategy computes on."""
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.TPUStrategy):
        return "TPU"
    try:
        devices = strategy.extended.worker_devices
    except RuntimeError:  # the default strategy places ops on the first GPU, if any
        return "GPU" if tf.config.list_logical_devices("GPU") else "CPU"
    return "GPU" if any("GPU" in d.upper() for d in devices) else "CPU"


def resolve_jit_compile(jit_compile="auto", strategy=None) -> bool:
    """Whether to compile with XLA: ``"auto"`` picks it on GPU and TPU, never on CPU, under TensorFlow.
    Under Keras' JAX backend ``"auto"`` is always True: JAX compiles every step with XLA (``jax.jit``),
    and without it a step runs op by op; TensorFlow's CPU slowdown with XLA does not apply there."""
    if jit_compile not in JIT_CHOICES:
        raise ValueError(f"jit_compile must be 'auto', True or False; got {jit_compile!r}")
    if jit_compile != "auto":
        return bool(jit_compile)
    import keras

    if keras.backend.backend() == "jax":
        return True
    strategy = resolve_strategy("default") if strategy is None else strategy
    return strategy_device_kind(strategy) in ("GPU", "TPU")
