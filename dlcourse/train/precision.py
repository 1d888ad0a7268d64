"""Mixed precision (혼합 정밀도): compute in bfloat16 or float16, keep the weights and the outputs in float32.

``TrainConfig(precision=...)`` / ``dlcourse train --precision``:

- ``"float32"`` (the default): everything in float32.
- ``"mixed_bfloat16"``: layers compute in bfloat16 (float32's range, 8 bits of mantissa), weights
  stay float32. Fast where the hardware has bfloat16 units: TPUs, NVIDIA GPUs from Ampere on, and
  CPUs with AVX512-BF16 or AMX-BF16 *when TensorFlow uses oneDNN* (without oneDNN TensorFlow's own
  bfloat16 kernels are many times slower than float32: `dlcourse doctor` warns).
- ``"mixed_float16"``: layers compute in float16, whose small range needs loss scaling: the optimiser
  is wrapped in Keras' `LossScaleOptimizer`. For GPUs (Volta on); slow on CPUs.
- ``"auto"``: ``mixed_bfloat16`` on a TPU, on a GPU with bfloat16 units (compute capability 8 or more)
  and on a CPU with native bfloat16 under oneDNN; ``float32`` everywhere else.

Under a mixed policy the layer that produces each output of the model is set to compute in float32,
so the final softmax and the loss see float32, as Keras' mixed-precision guide advises. The policy
is set only while `fit` builds the model, then the previous global policy is restored, so models
built later in the same process are not affected.

Example:
    >>> resolve_precision("float32")
    'float32'
    >>> cpu_has_bf16("flags : fpu avx2 avx512f avx512_bf16")
    True
"""

from __future__ import annotations

import contextlib

from dlcourse.checks import check_choice

PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo flags of native bfloat16 arithmetic


def cpu_flags(cpuinfo: str | None = None) -> set:
    """The CPU's feature flags, from /proc/cpuinfo (empty where there is none)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as f:
                cpuinfo = f.read()
        except OSError:
            return set()
    flags = set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            flags.update(value.split())
    return flags


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU has native bfloat16 arithmetic (AVX512-BF16 or AMX-BF16)."""
    return any(flag in cpu_flags(cpuinfo) for flag in BF16_CPU_FLAGS)


def onednn_enabled() -> bool:
    """Whether TensorFlow runs its CPU kernels through oneDNN (its start-up line "oneDNN custom
    operations are on"): on by default on x86 CPUs with AVX-512 VNNI/BF16 or AMX, off with
    ``TF_ENABLE_ONEDNN_OPTS=0``. Imports TensorFlow."""
    from tensorflow.python.util import _pywrap_util_port

    return bool(_pywrap_util_port.IsMklEnabled())


def _gpu_has_bf16() -> bool:
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability") or (0, 0)
        if capability[0] < 8:
            return False
    return bool(tf.config.list_physical_devices("GPU"))


def resolve_precision(precision="auto", strategy=None) -> str:
    """The precision `fit` trains in: `precision` itself, or for ``"auto"`` what this hardware runs
    fastest (see the module docstring), for `strategy`'s devices (the default strategy's if None)."""
    check_choice("precision", precision, PRECISIONS)
    if precision != "auto":
        return precision
    from dlcourse.train.devices import resolve_strategy, strategy_device_kind

    kind = strategy_device_kind(resolve_strategy("default") if strategy is None else strategy)
    if kind == "TPU" or (kind == "GPU" and _gpu_has_bf16()):
        return "mixed_bfloat16"
    if kind == "CPU" and cpu_has_bf16() and onednn_enabled():
        return "mixed_bfloat16"
    return "float32"


@contextlib.contextmanager
def dtype_policy(precision: str):
    """Keras' global dtype policy set to `precision` inside the block, the previous one restored after."""
    import keras

    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(precision)
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


def keep_outputs_float32(model) -> list:
    """Make the layers that produce `model`'s outputs compute in float32; returns their names.

    A functional model built under a mixed policy ends in a layer that computes in bfloat16 or
    float16 (its softmax too); Keras' guide keeps that last layer in float32. A subclassed model
    (no symbolic outputs) is left as it is: give its last layer ``dtype="float32"`` yourself."""
    changed = []
    for output in getattr(model, "outputs", None) or []:
        history = getattr(output, "_keras_history", None)
        layer = getattr(history, "operation", None)
        if layer is None or layer.dtype_policy.compute_dtype == "float32":
            continue
        layer.dtype_policy = "float32"
        changed.append(layer.name)
    return changed


def build_in_precision(build, precision: str):
    """``build()`` (returns a keras.Model) under `precision`'s policy, outputs kept in float32.

    A model built beforehand (`build` returns an existing one) must already compute in `precision`."""
    with dtype_policy(precision):
        model = build()
    if model.dtype_policy.name != precision:
        raise ValueError(
            f"precision {precision!r}: the model was built beforehand in {model.dtype_policy.name!r}; pass a "
            "model name or a builder function so that fit builds it in this precision, or build it under "
            "keras.mixed_precision.set_dtype_policy yourself")
    if precision != "float32":
        keep_outputs_float32(model)
    return model


def precision_warning(requested: str = "mixed_bfloat16", cpuinfo: str | None = None, onednn=None) -> str | None:
    """One line when bfloat16 on this CPU would be slow, else None: a CPU without native bfloat16,
    or TensorFlow without oneDNN (``TF_ENABLE_ONEDNN_OPTS=0``), where bfloat16 runs many times slower
    than float32. `onednn` None asks TensorFlow (importing it) only when the CPU has bfloat16."""
    if requested not in ("auto", "mixed_bfloat16"):
        return None
    if not cpu_has_bf16(cpuinfo):
        if requested == "auto":
            return None
        return ("precision: mixed_bfloat16 was asked for, but this CPU has no native bfloat16 (neither "
                "avx512_bf16 nor amx_bf16): it will be slower than float32; use --precision float32")
    onednn = onednn_enabled() if onednn is None else onednn
    if not onednn:
        return ("precision: this CPU has native bfloat16 but TensorFlow runs without oneDNN "
                "(TF_ENABLE_ONEDNN_OPTS=0?), where bfloat16 is many times slower than float32: unset "
                "TF_ENABLE_ONEDNN_OPTS or set it to 1, or use --precision float32")
    return None
