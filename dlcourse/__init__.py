"""dlcourse: the TensorFlow/Keras companion package of an introductory deep-learning course.

Folders by concept: `models` (architectures, one registry), `blocks` (reusable pieces), `data`
(offline-ready data sets as tf.data pipelines), `train` (fit, the explicit loop, devices),
`analysis`, `optim`, `checklist`, `tuning`, `validation`; `cli` is the ``dlcourse`` command.

Example:
    >>> import dlcourse
    >>> model = dlcourse.models.notes_cnn()
"""

__version__ = "0.1.0"

from dlcourse import models  # noqa: E402  (the registry must be filled before use)

__all__ = ["models", "__version__"]
