"""Hyperparameter search (하이퍼파라미터 탐색) with keras-tuner: one function for the four strategies.

`search` runs grid search (그리드 탐색), random search (랜덤 탐색), Bayesian optimisation (베이지안
최적화) or Hyperband over a search space, scoring each trial on the validation split or by its
K-fold mean (교차 검증), with early stopping inside every trial. The directory receives
``search_config.json``, keras-tuner's own state under ``trials/``, and ``results.csv`` /
``results.json`` (one row per finished trial, rewritten as each trial ends).

Resuming is keras-tuner's: the same directory with ``resume=True`` reloads the oracle, so
finished trials are not run again; a trial that was running when the process died is run again
with the same hyperparameters (keras-tuner puts it on its retry queue). ``search_config.json``
records the settings, the task, the data (name, sizes, fingerprint of its arrays) and the search
space; resuming with any of them different is refused, one line per difference, before anything
is written (only ``max_trials`` may grow).

Distributed search is keras-tuner's too: set ``KERASTUNER_TUNER_ID`` (``chief`` for the process
holding the oracle, ``tuner0``, ``tuner1``, ... for workers), ``KERASTUNER_ORACLE_IP`` and
``KERASTUNER_ORACLE_PORT`` and run the same search in every process; the chief hands out trials
over gRPC and writes the results.

Reference: O'Malley et al., KerasTuner (2019); Bergstra & Bengio, Random search for
hyper-parameter optimization, JMLR 13 (2012); Li et al., Hyperband, JMLR 18 (2018).

Example:
    >>> from dlcourse.data import load_dataset
    >>> result = search("notes_cnn", load_dataset("digits", image_size=8, limit=200), tuner="bayesian",
    ...                 max_trials=2, epochs=1, directory="runs/tune-demo", report=None)
    >>> sorted(result.best)
    ['epochs', 'hyperparameters', 'objective', 'seconds', 'trial', 'worker']
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import logging
import os
import shutil
import time
import warnings
from dataclasses import dataclass

import keras
import keras_tuner as kt
import numpy as np

from dlcourse.data import ImageData, as_image_data
from dlcourse.train.rundir import differences
from dlcourse.train.tasks import Task, get_task
from dlcourse.tuning._keras_tuner_compat import is_worker, metrics_dict
from dlcourse.tuning.config import HYPERBAND_FACTOR, SearchConfig
from dlcourse.tuning.spaces import ARCHITECTURES, check_search_space, get_hypermodel, task_of_search
from dlcourse.validation.kfold import data_record, kfold_splits, run_folds
from dlcourse.validation.plotting import finish, new_axes

CONFIG_FILE = "search_config.json"
RESULTS_CSV = "results.csv"
RESULTS_JSON = "results.json"
PLOT_FILE = "objective_by_trial.png"
PROJECT = "trials"  # keras-tuner's project folder inside the search directory
TRIAL_INFO = "dlcourse_trial.json"  # who ran a trial, written into keras-tuner's trial folder
RESULT_FIELDS = ("trial", "objective", "epochs", "seconds", "worker")


@dataclass
class SearchResult:
    """What `search` returns: one row per finished trial, the best row, and the tuner itself."""

    rows: list
    best: dict
    config: SearchConfig
    directory: str
    seconds: float
    tuner: object

    def best_model(self):
        """The best trial's model, with its best epoch's weights."""
        with _without_optimizer_skip_warning():
            return self.tuner.get_best_models(1)[0]


@contextlib.contextmanager
def _without_optimizer_skip_warning():
    """Drops Keras' "Skipping variable loading for optimizer" warning when keras-tuner loads a checkpoint.

    keras-tuner loads a trial's checkpoint into a freshly compiled model (Hyperband's next round,
    `best_model`). Keras 3 checkpoints hold the optimiser's slots (momentum, Adam's moments) too;
    the fresh optimiser has not built its slots yet, so Keras skips them and warns. The model's
    weights load; only the optimiser's statistics restart, which the user cannot act on.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer", category=UserWarning)
        yield


