"""The training checklist: each verdict provoked on purpose, and the learning-curve cases on synthetic histories."""

import dataclasses
import json
import math

import keras
import numpy as np
import pytest

from dlcourse.checklist import (
    CASES,
    ChecklistConfig,
    check_initial_loss,
    diagnose_learning_curves,
    overfit_tiny_sample,
    run_checklist,
    without_regularisation,
)
from dlcourse.models import notes_cnn

QUICK = ChecklistConfig.quick()


@pytest.fixture(scope="module")
def digits():
    from dlcourse.data import load_dataset

    return load_dataset("digits")


def _mlp(hidden_units=(128,)):
    from dlcourse.models import mlp

    return lambda: mlp(hidden_units=hidden_units, input_shape=(28, 28, 1), classes=10)


# --- learning-curve diagnosis on synthetic histories: one per case -------------------------------

SYNTHETIC = {
    "flat_from_start": {"loss": [2.30, 2.30, 2.29, 2.30, 2.30], "accuracy": [0.1] * 5},
    "decayed_too_early": {"loss": [2.0, 1.5, 1.1, 0.80, 0.798, 0.797, 0.797, 0.797],
                          "accuracy": [0.5, 0.6, 0.7, 0.75, 0.75, 0.75, 0.75, 0.75],
                          "learning_rate": [1e-2] * 4 + [1e-3] * 4},
    "overfitting": {"loss": [1.0, 0.5, 0.3, 0.1, 0.05], "accuracy": [0.7, 0.9, 0.95, 0.99, 1.0],
                    "val_loss": [1.0, 0.7, 0.7, 0.8, 0.9], "val_accuracy": [0.7, 0.8, 0.8, 0.8, 0.8]},
    "still_improving": {"loss": [2.0, 1.0, 0.6, 0.4, 0.3], "accuracy": [0.5, 0.7, 0.85, 0.9, 0.93],
                        "val_loss": [1.8, 1.0, 0.7, 0.5, 0.4], "val_accuracy": [0.5, 0.7, 0.84, 0.89, 0.92]},
    "underfitting": {"loss": [2.0, 1.6, 1.5, 1.49, 1.485], "accuracy": [0.3, 0.45, 0.5, 0.5, 0.5],
                     "val_loss": [2.0, 1.6, 1.5, 1.49, 1.487], "val_accuracy": [0.3, 0.45, 0.49, 0.5, 0.5]},
    "plateau": {"loss": [1.0, 0.3, 0.2, 0.199, 0.199, 0.199], "accuracy": [0.8, 0.93, 0.95, 0.95, 0.95, 0.95],
                "val_loss": [1.0, 0.3, 0.21, 0.21, 0.21, 0.21], "val_accuracy": [0.8, 0.93, 0.94, 0.94, 0.94, 0.94],
                "learning_rate": [1e-3] * 6},
    "healthy": {"loss": [1.0, 0.3, 0.2, 0.1, 0.099, 0.099, 0.099], "accuracy": [0.8, 0.93, 0.95] + [0.98] * 4,
                "val_loss": [1.0, 0.3, 0.21] + [0.12] * 4, "val_accuracy": [0.8, 0.93, 0.94] + [0.97] * 4,
                "learning_rate": [1e-2] * 3 + [1e-3] * 4},
}


@pytest.mark.parametrize("case", sorted(SYNTHETIC))
def test_diagnosis_names_each_case(case):
    diagnosis = diagnose_learning_curves(SYNTHETIC[case])
    assert diagnosis.case == case
    assert diagnosis.verdict == ("pass" if case == "healthy" else "fail" if case == "flat_from_start" else "warn")
    assert diagnosis.reason and "{" not in diagnosis.reason


def test_every_case_has_a_synthetic_history():
    assert set(SYNTHETIC) == set(CASES)


def test_diagnosis_advice_says_what_to_do():
    assert "regularis" in diagnose_learning_curves(SYNTHETIC["overfitting"]).reason.lower()
    plateau = diagnose_learning_curves(SYNTHETIC["plateau"]).reason
    assert "schedule" in plateau  # and why: the numbers behind the stall
    assert "validation loss has plateaued: its best over the last 3 epochs (0.21)" in plateau
    assert "the best before them (0.21)" in plateau and "constant learning rate" in plateau
    assert "epoch 5" in diagnose_learning_curves(SYNTHETIC["decayed_too_early"]).reason
    assert "bigger model" in diagnose_learning_curves(SYNTHETIC["underfitting"]).reason
    assert "train longer" in diagnose_learning_curves(SYNTHETIC["still_improving"]).reason


