"""U-Net: an encoder, a decoder, and skip connections (스킵 연결) carrying the encoder's fine detail.

Ronneberger et al., "U-Net: Convolutional Networks for Biomedical Image Segmentation", MICCAI 2015,
Figure 1: each encoder level is two valid 3x3 convolutions + ReLU and a 2x2 max-pool (64, 128, 256,
512, 1024 channels); each decoder level a 2x2 up-convolution halving the channels, the encoder's map
centre-cropped and concatenated, and two valid 3x3 convolutions; a 1x1 convolution to 2 classes:
23 convolutional layers, 31,030,658 parameters, a 572x572x1 tile giving a 388x388 map (the border
lost to valid convolutions is predicted from the neighbouring tiles' context).

``padding="same"`` keeps the output at the input's size (any multiple of 16 for depth 4),
``batch_norm=True`` adds batch normalisation after every 3x3 convolution (dropping its bias),
``base_filters`` sets the width (64 in the paper; ``unet_small`` uses 16) and ``backbone`` takes the
encoder from any registered backbone (`dlcourse.models.get_backbone`).

Example:
    >>> unet_small(input_shape=(32, 32, 3), classes=4).output_shape
    (None, 32, 32, 4)
"""

from __future__ import annotations

import keras

from dlcourse.checks import check_choice, check_positive_int
from dlcourse.models.registry import model_entry
from dlcourse.models.segmentation.common import check_segmentation_args, finish

PADDINGS = ("valid", "same")
CONV_KERNEL = 3  # the paper's 3x3 convolutions
VALID_LOSS = 2 * (CONV_KERNEL - 1)  # pixels two valid 3x3 convolutions take off a map's side
BN_MOMENTUM = 0.9  # not Keras' 0.99: small data sets give few steps, and the moving statistics must keep up


def unet_output_size(size, depth=4, padding="valid"):
    """The output height (or width) of a U-Net of `depth` levels for an input `size`, or None if the
    network cannot take it (a pooled map of odd size, or a map shrunk to nothing).

    Example:
        >>> unet_output_size(572), unet_output_size(570), unet_output_size(64, padding="same")
        (388, None, 64)
    """
    if padding == "same":
        return size if size % 2 ** depth == 0 else None
    skips = []
    for _ in range(depth):
        size -= VALID_LOSS
        if size < 2 or size % 2:
            return None
        skips.append(size)
        size //= 2
    size -= VALID_LOSS  # the bottom level
    for skip in reversed(skips):
        size = 2 * size - VALID_LOSS
        if size < 1 or size > skip:
            return None
    return size if size >= 1 else None


def valid_unet_sizes(depth=4, up_to=1024) -> list:
    """The input sizes up to `up_to` a U-Net with valid convolutions takes (188, 204, ... 572 ... for depth 4).

    Example:
        >>> valid_unet_sizes(up_to=240)
        [188, 204, 220, 236]
    """
    return [s for s in range(1, up_to + 1) if unet_output_size(s, depth, "valid") is not None]


def check_unet_size(size, depth, padding, name="U-Net"):
    """Raise ValueError naming the sizes the network takes when it cannot take `size`."""
    if size is None:
        if padding == "valid":
            raise ValueError(f"input_shape: {name} with padding='valid' needs a known height and width "
                             f"(the skips are cropped to fixed sizes); e.g. 572 -> 388")
        return
    if unet_output_size(size, depth, padding) is not None:
        return
    if padding == "same":
        step = 2 ** depth
        raise ValueError(f"input_shape: {name} with padding='same' and depth={depth} takes heights and widths "
                         f"that are multiples of {step}; got {size} (nearest: {max(step, size // step * step)} "
                         f"or {size // step * step + step})")
    sizes = valid_unet_sizes(depth, up_to=max(size, 600) + 2 ** depth * 2)
    below = [s for s in sizes if s < size]
    above = [s for s in sizes if s > size]
    step = 2 ** depth
    offset = VALID_LOSS * (2 * step - 1)  # the pixels the valid convolutions take off, in input pixels
    nearest = " or ".join(str(s) for s in (below[-1:] + above[:1]))
    raise ValueError(
        f"input_shape: {name} with padding='valid' and depth={depth} takes heights and widths "
        f"{sizes[0]}, {sizes[1]}, {sizes[2]}, ... ({step}k + {offset} for k >= {(sizes[0] - offset) // step}; "
        f"572 gives 388); got {size} (nearest: {nearest})"
    )


