"""Mixed precision: the setting, what `fit` builds under it, `auto`, resuming, and the doctor's warning."""

import json

import numpy as np
import pytest

from dlcourse.train import TrainConfig
from dlcourse.train import precision as precision_module
from dlcourse.train.precision import PRECISIONS, precision_warning, resolve_precision

BF16_CPU = "processor : 0\nflags : fpu sse avx2 avx512f avx512_bf16\n"
AVX2_CPU = "processor : 0\nflags : fpu sse avx2 fma\n"


def test_the_default_is_float32_and_bad_names_are_one_error_naming_the_choices():
    assert TrainConfig().precision == "float32"
    for bad in ("bf16", "float16", None):
        with pytest.raises(ValueError, match=r"precision must be one of \('auto', 'float32', 'mixed_bfloat16'"):
            TrainConfig(precision=bad)
        with pytest.raises(ValueError, match="precision must be one of"):
            resolve_precision(bad)


@pytest.mark.parametrize("cpuinfo, onednn, expected", [
    (BF16_CPU, True, "mixed_bfloat16"),
    (BF16_CPU, False, "float32"),   # bfloat16 without oneDNN is many times slower
    (AVX2_CPU, True, "float32"),
])
def test_auto_picks_bfloat16_only_on_a_bf16_cpu_under_onednn(monkeypatch, cpuinfo, onednn, expected):
    read_flags = precision_module.cpu_flags
    monkeypatch.setattr(precision_module, "cpu_flags", lambda text=None: read_flags(cpuinfo))
    monkeypatch.setattr(precision_module, "onednn_enabled", lambda: onednn)
    assert resolve_precision("auto") == expected
    assert resolve_precision("float32") == "float32" and resolve_precision("mixed_float16") == "mixed_float16"


def test_cpu_flags_are_read_from_cpuinfo_text():
    assert precision_module.cpu_has_bf16(BF16_CPU)
    assert not precision_module.cpu_has_bf16(AVX2_CPU)
    assert precision_module.cpu_has_bf16("flags : amx_tile amx_bf16\n")


@pytest.mark.parametrize("requested, cpuinfo, onednn, warned", [
    ("mixed_bfloat16", BF16_CPU, False, "without oneDNN"),
    ("auto", BF16_CPU, False, "without oneDNN"),
    ("mixed_bfloat16", AVX2_CPU, True, "no native bfloat16"),
    ("mixed_bfloat16", BF16_CPU, True, None),
    ("auto", AVX2_CPU, False, None),       # auto picks float32 there: nothing to warn about
    ("float32", BF16_CPU, False, None),
])
def test_precision_warning_is_one_line_for_slow_bfloat16(requested, cpuinfo, onednn, warned):
    line = precision_warning(requested, cpuinfo=cpuinfo, onednn=onednn)
    if warned is None:
        assert line is None
    else:
        assert warned in line and "\n" not in line


def test_doctor_warns_in_one_line_with_the_detection_faked(monkeypatch, capsys):
    from dlcourse.cli import main

    monkeypatch.setattr(precision_module, "cpu_flags", lambda text=None: {"avx512_bf16"})
    monkeypatch.setattr(precision_module, "onednn_enabled", lambda: False)
    assert main(["doctor", "no_such_model", "--precision", "mixed_bfloat16"]) == 2  # warns, then the bad name
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("dlcourse doctor: warning: precision: this CPU has native bfloat16 but TensorFlow "
                               "runs without oneDNN")
    assert lines[1].startswith("dlcourse doctor: error: ") and len(lines) == 2
    monkeypatch.setattr(precision_module, "onednn_enabled", lambda: True)
    assert main(["doctor", "no_such_model", "--precision", "mixed_bfloat16"]) == 2
    assert "warning" not in capsys.readouterr().err


@pytest.fixture(scope="module")
def digits8():
    from dlcourse.data import load_dataset

    return load_dataset("digits", image_size=8, limit=256)


def test_fit_in_bfloat16_keeps_outputs_float32_records_it_and_leaves_the_global_policy(digits8, tmp_path):
    import keras

    from dlcourse.train import RunDirectoryError, fit

    result = fit("mlp", digits8, epochs=1, batch_size=64, precision="mixed_bfloat16", run_dir=tmp_path / "run",
                 tensorboard=False, verbose=0)
    model = result.model
    assert keras.mixed_precision.dtype_policy().name == "float32"  # restored after building
    assert keras.layers.Dense(2).dtype_policy.name == "float32"
    computing = {layer.name: layer.dtype_policy.compute_dtype for layer in model.layers if layer.weights}
    assert computing.pop(model.layers[-1].name) == "float32"  # the output layer (softmax) in float32
    assert set(computing.values()) == {"bfloat16"}
    assert all(w.dtype == "float32" for w in model.weights)  # float32 weights
    assert model(digits8.x_test[:4]).dtype == "float32"
    assert np.isfinite(result.history["loss"]).all()
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["settings"]["precision"] == "mixed_bfloat16"
    with pytest.raises(RunDirectoryError, match="settings.precision: 'mixed_bfloat16' then, 'float32' now"):
        fit("mlp", digits8, epochs=1, batch_size=64, run_dir=tmp_path / "run", tensorboard=False, verbose=0)


def test_fit_in_float16_scales_the_loss(digits8):
    import keras

    from dlcourse.train import fit

    result = fit("mlp", digits8, epochs=1, batch_size=64, precision="mixed_float16", verbose=0)
    assert isinstance(result.model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert result.config.precision == "mixed_float16"
    assert result.model.layers[-1].dtype_policy.compute_dtype == "float32"
    assert np.isfinite(result.history["loss"]).all()


def test_auto_is_recorded_as_what_it_resolved_to(digits8, monkeypatch):
    from dlcourse.train import fit

    monkeypatch.setattr(precision_module, "cpu_flags", lambda text=None: set())  # no bf16: auto means float32
    result = fit("mlp", digits8, epochs=1, batch_size=64, precision="auto", verbose=0)
    assert result.config.precision == "float32"


def test_a_model_built_beforehand_in_another_precision_is_refused(digits8):
    from dlcourse.models import mlp
    from dlcourse.train import fit

    with pytest.raises(ValueError, match="precision 'mixed_bfloat16': the model was built beforehand in 'float32'"):
        fit(mlp(input_shape=(8, 8, 1)), digits8, epochs=1, precision="mixed_bfloat16", verbose=0)


def test_precisions_are_the_cli_choices():
    from dlcourse.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["train", "mlp", "--precision", "mixed_bfloat16"])
    assert args.precision == "mixed_bfloat16" and PRECISIONS == ("auto", "float32", "mixed_bfloat16", "mixed_float16")


def test_jit_compile_auto_is_per_device_and_per_backend(monkeypatch):
    import keras

    from dlcourse.train.devices import resolve_jit_compile, resolve_strategy

    strategy = resolve_strategy("default")
    assert resolve_jit_compile("auto", strategy) is False  # TensorFlow on a CPU: XLA is slower there
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert resolve_jit_compile("auto", strategy) is True  # JAX compiles every step
    assert resolve_jit_compile(False, strategy) is False  # an explicit choice stands
    with pytest.raises(ValueError, match="jit_compile must be 'auto', True or False"):
        resolve_jit_compile("yes", strategy)