class _CourseTuner:
    """Mixed into each keras-tuner tuner: K-fold scoring, epochs and seconds reported, a line per trial."""

    search_config: SearchConfig
    report = print

    def run_trial(self, trial, x, y, validation_data=None, **kwargs):
        start = time.perf_counter()
        if self.search_config.folds:
            metrics = self._kfold_trial(trial, x, y, **kwargs)
        else:
            with _without_optimizer_skip_warning():
                histories = super().run_trial(trial, x, y, validation_data=validation_data, **kwargs)
            metrics = metrics_dict(histories, self.oracle.objective)
            runs = [len(h.history["loss"]) for h in histories if isinstance(h, keras.callbacks.History)]
            metrics["epochs"] = float(np.mean(runs)) if runs else float("nan")
        metrics["seconds"] = time.perf_counter() - start
        info = {"worker": self.tuner_id, "epochs": metrics["epochs"], "seconds": metrics["seconds"]}
        with open(os.path.join(self.get_trial_dir(trial.trial_id), TRIAL_INFO), "w") as f:
            json.dump(info, f)
        if self.report:
            self.report(f"[{self.tuner_id}] trial {trial.trial_id}: {self.oracle.objective.name} "
                        f"{metrics[self.oracle.objective.name]:.4f} ({metrics['epochs']:.0f} epochs, "
                        f"{metrics['seconds']:.1f} s)", flush=True)
        return metrics

    def _kfold_trial(self, trial, x, y, callbacks=(), **kwargs):
        hp = trial.hyperparameters
        config = self.search_config

        def fit_fold(x_train, y_train, x_held, y_held, fold):
            model = self.hypermodel.build(hp)  # fresh weights, optimiser and statistics every fold
            history = self.hypermodel.fit(hp, model, x_train, y_train, validation_data=(x_held, y_held),
                                          callbacks=self._deepcopy_callbacks(callbacks), **kwargs)
            held = model.evaluate(x_held, y_held, return_dict=True, verbose=0)
            return {**{f"val_{k}": v for k, v in held.items()}, "epochs": len(history.history["loss"])}

        cv = run_folds(x, y, fit_fold, config.folds, config.stratified, config.seed)
        return {**cv.mean, f"{config.objective}_std": cv.std[config.objective]}


TUNER_CLASSES = {
    name: type(f"Course{base.__name__}", (_CourseTuner, base), {})
    for name, base in (("grid", kt.GridSearch), ("random", kt.RandomSearch),
                       ("bayesian", kt.BayesianOptimization), ("hyperband", kt.Hyperband))
}


def _not_retracing(record) -> bool:
    """Drops TensorFlow's "triggered tf.function retracing" warning during a search, and nothing else.

    Every trial builds a fresh model, and its train function traces once per batch shape: a full
    batch and the last, partial one, at each trial's own batch-size hyperparameter. That is the
    search working as designed, not a function rebuilt by mistake, so the warning's advice does
    not apply and there is nothing for the user to fix.
    """
    return "triggered tf.function retracing" not in record.getMessage()


def make_tuner(hypermodel, config: SearchConfig, directory):
    """The keras-tuner tuner `config.tuner` names, reloading any search already in `directory`."""
    kwargs = dict(
        hypermodel=hypermodel, objective=kt.Objective(config.objective, config.direction), seed=config.seed,
        executions_per_trial=config.executions_per_trial, directory=os.fspath(directory),
        project_name=PROJECT, overwrite=False,
    )
    if config.tuner == "hyperband":
        kwargs.update(max_epochs=config.epochs, factor=HYPERBAND_FACTOR)
    else:
        kwargs.update(max_trials=config.max_trials)
    tuner = TUNER_CLASSES[config.tuner](**kwargs)
    tuner.search_config = config
    if isinstance(tuner.oracle, kt.Oracle):  # a worker's oracle is a gRPC client of the chief's
        end_trial = tuner.oracle.end_trial

        def end_trial_and_write(trial):
            end_trial(trial)
            write_results(tuner.oracle, directory)

        tuner.oracle.end_trial = end_trial_and_write
        tuner.save()  # so a search killed in its first trial still resumes
    return tuner


def _trial_row(oracle, trial, directory) -> dict:
    info_path = os.path.join(directory, PROJECT, f"trial_{trial.trial_id}", TRIAL_INFO)
    info = {}
    if os.path.isfile(info_path):
        with open(info_path) as f:
            info = json.load(f)
    last = {name: trial.metrics.get_last_value(name) for name in ("epochs", "seconds")
            if trial.metrics.exists(name)}
    epochs, seconds = last.get("epochs", info.get("epochs")), last.get("seconds", info.get("seconds"))
    return {"trial": trial.trial_id, "objective": float(trial.score),
            "epochs": None if epochs is None else float(epochs), "seconds": None if seconds is None else float(seconds),
            "worker": info.get("worker", ""),
            "hyperparameters": dict(trial.hyperparameters.values)}


