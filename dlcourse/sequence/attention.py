"""Attention written from the formula (어텐션, 자기 어텐션): ``softmax(Q K^T / sqrt(d_k)) V``.

Vaswani et al. 2017, "Attention is all you need", eq. 1 and the multi-head form
``MultiHead(Q, K, V) = Concat(head_1..head_h) W^O`` with ``head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)``.
`multi_head_attention` takes the weights of a ``keras.layers.MultiHeadAttention`` (its
``get_weights()`` order) and gives the same output, masks included (tests/test_attention.py).

A mask follows Keras' convention: True (or 1) where a query may attend to a key, shape broadcastable
to ``(batch, [heads,] queries, keys)``; masked scores are set to a large negative number before the
softmax, as Keras does, so their weights are 0.

Example:
    >>> import numpy as np
    >>> q = k = v = np.eye(3, dtype="float32")[None]
    >>> out, weights = scaled_dot_product_attention(q, k, v)
    >>> tuple(weights.shape), bool(np.allclose(np.sum(weights, axis=-1), 1))
    ((1, 3, 3), True)
"""

from __future__ import annotations

import math

from keras import ops

MASKED_SCORE = -1e9  # Keras' large negative number for float32 softmax masking


def scaled_dot_product_attention(query, key, value, mask=None):
    """``softmax(Q K^T / sqrt(d_k)) V`` over the last two axes; returns ``(output, weights)``.

    Args:
        query: ``(..., queries, d_k)``.
        key: ``(..., keys, d_k)``.
        value: ``(..., keys, d_v)``.
        mask: optional boolean ``(..., queries, keys)``, True where attending is allowed.

    Returns:
        The output ``(..., queries, d_v)`` and the attention weights ``(..., queries, keys)`` (each
        row sums to 1: the attention map to plot).

    Example:
        >>> import numpy as np
        >>> x = np.ones((1, 2, 4), "float32")
        >>> out, w = scaled_dot_product_attention(x, x, x, mask=np.array([[[True, False], [True, True]]]))
        >>> np.asarray(w)[0].tolist()
        [[1.0, 0.0], [0.5, 0.5]]
    """
    query, key, value = (ops.convert_to_tensor(t) for t in (query, key, value))
    d_k = query.shape[-1]
    scores = ops.matmul(query, ops.swapaxes(key, -1, -2)) / math.sqrt(d_k)
    if mask is not None:
        scores = ops.where(ops.cast(mask, "bool"), scores, MASKED_SCORE)
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, value), weights


def multi_head_attention(query, value, weights, *, key=None, mask=None):
    """Multi-head attention with the weights of a ``keras.layers.MultiHeadAttention``.

    Args:
        query: ``(batch, queries, d_model)``.
        value: ``(batch, keys, d_model)``; self-attention passes the same tensor as `query`.
        weights: the layer's ``get_weights()``: query kernel ``(d_model, heads, d_k)`` and bias
            ``(heads, d_k)``, the same for key and value, output kernel ``(heads, d_v, d_out)``
            and bias ``(d_out,)``.
        key: ``(batch, keys, d_model)``; `value` when None (as in Keras).
        mask: optional boolean ``(batch, queries, keys)``, True where attending is allowed.

    Returns:
        ``(output (batch, queries, d_out), attention weights (batch, heads, queries, keys))``.

    Example:
        >>> import keras, numpy as np
        >>> layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = np.random.default_rng(0).normal(size=(1, 3, 8)).astype("float32")
        >>> keras_out = layer(x, x)
        >>> ours, _ = multi_head_attention(x, x, layer.get_weights())
        >>> bool(np.allclose(ours, keras_out, atol=1e-5))
        True
    """
    if len(weights) != 8:
        raise ValueError(f"weights must be the 8 arrays of a MultiHeadAttention layer; got {len(weights)}")
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    key = value if key is None else key
    # project to heads: (batch, time, d_model) x (d_model, heads, d) -> (batch, heads, time, d)
    q = ops.einsum("btm,mhd->bhtd", query, wq) + ops.expand_dims(bq, 1)
    k = ops.einsum("btm,mhd->bhtd", key, wk) + ops.expand_dims(bk, 1)
    v = ops.einsum("btm,mhd->bhtd", value, wv) + ops.expand_dims(bv, 1)
    if mask is not None:
        mask = ops.expand_dims(ops.cast(mask, "bool"), 1)  # the same mask for every head
    heads, attention = scaled_dot_product_attention(q, k, v, mask)
    output = ops.einsum("bhtd,hdo->bto", heads, wo) + bo  # concatenate the heads, then W^O
    return output, attention
