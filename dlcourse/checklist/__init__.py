"""The notes' training checklist (학습 체크리스트), automated: each step gives a verdict and a reason.

1. `check_initial_loss`: the untrained loss should be near log(C).
2. `overfit_tiny_sample`: a sound setup memorises a few dozen examples.
3. `lr_range_test`: a short exponential sweep of the learning rate suggests one.
4. `short_grid_search`: a few epochs over the best rates and weight decays.
5. `train_and_diagnose`: train longer and classify the learning curves (`diagnose_learning_curves`).

Example:
    >>> from dlcourse.checklist import ChecklistConfig, run_checklist
    >>> report = run_checklist("mlp", load_dataset("digits"), ChecklistConfig.quick(), out_dir="runs/doctor")
    >>> print(report.format())

On the command line: ``dlcourse doctor mlp --data digits --quick``.
"""

from dlcourse.checklist.config import ChecklistConfig
from dlcourse.checklist.curves import CASES, CurveDiagnosis, diagnose_learning_curves
from dlcourse.checklist.report import STEP_NAMES, ChecklistReport, run_checklist
from dlcourse.checklist.steps import (
    StepResult,
    check_initial_loss,
    lr_range_test,
    overfit_tiny_sample,
    short_grid_search,
    train_and_diagnose,
)

__all__ = [
    "CASES", "STEP_NAMES", "ChecklistConfig", "ChecklistReport", "CurveDiagnosis", "StepResult",
    "check_initial_loss", "diagnose_learning_curves", "lr_range_test", "overfit_tiny_sample",
    "run_checklist", "short_grid_search", "train_and_diagnose",
]
