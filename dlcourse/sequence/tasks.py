"""Small sequence tasks made offline, for recurrent and attention models (순차 데이터).

- ``"first_symbol"``: a sequence of random one-hot symbols; the label is the FIRST symbol. The
  answer lies `length` steps back from the end, the long-range dependency that a SimpleRNN's
  vanishing gradient makes hard (Hochreiter & Schmidhuber 1997's long time lags).
- ``"majority"``: the label is the most frequent symbol (ties to the smallest id): every step matters.

Example:
    >>> x, y = make_sequence_task("first_symbol", count=4, length=6, symbols=3)
    >>> x.shape, y.tolist() == x[:, 0].argmax(-1).tolist()
    ((4, 6, 3), True)
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_choice, check_int, check_positive_int

SEQUENCE_TASKS = ("first_symbol", "majority")


def make_sequence_task(task: str = "first_symbol", *, count: int = 1000, length: int = 20, symbols: int = 4,
                       seed: int = 0) -> tuple:
    """Make ``(x, y)``: `count` one-hot sequences ``(count, length, symbols)`` float32 and int32 labels.

    Args:
        task: ``"first_symbol"`` or ``"majority"``.
        count: number of sequences.
        length: time steps per sequence (at least 1).
        symbols: size of the alphabet, also the number of classes (at least 2).
        seed: the random seed; the same seed gives the same arrays.

    Returns:
        ``(x, y)`` ready for ``fit(model, (x, y), task="sequence_classification")``.

    Example:
        >>> x, y = make_sequence_task("majority", count=2, length=5)
        >>> x.dtype.name, y.dtype.name
        ('float32', 'int32')
    """
    check_choice("task", task, SEQUENCE_TASKS)
    count = check_positive_int("count", count)
    length = check_positive_int("length", length)
    symbols = check_int("symbols", symbols, minimum=2)
    ids = np.random.default_rng(seed).integers(0, symbols, size=(count, length))
    x = np.eye(symbols, dtype="float32")[ids]
    if task == "first_symbol":
        y = ids[:, 0]
    else:
        y = np.argmax(x.sum(axis=1), axis=-1)
    return x, y.astype("int32")
