"""The `dlcourse` command: listing, training and one-line errors."""

import subprocess
import sys

import pytest

from dlcourse.cli import main


def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "dlcourse", *args], capture_output=True, text=True, timeout=timeout)


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


def test_train_command_trains_and_saves(tmp_path):
    result = run_cli("train", "mlp", "--data", "digits", "--image-size", "8", "--epochs", "2",
                     "--no-tensorboard", "--run-dir", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "test accuracy" in result.stdout
    assert (tmp_path / "run" / "model.keras").is_file()


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
