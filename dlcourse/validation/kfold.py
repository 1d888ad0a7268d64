"""K-fold cross-validation (K-겹 교차 검증) of Keras models with scikit-learn's KFold / StratifiedKFold.

Every fold trains a freshly built model (its own initial weights, optimiser and batch-norm
statistics) on K-1 folds of the training data and scores it on the held-out fold; the test split is
never touched. With a `directory`, each finished fold is saved as it ends (``fold_1.json`` ...) beside
the settings (``cv_config.json``): run again on it, only the unfinished folds train, and other
settings or data are refused, one line per difference. Reference: Hastie, Tibshirani & Friedman,
The Elements of Statistical Learning, 7.10.

Example:
    >>> from dlcourse.data import load_dataset
    >>> result = cross_validate("mlp", load_dataset("digits", image_size=8, limit=300), folds=3, epochs=2)
    >>> len(result.folds), sorted(result.mean)
    (3, ['accuracy', 'loss'])
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from numbers import Integral
from typing import Callable

import numpy as np

from dlcourse.data import ImageData, as_image_data
from dlcourse.validation.retracing import fresh_models

CV_CONFIG_FILE = "cv_config.json"
COSMETIC_SETTINGS = ("verbose", "tensorboard")  # settings that change no fold's result


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


def run_folds(x, y, fit_fold: Callable, folds: int = 5, stratified: bool = True, seed: int = 0, *,
              finished: dict | None = None, on_fold: Callable | None = None) -> CVResult:
    """Call ``fit_fold(x_train, y_train, x_held_out, y_held_out, fold) -> metrics`` once per fold.

    Args:
        x, y: all the examples to split (NumPy arrays).
        fit_fold: trains a fresh model on the first pair and returns its metrics on the second.
        folds: K.
        stratified: StratifiedKFold (class proportions kept) instead of KFold.
        seed: the shuffle seed.
        finished: ``{fold: metrics}`` of folds already done (0-based); they are not trained again.
        on_fold: called as ``on_fold(fold, metrics, trained)`` as each fold ends (or is read back).

    Returns:
        A `CVResult`.

    Example:
        >>> x, y = np.arange(8.0), np.arange(8) % 2
        >>> run_folds(x, y, lambda *split: {"accuracy": 1.0}, folds=2).mean
        {'accuracy': 1.0}
    """
    import time

    start = time.perf_counter()
    finished = finished or {}
    per_fold = []
    for fold, (train, held_out) in enumerate(kfold_splits(y, folds, stratified, seed)):
        trained = fold not in finished
        metrics = fit_fold(x[train], y[train], x[held_out], y[held_out], fold) if trained else finished[fold]
        per_fold.append({k: float(v) for k, v in metrics.items()})
        if on_fold is not None:
            on_fold(fold, per_fold[-1], trained)
    names = per_fold[0].keys()
    mean = {k: float(np.mean([m[k] for m in per_fold])) for k in names}
    std = {k: float(np.std([m[k] for m in per_fold])) for k in names}
    return CVResult(per_fold, mean, std, stratified, time.perf_counter() - start)


def data_record(data: ImageData) -> dict:
    """What a search or a cross-validation records of its data: name, split sizes, shape, fingerprint."""
    return {"name": data.name, "sizes": {split: len(data.arrays(split)[0]) for split in ("train", "val", "test")},
            "input_shape": list(data.input_shape), "num_classes": data.num_classes,
            "sha256": getattr(data, "sha256", None), "fingerprint": data.fingerprint()}


def _fold_file(directory, fold: int) -> str:
    return os.path.join(directory, f"fold_{fold + 1}.json")


def _write_json(path, value):
    with open(path + ".tmp", "w") as f:  # a kill mid-write leaves the old file, never half a new one
        json.dump(value, f, indent=2)
    os.replace(path + ".tmp", path)


def _finished_folds(directory, saved: dict, folds: int) -> dict:
    """Check `directory`'s recorded settings against `saved` (ValueError naming each difference),
    record them if new, and return the folds it has finished: ``{fold: metrics}``."""
    from dlcourse.train.rundir import differences

    path = os.path.join(directory, CV_CONFIG_FILE)
    if os.path.isfile(path):
        with open(path) as f:
            changed = differences(json.load(f), saved)
        if changed:
            raise ValueError(f"directory: {directory} holds a cross-validation made with other settings; use the "
                             "same settings or another directory:\n  " + "\n  ".join(changed))
    else:
        os.makedirs(directory, exist_ok=True)
        _write_json(path, saved)
    finished = {}
    for fold in range(folds):
        if os.path.isfile(_fold_file(directory, fold)):
            with open(_fold_file(directory, fold)) as f:
                finished[fold] = json.load(f)
    return finished


def cross_validate(model, data: ImageData, folds: int = 5, *, stratified: bool = True, config=None,
                   callbacks=(), directory=None, report=None, record=None, **overrides) -> CVResult:
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
        directory: where each finished fold is saved as it ends; run again on it, only the
            unfinished folds train (a model given as a function is recorded by its name).
        report: called as ``report(fold, metrics, trained)`` as each fold ends or is read back
            (`fold` counts from 0).
        record: extra facts to store in ``cv_config.json`` and compare when run again.

    Returns:
        A `CVResult` with per-fold loss and accuracy on the held-out fold, mean and std.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> result = cross_validate("mlp", load_dataset("digits", image_size=8, limit=200), folds=2, epochs=1)
        >>> sorted(result.mean)
        ['accuracy', 'loss']
    """
    import keras

    from dlcourse.models import model_entry
    from dlcourse.train.config import TrainConfig
    from dlcourse.train.fit import fit

    data = as_image_data(data)  # an ImageData as it is; (x, y) arrays checked and split
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
    finished = {}
    if directory is not None:
        directory = os.fspath(directory)
        settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in COSMETIC_SETTINGS
                    and not (k == "optimizer_args" and v is None)}  # the default: as directories recorded before it
        saved = json.loads(json.dumps({
            "model": model if isinstance(model, str) else getattr(model, "__qualname__", repr(model)),
            "folds": folds, "stratified": stratified, "settings": settings, "data": data_record(data),
            **(record or {}),
        }, default=str))
        finished = _finished_folds(directory, saved, folds)

    def on_fold(fold, metrics, trained):
        if directory is not None and trained:
            _write_json(_fold_file(directory, fold), metrics)
        if report is not None:
            report(fold, metrics, trained)

    def fit_fold(x_train, y_train, x_held, y_held, fold):
        fold_data = dataclasses.replace(data, x_train=x_train, y_train=y_train, x_val=x_held, y_val=y_held,
                                        x_test=x_held[:0], y_test=y_held[:0])
        result = fit(model, fold_data, dataclasses.replace(config, seed=base_seed + fold), callbacks=callbacks)
        return result.model.evaluate(fold_data.val_dataset(), return_dict=True, verbose=0)

    with fresh_models():  # K new models in a row: TensorFlow's retracing warning is expected here
        return run_folds(x, y, fit_fold, folds, stratified, config.seed or 0, finished=finished, on_fold=on_fold)


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
    return finish(fig, ax, path, legend_loc="below")
