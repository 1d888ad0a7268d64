"""The Transformer encoder block (pre-norm) and the pieces a ViT adds: class token, position embedding.

Vaswani et al. 2017 with the pre-norm arrangement of ViT (Dosovitskiy et al. 2021, eq. 2-3):
``x = x + MSA(LN(x))``, ``x = x + MLP(LN(x))``, the MLP being Dense(mlp_dim, GELU) -> Dense(width).
The attention is ``keras.layers.MultiHeadAttention`` with ``key_dim = width / heads``, which
`dlcourse.sequence.multi_head_attention` reproduces from the formula. Parameters per block:
``4 D^2 + 4 D`` (attention) ``+ 2 D M + M + D`` (MLP) ``+ 4 D`` (two layer norms).

Example:
    >>> x = keras.Input((17, 64))
    >>> keras.Model(x, transformer_encoder_block(x, num_heads=4, mlp_dim=128, name="enc1")).count_params()
    33472
"""

from __future__ import annotations

import keras
from keras import ops

from dlcourse.checks import check_positive_int
from dlcourse.models.common import load_weights, model_input
from dlcourse.models.registry import model_entry
from dlcourse.models.sequence.recurrent import check_sequence_args

LN_EPSILON = 1e-6  # ViT's (timm and keras-hub) layer-norm epsilon


def check_heads(width, num_heads) -> int:
    """`num_heads` as an int, if it divides the model `width` (each head gets ``width / heads``)."""
    num_heads = check_positive_int("num_heads", num_heads)
    if width % num_heads:
        raise ValueError(f"num_heads {num_heads} must divide the width {width} (hidden_dim); "
                         f"divisors: {[h for h in range(1, width + 1) if width % h == 0]}")
    return num_heads


@keras.saving.register_keras_serializable(package="dlcourse")
class ClassToken(keras.layers.Layer):
    """A learned token put before the sequence: ViT's class token, DeiT's distillation token (토큰).

    Input ``(batch, n, D)`` -> ``(batch, n + 1, D)``, the token first.
    """

    def build(self, input_shape):
        self.token = self.add_weight(shape=(1, 1, input_shape[-1]), initializer="zeros", name="token")

    def call(self, x):
        token = ops.broadcast_to(ops.cast(self.token, x.dtype), (ops.shape(x)[0], 1, ops.shape(x)[-1]))
        return ops.concatenate([token, x], axis=1)

    def compute_output_shape(self, input_shape):
        length = None if input_shape[1] is None else input_shape[1] + 1
        return (input_shape[0], length, input_shape[-1])

    def macs(self):
        return 0  # a concatenation: no multiplications (see dlcourse.analysis.count_macs)


@keras.saving.register_keras_serializable(package="dlcourse")
class PositionEmbedding(keras.layers.Layer):
    """A learned position embedding (위치 인코딩) added to the tokens: one vector per position.

    Input and output ``(batch, n, D)``; the weight is ``(1, n, D)``. `interpolate_position_embedding`
    adapts a trained one to another image size.
    """

    def build(self, input_shape):
        self.embedding = self.add_weight(
            shape=(1, input_shape[1], input_shape[-1]), name="embedding",
            initializer=keras.initializers.RandomNormal(stddev=0.02),
        )

    def call(self, x):
        return x + ops.cast(self.embedding, x.dtype)

    def macs(self):
        return 0  # an addition


def interpolate_position_embedding(embedding, grid, new_grid, *, extra_tokens=1):
    """Resize a ViT position embedding ``(1, extra + gh * gw, D)`` to another patch grid (bicubic).

    The extra tokens' (class, distillation) positions are kept; the patches' positions are
    treated as a ``gh x gw`` image of D channels and resized, as timm's ``resample_abs_pos_embed``.

    Args:
        embedding: the trained position embedding.
        grid: ``(gh, gw)``, the patch grid it was trained on.
        new_grid: the patch grid of the new image size.
        extra_tokens: the tokens before the patches (1 for ViT, 2 for DeiT).

    Returns:
        The embedding ``(1, extra + new_gh * new_gw, D)`` as a numpy array.

    Example:
        >>> import numpy as np
        >>> interpolate_position_embedding(np.zeros((1, 17, 8)), (4, 4), (6, 6)).shape
        (1, 37, 8)
    """
    embedding = ops.convert_to_tensor(embedding, dtype="float32")
    extra, patches = embedding[:, :extra_tokens], embedding[:, extra_tokens:]
    if patches.shape[1] != grid[0] * grid[1]:
        raise ValueError(f"embedding holds {patches.shape[1]} patch positions, not a {grid[0]}x{grid[1]} grid")
    image = ops.reshape(patches, (1, grid[0], grid[1], patches.shape[-1]))
    if tuple(new_grid) != tuple(grid):
        image = ops.image.resize(image, tuple(new_grid), interpolation="bicubic", antialias=False)
    resized = ops.reshape(image, (1, new_grid[0] * new_grid[1], patches.shape[-1]))
    return ops.convert_to_numpy(ops.concatenate([extra, resized], axis=1))


