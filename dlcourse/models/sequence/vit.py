"""The Vision Transformer (ViT) and DeiT with its distillation token (비전 트랜스포머).

Dosovitskiy et al. 2021, "An image is worth 16x16 words": the image is cut into P x P patches,
each linearly embedded (a P x P convolution with stride P), a learned class token is put first, a
learned position embedding added, `depth` pre-norm encoder blocks follow, then a layer norm and
the classifier on the class token. Touvron et al. 2021 (DeiT) add a distillation token after the
class token and a second head on it (``head_dist``); the distillation head learns the teacher's
predictions (`dlcourse.models.sequence.distillation.DeiTDistiller`) and inference averages the two
heads. keras-hub's ``DeiTImageClassifier`` has only the class head; timm's distilled DeiT, and this
one, have both.

Parameters at 224x224x3 with 1000 classes (timm's counts): ViT-Ti/S/B/L-16 5,717,416 /
22,050,664 / 86,567,656 / 304,326,632; distilled DeiT-Ti/S/B 5,910,800 / 22,436,432 / 87,338,192
(`vit_param_count`; tests/test_vit.py).

Example:
    >>> vit_tiny_digits().count_params()
    72074
"""

from __future__ import annotations

import keras
from keras import ops

from dlcourse.checks import check_choice, check_positive_int
from dlcourse.models.common import check_model_args, load_weights, model_input
from dlcourse.models.registry import ModelEntry, model_entry
from dlcourse.models.sequence.transformer import (
    LN_EPSILON,
    ClassToken,
    PositionEmbedding,
    check_heads,
    interpolate_position_embedding,
    transformer_encoder_block,
)

# The papers' variants (ViT Table 1; DeiT Table 1): width D, depth, heads, MLP width; patch 16.
VIT_VARIANTS = {
    "tiny": {"hidden_dim": 192, "depth": 12, "num_heads": 3, "mlp_dim": 768},
    "small": {"hidden_dim": 384, "depth": 12, "num_heads": 6, "mlp_dim": 1536},
    "base": {"hidden_dim": 768, "depth": 12, "num_heads": 12, "mlp_dim": 3072},
    "large": {"hidden_dim": 1024, "depth": 24, "num_heads": 16, "mlp_dim": 4096},
}
PAPER_PATCH = 16
# The registered small ViT for digits and MNIST: keras-hub's tiny MNIST ViTBackbone (28x28x1, patch 7,
# 2 layers, 4 heads, D 64, MLP 128) with a 10-class head: 72,074 parameters.
VIT_DIGITS = {"patch_size": 7, "hidden_dim": 64, "depth": 2, "num_heads": 4, "mlp_dim": 128}
_ANY_IMAGE = ModelEntry(name="vit", family="vit", reference="Dosovitskiy et al. 2021",
                        default_input_shape=(224, 224, 3), min_size=1)


def check_patches(input_shape, patch_size) -> tuple:
    """The patch grid ``(rows, cols)``, if `patch_size` divides the image's height and width."""
    patch_size = check_positive_int("patch_size", patch_size)
    height, width = input_shape[:2]
    if height % patch_size or width % patch_size:
        raise ValueError(f"patch_size {patch_size} must divide the image size {height}x{width} "
                         f"(input_shape {tuple(input_shape)})")
    return height // patch_size, width // patch_size


def patch_embedding(x, patch_size, hidden_dim, *, name="patch_embedding"):
    """Cut the image into P x P patches and embed each linearly: ``(b, H, W, C) -> (b, HW/P^2, D)``.

    A P x P convolution with stride P is exactly a Dense layer on each flattened patch.
    """
    x = keras.layers.Conv2D(hidden_dim, patch_size, strides=patch_size, name=name)(x)
    return keras.layers.Reshape((x.shape[1] * x.shape[2], hidden_dim), name=f"{name}_tokens")(x)


