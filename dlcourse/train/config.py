"""How to train, as one frozen dataclass saved with every run: `TrainConfig`.

Example:
    >>> config = TrainConfig(epochs=5, learning_rate=1e-3)
    >>> config.resolve_epochs(steps_per_epoch=211)
    5
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

from dlcourse.optim.names import OPTIMIZERS, SCHEDULES, SGD_MOMENTUM  # noqa: F401  (their one home)
from dlcourse.train.devices import JIT_CHOICES, STRATEGIES


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")


@dataclass(frozen=True)
class TrainConfig:
    """How to train: saved as ``config.json`` in the run directory.

    With ``epochs=None`` (the default) the run is as long as `resolve_epochs` says: a fixed budget
    of optimiser steps, so small data sets get more epochs. The defaults are the course's recipe for small image classifiers: Adam with a short linear
    warm-up then cosine decay (학습률 스케줄) of a higher peak rate, on batches of 256. On MNIST it
    reaches 99% test accuracy with the notes' CNN in less wall time than the notes' recipe
    (`NOTES_RECIPE`: constant Adam 1e-3, batch 128, 4 epochs); see benchmarks/bench_recipes.py.
    """

    epochs: int | None = None
    min_steps: int = 600
    min_epochs: int = 3
    batch_size: int = 256
    optimizer: str = "adam"
    learning_rate: float = 4e-3
    schedule: str = "warmup_cosine"
    warmup_fraction: float = 0.1
    weight_decay: float = 0.0
    early_stopping_patience: int | None = 5
    jit_compile: object = "auto"
    strategy: str = "auto"
    seed: int | None = 0
    tensorboard: bool = True
    verbose: object = "auto"

    def __post_init__(self):
        if self.epochs is not None:
            _check_positive_int("epochs", self.epochs)
        _check_positive_int("min_steps", self.min_steps)
        _check_positive_int("min_epochs", self.min_epochs)
        _check_positive_int("batch_size", self.batch_size)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}; got {self.schedule!r}")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a positive number; got {self.learning_rate!r}")
        if not 0 <= self.warmup_fraction < 1:
            raise ValueError(f"warmup_fraction must be in [0, 1); got {self.warmup_fraction!r}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0; got {self.weight_decay!r}")
        if self.early_stopping_patience is not None:
            _check_positive_int("early_stopping_patience", self.early_stopping_patience)
        if self.jit_compile not in JIT_CHOICES:
            raise ValueError(f"jit_compile must be one of {JIT_CHOICES}; got {self.jit_compile!r}")
        if not isinstance(self.strategy, str) or self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}; got {self.strategy!r}")

    def resolve_epochs(self, steps_per_epoch: int) -> int:
        """`epochs`, or when it is None, enough epochs for `min_steps` optimiser steps (at least
        `min_epochs`): 3 epochs of MNIST at batch 256, about 100 of scikit-learn's small digits."""
        if self.epochs is not None:
            return self.epochs
        return max(self.min_epochs, math.ceil(self.min_steps / max(1, steps_per_epoch)))


# The notes' own recipe for their MNIST CNN.
NOTES_RECIPE = TrainConfig(
    epochs=4, batch_size=128, optimizer="adam", learning_rate=1e-3, schedule="constant",
    early_stopping_patience=None,
)


