"""The vanishing gradient (기울기 소실) measured: how much the last hidden state depends on each step.

Backpropagation through time (BPTT) multiplies one Jacobian per step, so in a SimpleRNN the gradient
of the last state with respect to early inputs shrinks geometrically with the distance (Bengio et al.
1994; Pascanu et al. 2013). LSTM's additive cell state ``c_t = f c_{t-1} + ...`` carries it further.
`gradient_norms_per_step` returns ``||d loss / d x_t||`` for every step t of one long sequence, with
``loss = sum(h_T)``: the plot of lesson 12, and tests/test_sequence.py asserts its direction.

Gradients are taken with TensorFlow's ``GradientTape``: this is the package's one backend-specific
place for sequences (STYLE rule 21).

Example:
    >>> norms = gradient_norms_per_step("simple_rnn", length=20, units=16)
    >>> norms.shape, bool(norms[0] < norms[-1])
    ((20,), True)
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_positive_int
from dlcourse.sequence.cells import keras_layer


def gradient_norms_per_step(kind: str, *, length: int = 100, units: int = 32, input_dim: int = 8,
                            seed: int = 0) -> np.ndarray:
    """Norm of the gradient of ``sum(h_T)`` with respect to each input step ``x_t``, t = 1..T.

    Args:
        kind: ``"simple_rnn"``, ``"lstm"`` or ``"gru"``: a freshly initialised Keras layer (Keras'
            default initialisers: Glorot kernel, orthogonal recurrent kernel, LSTM forget bias 1).
        length: time steps T of the random sequence (standard normal inputs).
        units: size of the hidden state.
        input_dim: features per step.
        seed: the seed of the weights and of the sequence.

    Returns:
        A float array of `length` norms; entry t is the gradient reaching step t from the end.

    Example:
        >>> gradient_norms_per_step("lstm", length=5).shape
        (5,)
    """
    import keras
    import tensorflow as tf

    length = check_positive_int("length", length)
    keras.utils.set_random_seed(seed)
    layer = keras_layer(kind, units)
    x = tf.Variable(np.random.default_rng(seed).normal(size=(1, length, check_positive_int("input_dim", input_dim)))
                    .astype("float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    gradient = tape.gradient(loss, x)[0]
    return np.linalg.norm(gradient.numpy(), axis=-1)