def vision_transformer(*, patch_size, hidden_dim, depth, num_heads, mlp_dim, distilled=False, include_top=True,
                       weights=None, input_tensor=None, input_shape=(224, 224, 3), pooling=None, classes=1000,
                       classifier_activation="softmax", dropout=0.0, name="vit", entry=None):
    """The family builder: ViT, or DeiT with `distilled` (two tokens and two heads).

    Args:
        patch_size, hidden_dim, depth, num_heads, mlp_dim: the architecture (`VIT_VARIANTS`).
        distilled: add DeiT's distillation token and second head. The model then outputs
            ``[class head, distillation head]`` (train it with `DeiTDistiller`).
        include_top, weights, input_tensor, input_shape, classes, classifier_activation: as in
            keras.applications. Without the top the output is the class token's features (``pooling=None``)
            or the mean of the patch tokens (``pooling="avg"``).
        dropout: dropout in the encoder blocks.
        name: the model's name.

    Returns:
        A `keras.Model`.
    """
    entry = entry or _ANY_IMAGE
    input_shape = check_model_args(
        entry, include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation, model_name=name,
    )
    classes = int(classes)  # numpy integers too
    check_choice("pooling", pooling, (None, "avg"))
    hidden_dim = check_positive_int("hidden_dim", hidden_dim)
    num_heads = check_heads(hidden_dim, num_heads)
    patch_size = check_positive_int("patch_size", patch_size)
    mlp_dim = check_positive_int("mlp_dim", mlp_dim)
    if input_shape[0] is None or input_shape[1] is None:
        raise ValueError(f"{name} needs a fixed image size (its position embedding has one entry per patch)")
    check_patches(input_shape, patch_size)
    x, inputs = model_input(input_shape, input_tensor)
    x = patch_embedding(x, patch_size, hidden_dim)
    if distilled:
        x = ClassToken(name="distillation_token")(x)  # after the class token: [cls, dist, patches]
    x = ClassToken(name="class_token")(x)
    x = PositionEmbedding(name="position_embedding")(x)
    x = keras.layers.Dropout(dropout, name="embedding_dropout")(x)
    for i in range(1, check_positive_int("depth", depth) + 1):
        x = transformer_encoder_block(x, num_heads, mlp_dim, dropout=dropout, name=f"encoder{i}")
    x = keras.layers.LayerNormalization(epsilon=LN_EPSILON, name="ln")(x)
    tokens = 2 if distilled else 1
    if not include_top:
        if pooling == "avg":
            x = keras.layers.GlobalAveragePooling1D(name="avg_pool")(x[:, tokens:])
        else:
            x = keras.layers.Identity(name="class_features")(x[:, 0])
        return load_weights(keras.Model(inputs, x, name=name), weights)
    head = keras.layers.Dense(classes, activation=classifier_activation, name="head")(x[:, 0])
    if not distilled:
        return load_weights(keras.Model(inputs, head, name=name), weights)
    head_dist = keras.layers.Dense(classes, activation=classifier_activation, name="head_dist")(x[:, 1])
    return load_weights(keras.Model(inputs, [head, head_dist], name=name), weights)


def vit_param_count(variant="tiny", *, input_shape=(224, 224, 3), classes=1000, distilled=False,
                    patch_size=PAPER_PATCH) -> int:
    """Parameters of a paper ViT (or distilled DeiT) counted from real layers without building all of it.

    Builds the model with ONE encoder block (measured: 0.23 s for ViT-L; README, Measured), counts it, and adds
    ``depth - 1`` times that block's own count: the encoder blocks are identical, so this equals
    ``vision_transformer(...).count_params()`` (asserted on smaller models in tests/test_vit.py).

    Args:
        variant: ``"tiny"``, ``"small"``, ``"base"`` or ``"large"`` (`VIT_VARIANTS`).
        input_shape: the image shape.
        classes: number of classes.
        distilled: DeiT's distillation token and second head.
        patch_size: the patch size (16 in the papers' names, ViT-B/16).

    Returns:
        The parameter count.

    Example:
        >>> vit_param_count("tiny")
        5717416
    """
    config = dict(VIT_VARIANTS[check_choice("variant", variant, tuple(VIT_VARIANTS))])
    depth = config.pop("depth")
    one_block = vision_transformer(**config, depth=1, patch_size=patch_size, distilled=distilled,
                                   input_shape=input_shape, classes=classes)
    block = sum(layer.count_params() for layer in one_block.layers if layer.name.startswith("encoder1_"))
    return one_block.count_params() + (depth - 1) * block


