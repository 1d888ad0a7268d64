"""`run_checklist`: the five steps in order, printed as a report and saved as JSON and PNG plots."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field

from dlcourse.checklist.config import ChecklistConfig
from dlcourse.checklist.steps import (
    check_initial_loss,
    lr_range_test,
    model_builder,
    overfit_tiny_sample,
    short_grid_search,
    train_and_diagnose,
)

VERDICT_ORDER = ("pass", "warn", "fail")
STEP_NAMES = ("initial_loss", "tiny_sample", "lr_range", "grid", "final")


@dataclass
class ChecklistReport:
    """The checklist's outcome: one `StepResult` per step run, and the settings it ran with."""

    model: str
    data: str
    config: ChecklistConfig
    steps: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        """The worst verdict of all steps."""
        return max((s.verdict for s in self.steps), key=VERDICT_ORDER.index, default="pass")

    def step(self, number: int):
        """The `StepResult` of step `number` (1-5), or None when it did not run."""
        return next((s for s in self.steps if s.step == number), None)

    def to_dict(self) -> dict:
        return {"model": self.model, "data": self.data, "verdict": self.verdict, "seconds": self.seconds,
                "config": self.config.to_dict(), "steps": [s.to_dict() for s in self.steps]}

    def format(self) -> str:
        """The report as text: one block per step with its verdict and reason."""
        lines = [f"Training checklist (학습 체크리스트) for {self.model} on {self.data}: {self.verdict.upper()}"]
        for s in self.steps:
            lines.append(f"  {s.step}. {s.name:<27} [{s.verdict.upper():>4}] {s.case}")
            lines.append(f"     {s.reason}")
        return "\n".join(lines)

    def save(self, out_dir) -> list[str]:
        """Write ``report.json`` and the plots into `out_dir`; return the paths written."""
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, "report.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=2, ensure_ascii=False, default=float)
        return [path] + plot_report(self, out_dir)


def plot_report(report: ChecklistReport, out_dir) -> list[str]:
    """PNG plots of the steps that have curves: tiny_sample.png, lr_range.png, learning_curves.png."""
    from dlcourse.plotting import label_axes, new_figure, save_figure

    written = []
    tiny, lr_range, final = report.step(2), report.step(3), report.step(5)
    if tiny is not None and tiny.curves.get("loss"):
        fig, ax = new_figure(figsize=(5, 3.4))
        ax.plot(tiny.curves["loss"])
        ax.set_yscale("log")
        label_axes(ax, "step", "training loss", f"Overfit {tiny.details['examples']} examples (과적합)")
        written.append(save_figure(fig, os.path.join(out_dir, "tiny_sample.png")))
    if lr_range is not None and lr_range.curves.get("lr"):
        fig, ax = new_figure(figsize=(5, 3.4))
        ax.plot(lr_range.curves["lr"], lr_range.curves["loss"], alpha=0.35, label="loss")
        ax.plot(lr_range.curves["lr"], lr_range.curves["smoothed"], label="smoothed")
        if "suggested_lr" in lr_range.details:
            ax.axvline(lr_range.details["suggested_lr"], color="k", ls="--", label="suggested")
        ax.set_xscale("log")
        label_axes(ax, "learning rate (학습률)", "loss", "Learning-rate range test", legend=True)
        written.append(save_figure(fig, os.path.join(out_dir, "lr_range.png")))
    if final is not None and final.curves.get("history"):
        from dlcourse.train.plots import plot_learning_curves

        path = os.path.join(out_dir, "learning_curves.png")
        plot_learning_curves(final.curves["history"], path, title=f"{final.case}: {report.model} on {report.data}")
        written.append(path)
    return written


def run_checklist(model, data, config: ChecklistConfig | None = None, *, steps=STEP_NAMES, out_dir=None,
                  verbose: bool = False) -> ChecklistReport:
    """Run the notes' training checklist on `model` and `data`; return (and optionally save) the report.

    Args:
        model: a registered model name or a function returning a fresh, uncompiled model.
        data: an `ImageData` from `dlcourse.data.load_dataset`.
        config: a `ChecklistConfig` (default settings when None; `ChecklistConfig.quick()` for a
            fast look).
        steps: which steps to run, a subset of ``("initial_loss", "tiny_sample", "lr_range",
            "grid", "final")``; later steps use the earlier ones' findings when they ran.
        out_dir: where to save ``report.json`` and the PNG plots; None saves nothing.
        verbose: print each step's result as it finishes.

    Returns:
        A `ChecklistReport`.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> data = load_dataset("digits", image_size=8)
        >>> report = run_checklist("mlp", data, ChecklistConfig.quick(), steps=("initial_loss", "tiny_sample"))
        >>> print(report.format())
        Training checklist (학습 체크리스트) for mlp on digits: PASS
          1. initial loss                [PASS] ok
             initial loss 2.3... vs log(10) = 2.303: close, so the untrained model spreads its probability ...
          2. overfit a tiny sample       [PASS] memorised
             64 examples, 100 steps at learning rate 0.001: 100% training accuracy (loss ... -> ...); ...
    """
    from dlcourse.data import ImageData, as_image_data

    config = config or ChecklistConfig()
    if not isinstance(config, ChecklistConfig):
        raise TypeError(f"config must be a ChecklistConfig; got {type(config).__name__}")
    data = as_image_data(data)  # an ImageData as it is; (x, y) arrays checked and split
    unknown = [s for s in steps if s not in STEP_NAMES]
    if unknown or not steps:
        raise ValueError(f"steps must be a non-empty subset of {STEP_NAMES}; got {tuple(steps)!r}")
    model_builder(model, data)  # a bad model argument fails before any training
    name = model if isinstance(model, str) else getattr(model, "__name__", "model")
    report = ChecklistReport(name, data.name, config)
    start = time.perf_counter()

    def record(result):
        report.steps.append(result)
        if verbose:
            print(f"{result.step}. {result.name}: {result.verdict.upper()} ({result.case}) - {result.reason}", flush=True)
        return result

    initial = rate = None
    decay = 0.0
    if "initial_loss" in steps:
        initial = record(check_initial_loss(model, data, config)).details.get("initial_loss")
    memorised = None
    if "tiny_sample" in steps:
        memorised = record(overfit_tiny_sample(model, data, config)).case == "memorised"
    rate = config.learning_rate
    if "lr_range" in steps and rate is None:
        rate = record(lr_range_test(model, data, config)).details.get("suggested_lr")
    rate = rate or config.tiny_learning_rate
    if "grid" in steps:
        best = record(short_grid_search(model, data, rate, config)).details["best"]
        rate, decay = best["learning_rate"], best["weight_decay"]
    if "final" in steps:
        record(train_and_diagnose(model, data, rate, decay, config, initial_loss=initial, memorised=memorised))
    report.seconds = time.perf_counter() - start
    if out_dir is not None:
        report.save(out_dir)
    return report
