"""The one vocabulary of optimiser and schedule names: what each name builds, everywhere it is read."""

import subprocess
import sys

import keras
import numpy as np
import pytest

from dlcourse import optim
from dlcourse.optim import CosineDecay, LinearDecay, OneCycle, StepDecay, Warmup, schedule_values
from dlcourse.optim.names import OPTIMIZERS, SCHEDULES, SGD_MOMENTUM, make_optimizer, make_schedule

PEAK, TOTAL = 4e-3, 90


def test_the_names_have_one_home():
    from dlcourse.checklist.config import FINAL_SCHEDULES, ChecklistConfig
    from dlcourse.train import config

    assert config.OPTIMIZERS is OPTIMIZERS and config.SCHEDULES is SCHEDULES and config.SGD_MOMENTUM == SGD_MOMENTUM
    assert optim.OPTIMIZERS is OPTIMIZERS and optim.SCHEDULES is SCHEDULES and FINAL_SCHEDULES is SCHEDULES
    for name in SCHEDULES:
        assert config.TrainConfig(schedule=name).schedule == name
        assert ChecklistConfig(final_schedule=name).final_schedule == name
    for name in OPTIMIZERS:
        assert config.TrainConfig(optimizer=name).optimizer == name
        assert ChecklistConfig(optimizer=name).optimizer == name


def test_names_import_without_keras():
    code = ("import sys, dlcourse; before = {m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow')}\n"
            "import dlcourse.optim, dlcourse.optim.names\n"
            "after = {m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow')}\n"
            "print(bool(before), sorted(after - before)[:3])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 1)
    if out[0] == "True":
        pytest.skip("`import dlcourse` itself imports Keras here, so the test cannot see what dlcourse.optim adds")
    assert out[1].strip() == "[]"


@pytest.mark.parametrize("name, reference", [
    ("warmup_cosine", Warmup(CosineDecay(PEAK, decay_steps=TOTAL - 9), warmup_steps=9)),
    ("cosine", CosineDecay(PEAK, decay_steps=TOTAL)),
    ("linear", LinearDecay(PEAK, decay_steps=TOTAL)),
    ("step", StepDecay(PEAK, step_size=TOTAL // 3, drop=0.5)),
    ("one_cycle", OneCycle(PEAK, total_steps=TOTAL, warmup_fraction=0.1)),
])
def test_each_schedule_name_is_its_formula(name, reference):
    schedule = make_schedule(name, PEAK, TOTAL, warmup_fraction=0.1)
    np.testing.assert_allclose(schedule_values(schedule, TOTAL + 5), schedule_values(reference, TOTAL + 5),
                               rtol=1e-5, atol=1e-9)


def test_constant_is_the_peak_and_warmup_only_where_named():
    assert make_schedule("constant", PEAK, TOTAL, warmup_fraction=0.5) == PEAK
    assert schedule_values(make_schedule("cosine", PEAK, TOTAL, warmup_fraction=0.5), 1)[0] == pytest.approx(PEAK)
    assert schedule_values(make_schedule("warmup_cosine", PEAK, TOTAL), 1)[0] == pytest.approx(PEAK)
    halves = schedule_values(make_schedule("step", 1.0, TOTAL), TOTAL)
    assert (halves[0], halves[TOTAL // 3], halves[-1]) == pytest.approx((1.0, 0.5, 0.25))


@pytest.mark.parametrize("name, cls", [
    ("adam", keras.optimizers.Adam), ("adamw", keras.optimizers.AdamW), ("sgd", keras.optimizers.SGD),
    ("rmsprop", keras.optimizers.RMSprop), ("adagrad", keras.optimizers.Adagrad),
    ("adadelta", keras.optimizers.Adadelta),
])
def test_each_optimizer_name_is_keras_own(name, cls):
    optimizer = make_optimizer(name, np.float32(1e-3), weight_decay=1e-4)
    assert type(optimizer) is cls
    assert optimizer.weight_decay == pytest.approx(1e-4)
    assert float(optimizer.learning_rate) == pytest.approx(1e-3)


def test_sgd_is_nesterov_momentum_and_adamw_without_decay_is_adam():
    config = make_optimizer("sgd", 0.1).get_config()
    assert config["momentum"] == SGD_MOMENTUM and config["nesterov"] is True
    assert make_optimizer("sgd", 0.1, momentum=0.0, nesterov=False).get_config()["momentum"] == 0.0
    assert not make_optimizer("adamw", 1e-3).weight_decay  # not keras' AdamW default of 0.004
    assert make_optimizer("adam", 1e-3).weight_decay is None


@pytest.mark.parametrize("name, cls", [("adam", "Adam"), ("adamw", "Adam"), ("sgd", "SGD"), ("rmsprop", "RMSprop"),
                                       ("adagrad", "Adagrad"), ("adadelta", "Adadelta")])
def test_from_scratch_gives_ours(name, cls):
    optimizer = make_optimizer(name, 1e-2, from_scratch=True)
    assert type(optimizer) is getattr(optim, cls)
    if name == "sgd":
        assert optimizer.momentum == SGD_MOMENTUM and optimizer.nesterov


def test_a_named_schedule_drives_a_saved_model_that_loads_without_dlcourse(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(make_optimizer("adam", make_schedule("warmup_cosine", 1e-2, 20, 0.1)), "mse")
    model.fit(np.ones((8, 3)), np.zeros((8, 2)), epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    code = (f"import keras; m = keras.models.load_model({str(tmp_path / 'm.keras')!r}); "
            "print(int(m.optimizer.iterations), type(m.optimizer.learning_rate).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "2"


@pytest.mark.parametrize("call, message", [
    (lambda: make_optimizer("adamax", 1e-3), "optimizer must be one of"),
    (lambda: make_optimizer("adam", 0.0), "learning_rate"),
    (lambda: make_optimizer("adam", float("nan")), "learning_rate"),
    (lambda: make_optimizer("adam", 1e-3, weight_decay=-1), "weight_decay"),
    (lambda: make_schedule("exponential", 1e-3, 10), "schedule must be one of"),
    (lambda: make_schedule("cosine", 1e-3, 0), "total_steps"),
    (lambda: make_schedule("cosine", 1e-3, 10, warmup_fraction=1.0), "warmup_fraction"),
    (lambda: make_schedule("cosine", -1e-3, 10), "peak"),
])
def test_bad_names_and_values_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
