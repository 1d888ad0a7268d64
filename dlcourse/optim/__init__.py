"""Optimisers written from their update rules, and learning-rate schedules (학습률 스케줄).

Example:
    >>> from dlcourse.optim import SGD, Warmup, CosineDecay
    >>> model.compile(SGD(Warmup(CosineDecay(0.1, 900), warmup_steps=100), momentum=0.9), "mse")
"""

from dlcourse.optim.optimizers import OPTIMIZERS, SGD, Adadelta, Adagrad, Adam, RMSprop, get_optimizer
from dlcourse.optim.schedules import (
    CosineDecay,
    LinearDecay,
    OneCycle,
    StepDecay,
    Warmup,
    plot_schedules,
    schedule_values,
)

__all__ = [
    "OPTIMIZERS", "SGD", "Adadelta", "Adagrad", "Adam", "RMSprop", "get_optimizer",
    "CosineDecay", "LinearDecay", "OneCycle", "StepDecay", "Warmup", "plot_schedules", "schedule_values",
]