def _paper_builder(variant, distilled):
    prefix = "deit" if distilled else "vit"

    def builder(include_top=True, weights=None, input_tensor=None, input_shape=(224, 224, 3), pooling=None,
                classes=1000, classifier_activation="softmax", patch_size=PAPER_PATCH, dropout=0.0):
        return vision_transformer(**VIT_VARIANTS[variant], patch_size=patch_size, distilled=distilled,
                                  include_top=include_top, weights=weights, input_tensor=input_tensor,
                                  input_shape=input_shape, pooling=pooling, classes=classes,
                                  classifier_activation=classifier_activation, dropout=dropout,
                                  name=f"{prefix}_{variant}16")

    builder.__name__ = builder.__qualname__ = f"{prefix}_{variant}16"
    builder.__doc__ = (f"{'Distilled DeiT' if distilled else 'ViT'}-{variant} with 16x16 patches at 224x224 "
                       f"({'Touvron et al. 2021' if distilled else 'Dosovitskiy et al. 2021'}); see "
                       "`vision_transformer` for the arguments.")
    return builder


vit_tiny16 = _paper_builder("tiny", False)
vit_small16 = _paper_builder("small", False)
vit_base16 = _paper_builder("base", False)
vit_large16 = _paper_builder("large", False)
deit_tiny16 = _paper_builder("tiny", True)
deit_small16 = _paper_builder("small", True)
deit_base16 = _paper_builder("base", True)


def vit_tiny_digits(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                    classifier_activation="softmax", patch_size=VIT_DIGITS["patch_size"], dropout=0.0):
    """A small ViT for 28x28 digits and MNIST: 16 patches of 7x7, D 64, 2 blocks of 4 heads, MLP 128.

    Reference: keras-hub's ``ViTBackbone(image_shape=(28, 28, 1), patch_size=7, num_layers=2,
    num_heads=4, hidden_dim=64, mlp_dim=128)`` with a 10-class head: 72,074 parameters.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation: as
            in keras.applications; `input_shape` is ``(28, 28, 1)`` by default and must be a
            multiple of `patch_size`.
        patch_size: the patch size (7: a 4x4 grid at 28x28).
        dropout: dropout in the encoder blocks.

    Returns:
        A `keras.Model` named ``vit_tiny_digits``.

    Example:
        >>> vit_tiny_digits(input_shape=(8, 8, 1), patch_size=2).output_shape
        (None, 10)
    """
    entry = model_entry("vit_tiny_digits")
    return vision_transformer(
        **{k: v for k, v in VIT_DIGITS.items() if k != "patch_size"}, patch_size=patch_size,
        include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=entry.default_input_shape if input_shape is None and input_tensor is None else input_shape,
        pooling=pooling, classes=classes, classifier_activation=classifier_activation, dropout=dropout,
        name="vit_tiny_digits", entry=entry,
    )


