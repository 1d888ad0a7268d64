"""The notes' training checklist (학습 체크리스트), automated: each step gives a verdict and a reason.

1. `check_initial_loss`: the untrained loss should be near log(C).
2. `overfit_tiny_sample`: a sound setup memorises a few dozen examples, its regularisation (규제) off.
3. `lr_range_test`: a short exponential sweep of the learning rate suggests one.
4. `short_grid_search`: a few epochs over the best rates and weight decays.
5. `train_and_diagnose`: train longer and classify the learning curves (`diagnose_learning_curves`);
   labels without signal (loss near log(C), validation at chance) come first, as ``no_signal``.

Example:
    >>> import os
    >>> from dlcourse.checklist import ChecklistConfig, run_checklist
    >>> from dlcourse.data import load_dataset
    >>> data = load_dataset("digits", image_size=8)
    >>> config = ChecklistConfig.quick(grid_weight_decays=(0.0,), final_epochs=4)
    >>> report = run_checklist("mlp", data, config, out_dir="runs/doctor")
    >>> [(s.step, s.case) for s in report.steps][:3]
    [(1, 'ok'), (2, 'memorised'), (3, 'found')]
    >>> sorted(os.listdir("runs/doctor"))
    ['learning_curves.png', 'lr_range.png', 'report.json', 'tiny_sample.png']

On the command line: ``dlcourse doctor mlp --data digits --quick``.
"""

from dlcourse.checklist.config import ChecklistConfig
from dlcourse.checklist.curves import CASES, CurveDiagnosis, diagnose_learning_curves
from dlcourse.checklist.report import STEP_NAMES, ChecklistReport, run_checklist
from dlcourse.checklist.steps import (
    NO_SIGNAL,
    StepResult,
    check_initial_loss,
    lr_range_test,
    overfit_tiny_sample,
    short_grid_search,
    train_and_diagnose,
    without_regularisation,
)

__all__ = [
    "CASES", "NO_SIGNAL", "STEP_NAMES", "ChecklistConfig", "ChecklistReport", "CurveDiagnosis", "StepResult",
    "check_initial_loss", "diagnose_learning_curves", "lr_range_test", "overfit_tiny_sample",
    "run_checklist", "short_grid_search", "train_and_diagnose", "without_regularisation",
]
