"""Counting parameters and multiply-accumulates (MACs, the papers' "multiply-adds" or "FLOPs").

One MAC is one multiplication and the addition that accumulates it; the papers quote MACs as
"FLOPs" (ResNet's 3.8 x 10^9 for ResNet-50) or "multiply-adds" (MobileNet's 569M). `count_macs`
counts the layers that multiply inputs by weights: Conv1D/2D/3D, their transposes, DepthwiseConv,
SeparableConv and Dense, at the model's input size for one image. Excluded, as in the papers:
bias additions, batch norm, activations, pooling, element-wise additions and products (residual
sums, SE scaling), concatenation, and everything of a layer without a kernel.

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


def _layer_macs(layer) -> int:
    if isinstance(layer, _SEPARABLE):
        positions = math.prod(_shape(layer.output)[1:-1])
        return positions * (math.prod(layer.depthwise_kernel.shape) + math.prod(layer.pointwise_kernel.shape))
    if isinstance(layer, _TRANSPOSED):  # each input position scatters the whole kernel
        return math.prod(_shape(layer.input)[1:-1]) * math.prod(layer.kernel.shape)
    if isinstance(layer, _CONVS + (keras.layers.Dense,)):  # every output position applies the kernel
        kernel = layer.kernel if hasattr(layer, "kernel") else layer.depthwise_kernel
        return math.prod(_shape(layer.output)[1:-1]) * math.prod(kernel.shape)
    return 0


def count_macs(model) -> CountTable:
    """Multiply-accumulates of one forward pass of one image, per layer and in total.

    Args:
        model: a built functional model; its input shape must be fully known (no None sizes).

    Returns:
        A `CountTable` of the layers with MACs; ``.total`` is the model's total.

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
