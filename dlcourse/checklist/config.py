"""The checklist's settings, one frozen dataclass saved with every report: `ChecklistConfig`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Integral, Real

from dlcourse.optim.names import OPTIMIZERS, SCHEDULES

FINAL_SCHEDULES = SCHEDULES  # the package's one vocabulary of schedule names


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, Real) or value <= 0:
        raise ValueError(f"{name} must be a positive number; got {value!r}")


def _fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value <= 1:
        raise ValueError(f"{name} must be in (0, 1]; got {value!r}")


@dataclass(frozen=True)
class ChecklistConfig:
    """How the training checklist (학습 체크리스트) runs; written into ``report.json``.

    The steps train with `optimizer` (ours, from `dlcourse.optim`: the update rules written out)
    and decoupled weight decay, each model compiled by its task (`dlcourse.train.tasks`).

    Args:
        optimizer: one of `dlcourse.optim.OPTIMIZERS` (``"sgd"`` is Nesterov momentum 0.9).
        batch_size: mini-batch size of steps 3 to 5.
        seed: seeds every model's initialisation and the data order.
        initial_loss_examples: training examples the untrained loss is measured on (step 1).
        initial_loss_tolerance: the untrained loss passes within this fraction of log(C).
        tiny_sample: examples of the tiny sample to overfit (과적합) in step 2.
        tiny_steps: full-batch steps on the tiny sample.
        tiny_learning_rate: the learning rate (학습률) of step 2.
        lr_min, lr_max, lr_steps: the learning-rate range test (step 3): the rate grows
            exponentially from lr_min to lr_max over lr_steps mini-batches.
        grid_lr_factors: the rates of the grid (step 4), as multiples of step 3's suggestion.
        grid_weight_decays: the weight decays (가중치 감쇠) of the grid.
        grid_epochs: epochs per grid point (the notes say 1 to 5).
        final_epochs: epochs of the longer run (step 5).
        final_schedule: its schedule, one of `dlcourse.optim.SCHEDULES`: ``"constant"``,
            ``"cosine"``, ``"step"`` (halve at each third of the run), ``"warmup_cosine"`` ...
        final_warmup_fraction: the warm-up of ``"warmup_cosine"`` (and the rise of ``"one_cycle"``).
        learning_rate: skip step 3's suggestion and centre the grid on this rate.
        target_accuracy: training accuracy below which a run without a gap counts as underfitting.
        gap_threshold: a train-minus-validation accuracy gap above this counts as overfitting.
        tolerance: relative loss improvement over `window` epochs below which training has stalled.
        window: epochs looked back over when judging a plateau or progress.

    Example:
        >>> ChecklistConfig.quick().final_epochs
        8
    """

    optimizer: str = "adam"
    batch_size: int = 64
    seed: int = 0
    initial_loss_examples: int = 512
    initial_loss_tolerance: float = 0.25
    tiny_sample: int = 64
    tiny_steps: int = 150
    tiny_learning_rate: float = 1e-3
    lr_min: float = 1e-6
    lr_max: float = 10.0
    lr_steps: int = 100
    grid_lr_factors: tuple = (0.3, 1.0, 3.0)
    grid_weight_decays: tuple = (0.0, 1e-4, 1e-3)
    grid_epochs: int = 3
    final_epochs: int = 20
    final_schedule: str = "constant"
    final_warmup_fraction: float = 0.1
    learning_rate: float | None = None
    target_accuracy: float = 0.9
    gap_threshold: float = 0.1
    tolerance: float = 0.01
    window: int = 3

    def __post_init__(self):
        for name in ("batch_size", "initial_loss_examples", "tiny_sample", "tiny_steps", "lr_steps",
                     "grid_epochs", "final_epochs", "window"):
            _positive_int(name, getattr(self, name))
        for name in ("initial_loss_tolerance", "tiny_learning_rate", "lr_min", "lr_max", "tolerance"):
            _positive(name, getattr(self, name))
        if self.learning_rate is not None:
            _positive("learning_rate", self.learning_rate)
        _fraction("target_accuracy", self.target_accuracy)
        _fraction("gap_threshold", self.gap_threshold)
        if self.lr_min >= self.lr_max:
            raise ValueError(f"lr_min must be below lr_max; got lr_min={self.lr_min}, lr_max={self.lr_max}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {self.optimizer!r}")
        if self.final_schedule not in FINAL_SCHEDULES:
            raise ValueError(f"final_schedule must be one of {FINAL_SCHEDULES}; got {self.final_schedule!r}")
        if isinstance(self.final_warmup_fraction, bool) or not isinstance(self.final_warmup_fraction, Real) \
                or not 0 <= self.final_warmup_fraction < 1:
            raise ValueError(f"final_warmup_fraction must be in [0, 1); got {self.final_warmup_fraction!r}")
        if not self.grid_lr_factors or any(not isinstance(f, Real) or f <= 0 for f in self.grid_lr_factors):
            raise ValueError(f"grid_lr_factors must be positive numbers; got {self.grid_lr_factors!r}")
        if not self.grid_weight_decays or any(not isinstance(d, Real) or d < 0 for d in self.grid_weight_decays):
            raise ValueError(f"grid_weight_decays must be numbers >= 0; got {self.grid_weight_decays!r}")

    @classmethod
    def quick(cls, **overrides) -> "ChecklistConfig":
        """Small settings for a first look, the CLI's ``--quick`` and the tests (measured: 21 s for the notes'
        CNN on the digits, process start included, on a 2-core AMD EPYC at load 1-2, 35 s at load 5, on
        2026-12-07: README, Measured)."""
        settings = dict(initial_loss_examples=256, tiny_steps=100, lr_steps=60, grid_lr_factors=(0.5, 1.0, 2.0),
                        grid_weight_decays=(0.0, 1e-3), grid_epochs=1, final_epochs=8)
        settings.update(overrides)
        return cls(**settings)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
