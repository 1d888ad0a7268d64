"""Training: `fit` (any task, resumable run directories), the explicit `train_loop`, tasks, devices.

Example:
    >>> from dlcourse.train import fit, TrainConfig
    >>> callable(fit)
    True
"""

from dlcourse.train.config import TrainConfig
from dlcourse.train.fit import FitResult, fit  # the function: ``from dlcourse.train import fit`` calls it
from dlcourse.train.rundir import RunDirectoryError, TrainingDiverged
from dlcourse.train.tasks import TASKS, Task, get_task

__all__ = ["FitResult", "RunDirectoryError", "TASKS", "Task", "TrainConfig", "TrainingDiverged", "fit", "get_task"]