def transformer_encoder_block(x, num_heads, mlp_dim, *, dropout=0.0, attention_dropout=0.0, name):
    """One pre-norm Transformer encoder block: ``x + MSA(LN(x))``, then ``x + MLP(LN(x))``.

    Args:
        x: tokens ``(batch, n, D)``.
        num_heads: attention heads; must divide D.
        mlp_dim: the MLP's hidden width (4 D in ViT).
        dropout: dropout after the attention and in the MLP.
        attention_dropout: dropout on the attention weights.
        name: prefix of the layer names (``encoder1`` -> ``encoder1_attention`` ...).

    Returns:
        The tokens, same shape. The attention layer is ``{name}_attention``: `attention_maps`
        reads its weights.

    Example:
        >>> y = transformer_encoder_block(keras.Input((5, 16)), num_heads=2, mlp_dim=32, name="b")
        >>> tuple(y.shape)
        (None, 5, 16)
    """
    width = x.shape[-1]
    num_heads = check_heads(width, num_heads)
    y = keras.layers.LayerNormalization(epsilon=LN_EPSILON, name=f"{name}_ln1")(x)
    y = keras.layers.MultiHeadAttention(num_heads, width // num_heads, dropout=attention_dropout,
                                        name=f"{name}_attention")(y, y)
    y = keras.layers.Dropout(dropout, name=f"{name}_attention_dropout")(y)
    x = keras.layers.Add(name=f"{name}_add1")([x, y])
    y = keras.layers.LayerNormalization(epsilon=LN_EPSILON, name=f"{name}_ln2")(x)
    y = keras.layers.Dense(check_positive_int("mlp_dim", mlp_dim), activation="gelu", name=f"{name}_mlp1")(y)
    y = keras.layers.Dropout(dropout, name=f"{name}_mlp_dropout")(y)
    y = keras.layers.Dense(width, name=f"{name}_mlp2")(y)
    return keras.layers.Add(name=f"{name}_add2")([x, y])


def attention_maps(model, x) -> dict:
    """The attention weights of every MultiHeadAttention layer of `model` for the inputs `x`.

    Returns:
        ``{layer name: array (batch, heads, queries, keys)}``, rows summing to 1: what lesson 12
        and 13 plot (어텐션 맵).

    Example:
        >>> import numpy as np
        >>> maps = attention_maps(attention_rows(input_shape=(8, 8, 1)), np.zeros((1, 8, 8, 1), "float32"))
        >>> maps["encoder1_attention"].shape
        (1, 4, 8, 8)
    """
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.MultiHeadAttention)]
    if not layers:
        raise ValueError(f"{model.name} has no MultiHeadAttention layer")
    maps = {}
    for layer in layers:
        query = layer.input[0] if isinstance(layer.input, (list, tuple)) else layer.input
        probe = keras.Model(model.input, query)  # the input the layer sees, then its weights
        tokens = probe(x, training=False)
        _, scores = layer(tokens, tokens, return_attention_scores=True, training=False)
        maps[layer.name] = ops.convert_to_numpy(scores)
    return maps


ATTENTION_ROWS = {"width": 64, "num_heads": 4, "mlp_dim": 128, "depth": 1}


def attention_rows(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                   classifier_activation="softmax", depth=ATTENTION_ROWS["depth"]):
    """A one-block self-attention classifier over the rows of an image (자기 어텐션).

    Rows ``(height, width * channels)`` -> Dense(64) -> learned position embedding -> `depth`
    pre-norm encoder blocks (4 heads, MLP 128) -> layer norm -> mean over rows -> classifier:
    37,898 parameters at 28x28x1 and 10 classes.

    Reference: Vaswani et al. 2017 (the encoder block); the rows as tokens, as the RNN classifiers.

    Args:
        include_top: whether to add the Dense classifier (else the mean token is the output).
        weights: None, or the path of a ``.weights.h5`` file saved from this model.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(height, width, channels)``, ``(28, 28, 1)`` by default.
        pooling: must be None (the tokens are averaged).
        classes: number of classes.
        classifier_activation: the output activation; None returns logits.
        depth: number of encoder blocks.

    Returns:
        A `keras.Model` named ``attention_rows``.

    Example:
        >>> attention_rows(input_shape=(8, 8, 1)).output_shape
        (None, 10)
    """
    input_shape = check_sequence_args(
        model_entry("attention_rows"), include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, classifier_activation=classifier_activation,
    )
    classes = int(classes)  # numpy integers too
    x, inputs = model_input(input_shape, input_tensor)
    height, width, channels = input_shape
    x = keras.layers.Reshape((height, width * channels), name="rows")(x)
    x = keras.layers.Dense(ATTENTION_ROWS["width"], name="row_embedding")(x)
    x = PositionEmbedding(name="position_embedding")(x)
    for i in range(1, check_positive_int("depth", depth) + 1):
        x = transformer_encoder_block(x, ATTENTION_ROWS["num_heads"], ATTENTION_ROWS["mlp_dim"], name=f"encoder{i}")
    x = keras.layers.LayerNormalization(epsilon=LN_EPSILON, name="ln")(x)
    x = keras.layers.GlobalAveragePooling1D(name="avg_pool")(x)
    if include_top:
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return load_weights(keras.Model(inputs, x, name="attention_rows"), weights)