def deit_tiny_digits(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                     classifier_activation="softmax", patch_size=VIT_DIGITS["patch_size"], dropout=0.0):
    """`vit_tiny_digits` with DeiT's distillation token and second head, averaged: one output.

    Reference: Touvron et al. 2021 (DeiT) at `vit_tiny_digits`' size: 72,852 parameters at 28x28x1
    with 10 classes (72,074 + the distillation token, its position, and ``head_dist``). The output is
    ``classifier_activation((head + head_dist) / 2)`` on the logits of the two heads (DeiT's
    inference), so it trains and saves like any classifier; `DeiTDistiller` trains the two heads
    apart (the class head on the labels, ``head_dist`` on the teacher's argmax).

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation: as
            in keras.applications; `input_shape` is ``(28, 28, 1)`` by default.
        patch_size: the patch size (7: a 4x4 grid at 28x28).
        dropout: dropout in the encoder blocks.

    Returns:
        A `keras.Model` named ``deit_tiny_digits``.

    Example:
        >>> deit_tiny_digits(input_shape=(8, 8, 1), patch_size=2).output_shape
        (None, 10)
    """
    entry = model_entry("deit_tiny_digits")
    model = vision_transformer(
        **{k: v for k, v in VIT_DIGITS.items() if k != "patch_size"}, patch_size=patch_size, distilled=True,
        include_top=include_top, input_tensor=input_tensor,
        input_shape=entry.default_input_shape if input_shape is None and input_tensor is None else input_shape,
        pooling=pooling, classes=classes, classifier_activation=None, dropout=dropout,
        name="deit_tiny_digits", entry=entry,
    )
    if include_top:
        # checked by vision_transformer's check_model_args: None or an activation name
        x = keras.layers.Average(name="heads_average")(model.outputs)
        if classifier_activation is not None:
            x = keras.layers.Activation(classifier_activation, name="predictions")(x)
        model = keras.Model(model.input, x, name="deit_tiny_digits")
    return load_weights(model, weights)


def distillation_heads(model):
    """The two heads' logits ``[head, head_dist]`` of a DeiT as one model sharing its layers.

    A model from `vision_transformer(distilled=True)` already has them as outputs; `deit_tiny_digits`
    averages them, and this undoes that (what `DeiTDistiller` trains).

    Example:
        >>> len(distillation_heads(deit_tiny_digits()).outputs)
        2
    """
    if len(model.outputs) == 2:
        return model
    try:
        heads = [model.get_layer(name).output for name in ("head", "head_dist")]
    except ValueError:
        raise ValueError(f"{model.name} is not a distilled DeiT: it needs two outputs [class head, distillation "
                         "head] or layers 'head' and 'head_dist' (build it with distilled=True or "
                         "deit_tiny_digits)") from None
    return keras.Model(model.input, heads, name=model.name)


def resize_vit(model, builder, input_shape, **kwargs):
    """Build `builder` at a new `input_shape` and copy `model`'s weights in, interpolating positions.

    Args:
        model: a trained ViT or DeiT from this module.
        builder: the function that built it (``vit_tiny_digits``), called with `input_shape` and
            `kwargs` (the same architecture arguments as `model`).
        input_shape: the new image shape; the patch size stays.

    Returns:
        The new model with every weight of `model`, the position embedding resized
        (`interpolate_position_embedding`).

    Example:
        >>> small = vit_tiny_digits(input_shape=(28, 28, 1))
        >>> resize_vit(small, vit_tiny_digits, (35, 35, 1)).output_shape
        (None, 10)
    """
    new = builder(input_shape=input_shape, **kwargs)
    old_embed, new_embed = model.get_layer("position_embedding"), new.get_layer("position_embedding")
    old_grid = model.get_layer("patch_embedding").output.shape[1:3]
    new_grid = new.get_layer("patch_embedding").output.shape[1:3]
    extra = old_embed.embedding.shape[1] - old_grid[0] * old_grid[1]
    for source, target in zip(model.layers, new.layers):
        if source.name != target.name:
            raise ValueError(f"{model.name} and the new model differ at layer {source.name} / {target.name}")
        if source is old_embed:
            target.set_weights([interpolate_position_embedding(ops.convert_to_numpy(old_embed.embedding),
                                                               old_grid, new_grid, extra_tokens=extra)])
        elif source.weights:
            target.set_weights(source.get_weights())
    assert new_embed.embedding.shape[1] == extra + new_grid[0] * new_grid[1]
    return new
