"""Counting parameters and multiply-accumulates (MACs, the papers' "multiply-adds" or "FLOPs").

One MAC is one multiplication and the addition that accumulates it; the papers quote MACs as
"FLOPs" (ResNet's 3.8 x 10^9 for ResNet-50) or "multiply-adds" (MobileNet's 569M). `count_macs`
counts the layers that multiply inputs by weights: Conv1D/2D/3D, their transposes, DepthwiseConv,
SeparableConv and Dense, at the model's input size for one image; recurrent layers (SimpleRNN,
LSTM, GRU, and Bidirectional around them: the input and recurrent products of every gate at every
step); MultiHeadAttention (the query, key, value and output projections plus ``Q K^T`` and the
weighted sum of the values, as Vaswani et al.'s per-layer complexity). Excluded, as in the papers:
bias additions, batch and layer norm, activations, pooling, element-wise additions and products
(residual sums, SE scaling, gates), concatenation, reshaping, dropout, augmentation and embedding
lookups (an Embedding multiplies nothing). A layer of your own can state its count with a
``macs()`` method. Any other layer is REFUSED with a ValueError naming it, so that a model is never
undercounted silently.

Example:
    >>> import keras
    >>> x = keras.Input((32, 32, 3))
    >>> model = keras.Model(x, keras.layers.Conv2D(8, 3, padding="same")(x))
    >>> count_macs(model).total  # 32 * 32 outputs * (3 * 3 * 3) * 8
    221184
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras

_CONVS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D, keras.layers.DepthwiseConv1D,
          keras.layers.DepthwiseConv2D)
_TRANSPOSED = (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose)
_SEPARABLE = (keras.layers.SeparableConv1D, keras.layers.SeparableConv2D)
_RECURRENT_GATES = {keras.layers.SimpleRNN: 1, keras.layers.LSTM: 4, keras.layers.GRU: 3}
# Keras' own layers that multiply nothing by weights, by the module they live in: 0 MACs.
_NO_MACS_MODULES = tuple(f"keras.src.layers.{m}." for m in (
    "activations", "merging", "normalization", "pooling", "regularization", "reshaping", "preprocessing",
))
_NO_MACS = (keras.layers.InputLayer, keras.layers.Identity, keras.layers.Embedding)


def conv_params(kernel_h: int, kernel_w: int, in_channels: int, filters: int, *, bias: bool = False) -> int:
    """Weights of a 2D convolution: ``kernel_h * kernel_w * in_channels * filters`` (+ `filters` biases).

    Example:
        >>> conv_params(3, 3, 128, 64), conv_params(11, 11, 3, 96, bias=True)
        (73728, 34944)
    """
    return kernel_h * kernel_w * in_channels * filters + (filters if bias else 0)


def conv_output_size(size: int, kernel: int, *, stride: int = 1, padding="valid") -> int:
    """Output height (or width) of a convolution or pooling window: ``(n + 2p - f) // s + 1``.

    `padding` is a number of zero pixels on each side, ``"valid"`` (0: ``n - f + 1`` at stride 1) or
    ``"same"`` (Keras' and TensorFlow's: ``ceil(n / s)``, whatever the kernel).

    Example:
        >>> conv_output_size(28, 3), conv_output_size(28, 3, padding="same"), conv_output_size(28, 2, stride=2)
        (26, 28, 14)
    """
    for arg, value in (("size", size), ("kernel", kernel), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{arg} must be a positive integer; got {value!r}")
    if padding == "same":
        return math.ceil(size / stride)
    if padding == "valid":
        padding = 0
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be 'valid', 'same' or a non-negative integer; got {padding!r}")
    if size + 2 * padding < kernel:
        raise ValueError(f"kernel {kernel} is larger than the padded input {size} + 2 x {padding}")
    return (size + 2 * padding - kernel) // stride + 1


def dense_params(in_features: int, units: int, *, bias: bool = False) -> int:
    """Weights of a fully connected layer: ``in_features * units`` (+ `units` biases).

    Example:
        >>> dense_params(9216, 4096, bias=True)  # AlexNet's fc6
        37752832
    """
    return in_features * units + (units if bias else 0)


@dataclass(frozen=True)
class LayerCount:
    """One row of a `CountTable`: a layer, its class, its output shape and its count."""

    name: str
    kind: str
    output_shape: tuple
    count: int


@dataclass(frozen=True)
class CountTable:
    """Per-layer counts (parameters or MACs) of a model, printable as a table.

    Attributes:
        rows: the layers with a non-zero count, in the model's order.
        what: what is counted (``"parameters"``, ``"MACs"``).
    """

    rows: tuple
    what: str

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)

    @property
    def by_layer(self) -> dict:
        return {row.name: row.count for row in self.rows}

    def __str__(self) -> str:
        header = ("layer", "kind", "output shape", self.what)
        cells = [header] + [(r.name, r.kind, str(r.output_shape), f"{r.count:,}") for r in self.rows]
        cells.append(("total", "", "", f"{self.total:,}"))
        widths = [max(len(row[i]) for row in cells) for i in range(4)]
        return "\n".join(
            "  ".join(c.rjust(w) if i == 3 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
            for row in cells
        )


def _layers(model):
    """The model's layers, nested models expanded in place."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield layer


