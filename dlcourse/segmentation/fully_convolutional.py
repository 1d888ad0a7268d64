"""Convolutionalization (합성곱화): a classifier's Dense layers turned into equivalent convolutions.

FCN's first step (Long et al., CVPR 2015, section 3.1): the Dense layer after ``Flatten`` sees an
``h x w x c`` map, so it *is* an ``h x w`` convolution with the same weights reshaped (the notes'
4x4x16 map into 10 classes: 4 * 4 * 16 * 10 = 2,560 weights either way); each further Dense layer
is a 1x1 convolution. The network then takes any larger input and outputs a score map, one
prediction per ``stride``-spaced window, equal to the classifier's output at the training size.

Example:
    >>> import keras
    >>> classifier = keras.Sequential([keras.Input((4, 4, 16)), keras.layers.Flatten(),
    ...                                keras.layers.Dense(10, use_bias=False)])
    >>> fcn = convolutionalize(classifier)
    >>> fcn.count_params(), fcn.output_shape
    (2560, (None, None, None, 10))
"""

from __future__ import annotations

import numpy as np


def convolutionalize(model, name: str | None = None):
    """The fully convolutional twin of a classifier `model`: same weights, any input size.

    Args:
        model: a `keras.Model` whose layers form one chain: image layers (convolutions, pooling,
            batch norm ...), one ``Flatten``, then ``Dense`` (and ``Dropout``/``Activation``) layers.
        name: the new model's name (default: ``<model.name>_fcn``).

    Returns:
        A `keras.Model` taking ``(None, None, channels)`` images and returning a score map
        ``(batch, H', W', classes)``; on the classifier's own input size the map is 1 x 1 and equals
        the classifier's output.

    Raises:
        ValueError: the model has no ``Flatten`` followed by ``Dense``, or is not a single chain.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model; got {type(model).__name__}")
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    kinds = [type(layer).__name__ for layer in layers]
    if "Flatten" not in kinds or "Dense" not in kinds[kinds.index("Flatten"):]:
        raise ValueError(f"model: convolutionalize needs a Flatten followed by Dense layers; {model.name} has {kinds}")
    for layer in layers:
        if len(layer._inbound_nodes) != 1 or isinstance(layer.input, (list, tuple, dict)):
            raise ValueError(f"model: convolutionalize takes a single chain of layers; {layer.name} is not on one")
    channels = model.input_shape[-1]
    inputs = keras.Input((None, None, channels), name="image")
    x, flat_shape, first_dense = inputs, None, True
    for layer in layers:
        if isinstance(layer, keras.layers.Flatten):
            flat_shape = tuple(layer.input.shape[1:])  # (h, w, c): the map the first Dense reads
            continue
        if isinstance(layer, keras.layers.Dense):
            kernel, *bias = layer.get_weights()
            if first_dense:
                kernel_size, first_dense = flat_shape[:2], False
            else:
                kernel_size = (1, 1)
            # Flatten reads (h, w, c) in row-major order, so the Dense kernel (h*w*c, units) reshapes
            # exactly into the convolution's (h, w, c, units)
            kernel = kernel.reshape(*kernel_size, -1, kernel.shape[-1])
            conv = keras.layers.Conv2D(layer.units, kernel_size, activation=layer.activation,
                                       use_bias=layer.use_bias, name=f"{layer.name}_conv")
            x = conv(x)
            conv.set_weights([kernel, *bias])
            continue
        clone = type(layer).from_config(layer.get_config())
        x = clone(x)
        clone.set_weights(layer.get_weights())
    return keras.Model(inputs, x, name=name or f"{model.name}_fcn")


def score_map_stride(model) -> int:
    """How many input pixels apart neighbouring windows of a convolutionalized `model` are: the
    product of its layers' strides (2 per 2x2 pooling).

    Example:
        >>> import keras
        >>> score_map_stride(keras.Sequential([keras.Input((8, 8, 1)), keras.layers.MaxPooling2D(2)]))
        2
    """
    stride = 1
    for layer in model.layers:
        strides = getattr(layer, "strides", None)
        if strides is not None:
            stride *= int(np.atleast_1d(strides)[0])  # vertical stride; the zoo's strides are square
    return stride
