"""FCN-32s, FCN-16s, FCN-8s: a convolutionalized classifier upscaled back to the image, with skips.

Long, Shelhamer & Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015
(the Caffe ``voc-fcn32s/16s/8s`` nets): the classifier's fc6 becomes a 7x7 convolution to 4096
channels, fc7 a 1x1 convolution, ``score_fr`` a 1x1 convolution to the classes; transposed
convolutions (전치 합성곱) initialised bilinear and fixed (``lr_mult: 0``, no bias) upscale the
scores. FCN-32s upscales by 32 at once; FCN-16s first adds 1x1 scores of pool4 (stride 16), FCN-8s
also those of pool3 (stride 8): the skips bring back the boundaries the coarse map blurs.

On VGG16 with 21 classes (PASCAL VOC), ``count_params()`` counts the fixed deconvolutions too, as
Caffe's blob count does: FCN-8s 134,489,759 (134,362,751 trainable, the paper's "134M"); FCN-16s
134,815,994; FCN-32s 136,152,917. Heads use ``"same"`` padding (not Caffe's pad=100 and crops), so
the output is the input's size for any multiple of 32.

Any registered backbone serves (`dlcourse.models.get_backbone`): its P3, P4, P5 outputs are pool3,
pool4, pool5. ``fcn8s_small`` is FCN-8s on ``vgg_small`` (VGG's plan at widths 16-128, batch norm)
with a 3x3 fc6 of 128, for CPUs: it learns 64x64 shapes in 8 epochs of 600 images (738 s on the
shared 2-core CPU at load 19-33: README, "Segmentation"), where the same head on MobileNet (alpha
0.25) from scratch stays at the background: that backbone underfits (its training loss stalls, in
training mode too), whatever the head.

Example:
    >>> fcn8s_small(input_shape=(64, 64, 3), classes=4).output_shape
    (None, 64, 64, 4)
"""

from __future__ import annotations

import keras

from dlcourse.checks import check_positive_int
from dlcourse.models.registry import get_backbone, model_entry
from dlcourse.models.segmentation.common import check_segmentation_args, finish
from dlcourse.segmentation.transposed import upsample

FCN_STRIDES = {"fcn32s": 32, "fcn16s": 16, "fcn8s": 8}  # the output stride before the last upscoring
SKIP_LEVELS = {32: (), 16: ("P4",), 8: ("P4", "P3")}  # pool4 (stride 16), pool3 (stride 8)
DEEPEST = "P5"  # pool5, stride 32
FCN_DIVISOR = 32  # heights and widths must be multiples of the deepest stride


