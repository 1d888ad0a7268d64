"""Run directories never lose work: finished runs are not retrained, resumes are exact, other settings
are refused before anything is written, a second process is stopped, divergence is caught."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from conftest import stop_at_epoch

from dlcourse.models import mlp
from dlcourse.train import RunDirectoryError, TrainingDiverged, fit
from dlcourse.train.config import TrainConfig
from dlcourse.train.rundir import RunDirectory

QUICK = dict(verbose=0, tensorboard=False)


def small_mlp():
    return mlp(hidden_units=(32,), input_shape=(8, 8, 1))


def snapshot(folder):
    """Every file under `folder` with its bytes: what must not change."""
    files = {}
    for root, _, names in os.walk(folder):
        for name in names:
            if name != "run.lock":
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    files[os.path.relpath(path, folder)] = f.read()
    return files


def test_fit_is_callable_from_the_package():
    import dlcourse.train
    import dlcourse.train.fit  # noqa: F401  (importing the module must not hide the function)
    from dlcourse.train import fit as imported

    assert callable(imported) and callable(dlcourse.train.fit)


def test_a_finished_run_is_not_trained_again(digits8, tmp_path):
    first = fit("mlp", digits8, epochs=2, run_dir=tmp_path, **QUICK)
    before = snapshot(tmp_path)
    again = fit("mlp", digits8, epochs=2, run_dir=tmp_path, **QUICK)
    assert first.status == "trained" and again.status == "already finished"
    assert again.test == first.test and again.history == first.history
    assert snapshot(tmp_path) == before


def test_config_records_model_data_settings_and_versions(digits8, tmp_path):
    fit("mlp", digits8, epochs=1, run_dir=tmp_path, **QUICK)
    record = json.loads((tmp_path / "config.json").read_text())
    assert record["model"] == {"name": "mlp", "args": {"input_shape": [8, 8, 1], "classes": 10}}
    assert record["task"] == "classification"
    assert record["data"]["name"] == "digits" and record["data"]["fingerprint"] == digits8.fingerprint()
    assert record["data"]["sizes"] == {"train": len(digits8.x_train), "val": len(digits8.x_val),
                                       "test": len(digits8.x_test)}
    assert record["settings"]["epochs"] == 1 and record["settings"]["learning_rate"] == TrainConfig().learning_rate
    assert set(record["versions"]) >= {"dlcourse", "tensorflow", "keras", "device"}


@pytest.mark.slow
def test_a_resumed_run_ends_as_the_uninterrupted_one(digits, tmp_path):
    """Killed after its best epoch, resumed: the same history, best epoch and final weights."""
    settings = dict(epochs=10, early_stopping_patience=3, seed=5, learning_rate=3e-2, schedule="constant", **QUICK)
    whole = fit("notes_cnn", digits, run_dir=tmp_path / "whole", **settings)
    val_loss = whole.history["val_loss"]
    # Kill where early stopping is counting: the epoch before the kill did not improve on the best.
    kill = next(k for k in range(2, len(val_loss)) if int(np.argmin(val_loss[:k])) < k - 1)
    with pytest.raises(KeyboardInterrupt):
        fit("notes_cnn", digits, run_dir=tmp_path / "cut", callbacks=[stop_at_epoch(kill)], **settings)
    resumed = fit("notes_cnn", digits, run_dir=tmp_path / "cut", **settings)
    assert resumed.status == "resumed" and resumed.initial_epoch == kill
    assert (tmp_path / "cut" / "history.csv").read_text() == (tmp_path / "whole" / "history.csv").read_text()
    assert resumed.best_epoch == whole.best_epoch
    for a, b in zip(resumed.model.get_weights(), whole.model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    best_cut = keras.saving.load_model(tmp_path / "cut" / "best.keras")
    best_whole = keras.saving.load_model(tmp_path / "whole" / "best.keras")
    for a, b in zip(best_cut.get_weights(), best_whole.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_other_settings_are_refused_and_nothing_changes(digits8, tmp_path):
    fit("mlp", digits8, epochs=2, run_dir=tmp_path, **QUICK)
    before = snapshot(tmp_path)
    with pytest.raises(RunDirectoryError, match=rf"settings.learning_rate: {TrainConfig().learning_rate} then, 0.01 now"):
        fit("mlp", digits8, epochs=2, run_dir=tmp_path, learning_rate=1e-2, **QUICK)
    with pytest.raises(RunDirectoryError, match=r"model.args.hidden_units: '\(absent\)' then, \[64\] now"):
        fit("mlp", digits8, epochs=2, run_dir=tmp_path, model_args={"hidden_units": (64,)}, **QUICK)
    with pytest.raises(RunDirectoryError, match=r"data.sizes.train"):
        fit("mlp", digits8.__class__(**{**digits8.__dict__, "x_train": digits8.x_train[:100],
                                        "y_train": digits8.y_train[:100]}),
            epochs=2, run_dir=tmp_path, **QUICK)
    with pytest.raises(RunDirectoryError, match="epochs 1 is fewer than the 2"):
        fit("mlp", digits8, epochs=1, run_dir=tmp_path, **QUICK)
    assert snapshot(tmp_path) == before


def test_more_epochs_continue_a_finished_run(digits8, tmp_path):
    fit("mlp", digits8, epochs=2, run_dir=tmp_path, **QUICK)
    longer = fit("mlp", digits8, epochs=4, run_dir=tmp_path, **QUICK)
    assert longer.status == "resumed" and longer.initial_epoch == 2
    assert [r["epoch"] for r in RunDirectory(tmp_path).read_history()] == [0, 1, 2, 3]


def test_overwrite_moves_the_old_run_aside(digits8, tmp_path):
    fit("mlp", digits8, epochs=1, run_dir=tmp_path, **QUICK)
    before = snapshot(tmp_path)
    result = fit("mlp", digits8, epochs=1, run_dir=tmp_path, overwrite=True, learning_rate=1e-2, **QUICK)
    assert result.status == "trained"
    (replaced,) = (tmp_path / "replaced").iterdir()
    assert snapshot(replaced) == before


def test_a_second_process_is_stopped_at_once(digits8, tmp_path):
    with RunDirectory(tmp_path).lock():
        with pytest.raises(RunDirectoryError, match="is in use by process"):
            fit("mlp", digits8, epochs=1, run_dir=tmp_path, **QUICK)
        code = ("import sys; from dlcourse.cli import main; "
                f"sys.exit(main(['train', 'mlp', '--data', 'digits', '--image-size', '8', '--run-dir', {str(tmp_path)!r}]))")
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert other.returncode == 2
    assert "is in use by process" in other.stderr and "Traceback" not in other.stderr
    assert not (tmp_path / "config.json").exists()


def test_history_is_exact_after_a_kill_between_checkpoint_and_csv(digits8, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        fit("mlp", digits8, epochs=4, run_dir=tmp_path, callbacks=[stop_at_epoch(2)], **QUICK)
    history = tmp_path / "history.csv"
    history.write_text("\n".join(history.read_text().splitlines()[:-1]) + "\n")  # the last row never written
    fit("mlp", digits8, epochs=4, run_dir=tmp_path, **QUICK)
    assert [r["epoch"] for r in RunDirectory(tmp_path).read_history()] == [0, 1, 2, 3]


def test_a_corrupt_newest_checkpoint_falls_back_one_epoch(digits8, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        fit("mlp", digits8, epochs=4, run_dir=tmp_path, callbacks=[stop_at_epoch(3)], **QUICK)
    newest = tmp_path / "checkpoints" / "epoch-0003.npz"
    newest.write_bytes(newest.read_bytes()[:100])
    resumed = fit("mlp", digits8, epochs=4, run_dir=tmp_path, **QUICK)
    assert resumed.initial_epoch == 2
    assert [r["epoch"] for r in RunDirectory(tmp_path).read_history()] == [0, 1, 2, 3]


def test_divergence_stops_and_keeps_the_best_model(digits8, tmp_path):
    with pytest.raises(TrainingDiverged, match=r"diverged at epoch \d+, step \d+: loss is (nan|inf); try a lower --lr \(now 1e\+12\)"):
        fit("mlp", digits8, epochs=3, run_dir=tmp_path, optimizer="sgd", schedule="constant",
            learning_rate=1e12, **QUICK)
    assert not (tmp_path / "model.keras").exists() and not (tmp_path / "metrics.json").exists()


def test_divergence_after_a_good_epoch_keeps_that_best_model(digits8, tmp_path):
    class Explode(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                for variable in self.model.trainable_variables:
                    variable.assign(variable * np.inf)

    with pytest.raises(TrainingDiverged, match="diverged at epoch 3, step 1"):
        fit("mlp", digits8, epochs=4, run_dir=tmp_path, callbacks=[Explode()], **QUICK)
    best = keras.saving.load_model(tmp_path / "best.keras")
    assert all(np.isfinite(w).all() for w in best.get_weights())


def test_arrays_as_users_have_them_train_directly(digits8):
    x = (digits8.x_train * 255).round().astype("uint8")          # uint8 images: divided by 255, once
    y = digits8.y_train.astype("float32")                         # whole-number float labels: class ids
    result = fit("mlp", (x, y), epochs=3, **QUICK)
    assert result.history["accuracy"][-1] > 0.5 and result.test == {}
    with pytest.raises(ValueError, match="NaN"):
        fit("mlp", (np.where(x == 0, np.nan, x / 255.0), y), epochs=1)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 0, -1e-3])
def test_non_finite_or_non_positive_rates_are_refused(digits8, value):
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        fit("mlp", digits8, learning_rate=value)


def test_regression_task_trains_with_mse(tmp_path):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    result = fit(model, data, task="regression", epochs=30, learning_rate=5e-2, run_dir=tmp_path, **QUICK)
    assert set(result.history) == {"loss", "mae"}
    assert result.history["loss"][-1] < 0.01 < result.history["loss"][0]


def test_segmentation_task_reports_mean_iou(tmp_path):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.uniform(size=(64, 8, 8, 1)).astype("float32")
    y = (x[..., 0] > 0.5).astype("int64")           # per-pixel classes
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(2, 1, activation="softmax")(inputs))
    result = fit(model, data, validation_data=data, task="segmentation", epochs=40, learning_rate=0.1, **QUICK)
    assert {"loss", "accuracy", "mean_iou", "val_mean_iou"} <= set(result.history)
    assert result.history["val_mean_iou"][-1] > 0.9


@keras.saving.register_keras_serializable(package="dlcourse_tests")
class TinyAutoencoder(keras.Model):
    """A model with its own loss (reconstruction): fit trains it as it is."""

    task = "generation"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.encode = keras.layers.Dense(4, activation="relu")
        self.decode = keras.layers.Dense(8)

    def call(self, x):
        return self.decode(self.encode(x))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return keras.ops.mean(keras.ops.square(x - y_pred))


def test_a_model_with_its_own_loss_trains_and_resumes(tmp_path):
    import tensorflow as tf

    x = np.random.default_rng(0).normal(size=(128, 8)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((x, x)).batch(32)
    model = TinyAutoencoder()
    model(x[:1])
    with pytest.raises(KeyboardInterrupt):
        fit(model, data, epochs=6, run_dir=tmp_path, callbacks=[stop_at_epoch(3)], **QUICK)
    model = TinyAutoencoder()
    model(x[:1])
    result = fit(model, data, epochs=6, run_dir=tmp_path, **QUICK)
    assert result.task == "generation" and result.initial_epoch == 3
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert (tmp_path / "model.keras").is_file()


def test_cross_validation_takes_arrays_too(digits8):
    from dlcourse.validation import cross_validate

    x, y = digits8.arrays("train")
    result = cross_validate("mlp", ((x * 255).round().astype("uint8"), y), folds=2, epochs=2)
    assert len(result.folds) == 2 and 0 < result.mean["accuracy"] <= 1


class ReferenceAdamAutoencoder(TinyAutoencoder):
    """A model carrying its reference optimiser settings, as the GANs do."""

    optimizer_args = {"beta_1": 0.5}


def tiny_reconstruction_data():
    import tensorflow as tf

    x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    return x, tf.data.Dataset.from_tensor_slices((x, x)).batch(32)


def built(model_class, x):
    model = model_class()
    model(x[:1])
    return model


def test_a_models_optimizer_args_are_used_recorded_and_rebuilt_on_resume(tmp_path):
    x, data = tiny_reconstruction_data()
    with pytest.raises(KeyboardInterrupt):
        fit(built(ReferenceAdamAutoencoder, x), data, epochs=3, run_dir=tmp_path, callbacks=[stop_at_epoch(1)], **QUICK)
    record = json.loads((tmp_path / "config.json").read_text())
    assert record["settings"]["optimizer_args"] == {"beta_1": 0.5}
    resumed = fit(built(ReferenceAdamAutoencoder, x), data, epochs=3, run_dir=tmp_path, **QUICK)
    assert resumed.status == "resumed" and resumed.model.optimizer.beta_1 == 0.5
    with pytest.raises(RunDirectoryError, match=r"settings.optimizer_args.beta_1: 0.5 then, 0.9 now"):
        fit(built(ReferenceAdamAutoencoder, x), data, epochs=3, run_dir=tmp_path,
            optimizer_args={"beta_1": 0.9}, **QUICK)


def test_the_configs_optimizer_args_win_and_other_optimizers_ignore_the_models(tmp_path):
    x, data = tiny_reconstruction_data()
    mine = fit(built(ReferenceAdamAutoencoder, x), data, epochs=1, optimizer_args={"beta_1": 0.8}, **QUICK)
    assert mine.model.optimizer.beta_1 == 0.8 and mine.config.optimizer_args == {"beta_1": 0.8}
    keras_defaults = fit(built(ReferenceAdamAutoencoder, x), data, epochs=1, optimizer_args={}, **QUICK)
    assert keras_defaults.model.optimizer.beta_1 == 0.9
    sgd = fit(built(ReferenceAdamAutoencoder, x), data, epochs=1, optimizer="sgd", **QUICK)
    assert sgd.config.optimizer_args == {} and sgd.model.optimizer.momentum == 0.9
    with pytest.raises(TypeError, match="optimizer_args"):
        fit(built(ReferenceAdamAutoencoder, x), data, epochs=1, optimizer_args=[("beta_1", 0.5)], **QUICK)
    with pytest.raises(ValueError, match="optimizer_args: set weight_decay as TrainConfig's own"):
        fit(built(ReferenceAdamAutoencoder, x), data, epochs=1, optimizer_args={"weight_decay": 0.1}, **QUICK)


def test_a_run_recorded_before_optimizer_args_existed_still_resumes(tmp_path):
    x, data = tiny_reconstruction_data()
    with pytest.raises(KeyboardInterrupt):
        fit(built(TinyAutoencoder, x), data, epochs=3, run_dir=tmp_path, callbacks=[stop_at_epoch(1)], **QUICK)
    record = json.loads((tmp_path / "config.json").read_text())
    del record["settings"]["optimizer_args"]
    (tmp_path / "config.json").write_text(json.dumps(record))
    resumed = fit(built(TinyAutoencoder, x), data, epochs=3, run_dir=tmp_path, **QUICK)
    assert resumed.status == "resumed" and resumed.model.optimizer.beta_1 == 0.9
