"""Training one fresh model after another (folds, bootstrap rounds, ensemble members), quietly.

TensorFlow counts the traces of every Keras model's training function together (it keys them by
their shared code), so a loop of short fits of new models looks to it like one function retraced
again and again, and it warns ("... triggered tf.function retracing"). Here each trace is a new
model's first call, which is the point: `fresh_models` drops that one message and nothing else.
"""

from __future__ import annotations

import contextlib
import logging

RETRACING_MESSAGE = "triggered tf.function retracing"


class _DropRetracingWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return RETRACING_MESSAGE not in record.getMessage()


@contextlib.contextmanager
def fresh_models():
    """Within the block, TensorFlow's retracing warning is dropped (each fit builds a new model).

    Example:
        >>> with fresh_models():
        ...     pass
    """
    logger = logging.getLogger("tensorflow")
    quiet = _DropRetracingWarning()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)
