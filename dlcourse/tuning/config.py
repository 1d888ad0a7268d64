"""How to search, as one frozen dataclass saved with the results: `SearchConfig`.

No TensorFlow here: the command line builds its ``tune`` parser from these constants.

Example:
    >>> config = SearchConfig(tuner="bayesian", max_trials=8, epochs=5, objective="val_loss")
    >>> config.direction
    'min'
"""

from __future__ import annotations

from dataclasses import dataclass

from dlcourse.checks import check_int

TUNERS = ("grid", "random", "bayesian", "hyperband")
# What the tasks' compiled models report each epoch (`dlcourse.train.tasks`): classifiers accuracy,
# segmenters mean IoU, regressors mean absolute error, every model its loss. With `folds`, the val_
# objectives are the mean over the held-out folds (교차 검증 평균).
OBJECTIVES = ("val_accuracy", "val_loss", "val_mean_iou", "val_mae", "accuracy", "loss", "mean_iou", "mae")
MINIMISED = ("loss", "mae")  # the objectives (without val_) a search minimises; the others it maximises
HYPERBAND_FACTOR = 3  # keras-tuner's default reduction factor


@dataclass(frozen=True)
class SearchConfig:
    """A hyperparameter search (하이퍼파라미터 탐색): saved as ``search_config.json`` beside the results.

    Attributes:
        tuner: the strategy: ``"grid"`` (그리드 탐색), ``"random"`` (랜덤 탐색), ``"bayesian"``
            (베이지안 최적화) or ``"hyperband"``.
        max_trials: how many hyperparameter sets to try (Hyperband sizes its brackets from
            `epochs` instead and ignores it).
        epochs: epochs per trial (Hyperband: the most epochs any trial gets).
        objective: one of `OBJECTIVES`, or None for the task's (`Task.objective`: ``val_accuracy``
            for classifiers); ``loss`` and ``mae`` are minimised, the others maximised.
        folds: None scores each trial on the validation split; K >= 2 scores it by K-fold
            cross-validation (교차 검증): K models, each trained on K-1 folds of the training and
            validation data pooled and scored on the remaining fold, averaged.
        stratified: with `folds`, keep class proportions in every fold (StratifiedKFold).
        early_stopping_patience: epochs without improvement of the objective before a trial
            stops (조기 종료); None trains every trial for `epochs`.
        executions_per_trial: times each trial is trained; the objective is their mean.
        seed: the tuner's and the folds' random seed.
    """

    tuner: str = "random"
    max_trials: int = 10
    epochs: int = 10
    objective: str | None = None
    folds: int | None = None
    stratified: bool = True
    early_stopping_patience: int | None = 3
    executions_per_trial: int = 1
    seed: int = 0

    def __post_init__(self):
        if self.tuner not in TUNERS:
            raise ValueError(f"tuner must be one of {TUNERS}; got {self.tuner!r}")
        check_int("max_trials", self.max_trials, 1)
        check_int("epochs", self.epochs, 1)
        if self.objective is not None and self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES} (what a trial reports); got {self.objective!r}")
        if self.folds is not None:
            check_int("folds", self.folds, 2)
            if self.objective is not None and not self.objective.startswith("val_"):
                raise ValueError(f"objective: with folds the objective is a held-out fold's score; use 'val_accuracy' "
                                 f"or 'val_loss', not {self.objective!r}")
            if self.tuner == "hyperband":
                raise ValueError("folds: Hyperband resumes trials from earlier brackets' weights, which "
                                 "K-fold scoring cannot; use tuner 'grid', 'random' or 'bayesian' with folds")
        if self.early_stopping_patience is not None:
            check_int("early_stopping_patience", self.early_stopping_patience, 1)
        check_int("executions_per_trial", self.executions_per_trial, 1)
        check_int("seed", self.seed, 0)

    @property
    def direction(self) -> str:
        """``"min"`` for loss and mean-absolute-error objectives, ``"max"`` for the others."""
        if self.objective is None:
            raise ValueError("objective: None until the task decides it (search() sets the task's objective)")
        return "min" if self.objective.removeprefix("val_") in MINIMISED else "max"
