"""The R-CNN family's networks (Ren et al. 2015, Faster R-CNN; He et al. 2017, Mask R-CNN): the Region
Proposal Network head, the Fast R-CNN box head and Mask R-CNN's mask head, and torchvision's
ResNet-50-FPN configuration, as `keras.Model` parts (the proposals, anchors and RoIAlign between
them are `dlcourse.detection`'s tools).

- `rpn_head`: a 3x3 conv, then per anchor an objectness and 4 box deltas. The notes' form: 9
  anchors x (4 + 2) = 54 outputs per position with a two-way softmax (object, background); the
  one-logit form (torchvision's) has 9 x (4 + 1) = 45.
- `box_head`: RoIAlign'd 7 x 7 features -> FC 1024 -> FC 1024 -> class scores (K) and per-class
  deltas (4K).
- `mask_head`: 14 x 14 features -> four 3x3 convs -> 2x2 transposed conv -> a 28 x 28 mask per class.
- `rcnn_resnet50_fpn`: the parts with torchvision's choices (ResNet-50 without conv biases, frozen
  batch norm, FPN of 256 channels P2-P6, 3 anchors per position). The learned parameters, for K
  classes (background included): Faster R-CNN 41,288,911 + 5,125 K (41,755,286 for K = 91) and
  Mask R-CNN 43,911,631 + 5,382 K (44,401,393), as torchvision counts them (frozen batch norm
  holds buffers, not parameters).

Example:
    >>> mask_head(3).output_shape
    (None, 28, 28, 3)
"""

from __future__ import annotations

import keras
import numpy as np

from dlcourse.blocks import imagenet_stem, residual_stage
from dlcourse.checks import check_positive_int

FPN_CHANNELS = 256
REPRESENTATION = 1024  # TwoMLPHead's width
BOX_ROI_SIZE, MASK_ROI_SIZE = 7, 14  # MultiScaleRoIAlign's output sizes for the box and mask heads
MASK_LAYERS = (256, 256, 256, 256)
RESNET50_STAGES = (3, 4, 6, 3)


def rpn_head(channels: int, anchors: int = 9, two_way: bool = True, name: str = "rpn") -> keras.Model:
    """The Region Proposal Network head, shared by every feature map it is applied to.

    Args:
        channels: the feature maps' channels (the 3x3 conv keeps them).
        anchors: anchors per position (the notes' 9: 3 sizes x 3 ratios).
        two_way: 2 scores per anchor (object / background, a softmax), else one logit (sigmoid).
        name: the model's name, prefix of its layers'.

    Returns:
        A model: (N, H, W, channels) -> {"objectness": (N, H, W, anchors * (2 or 1)),
        "deltas": (N, H, W, anchors * 4)}.

    Example:
        >>> head = rpn_head(512)
        >>> sum(output.shape[-1] for output in head.outputs)  # 9 x (4 + 2)
        54
    """
    channels, anchors = check_positive_int("channels", channels), check_positive_int("anchors", anchors)
    if not isinstance(two_way, bool):
        raise TypeError(f"two_way must be True or False; got {two_way!r}")
    inputs = keras.Input((None, None, channels), name=f"{name}_features")
    x = keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"{name}_conv")(inputs)
    scores = keras.layers.Conv2D(anchors * (2 if two_way else 1), 1, name=f"{name}_objectness")(x)
    deltas = keras.layers.Conv2D(anchors * 4, 1, name=f"{name}_deltas")(x)
    return keras.Model(inputs, {"objectness": scores, "deltas": deltas}, name=name)


def box_head(classes: int, channels: int = FPN_CHANNELS, roi_size: int = BOX_ROI_SIZE, name="box_head",
             representation: int = REPRESENTATION):
    """Fast R-CNN's head on pooled RoI features: two FC layers of `representation` units (1024, as
    torchvision's TwoMLPHead), class scores and per-class deltas.

    Returns:
        A model: (K, roi, roi, channels) -> {"scores": (K, classes), "deltas": (K, 4 classes)}.

    Example:
        >>> box_head(3).count_params()  # fc6 (12,846,080) + fc7 (1,049,600) + 5,125 K
        13911055
    """
    classes = check_positive_int("classes", classes)
    representation = check_positive_int("representation", representation)
    inputs = keras.Input((roi_size, roi_size, channels), name=f"{name}_rois")
    x = keras.layers.Flatten(name=f"{name}_flatten")(inputs)
    x = keras.layers.Dense(representation, activation="relu", name=f"{name}_fc6")(x)
    x = keras.layers.Dense(representation, activation="relu", name=f"{name}_fc7")(x)
    scores = keras.layers.Dense(classes, name=f"{name}_scores")(x)
    deltas = keras.layers.Dense(4 * classes, name=f"{name}_deltas")(x)
    return keras.Model(inputs, {"scores": scores, "deltas": deltas}, name=name)


