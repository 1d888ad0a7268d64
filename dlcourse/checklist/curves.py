"""Learning-curve diagnosis (학습 곡선 진단): which of the notes' six cases a training history shows.

The cases, in the order they are checked, each with what to do:

=====================  ==========================================================
``flat_from_start``    loss flat from the start: initialisation (or data/labels)
``decayed_too_early``  stalled right after a learning-rate decay: decay later
``overfitting``        large train/validation gap: regularise (규제)
``underfitting``       no gap, low accuracy, slow progress: bigger model, train longer
``still_improving``    validation loss still falling: train longer
``plateau``            stalled at a constant rate: add a schedule
=====================  ==========================================================

A stalled run at good accuracy whose rate was already decayed is ``healthy``.

Example:
    >>> diagnose_learning_curves({"loss": [2.3, 2.3, 2.29, 2.3]}).case
    'flat_from_start'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

CASES = ("flat_from_start", "decayed_too_early", "overfitting", "underfitting", "still_improving", "plateau", "healthy")

ADVICE = {
    "flat_from_start": (
        "the loss is flat from the start: the network is not learning at all. Check the weight "
        "initialisation (가중치 초기화: He for ReLU, Glorot for tanh/sigmoid, never zeros), that the "
        "inputs are scaled to [0, 1] and that labels match the images; then try a larger learning rate."
    ),
    "decayed_too_early": (
        "the loss stalled right after the learning rate was decayed at epoch {decay_epoch} while it "
        "was still falling before: the rate was decayed too early. Decay later (or less), or use "
        "cosine decay over the whole run."
    ),
    "overfitting": (
        "training accuracy {train_acc:.1%} vs validation {val_acc:.1%}: a gap of {gap:.1%} is "
        "overfitting (과적합). Regularise: weight decay, dropout, data augmentation (데이터 증강), "
        "early stopping, or more data."
    ),
    "still_improving": (
        "the best validation loss of the last {window} epochs is {recent:.1%} below the best before "
        "them: still improving, so train longer."
    ),
    "underfitting": (
        "no train/validation gap but training accuracy is only {train_acc:.1%}: the model underfits. "
        "Use a bigger model (more layers or units) and train longer."
    ),
    "plateau": (
        "the {watched} has plateaued: its best over the last {window} epochs ({best_recent:.3g}) is not "
        "{tolerance:.1%} below the best before them ({best_before:.3g}), at a constant learning rate, "
        "whose steps stay as large as they were: add a schedule (step decay or cosine) to settle into "
        "the minimum."
    ),
    "healthy": "the run converged with a small gap and good accuracy after its rate decayed: nothing to fix.",
}
# Progress under SLOW * tolerance over the window at low accuracy reads as underfitting, not "train longer".
SLOW = 10
EARLY_DECAY_FRACTION = 2 / 3  # only a decay before the last third of the run can be "too early"
VERDICTS = {"flat_from_start": "fail", "decayed_too_early": "warn", "overfitting": "warn",
            "still_improving": "warn", "underfitting": "warn", "plateau": "warn", "healthy": "pass"}


@dataclass(frozen=True)
class CurveDiagnosis:
    """The case a history shows, its verdict (pass/warn/fail), the reason, and the numbers behind it."""

    case: str
    verdict: str
    reason: str
    evidence: dict = field(default_factory=dict)


def _relative_drop(before, after):
    """How much `after` improved on `before`, as a fraction of `before`."""
    if not math.isfinite(before) or before == 0:
        return 0.0
    return (before - after) / abs(before)


def _decay_epochs(rates):
    return [i for i in range(1, len(rates)) if rates[i] < 0.9 * rates[i - 1]]


def diagnose_learning_curves(
    history: dict,
    *,
    initial_loss: float | None = None,
    target_accuracy: float = 0.9,
    gap_threshold: float = 0.1,
    tolerance: float = 0.01,
    window: int = 3,
) -> CurveDiagnosis:
    """Classify a training history into the notes' learning-curve cases.

    Args:
        history: per-epoch lists as from ``model.fit(...).history``: ``loss`` (required),
            ``val_loss``, ``accuracy``, ``val_accuracy`` and ``learning_rate`` (optional; needed to
            see a decay).
        initial_loss: the untrained loss (step 1); by default the first epoch's.
        target_accuracy: training accuracy below which a run without a gap underfits.
        gap_threshold: the train-minus-validation accuracy gap that counts as overfitting.
        tolerance: relative improvement over `window` epochs below which training has stalled.
        window: epochs to look back over.

    Returns:
        A `CurveDiagnosis`; its `case` is one of `CASES`.

    Example:
        >>> h = {"loss": [1.0, 0.5, 0.3, 0.2, 0.1], "accuracy": [0.7, 0.9, 0.95, 0.98, 1.0],
        ...      "val_loss": [1.0, 0.7, 0.7, 0.8, 0.9], "val_accuracy": [0.7, 0.8, 0.8, 0.8, 0.8]}
        >>> diagnose_learning_curves(h).case
        'overfitting'
    """
    loss = [float(v) for v in history.get("loss", [])]
    if len(loss) < 2:
        raise ValueError(f"history must hold at least 2 epochs of 'loss'; got keys {sorted(history)}")
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be a positive integer; got {window!r}")
    window = min(window, len(loss) - 1)
    val_loss = [float(v) for v in history.get("val_loss", [])]
    acc = history.get("accuracy")
    val_acc = history.get("val_accuracy")
    watched = val_loss if len(val_loss) == len(loss) else loss
    start = loss[0] if initial_loss is None else float(initial_loss)
    evidence = {
        "epochs": len(loss), "initial_loss": start, "final_loss": loss[-1],
        # best of the last `window` epochs against the best before them: robust to one noisy epoch
        "recent": _relative_drop(min(watched[:-window]), min(watched[-window:])),
        "best_before": min(watched[:-window]), "best_recent": min(watched[-window:]),
        "watched": "validation loss" if watched is val_loss else "training loss",
        "window": window, "tolerance": tolerance,
    }
    if acc:
        evidence["train_acc"] = float(acc[-1])
    if val_acc:
        evidence["val_acc"] = float(val_acc[-1])
        if acc:
            evidence["gap"] = float(acc[-1]) - float(val_acc[-1])

    def found(case, **extra):
        evidence.update(extra)
        return CurveDiagnosis(case, VERDICTS[case], ADVICE[case].format(**evidence), evidence)

    if not math.isfinite(loss[-1]) or _relative_drop(start, min(loss)) < 5 * tolerance:
        return found("flat_from_start")
    for k in _decay_epochs([float(r) for r in history.get("learning_rate", [])]):
        # a decay in the run's last third is where a schedule ends (cosine's last epochs), never "too early"
        enough_after = len(loss) - k >= window and k < EARLY_DECAY_FRACTION * len(loss)
        before = _relative_drop(loss[max(0, k - window)], loss[k - 1]) if k >= 1 else 0.0
        after = _relative_drop(loss[k], min(loss[k:]))
        if enough_after and before > window * tolerance and after < tolerance:
            return found("decayed_too_early", decay_epoch=k + 1)
    if evidence.get("gap", 0.0) > gap_threshold:
        return found("overfitting")
    low_accuracy = bool(acc) and float(acc[-1]) < target_accuracy
    if low_accuracy and evidence["recent"] < SLOW * tolerance:
        return found("underfitting")  # creeping up at low accuracy: capacity, not patience, is short
    if evidence["recent"] > tolerance:
        return found("still_improving")
    if low_accuracy:
        return found("underfitting")
    if not _decay_epochs([float(r) for r in history.get("learning_rate", [])]):
        return found("plateau")
    return found("healthy")
