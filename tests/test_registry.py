"""The registry-wide test table (STYLE.md rule 13): every registered model is built by name, has the
expected output shape, the exact parameter count its row in `dlcourse.models.configs` states, trains
one batch with `fit`, and survives a ``.keras`` save/load round trip with identical outputs. A model
whose row states no parameter count fails: a new model earns its place here."""

import inspect
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import dlcourse.models
from dlcourse.models import get_model, list_models, model_entry
from dlcourse.models.configs import FAMILY_TABLES
from dlcourse.train.tasks import TASKS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SMALL_CLASSES = 3
SMALL_SHAPES = {"alexnet": (64, 64, 3)}  # the zoo's other models accept 32x32 (CIFAR size)
SMALL_KWARGS = {"perceptron": {"classifier_activation": "sigmoid"}}  # the step function has no gradient
ALL_MODELS = list_models()
# the classifiers; other tasks' families (generation ...) have their own test modules
CLASSIFIERS = [name for name in ALL_MODELS if model_entry(name).task == "classification"]
EXPENSIVE = {name for name in CLASSIFIERS if model_entry(name).params > 10_000_000}


def _marked(names, expensive):
    return [pytest.param(n, marks=pytest.mark.slow) if n in expensive else n for n in names]


def _default_classes(name):
    return inspect.signature(model_entry(name).builder).parameters["classes"].default


def _small_model(name):
    """The model at a small input (its default where that is small) with `SMALL_CLASSES` classes."""
    default_shape = model_entry(name).default_input_shape
    shape = SMALL_SHAPES.get(name, default_shape if np.prod(default_shape) <= 32 * 32 * 3 else (32, 32, 3))
    classes = SMALL_CLASSES if _default_classes(name) > 1 else 1
    return get_model(name, input_shape=shape, classes=classes, **SMALL_KWARGS.get(name, {})), shape, classes


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def test_every_registered_model_states_its_figures():
    for name in CLASSIFIERS:
        entry = model_entry(name)
        assert entry.params > 0 and entry.macs > 0 and entry.reference, name
        assert entry.task in TASKS


def test_each_table_row_is_registered_under_its_own_name_and_builder():
    rows = [name for table in FAMILY_TABLES for name in table]
    assert sorted(rows) == list_models()  # each model in one table, once
    for table in FAMILY_TABLES:
        for name, entry in table.items():
            assert entry.name == name
            builder = entry.builder
            assert builder.__name__ == name and builder.__module__ == f"dlcourse.models.{entry.module}"
            assert getattr(dlcourse.models, name) is builder  # not the module of the same name


def test_listing_the_registry_imports_no_keras():
    code = (
        "import sys\n"
        "from dlcourse.models import list_models, model_entry\n"
        "entries = [model_entry(name) for name in list_models()]\n"
        "assert len(entries) > 20 and all(e.params for e in entries)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow'))\n"
        "print(heavy[:5])\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_table_states_each_row(readme_zoo_table):
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    counted = [name for name in ALL_MODELS if model_entry(name).macs is not None]  # classifiers and detectors
    assert set(CLASSIFIERS) <= set(counted)
    assert sorted(readme_zoo_table) == counted
    for name in counted:
        e = model_entry(name)
        assert f"| `{name}` | {e.input_size} | {e.params:,} | {e.macs:,} | {e.reference} |" in readme, name


@pytest.mark.parametrize("name", _marked(CLASSIFIERS, EXPENSIVE))
def test_exact_parameter_count_at_default_configuration(name):
    entry = model_entry(name)
    model = get_model(name)
    assert model.count_params() == entry.params
    if entry.reference_params is not None:  # torchvision's count: the trainable parameters
        assert entry.reference_params != entry.params
        assert _trainable(model) == entry.reference_params
    assert model.input_shape == (None, *entry.default_input_shape)
    assert model.output_shape == (None, _default_classes(name))


@pytest.mark.parametrize("name", _marked(CLASSIFIERS, {"resnet101", "resnet152", "densenet169", "densenet201"}))
def test_fits_one_batch_and_round_trips_through_keras_file(name, tmp_path):
    model, shape, classes = _small_model(name)
    assert model.output_shape == (None, classes)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (4, *shape)).astype("float32")
    if classes == 1:
        y, loss = rng.integers(0, 2, (4, 1)).astype("float32"), "binary_crossentropy"
    else:
        y, loss = rng.integers(0, classes, 4), "sparse_categorical_crossentropy"
    model.compile(optimizer="sgd", loss=loss, run_eagerly=True)  # one step: tracing would cost more
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    path = tmp_path / f"{name}.keras"
    model.save(path)
    restored = keras.saving.load_model(path, compile=False)

    assert restored.count_params() == model.count_params()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(restored(x, training=False)),
                                  keras.ops.convert_to_numpy(model(x, training=False)))