def test_diagnosis_and_config_reject_bad_input():
    with pytest.raises(ValueError, match="at least 2 epochs"):
        diagnose_learning_curves({"loss": [1.0]})
    with pytest.raises(ValueError, match="final_schedule"):
        ChecklistConfig(final_schedule="exponential")
    with pytest.raises(ValueError, match="tiny_sample"):
        ChecklistConfig(tiny_sample=0)
    with pytest.raises(ValueError, match="lr_min"):
        ChecklistConfig(lr_min=1.0, lr_max=0.1)


def test_run_checklist_rejects_bad_arguments_before_training(digits):
    with pytest.raises(ValueError, match="steps must be"):
        run_checklist("mlp", digits, QUICK, steps=("warmup",))
    with pytest.raises(TypeError, match="load_dataset"):   # a name is not data: arrays or an ImageData are
        run_checklist("mlp", "digits", QUICK)
    with pytest.raises(ValueError, match="unknown model"):
        run_checklist("no_such_model", digits, QUICK)


# --- provoked failures on real digits --------------------------------------------------------------

def test_initial_loss_passes_near_log_c_and_fails_on_unscaled_inputs(digits):
    ok = check_initial_loss("mlp", digits, QUICK)
    assert ok.verdict == "pass" and abs(ok.details["initial_loss"] - math.log(10)) < 0.5
    raw = dataclasses.replace(digits, x_train=digits.x_train * 255)
    bad = check_initial_loss("mlp", raw, QUICK)
    assert (bad.verdict, bad.case) == ("fail", "too_high")
    assert "scale images to [0, 1]" in bad.reason


def test_initial_loss_check_is_for_classifiers_only(digits):
    import keras

    def regressor():
        inputs = keras.Input((28, 28, 1))
        model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(inputs)))
        model.task = "regression"
        return model

    result = check_initial_loss(regressor, digits, QUICK)
    assert (result.verdict, result.case) == ("pass", "not_applicable")
    assert "regression" in result.reason


def test_checklist_compiles_with_the_named_optimizer_and_schedule(digits):
    from dlcourse.checklist import steps
    from dlcourse.optim import SGD

    config = dataclasses.replace(QUICK, optimizer="sgd")
    model = steps._fresh(steps.model_builder("mlp", digits), config, 0.1)
    assert type(model.optimizer) is SGD and model.optimizer.nesterov  # ours, Nesterov momentum: the vocabulary's "sgd"
    assert model.checklist_task == "classification"
    with pytest.raises(ValueError, match="final_schedule must be one of"):
        ChecklistConfig(final_schedule="exponential")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        ChecklistConfig(optimizer="adamax")


def test_tiny_sample_is_memorised_by_a_sound_setup(digits):
    result = overfit_tiny_sample("mlp", digits, QUICK)
    assert (result.verdict, result.case) == ("pass", "memorised")
    assert result.details["train_accuracy"] == 1.0


def test_huge_learning_rate_explodes_the_tiny_sample(digits):
    result = overfit_tiny_sample("mlp", digits, dataclasses.replace(QUICK, tiny_learning_rate=10.0, tiny_steps=40))
    assert (result.verdict, result.case) == ("fail", "exploded")
    assert "too high" in result.reason


def test_zero_initialisation_does_not_learn(digits):
    def zeros():
        model = _mlp((64, 64))()
        model.set_weights([np.zeros_like(w) for w in model.get_weights()])
        return model

    result = overfit_tiny_sample(zeros, digits, dataclasses.replace(QUICK, tiny_steps=40))
    assert (result.verdict, result.case) == ("fail", "not_learning")
    assert "initialisation" in result.reason


@pytest.mark.slow
def test_shuffled_labels_are_named_as_labels_without_signal(digits):
    shuffled = dataclasses.replace(digits, y_train=np.random.default_rng(0).permutation(digits.y_train))
    config = dataclasses.replace(QUICK, learning_rate=3e-3, tiny_steps=150, final_epochs=4)
    report = run_checklist("mlp", shuffled, config, steps=("tiny_sample", "final"))
    # a tiny sample of shuffled labels is memorised, yet the full set's loss stays near log(10)
    assert report.step(2).case == "memorised"
    final = report.step(5)
    assert (final.verdict, final.case) == ("fail", "no_signal") and report.verdict == "fail"
    assert final.curves["history"]["loss"][-1] >= 0.9 * math.log(10)
    assert "labels carry no signal" in final.reason and "memorised a tiny sample" in final.reason
    assert "bigger model" not in final.reason
    alone = run_checklist("mlp", shuffled, config, steps=("final",)).step(5)  # without step 2: says how to tell
    assert alone.case == "no_signal" and "step 2" in alone.reason and "bigger model" not in alone.reason


