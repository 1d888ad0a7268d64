"""K-fold cross-validation (K-겹 교차 검증) of Keras models with scikit-learn's KFold / StratifiedKFold.

Every fold trains a freshly built model (its own initial weights, optimiser and batch-norm
statistics) on K-1 folds of the training data and scores it on the held-out fold; the test split is
never touched. Reference: Hastie, Tibshirani & Friedman, The Elements of Statistical Learning, 7.10.

Example:
    >>> from dlcourse.data import load_dataset
    >>> result = cross_validate("mlp", load_dataset("digits", image_size=8), folds=5, epochs=5)
    >>> round(result.mean["accuracy"], 2), round(result.std["accuracy"], 2)
    (0.95, 0.01)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Integral
from typing import Callable

import numpy as np

from dlcourse.data import ImageData


@dataclass
class CVResult:
    """Per-fold metrics on the held-out folds, with their mean and standard deviation."""

    folds: list
    mean: dict
    std: dict
    stratified: bool
    seconds: float = 0.0


def check_folds(folds, n_examples: int):
    """Raise ValueError unless ``2 <= folds <= n_examples``."""
    if isinstance(folds, bool) or not isinstance(folds, Integral) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2; got {folds!r}")
    if folds > n_examples:
        raise ValueError(f"folds={folds} is larger than the number of examples ({n_examples}); use folds <= {n_examples}")


def kfold_splits(y, folds: int, stratified: bool = True, seed: int = 0) -> list:
    """``(train_index, held_out_index)`` pairs from scikit-learn's (Stratified)KFold, shuffled with `seed`."""
    from sklearn.model_selection import KFold, StratifiedKFold

    y = np.asarray(y)
    check_folds(folds, len(y))
    splitter = (StratifiedKFold if stratified else KFold)(n_splits=folds, shuffle=True, random_state=seed)
    if stratified and np.unique(y, return_counts=True)[1].max() < folds:
        raise ValueError(f"folds={folds}: no class has {folds} examples; lower folds or pass stratified=False")
    return list(splitter.split(np.zeros(len(y)), y))


def run_folds(x, y, fit_fold: Callable, folds: int = 5, stratified: bool = True, seed: int = 0) -> CVResult:
    """Call ``fit_fold(x_train, y_train, x_held_out, y_held_out, fold) -> metrics`` once per fold.

    Args:
        x, y: all the examples to split (NumPy arrays).
        fit_fold: trains a fresh model on the first pair and returns its metrics on the second.
        folds: K.
        stratified: StratifiedKFold (class proportions kept) instead of KFold.
        seed: the shuffle seed.

    Returns:
        A `CVResult`.
    """
    import time

    start = time.perf_counter()
    per_fold = []
    for fold, (train, held_out) in enumerate(kfold_splits(y, folds, stratified, seed)):
        metrics = fit_fold(x[train], y[train], x[held_out], y[held_out], fold)
        per_fold.append({k: float(v) for k, v in metrics.items()})
    names = per_fold[0].keys()
    mean = {k: float(np.mean([m[k] for m in per_fold])) for k in names}
    std = {k: float(np.std([m[k] for m in per_fold])) for k in names}
    return CVResult(per_fold, mean, std, stratified, time.perf_counter() - start)


def cross_validate(model, data: ImageData, folds: int = 5, *, stratified: bool = True, config=None,
                   callbacks=(), **overrides) -> CVResult:
    """Cross-validate (교차 검증) `model` on `data`'s training and validation images together.

    Args:
        model: a registered model name, or a function returning a new `keras.Model` (called once
            per fold). A built model is refused: its weights would carry from fold to fold.
        data: an `ImageData`; its train and val splits are pooled and re-split into `folds`.
        folds: K, between 2 and the number of examples.
        stratified: StratifiedKFold (default) or plain KFold.
        config: a `TrainConfig` for each fold's `dlcourse.train.fit`; `overrides` replace fields.
            Fold k trains with seed ``config.seed + k``: reproducible, and a different initialisation.
        callbacks: Keras callbacks (fresh copies per fold are not made: keep them stateless).

    Returns:
        A `CVResult` with per-fold loss and accuracy on the held-out fold, mean and std.

    Example:
        >>> cross_validate("mlp", load_dataset("digits", image_size=8), folds=3, epochs=2).mean
        {'accuracy': ..., 'loss': ...}
    """
    import keras

    from dlcourse.models import model_entry
    from dlcourse.train.config import TrainConfig
    from dlcourse.train.fit import fit

    if not isinstance(data, ImageData):
        raise TypeError(f"data must be an ImageData from dlcourse.data.load_dataset; got {type(data).__name__}")
    if isinstance(model, keras.Model):
        raise TypeError("model must be a registered name or a build function, not a built keras.Model: "
                        "each fold needs a freshly initialised model")
    if isinstance(model, str):
        model_entry(model)
    elif not callable(model):
        raise TypeError(f"model must be a registered model name or a build function; got {model!r}")
    x = np.concatenate([data.x_train, data.x_val])
    y = np.concatenate([data.y_train, data.y_val])
    check_folds(folds, len(y))
    config = dataclasses.replace(config or TrainConfig(tensorboard=False, verbose=0), **overrides)
    base_seed = config.seed or 0

    def fit_fold(x_train, y_train, x_held, y_held, fold):
        fold_data = dataclasses.replace(data, x_train=x_train, y_train=y_train, x_val=x_held, y_val=y_held,
                                        x_test=x_held[:0], y_test=y_held[:0])
        result = fit(model, fold_data, dataclasses.replace(config, seed=base_seed + fold), callbacks=callbacks)
        return result.model.evaluate(fold_data.val_dataset(), return_dict=True, verbose=0)

    return run_folds(x, y, fit_fold, folds, stratified, config.seed or 0)


def plot_folds(result: CVResult, path=None, metric: str = "accuracy", title: str = "K-fold cross-validation"):
    """Bar chart of `metric` per fold with the mean and one standard deviation; saved to `path` if given.

    Returns:
        The matplotlib Figure.
    """
    from dlcourse.validation.plotting import finish, new_axes

    values = [fold[metric] for fold in result.folds]
    fig, ax = new_axes((5, 3.2))
    ax.bar(range(1, len(values) + 1), values, color="tab:blue", alpha=0.8)
    mean, std = result.mean[metric], result.std[metric]
    ax.axhline(mean, color="black", label=f"mean {mean:.3f} ± {std:.3f}")
    ax.axhspan(mean - std, mean + std, color="grey", alpha=0.2)
    ax.set(xlabel="fold", ylabel=f"held-out {metric}", title=title)
    low = min(values + [mean - std])
    ax.set_ylim(max(0.0, low - 0.1 * (1 - low) - 0.02), min(1.0, max(values) + 0.02) if metric == "accuracy" else None)
    return finish(fig, ax, path, legend_loc="lower right")
