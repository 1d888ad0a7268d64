"""Training: fit's run directory, resuming after a kill, seeds, the explicit loop, devices, bad input."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from dlcourse.data import ImageData
from dlcourse.models import mlp, notes_cnn
from dlcourse.train.config import KERAS_DEFAULT_RECIPE, TrainConfig
from dlcourse.train.devices import resolve_jit_compile, resolve_strategy
from dlcourse.train.fit import fit
from dlcourse.train.loop import train_loop

QUICK = dict(epochs=2, verbose=0, tensorboard=False)


def small_mlp():
    return mlp(hidden_units=(32,), input_shape=(8, 8, 1))


def test_fit_writes_the_run_directory(digits8, tmp_path):
    result = fit(small_mlp, digits8, run_dir=tmp_path, **QUICK)
    for name in ("config.json", "history.csv", "best.keras", "model.keras", "metrics.json", "learning_curves.png"):
        assert (tmp_path / name).is_file(), name
    assert len(result.history["loss"]) == 2 and set(result.test) == {"accuracy", "loss"}
    assert json.loads((tmp_path / "config.json").read_text())["settings"]["epochs"] == 2
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(reloaded.predict(digits8.x_test[:5], verbose=0),
                               result.model.predict(digits8.x_test[:5], verbose=0), atol=1e-6)


def test_same_seed_gives_the_same_history(digits8):
    first = fit(small_mlp, digits8, seed=3, **QUICK).history
    second = fit(small_mlp, digits8, seed=3, **QUICK).history
    assert first == second
    assert fit(small_mlp, digits8, seed=4, **QUICK).history != first


def test_default_epochs_follow_a_step_budget():
    config = TrainConfig()
    assert config.resolve_epochs(steps_per_epoch=422) == 2   # MNIST at batch 128
    assert config.resolve_epochs(steps_per_epoch=11) == 73   # scikit-learn's digits
    assert config.resolve_epochs(steps_per_epoch=5000) == 2  # never fewer than min_epochs
    assert TrainConfig(epochs=7).resolve_epochs(6) == 7
    assert KERAS_DEFAULT_RECIPE.resolve_epochs(422) == 10


def test_train_loop_reaches_the_same_loss_as_fit(digits8):
    keras.utils.set_random_seed(0)
    ours, keras_fit = small_mlp(), small_mlp()
    keras_fit.set_weights(ours.get_weights())
    data = digits8.dataset("train", 64, shuffle=False)
    loop_history = train_loop(ours, data, epochs=3, optimizer=keras.optimizers.SGD(0.05))
    keras_fit.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    fit_history = keras_fit.fit(data, epochs=3, verbose=0, shuffle=False).history
    np.testing.assert_allclose(loop_history["loss"], fit_history["loss"], rtol=1e-5)
    np.testing.assert_allclose(loop_history["accuracy"], fit_history["accuracy"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), keras_fit.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert loop_history["loss"][-1] < loop_history["loss"][0]


def test_train_loop_with_xla_trains_too(digits8):
    history = train_loop(small_mlp(), digits8.dataset("train", 128), epochs=2, jit_compile=True)
    assert history["loss"][1] < history["loss"][0]


def test_cpu_never_picks_xla_by_default():
    strategy = resolve_strategy("auto")
    if strategy.extended.__class__.__name__ != "_DefaultDistributionExtended":
        pytest.skip("an accelerator is attached")
    assert resolve_jit_compile("auto", strategy) is False
    assert resolve_jit_compile(True, strategy) is True and resolve_jit_compile(False, strategy) is False


def test_fit_uses_the_resolved_compilation(digits8):
    assert fit(small_mlp, digits8, epochs=1, verbose=0, tensorboard=False).jit_compile is False
    assert fit(small_mlp, digits8, epochs=1, verbose=0, tensorboard=False, jit_compile=True).jit_compile is True


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        ({"epochs": 0}, ValueError, "epochs must be a positive integer"),
        ({"batch_size": -1}, ValueError, "batch_size must be a positive integer"),
        ({"optimizer": "adamm"}, ValueError, "optimizer must be one of"),
        ({"learning_rate": 0}, ValueError, "learning_rate must be a finite number > 0"),
        ({"jit_compile": "yes"}, ValueError, "jit_compile must be one of"),
        ({"strategy": "gpu"}, ValueError, "strategy must be one of"),
        ({"learning_rat": 0.1}, TypeError, "unknown training settings"),
    ],
)
def test_bad_settings_fail_before_training(digits8, overrides, error, match):
    with pytest.raises(error, match=match):
        fit(small_mlp, digits8, **overrides)


def test_wrong_input_shape_fails_before_training(digits8):
    with pytest.raises(ValueError, match=r"do not fit the model's input_shape \(28, 28, 1\)"):
        fit(notes_cnn(), digits8, epochs=1)


def test_labels_outside_the_class_range_fail_before_training(digits8):
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\]"):
        fit(mlp(input_shape=(8, 8, 1), classes=5), digits8, epochs=1)


def test_data_must_be_image_data_or_a_dataset():
    with pytest.raises(TypeError, match="ImageData"):
        fit(small_mlp, [np.zeros((4, 8, 8, 1)), np.zeros(4)])


def _history_rows(path):
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        return [line for line in f.read().splitlines()[1:] if line]


@pytest.mark.slow
def test_killed_training_resumes_from_its_last_epoch(tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "dlcourse", "train", "notes_cnn", "--data", "digits", "--epochs", "30",
               "--patience", "0", "--no-tensorboard", "--run-dir", str(run_dir)]
    history = run_dir / "history.csv"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 240
        while len(_history_rows(history)) < 3 and process.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "training finished before it could be interrupted"
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    finished_before = len(_history_rows(history))
    assert 3 <= finished_before < 30
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "Resuming" in resumed.stdout
    start = int(resumed.stdout.split("from epoch ")[1].split()[0])
    assert start >= 3
    epochs = [int(row.split(",")[0]) for row in _history_rows(history)]
    assert epochs == list(range(30))  # every epoch exactly once
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["initial_epoch"] == start
    assert metrics["test"]["accuracy"] > 0.9
