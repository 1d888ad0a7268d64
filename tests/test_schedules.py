"""Learning-rate schedules: values at known steps against their formulas and Keras' schedules."""

import math

import keras
import numpy as np
import pytest

from dlcourse.optim import CosineDecay, LinearDecay, OneCycle, StepDecay, Warmup, schedule_values


def test_step_decay_staircase():
    values = schedule_values(StepDecay(0.1, step_size=10, drop=0.5), 31)
    assert values[0] == pytest.approx(0.1) and values[9] == pytest.approx(0.1)
    assert values[10] == pytest.approx(0.05) and values[30] == pytest.approx(0.0125)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_cosine_matches_formula_and_keras(alpha):
    ours = schedule_values(CosineDecay(0.2, decay_steps=100, alpha=alpha), 130)
    theirs = schedule_values(keras.optimizers.schedules.CosineDecay(0.2, decay_steps=100, alpha=alpha), 130)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-8)
    for step in (0, 25, 50, 100, 129):
        t = min(step, 100) / 100
        assert ours[step] == pytest.approx(0.2 * (alpha + (1 - alpha) * (1 + math.cos(math.pi * t)) / 2), abs=1e-7)


def test_linear_matches_keras_polynomial_power_1():
    ours = schedule_values(LinearDecay(0.1, decay_steps=50, end_learning_rate=0.01), 70)
    theirs = schedule_values(keras.optimizers.schedules.PolynomialDecay(0.1, 50, end_learning_rate=0.01, power=1.0), 70)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    assert ours[25] == pytest.approx(0.055) and ours[69] == pytest.approx(0.01)


def test_warmup_then_cosine_matches_keras_cosine_with_warmup():
    ours = schedule_values(Warmup(CosineDecay(0.1, decay_steps=90), warmup_steps=10), 120)
    theirs = schedule_values(
        keras.optimizers.schedules.CosineDecay(0.0, decay_steps=90, warmup_target=0.1, warmup_steps=10), 120
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
    assert ours[0] == 0.0 and ours[5] == pytest.approx(0.05) and ours[10] == pytest.approx(0.1)


def test_warmup_to_a_constant():
    values = schedule_values(Warmup(0.4, warmup_steps=4, initial_learning_rate=0.0), 8)
    assert values == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.4, 0.4])


def test_one_cycle_rises_to_peak_then_falls_far_below_start():
    sched = OneCycle(1.0, total_steps=100, warmup_fraction=0.3, div_factor=25.0, final_div_factor=1e4)
    values = schedule_values(sched, 101)
    assert values[0] == pytest.approx(1 / 25)
    assert values[15] == pytest.approx(1 / 25 + (1 - 1 / 25) * 0.5)  # half way up the cosine rise
    assert max(values) == pytest.approx(1.0) and int(np.argmax(values)) == 30
    assert values[65] == pytest.approx(1 / 25 / 1e4 + (1 - 1 / 25 / 1e4) * 0.5, rel=1e-5)
    assert values[100] == pytest.approx(1 / 25 / 1e4, rel=1e-3)
    assert all(a <= b for a, b in zip(values[:30], values[1:31]))
    assert all(a >= b for a, b in zip(values[30:100], values[31:101]))


@pytest.mark.parametrize("schedule", [
    StepDecay(0.1, 10), CosineDecay(0.1, 10, alpha=0.1), LinearDecay(0.1, 10), OneCycle(0.1, 10),
    Warmup(CosineDecay(0.1, 10), warmup_steps=3),
])
def test_schedules_serialise_and_drive_an_optimizer(schedule, tmp_path):
    again = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert type(again) is type(schedule)
    np.testing.assert_allclose(schedule_values(again, 12), schedule_values(schedule, 12), rtol=1e-6)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(schedule), "mse")
    model.fit(np.ones((8, 3)), np.ones((8, 1)), batch_size=4, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer.learning_rate if not hasattr(loaded.optimizer, "_learning_rate")
                else loaded.optimizer._learning_rate) is type(schedule)


@pytest.mark.parametrize("build,message", [
    (lambda: StepDecay(0.1, step_size=0), "step_size"),
    (lambda: StepDecay(0.1, step_size=5, drop=2.0), "drop"),
    (lambda: CosineDecay(-1.0, 10), "initial_learning_rate"),
    (lambda: OneCycle(0.1, 100, warmup_fraction=1.5), "warmup_fraction"),
    (lambda: Warmup("fast", 10), "after"),
])
def test_bad_arguments_are_named(build, message):
    with pytest.raises(ValueError, match=message):
        build()