def conv_pair(x, filters, padding="valid", batch_norm=False, name=None):
    """Two 3x3 convolutions + ReLU (with batch norm, the convolutions drop their bias): one U-Net level."""
    for i in (1, 2):
        x = keras.layers.Conv2D(filters, CONV_KERNEL, padding=padding, use_bias=not batch_norm,
                                name=f"{name}_conv{i}")(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn{i}")(x)
        x = keras.layers.Activation("relu", name=f"{name}_relu{i}")(x)
    return x


def up_block(x, skip, filters, padding="valid", batch_norm=False, name=None):
    """2x2 up-convolution halving the channels, the skip centre-cropped and concatenated, two 3x3 convs."""
    x = keras.layers.Conv2DTranspose(filters, 2, strides=2, name=f"{name}_upconv")(x)
    if skip is not None:
        crop_h, crop_w = skip.shape[1] - x.shape[1], skip.shape[2] - x.shape[2]
        if crop_h or crop_w:  # the paper's centre crop of the encoder's larger map
            skip = keras.layers.Cropping2D(((crop_h // 2, crop_h - crop_h // 2), (crop_w // 2, crop_w - crop_w // 2)),
                                           name=f"{name}_crop")(skip)
        x = keras.layers.Concatenate(name=f"{name}_concat")([skip, x])
    return conv_pair(x, filters, padding, batch_norm, name=name)


def build_unet(name, input_shape=None, classes=2, classifier_activation=None, weights=None, input_tensor=None,
               base_filters=64, depth=4, padding="valid", batch_norm=False, backbone=None):
    """The general U-Net builder (the public ``unet`` and ``unet_small`` pass their arguments here).

    Args:
        name: the registered name (``"unet"``, ``"unet_small"``), for its default input.
        input_shape: ``(height, width, channels)``; the default is the registry row's (572x572x1 for
            ``unet``). With ``padding="valid"`` only certain sizes fit (`valid_unet_sizes`: 16k + 124);
            with ``"same"``, multiples of ``2**depth`` (or None for any such size).
        classes: output channels (the paper's 2).
        classifier_activation: None (logits, the default) or ``"softmax"``.
        weights: None or a ``.weights.h5`` path saved from this model.
        input_tensor: optional Keras tensor to use as the input.
        base_filters: the first level's channels, doubled at each level (the paper's 64).
        depth: the number of poolings (the paper's 4).
        padding: ``"valid"`` (the paper: output smaller than the input) or ``"same"``.
        batch_norm: batch normalisation after every 3x3 convolution.
        backbone: None, or a registered backbone name (``"resnet18"``): its feature outputs are the
            encoder (then ``padding="same"``), the decoder climbs back to the input's size.

    Returns:
        A `keras.Model` named `name` with output ``(batch, out_h, out_w, classes)``.
    """
    entry = model_entry(name)
    input_shape, classes = check_segmentation_args(
        name, input_shape=input_shape, default_shape=entry.default_input_shape, classes=classes,
        classifier_activation=classifier_activation, weights=weights, input_tensor=input_tensor,
    )
    base_filters = check_positive_int("base_filters", base_filters)
    depth = check_positive_int("depth", depth)
    check_choice("padding", padding, PADDINGS)
    if not isinstance(batch_norm, bool):
        raise TypeError(f"batch_norm must be True or False; got {batch_norm!r}")
    if backbone is not None:
        return _backbone_unet(name, input_shape, classes, classifier_activation, weights, input_tensor,
                              base_filters, padding, batch_norm, backbone)
    for size in input_shape[:2]:
        check_unet_size(size, depth, padding)

    x, inputs = _input(input_shape, input_tensor)
    skips = []
    for level in range(1, depth + 1):
        x = conv_pair(x, base_filters * 2 ** (level - 1), padding, batch_norm, name=f"enc{level}")
        skips.append(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool{level}")(x)
    x = conv_pair(x, base_filters * 2 ** depth, padding, batch_norm, name=f"enc{depth + 1}")
    for level in range(depth, 0, -1):
        x = up_block(x, skips[level - 1], base_filters * 2 ** (level - 1), padding, batch_norm, name=f"dec{level}")
    x = keras.layers.Conv2D(classes, 1, activation=classifier_activation, name="predictions")(x)
    return finish(keras.Model(inputs, x, name=name), weights)


def _input(input_shape, input_tensor):
    if input_tensor is None:
        x = keras.Input(shape=input_shape, name="image")
        return x, x
    return input_tensor, keras.utils.get_source_inputs(input_tensor)


def _backbone_unet(name, input_shape, classes, classifier_activation, weights, input_tensor, base_filters,
                   padding, batch_norm, backbone):
    from dlcourse.models.registry import get_backbone

    if padding != "same":
        raise ValueError(f"padding: a U-Net on the backbone {backbone!r} needs padding='same'; got {padding!r}")
    strides = sorted(f.stride for f in model_entry(backbone).feature_outputs.values())
    for size in input_shape[:2]:
        if size is not None and size % strides[-1]:
            raise ValueError(f"input_shape: a U-Net on {backbone} takes heights and widths that are multiples of "
                             f"{strides[-1]} (its deepest stride); got {size}")
    encoder = get_backbone(backbone, input_shape=input_shape)
    x, inputs = _input(input_shape, input_tensor)
    features = encoder(x)
    levels = sorted(features, key=lambda level: -model_entry(backbone).feature_outputs[level].stride)
    y = features[levels[0]]
    stride = model_entry(backbone).feature_outputs[levels[0]].stride
    for level in levels[1:]:  # climb the pyramid: each level's map is the skip
        stride //= 2
        y = up_block(y, features[level], base_filters * stride, "same", batch_norm, name=f"dec_{level}")
    i = 0
    while stride > 1:  # the backbone's finest map is still smaller than the image
        stride //= 2
        i += 1
        y = up_block(y, None, base_filters * max(stride, 1), "same", batch_norm, name=f"dec_up{i}")
    y = keras.layers.Conv2D(classes, 1, activation=classifier_activation, name="predictions")(y)
    return finish(keras.Model(inputs, y, name=f"{name}_{backbone}"), weights)


# The public builders: their arguments passed whole (`locals()`) to the general builder.
def unet(input_shape=None, classes=2, classifier_activation=None, weights=None, input_tensor=None,
         base_filters=64, depth=4, padding="valid", batch_norm=False, backbone=None):
    """U-Net as in the paper: 572x572x1 -> 388x388x2, 31,030,658 parameters. Args as `build_unet`.

    Example: ``unet(input_shape=(188, 188, 1)).output_shape == (None, 4, 4, 2)``.
    """
    return build_unet("unet", **locals())


def unet_small(input_shape=None, classes=4, classifier_activation=None, weights=None, input_tensor=None,
               base_filters=16, depth=4, padding="same", batch_norm=True, backbone=None):
    """A U-Net for small images on a CPU: width 16, ``"same"`` padding, batch norm (64x64x3, 4 classes).

    1,945,572 parameters; without batch norm 1,941,156 (the reference's small teaching U-Net), which
    on the shapes data set stays stuck on the background for the first epochs where this one learns.

    Args as `build_unet`. Example: ``unet_small(input_shape=(32, 32, 3), classes=4)``.
    """
    return build_unet("unet_small", **locals())
