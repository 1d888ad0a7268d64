"""Hyperparameter search: bad input fails before any trial, every strategy writes its table, resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import keras_tuner as kt
import pytest

from dlcourse.cli import main
from dlcourse.train.tasks import get_task
from dlcourse.tuning import (
    ARCHITECTURES, OBJECTIVES, TUNERS, SearchConfig, SearchSpace, get_hypermodel, read_results, search,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TINY = SearchSpace(filters=(4, 8), depth=(1,), dense_units=(8,), dropout=(0.0, 0.0), batch_size=(64,))
CLI_TINY = ["--image-size", "8", "--limit", "300", "--epochs", "1", "--patience", "0"]


@pytest.fixture(scope="module")
def small8():
    from dlcourse.data import load_dataset

    return load_dataset("digits", image_size=8, limit=300)


def _plain_model(compile_metrics=("accuracy",), compiled=True):
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    if compiled:
        model.compile("adam", "sparse_categorical_crossentropy", metrics=list(compile_metrics))
    return model


@pytest.mark.parametrize("bad, message", [
    (dict(tuner="annealing"), "tuner must be one of"),
    (dict(max_trials=0), "max_trials"),
    (dict(epochs=0), "epochs"),
    (dict(objective="val_f1"), "objective must be one of"),
    (dict(folds=1), "folds"),
    (dict(folds=3, tuner="hyperband"), "folds"),
    (dict(folds=3, objective="loss"), "objective"),
])
def test_search_config_rejects_bad_settings(bad, message):
    with pytest.raises(ValueError, match=message):
        SearchConfig(**bad)


@pytest.mark.parametrize("bad, message", [
    (dict(filters=()), "filters must be a non-empty tuple"),
    (dict(learning_rate=(1e-2, 1e-4)), "learning_rate must be a .low, high. range"),
    (dict(dropout=(0.0, 1.5)), "dropout"),
    (dict(optimizers=("adam", "lion")), "optimizers must be among"),
    (dict(batch_size=(0,)), "batch_size must hold positive integers"),
])
def test_search_space_rejects_bad_values(bad, message):
    with pytest.raises(ValueError, match=message):
        SearchSpace(**bad)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1)])
def test_named_spaces_build_and_search_the_issues_hyperparameters(name, shape):
    hp = kt.HyperParameters()
    model = get_hypermodel(name, shape, 10).build(hp)
    assert model.output_shape == (None, 10)
    assert {"filters", "depth", "dropout", "learning_rate", "optimizer", "weight_decay", "batch_size"} <= set(hp.values)
    assert hp.get("learning_rate") and next(p for p in hp.space if p.name == "learning_rate").sampling == "log"


def _layers(model):
    return [(type(layer).__name__, tuple(layer.output.shape), layer.count_params()) for layer in model.layers]


def test_notes_cnn_space_at_its_default_point_is_the_registered_model():
    from dlcourse.models import notes_cnn

    searched = get_hypermodel("notes_cnn", (28, 28, 1), 10).build(kt.HyperParameters())
    assert _layers(searched) == _layers(notes_cnn())
    assert searched.count_params() == notes_cnn().count_params() == 93322


def test_vgg_and_resnet_spaces_are_built_from_the_blocks_and_reach_dropout():
    hp = kt.HyperParameters()
    hp.Fixed("dropout", 0.3)
    vgg = get_hypermodel("vgg_small", (8, 8, 1), 10).build(hp)
    assert {"block1_conv1", "block1_conv2", "block1_pool"} <= {layer.name for layer in vgg.layers}
    assert vgg.get_layer("dropout").rate == 0.3
    resnet = get_hypermodel("resnet_small", (8, 8, 1), 10).build(kt.HyperParameters())
    names = {layer.name for layer in resnet.layers}
    assert {"stem_conv", "stem_bn", "conv2_block1_1_conv", "conv2_block1_2_bn", "conv2_block1_add"} <= names


def test_depths_that_do_not_fit_the_images_are_not_offered():
    hp = kt.HyperParameters()
    get_hypermodel("notes_cnn", (8, 8, 1), 10).build(hp)  # 8 -> 6 -> 3 -> 1: two stages at most
    assert next(p for p in hp.space if p.name == "depth").values == [1, 2]
    with pytest.raises(ValueError, match=r"no depth in \(4,\) fits images of shape \(8, 8, 1\)"):
        get_hypermodel("vgg_small", (8, 8, 1), 10, SearchSpace(depth=(4,))).build(kt.HyperParameters())


def test_the_objective_is_the_tasks_unless_given():
    assert SearchConfig().objective is None
    assert SearchConfig(objective="val_mae").direction == "min"
    assert SearchConfig(objective="val_mean_iou").direction == "max"
    assert set(OBJECTIVES) >= {get_task(name).objective for name in ("classification", "regression", "segmentation")}


def test_depth_is_searched():
    hp = kt.HyperParameters()
    hp.Fixed("depth", 1)
    shallow = get_hypermodel("vgg_small", (8, 8, 1), 10).build(hp)
    hp = kt.HyperParameters()
    hp.Fixed("depth", 3)
    deep = get_hypermodel("vgg_small", (8, 8, 1), 10).build(hp)
    count = lambda m: sum(isinstance(layer, keras.layers.Conv2D) for layer in m.layers)
    assert (count(shallow), count(deep)) == (2, 6)


def _no_trial_ran(directory):
    return not (Path(directory) / "trials").exists() and not (Path(directory) / "results.csv").exists()


@pytest.mark.parametrize("build, objective, message", [
    (lambda hp: _plain_model(), "val_accuracy", "search space is empty"),
    (lambda hp: _plain_model(compile_metrics=()) if hp.Choice("u", [1, 2]) else None, "val_accuracy",
     "objective 'val_accuracy' is not reported"),
    (lambda hp: _plain_model(compiled=hp.Boolean("b") and False), "val_loss", "compiled model"),
])
def test_bad_search_fails_before_any_trial(small8, tmp_path, build, objective, message):
    with pytest.raises(ValueError, match=message):
        search(build, small8, directory=tmp_path, objective=objective, max_trials=2, epochs=1)
    assert _no_trial_ran(tmp_path)


def test_too_many_folds_fails_before_any_trial(small8, tmp_path):
    n = len(small8.x_train) + len(small8.x_val)
    with pytest.raises(ValueError, match=f"folds={n + 1} is larger than the number of examples"):
        search("notes_cnn", small8, directory=tmp_path, folds=n + 1, space=TINY)
    assert _no_trial_ran(tmp_path)


def test_unknown_names_fail_with_the_allowed_values(small8, tmp_path, capsys):
    with pytest.raises(TypeError, match="unknown search settings"):
        search("notes_cnn", small8, directory=tmp_path, trials=3)
    with pytest.raises(ValueError, match="unknown model 'resnet_tiny'"):
        search("resnet_tiny", small8, directory=tmp_path)
    with pytest.raises(SystemExit):
        main(["tune", "notes_cnn", "--tuner", "annealing"])
    assert "invalid choice: 'annealing' (choose from 'grid', 'random', 'bayesian', 'hyperband')" in capsys.readouterr().err
    assert _no_trial_ran(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("tuner", TUNERS)
def test_every_strategy_writes_one_row_per_finished_trial(small8, tmp_path, tuner):
    result = search("notes_cnn", small8, tuner=tuner, max_trials=2, epochs=2, space=TINY, directory=tmp_path,
                    report=None)
    rows = read_results(tmp_path)
    assert rows == json.loads(json.dumps(result.rows)) and len(rows) >= 1
    if tuner != "hyperband":
        assert len(rows) == 2
    assert len({r["trial"] for r in rows}) == len(rows)
    header = (tmp_path / "results.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["trial", "objective", "epochs", "seconds", "worker"] and "filters" in header
    assert all(0 <= r["objective"] <= 1 and 1 <= r["epochs"] <= 2 and r["seconds"] > 0 for r in rows)
    assert result.best["objective"] == max(r["objective"] for r in rows)
    assert json.loads((tmp_path / "search_config.json").read_text())["config"]["tuner"] == tuner
    assert (tmp_path / "objective_by_trial.png").stat().st_size > 0
    assert result.best_model().output_shape == (None, 10)
    with pytest.raises(ValueError, match="already holds a search"):
        search("notes_cnn", small8, tuner=tuner, max_trials=2, epochs=2, space=TINY, directory=tmp_path)


@pytest.mark.slow
def test_kfold_objective_is_the_mean_over_folds(small8, tmp_path, monkeypatch):
    from dlcourse.tuning import tuners

    trained = []  # (training examples, held-out examples) of every model a trial trains
    real_run_folds = tuners.run_folds

    def counting_run_folds(x, y, fit_fold, *args):
        def fit_and_count(x_train, y_train, x_held, y_held, fold):
            trained.append((len(x_train), len(x_held)))
            return fit_fold(x_train, y_train, x_held, y_held, fold)
        return real_run_folds(x, y, fit_and_count, *args)

    monkeypatch.setattr(tuners, "run_folds", counting_run_folds)
    result = search("notes_cnn", small8, tuner="random", max_trials=1, epochs=1, folds=2, space=TINY,
                    directory=tmp_path, report=None)
    pooled = len(small8.x_train) + len(small8.x_val)
    assert len(trained) == 2  # K models (not K-1), each on K-1 folds of train and val pooled
    assert all(n_train + n_held == pooled and abs(n_train - pooled / 2) <= 1 for n_train, n_held in trained)
    trial = result.tuner.oracle.get_trial(result.rows[0]["trial"])
    assert trial.metrics.exists("val_accuracy_std")  # only the K-fold path reports a spread
    assert result.rows[0]["objective"] == pytest.approx(trial.metrics.get_last_value("val_accuracy"))


TINY_SETTINGS = dict(tuner="random", max_trials=1, epochs=1, early_stopping_patience=None, space=TINY, report=None)


@pytest.fixture(scope="module")
def finished_search(small8, tmp_path_factory):
    """A one-trial search on disk, to resume with other settings."""
    directory = tmp_path_factory.mktemp("finished") / "search"
    search("notes_cnn", small8, directory=directory, **TINY_SETTINGS)
    return directory


@pytest.mark.parametrize("change, named", [
    (dict(space=SearchSpace(filters=(4, 16), depth=(1,), dense_units=(8,), dropout=(0.0, 0.0), batch_size=(64,))),
     ["space.filters.values: [4, 8] then, [4, 16] now"]),
    (dict(objective="val_loss"), ["config.objective: 'val_accuracy' then, 'val_loss' now"]),
    (dict(limit=200), ["data.fingerprint: ", "data.sizes.train: 270 then, 180 now", "data.sizes.val: 30 then, 20 now"]),
    (dict(image_size=10), ["data.fingerprint: ", "data.input_shape: [8, 8, 1] then, [10, 10, 1] now"]),
])
def test_resume_through_the_api_refuses_other_data_space_or_objective(finished_search, change, named):
    from dlcourse.data import load_dataset

    before = (finished_search / "search_config.json").read_bytes()
    data = load_dataset("digits", image_size=change.pop("image_size", 8), limit=change.pop("limit", 300))
    with pytest.raises(ValueError, match="holds a search made with other settings") as error:
        search("notes_cnn", data, directory=finished_search, resume=True, **{**TINY_SETTINGS, **change})
    lines = str(error.value).splitlines()[1:]
    for expected in named:
        assert any(line.strip().startswith(expected) for line in lines), lines
    assert len(lines) == len(named)
    assert (finished_search / "search_config.json").read_bytes() == before


def test_resume_with_the_same_settings_is_accepted(finished_search, small8):
    result = search("notes_cnn", small8, directory=finished_search, resume=True, **TINY_SETTINGS)
    assert [row["trial"] for row in result.rows] == ["0"]  # the finished trial, read back


@pytest.mark.slow
def test_resume_on_the_command_line_refuses_another_limit(tmp_path, capsys):
    command = ["tune", "notes_cnn", "--tuner", "random", "--dir", str(tmp_path), "--max-trials", "1"]
    assert main(command + CLI_TINY) == 0
    before = (tmp_path / "search_config.json").read_bytes()
    capsys.readouterr()
    assert main(command + ["--resume"] + CLI_TINY[:2] + ["--limit", "200"] + CLI_TINY[4:]) == 2
    err = capsys.readouterr().err
    assert "data_arguments.limit: 300 then, 200 now" in err and "data.sizes.train: 270 then, 180 now" in err
    assert (tmp_path / "search_config.json").read_bytes() == before


def _tune_command(directory, *extra):
    return [sys.executable, "-m", "dlcourse", "tune", "notes_cnn", "--tuner", "random", "--dir", str(directory),
            *CLI_TINY, *extra]


@pytest.mark.slow
def test_resume_continues_a_killed_search_without_rerunning_finished_trials(tmp_path):
    directory = tmp_path / "search"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(_tune_command(directory, "--max-trials", "5"), cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(read_results(directory)) < 2:
            assert process.poll() is None, "the search ended before it could be interrupted"
            assert time.monotonic() < deadline, "no two trials finished in time"
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finished = read_results(directory)
    assert 2 <= len(finished) < 5
    oracle = json.loads((directory / "trials" / "oracle.json").read_text())
    running = list(oracle["ongoing_trials"].values())
    running_values = {t: json.loads((directory / "trials" / f"trial_{t}" / "trial.json").read_text())
                      ["hyperparameters"]["values"] for t in running}

    assert main(["tune", "notes_cnn", "--tuner", "random", "--dir", str(directory), "--max-trials", "5"] + CLI_TINY) == 2
    assert main(["tune", "notes_cnn", "--tuner", "grid", "--dir", str(directory), "--max-trials", "5", "--resume"] + CLI_TINY) == 2
    assert main(["tune", "notes_cnn", "--tuner", "random", "--dir", str(directory), "--max-trials", "5", "--resume"] + CLI_TINY) == 0

    rows = read_results(directory)
    assert [r["trial"] for r in rows] == [str(i) for i in range(5)]
    by_id = {r["trial"]: r for r in rows}
    for row in finished:  # same seconds to the nanosecond: read back, not trained again
        assert by_id[row["trial"]] == row
    for trial, values in running_values.items():  # the interrupted trial ran again with its own values
        assert by_id[trial]["hyperparameters"] == values
    run_times = json.loads((directory / "trials" / "oracle.json").read_text())["run_times"]
    assert sorted(run_times) == [str(i) for i in range(5)] and set(run_times.values()) == {1}


def test_the_objective_plot_labels_its_axes_in_words(tmp_path):
    from dlcourse.tuning import plot_objective_by_trial
    from dlcourse.tuning.tuners import objective_label

    rows = [{"objective": v} for v in (0.5, 0.7, 0.6)]
    fig = plot_objective_by_trial({"random": rows}, tmp_path / "o.png", "val_accuracy")
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("trial (in the order run)", "validation accuracy")
    assert ax.get_title() == "validation accuracy by trial"
    assert list(ax.lines[0].get_ydata()) == [0.5, 0.7, 0.7]                 # the best so far
    assert objective_label("val_loss") == "validation loss" and objective_label("loss") == "training loss"
