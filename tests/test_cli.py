"""The `dlcourse` command: listing, training and one-line errors."""

import os
import re
import subprocess
import sys

import pytest

import dlcourse
from dlcourse.cli import build_parser, main

COMMANDS = ("cv", "detect", "doctor", "models", "quickstart", "train", "tune")
# What TensorFlow's native code printed on every command of a CPU machine before it was filtered.
NATIVE_NOISE = ("absl::InitializeLog", "cudart_stub", "Could not find cuda drivers", "cpu_feature_guard",
                "failed call to cuInit", "rebuild TensorFlow with the appropriate compiler flags",
                "oneDNN custom operations are on")


def run_cli(*args, timeout=300, env=None):
    return subprocess.run([sys.executable, "-m", "dlcourse", *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def run_python(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_import_and_parser_leave_tensorflow_and_keras_unimported():
    out = run_python(
        "import sys, contextlib, io\n"
        "import dlcourse\n"
        "from dlcourse.cli import build_parser\n"
        f"for command in {COMMANDS!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "        build_parser().parse_args([command, '--help'])\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'keras_tuner') if m in sys.modules))\n"
    )
    assert out.strip() == "[]"


def test_package_root_exposes_subpackages_on_first_use():
    out = run_python(
        "import sys, dlcourse\n"
        "print('dlcourse.models' in sys.modules, dlcourse.models.notes_cnn().count_params(), "
        "'dlcourse.models' in sys.modules)\n"
    )
    assert out.split() == ["False", "93322", "True"]
    assert set(dlcourse.SUBPACKAGES) <= set(dir(dlcourse))
    with pytest.raises(AttributeError, match="no attribute 'modles'"):
        dlcourse.modles


def test_version_is_printed():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"dlcourse {dlcourse.__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0 and result.stdout.startswith(f"usage: dlcourse {command}")
    assert not any(noise in result.stderr for noise in NATIVE_NOISE), result.stderr


def _choices(command):
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    return {a.option_strings[-1]: tuple(a.choices) for a in subparsers.choices[command]._actions if a.choices}


def test_help_lists_the_allowed_values_of_every_choice():
    from dlcourse.data import list_datasets
    from dlcourse.tuning.config import OBJECTIVES, TUNERS

    tune = _choices("tune")
    assert tune["--tuner"] == TUNERS and tune["--objective"] == OBJECTIVES
    assert tune["--data"] == tuple(list_datasets())
    help_text = run_cli("tune", "--help").stdout
    for values in (TUNERS, OBJECTIVES):
        assert "{" + ",".join(values) + "}" in re.sub(r"\s+", "", help_text)
    assert set(_choices("cv")["--jit"]) == {"auto", "on", "off"}


def test_models_table_lists_parameters(capsys):
    assert main(["models", "--family", "basics"]) == 0
    out = capsys.readouterr().out
    assert "notes_cnn" in out and "93,322" in out and "101,770" in out


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("models", "train", "quickstart"):
        assert command in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "notes_cn"], "unknown model 'notes_cn'. Did you mean 'notes_cnn'"),
        (["train", "notes_cnn", "--epochs", "0"], "epochs must be a positive integer"),
        (["train", "notes_cnn", "--optimizer", "adamm"], "optimizer must be one of"),
        (["train", "notes_cnn", "--image-size", "10"], "too small for notes_cnn"),
    ],
)
def test_errors_are_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_unknown_data_set_is_rejected_by_the_parser():
    result = run_cli("train", "notes_cnn", "--data", "imagenet")
    assert result.returncode == 2 and "invalid choice: 'imagenet'" in result.stderr


def test_train_command_trains_and_saves_without_native_noise(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # the package sets it
    result = run_cli("train", "mlp", "--data", "digits", "--image-size", "8", "--epochs", "2",
                     "--no-tensorboard", "--run-dir", str(tmp_path / "run"), env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "test accuracy" in result.stdout
    assert (tmp_path / "run" / "model.keras").is_file()
    assert not [line for line in result.stderr.splitlines() if any(noise in line for noise in NATIVE_NOISE)]


@pytest.mark.slow
def test_quickstart_offline_falls_back_to_digits(tmp_path):
    env_free = {"DLCOURSE_DATA_DIR": str(tmp_path / "empty")}
    import os

    result = subprocess.run([sys.executable, "-m", "dlcourse", "quickstart", "--epochs", "3", "--runs", str(tmp_path)],
                            capture_output=True, text=True, timeout=300, env={**os.environ, **env_free},
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Test accuracy" in result.stdout
    run_dir = tmp_path / ("quickstart-mnist" if "on mnist" in result.stdout else "quickstart-digits")
    for name in ("history.csv", "learning_curves.png", "model.keras"):
        assert (run_dir / name).is_file()