def build_fcn(name, input_shape=None, classes=21, classifier_activation=None, weights=None, input_tensor=None,
              backbone="vgg16", backbone_args=None, fc_units=4096, fc_kernel=7, dropout=0.5,
              fixed_upsampling=True, output_stride=8, bn_momentum=None):
    """The general FCN builder (the public ``fcn8s`` ... pass their arguments here).

    Args:
        name: the registered name, for its default input.
        input_shape: ``(height, width, channels)``, height and width multiples of 32 (or None).
        classes: output channels (PASCAL VOC's 21).
        classifier_activation: None (logits, the default) or ``"softmax"``.
        weights: None or a ``.weights.h5`` path saved from this model.
        input_tensor: optional Keras tensor to use as the input.
        backbone: a registered backbone with P3, P4, P5 outputs (``list_models(backbone=True)``).
        backbone_args: further arguments for the backbone (``{"alpha": 0.25}`` for MobileNet).
        fc_units, fc_kernel: fc6 as a ``fc_kernel x fc_kernel`` convolution and fc7 as 1x1, each with
            `fc_units` channels (VGG's 4096 and 7); ``fc_units=None`` scores pool5 directly.
        dropout: the rate after fc6 and fc7 (Caffe's drop6/drop7: 0.5).
        fixed_upsampling: True keeps the bilinear deconvolutions fixed (Caffe); False learns them.
        output_stride: 32, 16 or 8: FCN-32s, FCN-16s or FCN-8s.
        bn_momentum: None keeps the backbone's batch-norm momentum; a number replaces it (the small
            variants' 0.9: with few steps per epoch, 0.99's moving statistics lag and validation suffers).

    Returns:
        A `keras.Model` with output ``(batch, height, width, classes)``.
    """
    entry = model_entry(name)
    input_shape, classes = check_segmentation_args(
        name, input_shape=input_shape, default_shape=entry.default_input_shape, classes=classes,
        classifier_activation=classifier_activation, weights=weights, input_tensor=input_tensor,
    )
    if output_stride not in SKIP_LEVELS:
        raise ValueError(f"output_stride must be one of {tuple(SKIP_LEVELS)}; got {output_stride!r}")
    if fc_units is not None:
        fc_units, fc_kernel = check_positive_int("fc_units", fc_units), check_positive_int("fc_kernel", fc_kernel)
    if not isinstance(backbone, str):
        raise TypeError(f"backbone must be a registered backbone name; got {type(backbone).__name__}")
    levels = model_entry(backbone).feature_outputs
    missing = [level for level in (DEEPEST, *SKIP_LEVELS[8]) if level not in levels]
    if missing:
        raise ValueError(f"backbone: {backbone} has no {', '.join(missing)} output; FCN needs P3, P4 and P5")
    for size in input_shape[:2]:
        if size is not None and size % FCN_DIVISOR:
            low = max(FCN_DIVISOR, size // FCN_DIVISOR * FCN_DIVISOR)
            raise ValueError(f"input_shape: {name} takes heights and widths that are multiples of {FCN_DIVISOR} "
                             f"(pool5's stride); got {size} (nearest: {low} or {low + FCN_DIVISOR})")

    encoder = get_backbone(backbone, input_shape=input_shape, **(backbone_args or {}))
    if input_tensor is None:
        inputs = x = keras.Input(shape=input_shape, name="image")
    else:
        x, inputs = input_tensor, keras.utils.get_source_inputs(input_tensor)
    features = encoder(x)
    x = features[DEEPEST]
    if fc_units is not None:  # the classifier's fc6 and fc7, convolutionalized
        x = keras.layers.Conv2D(fc_units, fc_kernel, padding="same", activation="relu", name="fc6")(x)
        x = keras.layers.Dropout(dropout, name="drop6")(x)
        x = keras.layers.Conv2D(fc_units, 1, activation="relu", name="fc7")(x)
        x = keras.layers.Dropout(dropout, name="drop7")(x)
    x = keras.layers.Conv2D(classes, 1, name="score_fr")(x)
    stride = 32
    for level in SKIP_LEVELS[output_stride]:  # upscore 2x, add the finer map's scores
        x = upsample(x, classes, 2, "bilinear_transpose", trainable=not fixed_upsampling,
                     name="upscore2" if level == "P4" else "upscore_pool4")
        score = keras.layers.Conv2D(classes, 1, name=f"score_pool{level[1]}")(features[level])
        x = keras.layers.Add(name=f"fuse_pool{level[1]}")([x, score])
        stride //= 2
    x = upsample(x, classes, stride, "bilinear_transpose", trainable=not fixed_upsampling, name=f"upscore{stride}")
    if classifier_activation is not None:
        x = keras.layers.Activation(classifier_activation, name="predictions")(x)
    model = keras.Model(inputs, x, name=name)
    if bn_momentum is not None:
        for layer in model._flatten_layers():
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.momentum = float(bn_momentum)
    return finish(model, weights)


# The public builders: their arguments passed whole (`locals()`) to the general builder.
def fcn32s(input_shape=None, classes=21, classifier_activation=None, weights=None, input_tensor=None,
           backbone="vgg16", backbone_args=None, fc_units=4096, fc_kernel=7, dropout=0.5, fixed_upsampling=True):
    """FCN-32s (Caffe voc-fcn32s on VGG16: 136,152,917 parameters). Args as `build_fcn`.

    Example: ``fcn32s(backbone="resnet18", fc_units=None, classes=3)``.
    """
    return build_fcn("fcn32s", **locals(), output_stride=32)


def fcn16s(input_shape=None, classes=21, classifier_activation=None, weights=None, input_tensor=None,
           backbone="vgg16", backbone_args=None, fc_units=4096, fc_kernel=7, dropout=0.5, fixed_upsampling=True):
    """FCN-16s (voc-fcn16s on VGG16: 134,815,994 parameters). Args as `build_fcn`.

    Example: ``fcn16s(backbone="resnet18", fc_units=None, classes=3)``.
    """
    return build_fcn("fcn16s", **locals(), output_stride=16)


def fcn8s(input_shape=None, classes=21, classifier_activation=None, weights=None, input_tensor=None,
          backbone="vgg16", backbone_args=None, fc_units=4096, fc_kernel=7, dropout=0.5, fixed_upsampling=True):
    """FCN-8s (voc-fcn8s on VGG16: 134,489,759 parameters, 134,362,751 trainable). Args as `build_fcn`.

    Example: ``fcn8s(backbone="resnet18", fc_units=None, classes=3)``.
    """
    return build_fcn("fcn8s", **locals(), output_stride=8)


_SMALL = dict(backbone="vgg_small", backbone_args={}, fc_units=128, fc_kernel=3, dropout=0.1)
SMALL_BN_MOMENTUM = 0.9


def _small(name, output_stride, args):
    for key, value in _SMALL.items():
        args[key] = value if args[key] is None else args[key]
    return build_fcn(name, **args, output_stride=output_stride, bn_momentum=SMALL_BN_MOMENTUM)


def fcn32s_small(input_shape=None, classes=4, classifier_activation=None, weights=None, input_tensor=None,
                 backbone=None, backbone_args=None, fc_units=None, fc_kernel=None, dropout=None,
                 fixed_upsampling=True):
    """FCN-32s on ``vgg_small`` with a 3x3, 128-channel fc6 (None arguments take those). Args as `build_fcn`.

    Example: ``fcn32s_small(backbone="mobilenet", backbone_args={"alpha": 0.25})`` (the first, which underfits).
    """
    return _small("fcn32s_small", 32, locals())


def fcn16s_small(input_shape=None, classes=4, classifier_activation=None, weights=None, input_tensor=None,
                 backbone=None, backbone_args=None, fc_units=None, fc_kernel=None, dropout=None,
                 fixed_upsampling=True):
    """FCN-16s on ``vgg_small`` with a 3x3, 128-channel fc6. Args as `build_fcn`."""
    return _small("fcn16s_small", 16, locals())


def fcn8s_small(input_shape=None, classes=4, classifier_activation=None, weights=None, input_tensor=None,
                backbone=None, backbone_args=None, fc_units=None, fc_kernel=None, dropout=None,
                fixed_upsampling=True):
    """FCN-8s on ``vgg_small`` with a 3x3, 128-channel fc6, for 64x64 images on a CPU. Args as `build_fcn`."""
    return _small("fcn8s_small", 8, locals())