def write_results(oracle, directory) -> list:
    """Write ``results.csv`` and ``results.json``: one row per completed trial of `oracle`, by trial id."""
    trials = sorted(oracle.trials.values(), key=lambda t: t.trial_id)
    rows = [_trial_row(oracle, t, directory) for t in trials if t.status == "COMPLETED" and t.score is not None]
    names = list(dict.fromkeys(name for row in rows for name in row["hyperparameters"]))
    _atomic_write(os.path.join(directory, RESULTS_JSON), lambda f: json.dump(rows, f, indent=1))

    def write_csv(f):
        writer = csv.DictWriter(f, fieldnames=list(RESULT_FIELDS) + names)
        writer.writeheader()
        for row in rows:
            writer.writerow({**{k: row[k] for k in RESULT_FIELDS}, **row["hyperparameters"]})

    _atomic_write(os.path.join(directory, RESULTS_CSV), write_csv)
    return rows


def _atomic_write(path, write):
    # Readers (a user's `tail`, a test polling the file) never see half a table.
    with open(path + ".tmp", "w", newline="") as f:
        write(f)
    os.replace(path + ".tmp", path)


def read_results(directory) -> list:
    """The rows `search` wrote to ``directory/results.json`` (an empty list before the first trial ends)."""
    path = os.path.join(directory, RESULTS_JSON)
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        return json.load(f)


def _saved_search(config: SearchConfig, model, task: Task, data: ImageData, space: dict, record) -> dict:
    return {"config": dataclasses.asdict(config), "model": model if isinstance(model, str) else repr(model),
            "task": task.name, "data": data_record(data), "space": space, **(record or {})}


def _space_record(hp) -> dict:
    """The declared hyperparameters, ``{name: their keras-tuner config}``, as JSON would store them."""
    return json.loads(json.dumps({p.name: p.get_config() for p in hp.space}))


def _prepare_directory(directory, saved: dict, resume: bool, overwrite: bool):
    path = os.path.join(directory, CONFIG_FILE)
    if os.path.isfile(path):
        if overwrite:
            shutil.rmtree(os.path.join(directory, PROJECT), ignore_errors=True)
        elif resume:
            with open(path) as f:
                old = json.load(f)
            comparable = lambda record: {**record, "config": {k: v for k, v in record.get("config", {}).items()  # noqa: E731
                                                               if k != "max_trials"}}  # the budget may grow
            changed = differences(comparable(old), comparable(json.loads(json.dumps(saved))))
            if changed:
                raise ValueError(f"resume: {directory} holds a search made with other settings; use the same "
                                 "settings, another directory, or overwrite:\n  " + "\n  ".join(changed))
        else:
            raise ValueError(f"directory {directory} already holds a search: pass resume=True (--resume) to "
                             f"continue it or overwrite=True (--overwrite) to start again")
    os.makedirs(directory, exist_ok=True)
    with open(path, "w") as f:
        json.dump(saved, f, indent=2)