def mask_head(classes: int, channels: int = FPN_CHANNELS, roi_size: int = MASK_ROI_SIZE, name="mask_head",
              layers: tuple = MASK_LAYERS):
    """Mask R-CNN's mask branch: 3x3 convs of `layers` filters (four of 256), a 2x2 transposed conv,
    a 1x1 conv to one mask per class.

    Returns:
        A model: (K, 14, 14, channels) -> (K, 28, 28, classes) mask logits.

    Example:
        >>> mask_head(2).count_params()  # four convs (2,360,320) + deconv (262,400) + 257 K
        2623234
    """
    classes = check_positive_int("classes", classes)
    inputs = keras.Input((roi_size, roi_size, channels), name=f"{name}_rois")
    x = inputs
    layers = tuple(check_positive_int("layers", f) for f in layers)
    if not layers:
        raise ValueError("layers must name at least one convolution's filters")
    for i, filters in enumerate(layers, start=1):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_fcn{i}")(x)
    x = keras.layers.Conv2DTranspose(layers[-1], 2, strides=2, activation="relu", name=f"{name}_deconv")(x)
    outputs = keras.layers.Conv2D(classes, 1, name=f"{name}_logits")(x)
    return keras.Model(inputs, outputs, name=name)


def feature_pyramid(features: dict, channels: int = FPN_CHANNELS, name: str = "fpn") -> dict:
    """A feature pyramid network (Lin et al. 2017) over ``{"P2": C2, ..., "P5": C5}``: 1x1 laterals,
    nearest 2x upsampling top-down, 3x3 output convs, and P6 = 1x1 max-pool of P5 with stride 2."""
    levels = sorted(features)
    laterals = {lvl: keras.layers.Conv2D(channels, 1, name=f"{name}_inner_{lvl}")(features[lvl]) for lvl in levels}
    outputs, top = {}, None
    for lvl in reversed(levels):
        x = laterals[lvl] if top is None else keras.layers.Add(name=f"{name}_add_{lvl}")(
            [laterals[lvl], keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_up_{lvl}")(top)])
        top = x
        outputs[lvl] = keras.layers.Conv2D(channels, 3, padding="same", name=f"{name}_layer_{lvl}")(x)
    last = levels[-1]
    outputs[f"P{int(last[1:]) + 1}"] = keras.layers.MaxPooling2D(1, strides=2, name=f"{name}_pool")(outputs[last])
    return dict(sorted(outputs.items()))


def resnet50_fpn(input_shape=(None, None, 3), name="resnet50_fpn") -> keras.Model:
    """ResNet-50 as torchvision's detection backbone (no conv biases, frozen batch norm) with an FPN:
    images -> {"P2": stride 4, ..., "P6": stride 64}, 256 channels each."""
    inputs = keras.Input(input_shape, name="images")
    x = imagenet_stem(inputs, use_bias=False)
    stages = {}
    for i, (filters, blocks) in enumerate(zip((64, 128, 256, 512), RESNET50_STAGES)):
        x = residual_stage(x, "bottleneck", filters, blocks, strides=1 if i == 0 else 2, name=f"conv{i + 2}")
        stages[f"P{i + 2}"] = x
    model = keras.Model(inputs, feature_pyramid(stages), name=name)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False  # torchvision's FrozenBatchNorm2d: statistics and affine are buffers
    return model


def rcnn_resnet50_fpn(classes: int = 91, input_shape=(None, None, 3), mask: bool = True) -> dict:
    """torchvision's Faster R-CNN (``mask=False``) or Mask R-CNN ResNet-50-FPN, as its parts.

    Args:
        classes: K, background included (91 for COCO).
        input_shape: the images' shape (any size by default).
        mask: add Mask R-CNN's mask head.

    Returns:
        ``{"backbone": images -> P2..P6, "rpn": the head shared by the levels (3 anchors, one logit),
        "box_head": ..., "mask_head": ...}``; their trainable parameters sum to the counts above.
    """
    classes = check_positive_int("classes", classes)
    if not isinstance(mask, bool):
        raise TypeError(f"mask must be True or False; got {mask!r}")
    parts = {"backbone": resnet50_fpn(input_shape), "rpn": rpn_head(FPN_CHANNELS, anchors=3, two_way=False),
             "box_head": box_head(classes)}
    if mask:
        parts["mask_head"] = mask_head(classes)
    return parts


def learned_parameters(parts: dict) -> int:
    """The trainable parameters of all parts (torchvision's count: frozen batch norm excluded)."""
    return sum(int(np.prod(w.shape)) for part in parts.values() for w in part.trainable_weights)
