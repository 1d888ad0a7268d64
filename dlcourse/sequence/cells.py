"""Recurrent cells written from their equations in `keras.ops` (순환 신경망: RNN, LSTM, GRU).

The same weights at every step (가중치 공유): a cell maps the input ``x_t`` and the previous state
to the new state, and `unroll` applies it along the sequence. Weights use Keras' layout, so a
Keras layer's ``get_weights()`` (kernel, recurrent kernel, bias) plugs straight in and the two
give the same outputs (tests/test_sequence_cells.py):

- SimpleRNN (Elman 1990): ``h_t = tanh(x_t W + h_{t-1} U + b)``.
- LSTM (Hochreiter & Schmidhuber 1997): ``[i, f, g, o] = x_t W + h_{t-1} U + b`` (Keras' gate
  order), ``c_t = σ(f) c_{t-1} + σ(i) tanh(g)``, ``h_t = σ(o) tanh(c_t)``.
- GRU (Cho et al. 2014), Keras' default ``reset_after=True``: ``[z, r, h̃]`` from ``x_t W + b_in``
  and ``h_{t-1} U + b_rec``; ``r`` is applied after the recurrent product:
  ``h̃ = tanh(x_h + σ(r) * (h U_h + b_rec,h))``, ``h_t = σ(z) h_{t-1} + (1 - σ(z)) h̃``.

Example:
    >>> recurrent_params("lstm", input_dim=28, units=128)
    80384
"""

from __future__ import annotations

import keras
from keras import ops

from dlcourse.checks import check_choice, check_positive_int

CELLS = ("simple_rnn", "lstm", "gru")
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}  # blocks of `units` columns in the kernels


def recurrent_params(kind: str, input_dim: int, units: int, *, reset_after: bool = True) -> int:
    """Parameters of one recurrent layer: ``gates * (units * (units + input_dim) + units)``.

    GRU with ``reset_after=True`` (Keras' default) has a second bias per gate: ``3 (u (u + n) + 2u)``.

    Args:
        kind: ``"simple_rnn"``, ``"lstm"`` or ``"gru"``.
        input_dim: features per time step (n).
        units: size of the hidden state (u).
        reset_after: GRU only, Keras' ``reset_after``.

    Returns:
        The parameter count, as Keras' ``count_params()``.

    Example:
        >>> [recurrent_params(k, 28, 128) for k in CELLS]
        [20096, 80384, 60672]
    """
    check_choice("kind", kind, CELLS)
    n, u = check_positive_int("input_dim", input_dim), check_positive_int("units", units)
    biases = 2 if kind == "gru" and reset_after else 1
    return GATES[kind] * (u * (u + n) + biases * u)


def simple_rnn_cell(x_t, h, kernel, recurrent_kernel, bias):
    """One SimpleRNN step: ``tanh(x_t W + h U + b)``; returns the new state."""
    return ops.tanh(ops.matmul(x_t, kernel) + ops.matmul(h, recurrent_kernel) + bias)


def lstm_cell(x_t, state, kernel, recurrent_kernel, bias):
    """One LSTM step; `state` is ``(h, c)``; returns the new ``(h, c)``."""
    h, c = state
    z = ops.matmul(x_t, kernel) + ops.matmul(h, recurrent_kernel) + bias
    i, f, g, o = ops.split(z, 4, axis=-1)  # input, forget, candidate, output: Keras' order
    c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(c), c


def gru_cell(x_t, h, kernel, recurrent_kernel, bias):
    """One GRU step (``reset_after=True``: `bias` is ``(2, 3 units)``, input and recurrent biases)."""
    x_z, x_r, x_h = ops.split(ops.matmul(x_t, kernel) + bias[0], 3, axis=-1)
    h_z, h_r, h_h = ops.split(ops.matmul(h, recurrent_kernel) + bias[1], 3, axis=-1)
    z = ops.sigmoid(x_z + h_z)  # update gate
    r = ops.sigmoid(x_r + h_r)  # reset gate
    candidate = ops.tanh(x_h + r * h_h)
    return z * h + (1 - z) * candidate


def unroll(kind: str, x, kernel, recurrent_kernel, bias, *, return_sequences: bool = False):
    """Run a cell along a sequence ``(batch, time, features)`` from a zero state (펼친 순환망).

    Args:
        kind: ``"simple_rnn"``, ``"lstm"`` or ``"gru"``.
        x: the inputs, ``(batch, time, features)``.
        kernel, recurrent_kernel, bias: the weights in Keras' layout (``layer.get_weights()``).
        return_sequences: return every hidden state ``(batch, time, units)``, not only the last.

    Returns:
        The last hidden state ``(batch, units)`` or all of them.

    Example:
        >>> import numpy as np
        >>> layer = keras.layers.SimpleRNN(4)
        >>> x = np.ones((2, 3, 5), "float32")
        >>> keras_h = layer(x)  # builds the layer, then its weights plug into ours
        >>> bool(np.allclose(unroll("simple_rnn", x, *layer.get_weights()), keras_h, atol=1e-6))
        True
    """
    check_choice("kind", kind, CELLS)
    x = ops.convert_to_tensor(x)
    if len(x.shape) != 3:
        raise ValueError(f"x must be (batch, time, features); got shape {tuple(x.shape)}")
    if x.shape[1] == 0:
        raise ValueError("x must have at least one time step; got a sequence length of 0")
    units = recurrent_kernel.shape[0]
    h = ops.zeros((ops.shape(x)[0], units), dtype=x.dtype)
    state = (h, h) if kind == "lstm" else h
    states = []
    for t in range(x.shape[1]):  # the same weights at every step
        if kind == "lstm":
            state = lstm_cell(x[:, t], state, kernel, recurrent_kernel, bias)
            h = state[0]
        else:
            cell = simple_rnn_cell if kind == "simple_rnn" else gru_cell
            h = state = cell(x[:, t], state, kernel, recurrent_kernel, bias)
        states.append(h)
    return ops.stack(states, axis=1) if return_sequences else h


def keras_layer(kind: str, units: int, **kwargs):
    """The Keras layer our `kind` of cell equals: ``keras.layers.SimpleRNN``, ``LSTM`` or ``GRU``."""
    check_choice("kind", kind, CELLS)
    layer = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[kind]
    return layer(check_positive_int("units", units), **kwargs)
