"""The command line of transfer learning and interpretation: train --weights --transfer, explain, lr-find."""

import os

import pytest

from dlcourse.cli import main

DATA = ["--data", "digits", "--image-size", "8", "--limit", "200"]


@pytest.fixture(scope="module")
def base_weights(tmp_path_factory):
    from dlcourse.models import get_model

    path = str(tmp_path_factory.mktemp("w") / "small_cnn.weights.h5")
    get_model("small_cnn", include_top=False, input_shape=(8, 8, 1)).save_weights(path)
    return path


def test_train_finetune_from_weights_then_explain_the_run(base_weights, tmp_path, capsys):
    run = str(tmp_path / "run")
    assert main(["train", "small_cnn", *DATA, "--epochs", "1", "--weights", base_weights, "--transfer", "finetune",
                 "--unfreeze-blocks", "2", "--run-dir", run, "--no-tensorboard"]) == 0
    import json

    with open(os.path.join(run, "config.json")) as f:
        assert json.load(f)["transfer"] == {"model": "small_cnn", "weights": base_weights, "transfer": "finetune",
                                            "blocks": 2}
    capsys.readouterr()
    assert main(["explain", run]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "accuracy" in out
    assert {"confusion_matrix.png", "top_losses.png", "gradcam.png", "saliency.png", "filters.png",
            "feature_maps.png"} <= set(os.listdir(os.path.join(run, "explain")))


@pytest.mark.parametrize("extra, message", [
    (["--transfer", "feature", "--unfreeze-blocks", "4"], "--unfreeze-blocks must be from 1 to 3"),
    (["--weights", "missing.weights.h5"], "--weights must be 'imagenet' or an existing"),
])
def test_train_refuses_bad_transfer_arguments_before_loading_data(extra, message, tmp_path, capsys):
    assert main(["train", "small_cnn", *DATA, "--run-dir", str(tmp_path / "r"), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_train_transfer_needs_a_backbone(tmp_path, capsys):
    assert main(["train", "mlp", *DATA, "--transfer", "feature", "--run-dir", str(tmp_path / "r")]) == 2
    assert "--transfer needs a backbone" in capsys.readouterr().err


def test_lr_find_command_prints_suggestions_and_saves_the_plot(tmp_path, capsys):
    out = tmp_path / "lr.png"
    assert main(["lr-find", "mlp", *DATA, "--steps", "30", "--out", str(out)]) == 0
    assert "minimum_over_10" in capsys.readouterr().out and out.exists()
    assert main(["lr-find", "mlp", *DATA, "--lr-min", "1", "--lr-max", "0.1"]) == 2
    assert "range is empty" in capsys.readouterr().err
