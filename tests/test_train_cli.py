"""`dlcourse train` on a run directory: rerun, refuse, overwrite, replay, divergence."""

import json

from dlcourse.cli import main
from dlcourse.train.config import TrainConfig

BASE = ["train", "mlp", "--data", "digits", "--image-size", "8", "--epochs", "2", "--no-tensorboard"]


def files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != "run.lock"}


def test_rerun_prints_the_stored_result_and_changes_nothing(tmp_path, capsys):
    run = ["--run-dir", str(tmp_path)]
    assert main(BASE + run) == 0
    first = capsys.readouterr().out
    before = files(tmp_path)
    assert main(BASE + run) == 0
    again = capsys.readouterr().out
    assert "already finished (2 epochs)" in again
    assert first.splitlines()[-1].split(", ")[:2] == again.splitlines()[-1].split(", ")[:2]  # same test scores
    assert files(tmp_path) == before


def test_other_settings_are_refused_with_a_line_per_difference(tmp_path, capsys):
    run = ["--run-dir", str(tmp_path)]
    assert main(BASE + run) == 0
    before = files(tmp_path)
    capsys.readouterr()
    assert main(BASE + run + ["--lr", "0.01", "--limit", "500"]) == 2
    err = capsys.readouterr().err
    assert f"settings.learning_rate: {TrainConfig().learning_rate} then, 0.01 now" in err
    assert "data.sizes.train" in err and "Traceback" not in err
    assert files(tmp_path) == before


def test_overwrite_keeps_the_old_run_under_replaced(tmp_path, capsys):
    run = ["--run-dir", str(tmp_path)]
    assert main(BASE + run) == 0
    before = files(tmp_path)
    assert main(BASE + run + ["--lr", "0.01", "--overwrite"]) == 0
    (old,) = (tmp_path / "replaced").iterdir()
    assert files(old) == before
    assert json.loads((tmp_path / "config.json").read_text())["settings"]["learning_rate"] == 0.01


def test_config_replays_a_run(tmp_path, capsys):
    assert main(BASE + ["--lr", "0.02", "--limit", "600", "--run-dir", str(tmp_path / "a")]) == 0
    assert main(["train", "--config", str(tmp_path / "a" / "config.json"), "--run-dir", str(tmp_path / "b")]) == 0
    a, b = (json.loads((tmp_path / x / "config.json").read_text()) for x in "ab")
    assert b["model"] == a["model"] and b["settings"] == a["settings"]
    assert b["data"] == a["data"] and b["data_load"]["limit"] == 600
    assert (tmp_path / "a" / "history.csv").read_text() == (tmp_path / "b" / "history.csv").read_text()


def test_a_diverging_run_stops_with_status_1(tmp_path, capsys):
    code = main(BASE + ["--optimizer", "sgd", "--schedule", "constant", "--lr", "1e12", "--run-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "diverged at epoch 1, step" in err and "try a lower --lr (now 1e+12)" in err
    assert "Traceback" not in err and not (tmp_path / "model.keras").exists()


def test_infinite_learning_rate_is_refused_before_training(tmp_path, capsys):
    assert main(BASE + ["--lr", "inf", "--run-dir", str(tmp_path)]) == 2
    assert "learning_rate must be a finite number > 0; got inf" in capsys.readouterr().err
    assert not tmp_path.joinpath("config.json").exists()


def test_model_args_reach_the_builder_and_the_record(tmp_path, capsys):
    run = ["--run-dir", str(tmp_path), "--model-arg", "hidden_units=(16, 8)", "--model-arg", "activation=tanh"]
    assert main(BASE + run) == 0
    record = json.loads((tmp_path / "config.json").read_text())
    assert record["model"]["args"]["hidden_units"] == [16, 8]
    assert record["model"]["args"]["activation"] == "tanh"
    import keras

    model = keras.saving.load_model(tmp_path / "model.keras")
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)] == [16, 8, 10]


def test_an_unknown_model_arg_is_refused_naming_the_allowed_keys(tmp_path, capsys):
    assert main(BASE + ["--run-dir", str(tmp_path), "--model-arg", "latent_dim=8"]) == 2
    err = capsys.readouterr().err
    assert "--model-arg 'latent_dim' is not an argument of mlp" in err and "hidden_units" in err
    assert "classes" not in err.split("allowed keys:")[1]
    assert not any(tmp_path.iterdir())
