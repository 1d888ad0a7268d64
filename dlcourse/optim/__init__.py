"""Optimisers written from their update rules, learning-rate schedules (학습률 스케줄), and the one
vocabulary of optimiser and schedule names (`OPTIMIZERS`, `SCHEDULES`, `make_optimizer`,
`make_schedule`) that the rest of the package builds its optimisers from.

Importing this package does not import Keras: the optimisers and schedules load on first use.

Example:
    >>> from dlcourse.optim import SGD, Warmup, CosineDecay
    >>> optimizer = SGD(Warmup(CosineDecay(0.1, 900), warmup_steps=100), momentum=0.9)
"""

from dlcourse.lazy import lazy_exports
from dlcourse.optim.names import OPTIMIZERS, SCHEDULES, make_optimizer, make_schedule

_LAZY = {
    "SGD": "optimizers", "Adadelta": "optimizers", "Adagrad": "optimizers", "Adam": "optimizers",
    "RMSprop": "optimizers", "get_optimizer": "optimizers", "OPTIMIZER_CLASSES": "optimizers",
    "CosineDecay": "schedules", "LinearDecay": "schedules", "OneCycle": "schedules", "StepDecay": "schedules",
    "Warmup": "schedules", "plot_schedules": "schedules", "schedule_values": "schedules",
}


__getattr__, __dir__, __all__ = lazy_exports(
    __name__, _LAZY, eager=["OPTIMIZERS", "SCHEDULES", "make_optimizer", "make_schedule"],
)
