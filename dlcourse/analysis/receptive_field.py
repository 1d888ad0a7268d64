"""The receptive field (수용 영역): how many input pixels one unit of a feature map can see.

Through a layer with kernel k, stride s and dilation d, a map whose units see r pixels, spaced j
input pixels apart (the jump), gives ``r' = r + d (k - 1) j`` and ``j' = j s`` (Araujo, Norris &
Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019). Two stacked
3x3 convs see 5x5, three see 7x7: VGG's argument for 3x3 kernels.

For models with branches (Inception, ResNet, DenseNet) the rule is the largest receptive field
over the paths into a layer (a residual sum or a concatenation sees as far as its furthest-seeing
input). Layers that pool or flatten the whole map (global pooling, Flatten, Dense, adaptive
pooling) see the whole image; paths through them are left out of the maximum (SE's channel gate
does not widen the field of the map it rescales). Square kernels and strides are assumed; for a
non-square one the first (height) dimension is used.

Example:
    >>> import keras
    >>> x = keras.Input((32, 32, 1))
    >>> y = keras.layers.Conv2D(4, 3)(keras.layers.Conv2D(4, 3)(x))
    >>> receptive_field(keras.Model(x, y))
    5
"""

from __future__ import annotations

import keras

_WHOLE_IMAGE = (keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D, keras.layers.Flatten,
                keras.layers.Dense, keras.layers.AdaptiveAveragePooling2D, keras.layers.AdaptiveMaxPooling2D)


def _first(value):
    return value[0] if isinstance(value, (tuple, list)) else value


def _window(layer):
    """``(kernel, stride, dilation)`` of a sliding-window layer, or None for a pointwise one."""
    kernel = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    if kernel is None:
        return None
    strides = getattr(layer, "strides", None) or kernel
    return _first(kernel), _first(strides), _first(getattr(layer, "dilation_rate", 1))


def _inbound_layers(layer):
    for node in layer._inbound_nodes:
        for tensor in node.input_tensors:
            yield tensor._keras_history.operation


def receptive_field(model, layer_name: str | None = None) -> int:
    """The receptive field, in input pixels along one side, of the units of a layer's output.

    Args:
        model: a functional model (nested models are treated as one pointwise layer: pass the
            nested model itself to look inside it).
        layer_name: the layer; by default the last layer whose output is still a feature map.

    Returns:
        The side of the square input window one output unit depends on (it may exceed the image).

    Example:
        >>> from dlcourse.models import vgg16
        >>> receptive_field(vgg16(include_top=False), "block5_conv3")
        196
    """
    fields = {}  # layer -> (receptive field, jump), None where the layer sees the whole image
    last = None
    for layer in model.layers:
        inbound = [fields[src] for src in _inbound_layers(layer) if src in fields]
        local = [f for f in inbound if f is not None]
        if isinstance(layer, keras.layers.InputLayer):
            fields[layer] = (1, 1)
        elif isinstance(layer, _WHOLE_IMAGE) or (inbound and not local):
            fields[layer] = None
        else:
            rf, jump = max(local) if local else (1, 1)
            window = _window(layer)
            if window is not None:
                kernel, stride, dilation = window
                rf, jump = rf + dilation * (kernel - 1) * jump, jump * stride
            fields[layer] = (rf, jump)
            last = layer
        if layer.name == layer_name:
            if fields[layer] is None:
                raise ValueError(f"layer {layer_name!r} pools the whole image: it has no receptive field")
            return fields[layer][0]
    if layer_name is not None:
        raise ValueError(f"model {model.name} has no layer {layer_name!r}")
    if last is None:
        raise ValueError(f"model {model.name} has no feature-map layer")
    return fields[last][0]