def test_the_tiny_sample_is_overfit_with_regularisation_off(digits):
    def regularised():
        x = inputs = keras.Input(digits.input_shape)
        x = keras.layers.Flatten()(x)
        x = keras.layers.GaussianNoise(0.5, name="noise")(x)
        x = keras.layers.Dense(64, activation="relu", kernel_regularizer="l2", name="fc")(x)
        x = keras.layers.Dropout(0.9, name="drop")(x)
        return keras.Model(inputs, keras.layers.Dense(10, activation="softmax", name="out")(x))

    model = regularised()
    assert without_regularisation(model) == ["noise", "fc", "drop"]
    assert model.get_layer("drop").rate == 0 and model.get_layer("noise").stddev == 0 and not model.losses
    result = overfit_tiny_sample(regularised, digits, QUICK)
    assert result.details["regularisation_off"] == ["noise", "fc", "drop"]
    assert "regularisation off (noise, fc, drop)" in result.reason
    assert without_regularisation(notes_cnn()) == ["dropout"]  # the notes' CNN's Dropout(0.2)


@pytest.mark.slow
def test_too_small_model_is_underfitting(digits):
    config = dataclasses.replace(QUICK, learning_rate=1e-2, final_epochs=12)
    report = run_checklist(_mlp((2,)), digits, config, steps=("tiny_sample", "final"))
    assert report.step(2).case == "too_small"
    assert report.step(5).case == "underfitting"
    assert "bigger model" in report.step(5).reason


@pytest.mark.slow
def test_too_little_data_is_overfitting(digits):
    few = dataclasses.replace(digits, x_train=digits.x_train[:100], y_train=digits.y_train[:100])
    report = run_checklist("mlp", few, dataclasses.replace(QUICK, learning_rate=3e-3, final_epochs=40), steps=("final",))
    assert report.step(5).case == "overfitting"
    assert report.step(5).details["gap"] > 0.1


@pytest.mark.slow
def test_doctor_runs_the_whole_checklist_and_saves_the_report(tmp_path, capsys):
    from dlcourse.cli import main

    assert main(["doctor", "mlp", "--data", "digits", "--quick", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for step in ("initial loss", "overfit a tiny sample", "learning-rate range test", "short grid search",
                 "train longer and diagnose"):
        assert step in printed
    report = json.loads((tmp_path / "report.json").read_text())
    assert [s["step"] for s in report["steps"]] == [1, 2, 3, 4, 5]
    assert report["steps"][0]["verdict"] == "pass" and report["steps"][1]["case"] == "memorised"
    assert 1e-4 < report["steps"][2]["details"]["suggested_lr"] < 1e-1
    assert report["config"]["final_epochs"] == ChecklistConfig.quick().final_epochs
    assert report["steps"][4]["case"] in CASES
    for png in ("lr_range.png", "tiny_sample.png", "learning_curves.png"):
        assert (tmp_path / png).stat().st_size > 1000


def test_doctor_errors_are_one_line(capsys):
    from dlcourse.cli import main

    assert main(["doctor", "no_such_model", "--quick"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dlcourse doctor: error:") and "\n" not in err


def test_a_stall_at_a_constant_rate_is_a_plateau_and_after_cosine_decay_is_healthy():
    """Lesson 5: the healthy setup's WARN plateau is the constant rate; its advice, a schedule, passes."""
    from dlcourse.optim.names import make_schedule

    epochs, steps = 20, 21  # the lesson's 20 epochs of 21 mini-batches
    cosine = make_schedule("cosine", 0.01, epochs * steps)
    run = {"loss": [0.8 * 0.7 ** e for e in range(epochs)], "accuracy": [min(1.0, 0.8 + 0.02 * e) for e in range(epochs)],
           "val_loss": [0.8 * 0.7 ** e + 0.06 for e in range(14)] + [0.065] * 6,
           "val_accuracy": [min(0.97, 0.8 + 0.02 * e) for e in range(epochs)]}
    at_constant = diagnose_learning_curves({**run, "learning_rate": [0.01] * epochs})
    decayed = diagnose_learning_curves({**run, "learning_rate": [float(cosine(e * steps)) for e in range(epochs)]})
    assert (at_constant.case, at_constant.verdict) == ("plateau", "warn") and "schedule" in at_constant.reason
    assert (decayed.case, decayed.verdict) == ("healthy", "pass")
    # cosine's last epochs cut the rate by over 10% each while a memorised training loss stalls:
    # the end of the schedule, not a decay that came too early
    stalled_late = {**run, "loss": [0.8 * 0.5 ** e for e in range(16)] + [1e-5] * 4}
    late = diagnose_learning_curves({**stalled_late, "learning_rate": [float(cosine(e * steps)) for e in range(epochs)]})
    assert late.case == "healthy"