def _shape(tensor):
    return tuple(tensor.shape)


def count_params(model) -> CountTable:
    """Parameters of each layer with weights (batch norm's moving statistics included, as Keras counts).

    Example:
        >>> from dlcourse.models import alexnet
        >>> count_params(alexnet()).by_layer["conv1"]
        34944
    """
    rows = tuple(
        LayerCount(layer.name, type(layer).__name__, _shape(layer.output), layer.count_params())
        for layer in _layers(model) if layer.weights
    )
    return CountTable(rows, "parameters")


def _recurrent_macs(layer, steps=None) -> int:
    """Every step: the input and the recurrent products of each gate, ``T (n + u) gates u``."""
    if steps is None:
        steps = _shape(layer.input)[1]
        if steps is None:
            raise ValueError(f"count_macs needs a fixed sequence length; {layer.name} reads {_shape(layer.input)}")
    if isinstance(layer, keras.layers.Bidirectional):
        return _recurrent_macs(layer.forward_layer, steps) + _recurrent_macs(layer.backward_layer, steps)
    gates = next(g for kind, g in _RECURRENT_GATES.items() if isinstance(layer, kind))
    kernel, recurrent_kernel = layer.cell.kernel, layer.cell.recurrent_kernel
    assert kernel.shape[1] == recurrent_kernel.shape[1] == gates * layer.cell.units
    return steps * (math.prod(kernel.shape) + math.prod(recurrent_kernel.shape))


def _attention_macs(layer) -> int:
    """Projections of query, key and value, the scores ``Q K^T``, the weighted values, the output."""
    inputs = layer._inbound_nodes[0].input_tensors
    query, value = _shape(inputs[0]), _shape(inputs[1])
    key = _shape(inputs[2]) if len(inputs) > 2 else value
    if any(d is None for d in query[1:-1] + key[1:-1] + value[1:-1]):
        raise ValueError(f"count_macs needs fixed sequence lengths; {layer.name} reads {query} and {value}")
    q_len, k_len = math.prod(query[1:-1]), math.prod(key[1:-1])
    heads, key_dim, value_dim = layer.num_heads, layer.key_dim, layer.value_dim or layer.key_dim
    projections = (q_len * math.prod(layer._query_dense.kernel.shape) + k_len * math.prod(layer._key_dense.kernel.shape)
                   + k_len * math.prod(layer._value_dense.kernel.shape))
    attention = heads * q_len * k_len * (key_dim + value_dim)
    return projections + attention + q_len * math.prod(layer._output_dense.kernel.shape)


def _layer_macs(layer) -> int:
    if callable(getattr(layer, "macs", None)):
        return int(layer.macs())
    if isinstance(layer, keras.layers.MultiHeadAttention):
        return _attention_macs(layer)
    if isinstance(layer, tuple(_RECURRENT_GATES)) or (
            isinstance(layer, keras.layers.Bidirectional) and isinstance(layer.forward_layer, tuple(_RECURRENT_GATES))):
        return _recurrent_macs(layer)
    if isinstance(layer, _SEPARABLE):
        positions = math.prod(_shape(layer.output)[1:-1])
        return positions * (math.prod(layer.depthwise_kernel.shape) + math.prod(layer.pointwise_kernel.shape))
    if isinstance(layer, _TRANSPOSED):  # each input position scatters the whole kernel
        return math.prod(_shape(layer.input)[1:-1]) * math.prod(layer.kernel.shape)
    if isinstance(layer, _CONVS + (keras.layers.Dense,)):  # every output position applies the kernel
        kernel = layer.kernel if hasattr(layer, "kernel") else layer.depthwise_kernel
        return math.prod(_shape(layer.output)[1:-1]) * math.prod(kernel.shape)
    if isinstance(layer, _NO_MACS) or type(layer).__module__.startswith(_NO_MACS_MODULES):
        return 0
    raise ValueError(
        f"count_macs does not know layer {layer.name!r} ({type(layer).__module__}.{type(layer).__name__}) and will "
        "not guess 0 for it; give the layer a macs() method returning its multiply-accumulates per example"
    )


def count_macs(model) -> CountTable:
    """Multiply-accumulates of one forward pass of one image, per layer and in total.

    Args:
        model: a built functional model; its input shape must be fully known (no None sizes).

    Returns:
        A `CountTable` of the layers with MACs; ``.total`` is the model's total.

    Raises:
        ValueError: the input size is not fixed, or a layer is of a kind it cannot count (a Lambda,
            a custom layer without a ``macs()`` method): it is named, never counted as 0.

    Example:
        >>> from dlcourse.models import mobilenet
        >>> round(count_macs(mobilenet()).total / 1e6)  # the paper's 569M multiply-adds
        569
    """
    rows = []
    for layer in _layers(model):
        shape = _shape(layer.output) if layer.weights else ()
        if any(dim is None for dim in shape[1:]):
            raise ValueError(f"count_macs needs a model with a fixed input size; {layer.name} outputs {shape}")
        macs = _layer_macs(layer)
        if macs:
            rows.append(LayerCount(layer.name, type(layer).__name__, shape, int(macs)))
    return CountTable(tuple(rows), "MACs")