def search(model, data: ImageData, config: SearchConfig | None = None, *, directory, space=None, task=None,
           resume=False, overwrite=False, callbacks=(), report=print, record=None, **overrides) -> SearchResult:
    """Search `model`'s hyperparameters on `data` with the strategy `config.tuner` names.

    Every argument is checked, and the search space built once, before any trial starts.

    Args:
        model: a search-space name (`list_search_spaces()`: ``notes_cnn``, ``vgg_small``,
            ``resnet_small`` or any registered model), a `keras_tuner.HyperModel`, or a build
            function ``hp -> compiled keras.Model``.
        data: an `ImageData`; trials train on its train split and are scored on its val split, or
            with ``folds`` on K folds of train and val pooled.
        config: a `SearchConfig`; `overrides` replace its fields (``tuner="grid"``). Its objective,
            when None, is the task's (`Task.objective`: ``val_accuracy`` for classifiers).
        directory: where the search's files go.
        space: a `SearchSpace` narrowing or widening a named search space.
        task: one of `dlcourse.train.tasks.TASKS`; by default the registry entry's (classification
            for the searched architectures and for your own HyperModel).
        resume: continue the search already in `directory` (same settings, data, space and
            objective; max_trials may grow); any difference is refused, one line each.
        overwrite: discard the search already in `directory`.
        callbacks: extra Keras callbacks for every trial (early stopping is added by the config).
        report: called with one line per finished trial (None for silence).
        record: extra facts to store in ``search_config.json`` and compare on resume (the command
            line stores how it loaded the data: ``--limit``, ``--image-size``).

    Returns:
        A `SearchResult`; ``result.best["hyperparameters"]`` are the best trial's values.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> data = load_dataset("digits", image_size=8, limit=200)
        >>> result = search("vgg_small", data, max_trials=2, epochs=1, directory="runs/t", report=None)
        >>> 0 <= result.best["objective"] <= 1
        True
    """
    unknown = set(overrides) - {f.name for f in dataclasses.fields(SearchConfig)}
    if unknown:
        raise TypeError(f"unknown search settings {sorted(unknown)}; see SearchConfig")
    config = dataclasses.replace(config or SearchConfig(), **overrides)
    data = as_image_data(data)  # an ImageData as it is; (x, y) arrays checked and split
    if resume and overwrite:
        raise ValueError("resume and overwrite exclude each other")
    if record is not None and not isinstance(record, dict):
        raise TypeError(f"record must be a dict of facts to store; got {type(record).__name__}")
    named = isinstance(model, str)
    if task is not None:
        task = task if isinstance(task, Task) else get_task(task)
    elif named:
        if model not in ARCHITECTURES:
            from dlcourse.models import model_entry

            model_entry(model)  # unknown names fail here, with the registry's suggestions
        task = task_of_search(model)
    else:
        task = get_task("classification")
    if config.objective is None:
        config = dataclasses.replace(config, objective=task.objective)
    hypermodel = get_hypermodel(model, data.input_shape, data.num_classes, space, task if named else None)
    hp = check_search_space(hypermodel, config.objective)
    fit_kwargs = {"epochs": config.epochs, "verbose": 0}
    if config.folds:
        x, y = np.concatenate([data.x_train, data.x_val]), np.concatenate([data.y_train, data.y_val])
        kfold_splits(y, config.folds, config.stratified, config.seed)  # k too large etc. fails now
    else:
        x, y = data.x_train, data.y_train
        if config.objective.startswith("val_"):
            if len(data.x_val) == 0:
                raise ValueError(f"objective {config.objective!r} needs a validation split, and the data has none: "
                                 "load it with validation_split > 0, pass folds=K, or use objective='loss'")
            fit_kwargs["validation_data"] = (data.x_val, data.y_val)
    directory = os.fspath(directory)
    if not is_worker():
        saved = _saved_search(config, model, task, data, _space_record(hp), record)
        _prepare_directory(directory, saved, resume, overwrite)
    all_callbacks = list(callbacks)
    if config.early_stopping_patience:
        all_callbacks.append(keras.callbacks.EarlyStopping(
            config.objective, mode=config.direction, patience=config.early_stopping_patience,
            restore_best_weights=True))

    tuner = make_tuner(hypermodel, config, directory)
    tuner.report = report
    start = time.perf_counter()
    tf_logger = logging.getLogger("tensorflow")
    tf_logger.addFilter(_not_retracing)
    try:
        tuner.search(x, y, callbacks=all_callbacks, **fit_kwargs)
    finally:
        tf_logger.removeFilter(_not_retracing)
    seconds = time.perf_counter() - start
    rows = write_results(tuner.oracle, directory) if not is_worker() else []
    if rows:
        plot_objective_by_trial({config.tuner: rows}, os.path.join(directory, PLOT_FILE), config.objective)
    pick = max if config.direction == "max" else min
    best = pick(rows, key=lambda r: r["objective"]) if rows else {}
    return SearchResult(rows, best, config, directory, seconds, tuner)


def objective_label(objective: str) -> str:
    """A Keras history key as words for an axis: ``val_`` becomes "validation", ``_`` a space.

    Example:
        >>> objective_label("val_accuracy"), objective_label("loss")
        ('validation accuracy', 'training loss')
    """
    if objective.startswith("val_"):
        return "validation " + objective[len("val_"):].replace("_", " ")
    return "training " + objective.replace("_", " ")


def plot_objective_by_trial(results: dict, path=None, objective: str = "val_accuracy", title=None):
    """Plot each strategy's objective by trial (dots) and the best so far (line); save to `path` if given.

    Args:
        results: ``{strategy name: rows}`` with rows as `search` returns them.

    Returns:
        The matplotlib Figure.
    """
    pick = np.minimum if objective.endswith("loss") else np.maximum
    fig, ax = new_axes()
    for name, rows in results.items():
        values = np.array([row["objective"] for row in rows], dtype=float)
        trials = np.arange(1, len(values) + 1)
        (line,) = ax.plot(trials, pick.accumulate(values), "-", label=f"{name} (best so far)")
        ax.plot(trials, values, "o", color=line.get_color(), alpha=0.5)
    label = objective_label(objective)
    ax.set(xlabel="trial (in the order run)", ylabel=label, title=title or f"{label} by trial")
    return finish(fig, ax, path)
