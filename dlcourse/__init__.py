"""dlcourse: the TensorFlow/Keras companion package of an introductory deep-learning course.

Folders by concept: `models` (architectures, one registry), `blocks` (reusable pieces), `data`
(offline-ready data sets as tf.data pipelines), `train` (fit, the explicit loop, devices),
`analysis`, `optim`, `checklist`, `tuning`, `validation`; `cli` is the ``dlcourse`` command.

``import dlcourse`` imports none of them: each subpackage is imported the first time it is used
(``dlcourse.models``), so the package and the command line start in well under a second and
TensorFlow loads only for the work that needs it.

Example:
    >>> import dlcourse
    >>> model = dlcourse.models.notes_cnn()
"""

import importlib
import os

__version__ = "0.1.0"

# TensorFlow reads this once, when it is first imported: its INFO and WARNING start-up lines
# (CPU instruction sets, oneDNN) stay out of the course's output. A value the user set wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SUBPACKAGES = (
    "analysis", "blocks", "checklist", "checks", "cli", "data", "detection", "diagnostics", "models", "optim",
    "regularization", "train", "tuning", "validation",
)

__all__ = [*SUBPACKAGES, "__version__"]


def __getattr__(name):
    # PEP 562: `dlcourse.models` imports dlcourse/models the first time it is read.
    if name in SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'dlcourse' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(SUBPACKAGES))
