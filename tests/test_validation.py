"""K-fold cross-validation: splits, errors before training, and no state leaking between folds."""

import keras
import numpy as np
import pytest

from dlcourse.cli import main
from dlcourse.validation import check_folds, cross_validate, kfold_splits, run_folds


@pytest.fixture(scope="module")
def small8():
    from dlcourse.data import load_dataset

    return load_dataset("digits", image_size=8, limit=300)


@pytest.mark.parametrize("folds, message", [(1, "folds must be an integer >= 2"), (2.0, "folds must be an integer"),
                                            (11, "folds=11 is larger than the number of examples .10.")])
def test_bad_k_is_refused(folds, message):
    with pytest.raises(ValueError, match=message):
        check_folds(folds, 10)


def test_stratified_folds_partition_the_data_and_keep_class_proportions():
    y = np.repeat([0, 1, 2], [30, 60, 90])
    splits = kfold_splits(y, 3, stratified=True, seed=0)
    held = np.concatenate([h for _, h in splits])
    assert sorted(held) == list(range(len(y)))                 # every example held out exactly once
    for train, held_out in splits:
        assert not set(train) & set(held_out)
        assert np.bincount(y[held_out]).tolist() == [10, 20, 30]
    with pytest.raises(ValueError, match="no class has 40 examples"):
        kfold_splits(np.repeat([0, 1], [30, 30]), 40)


def test_run_folds_reports_mean_and_std_of_the_folds():
    x, y = np.arange(12.0), np.arange(12) % 2
    result = run_folds(x, y, lambda xt, yt, xh, yh, fold: {"accuracy": fold / 10}, folds=4)
    assert [f["accuracy"] for f in result.folds] == [0.0, 0.1, 0.2, 0.3]
    assert result.mean["accuracy"] == pytest.approx(0.15) and result.std["accuracy"] == pytest.approx(np.std([0, .1, .2, .3]))


def test_cross_validate_refuses_a_built_model_and_bad_k(small8):
    with pytest.raises(TypeError, match="freshly initialised"):
        cross_validate(keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten()]), small8)
    with pytest.raises(ValueError, match="larger than the number of examples"):
        cross_validate("mlp", small8, folds=10_000)


class _StartOfFold(keras.callbacks.Callback):
    """Records, as each fold's training starts and ends, the state a leak would carry over."""

    def __init__(self):
        super().__init__()
        self.starts, self.ends = [], []

    def _state(self):
        bn = self.model.get_layer("bn")
        return {"model": id(self.model), "optimizer": id(self.model.optimizer),
                "iterations": int(self.model.optimizer.iterations.numpy()),
                "kernel": self.model.get_layer("hidden").kernel.numpy().copy(),
                "moving_mean": bn.moving_mean.numpy().copy(), "moving_variance": bn.moving_variance.numpy().copy()}

    def on_train_begin(self, logs=None):
        self.starts.append(self._state())

    def on_train_end(self, logs=None):
        self.ends.append(self._state())


def _bn_net():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(16, name="hidden")(x)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.Activation("relu")(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def test_each_fold_starts_from_its_own_fresh_model(small8):
    probe = _StartOfFold()
    result = cross_validate(_bn_net, small8, folds=3, epochs=2, callbacks=[probe], early_stopping_patience=None)
    assert len(result.folds) == len(probe.starts) == 3
    assert len({s["model"] for s in probe.starts}) == 3 and len({s["optimizer"] for s in probe.starts}) == 3
    for start, end in zip(probe.starts, probe.ends):
        assert start["iterations"] == 0 and end["iterations"] > 0            # optimiser state starts at zero
        np.testing.assert_array_equal(start["moving_mean"], 0.0)             # BN statistics at their init ...
        np.testing.assert_array_equal(start["moving_variance"], 1.0)
        assert not np.allclose(end["moving_mean"], 0.0)                      # ... and training does move them
        assert not np.allclose(start["kernel"], end["kernel"])
    kernels = [s["kernel"] for s in probe.starts]
    for i in range(3):  # a new initialisation per fold, not the previous fold's trained weights
        for j in range(i + 1, 3):
            assert not np.allclose(kernels[i], kernels[j])
        for j in range(i):
            assert not np.allclose(kernels[i], probe.ends[j]["kernel"])


def test_cross_validate_is_reproducible(small8):
    first = cross_validate("mlp", small8, folds=2, epochs=1)
    again = cross_validate("mlp", small8, folds=2, epochs=1)
    assert first.folds == again.folds and 0 < first.mean["accuracy"] <= 1


class _StopAtFold(keras.callbacks.Callback):
    """Interrupts cross-validation as fold `stop` (counting from 1) starts; counts the folds trained."""

    def __init__(self, stop=None):
        super().__init__()
        self.stop, self.started = stop, 0

    def on_train_begin(self, logs=None):
        self.started += 1
        if self.started == self.stop:
            raise KeyboardInterrupt


@pytest.mark.slow
def test_run_again_trains_only_the_unfinished_folds(small8, tmp_path):
    settings = dict(folds=3, epochs=1, early_stopping_patience=None, directory=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        cross_validate("mlp", small8, callbacks=[_StopAtFold(stop=2)], **settings)
    first = (tmp_path / "fold_1.json").read_text()
    assert not (tmp_path / "fold_2.json").exists()
    probe, reported = _StopAtFold(), []
    result = cross_validate("mlp", small8, callbacks=[probe], report=lambda *fold: reported.append(fold), **settings)
    assert probe.started == 2                                              # folds 2 and 3 only
    assert [(fold, trained) for fold, _, trained in reported] == [(0, False), (1, True), (2, True)]
    assert (tmp_path / "fold_1.json").read_text() == first
    assert result.folds[0] == reported[0][1] and len(result.folds) == 3
    uninterrupted = cross_validate("mlp", small8, folds=3, epochs=1, early_stopping_patience=None)
    assert result.folds == pytest.approx(uninterrupted.folds, rel=1e-5)


def test_run_again_with_other_settings_is_refused(small8, tmp_path):
    cross_validate("mlp", small8, folds=2, epochs=1, directory=tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ValueError, match="other settings") as error:
        cross_validate("mlp", small8, folds=3, epochs=2, directory=tmp_path)
    lines = [line.strip() for line in str(error.value).splitlines()[1:]]
    assert lines == ["folds: 2 then, 3 now", "settings.epochs: 1 then, 2 now"]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_cv_command_prints_folds_mean_and_std(tmp_path, capsys):
    assert main(["cv", "mlp", "--image-size", "8", "--limit", "200", "--folds", "2", "--epochs", "1",
                 "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "fold 1: accuracy" in out and "fold 2: accuracy" in out and "mean accuracy" in out
    assert (tmp_path / "folds.png").stat().st_size > 0 and (tmp_path / "folds.json").is_file()
    assert main(["cv", "mlp", "--image-size", "8", "--limit", "200", "--folds", "2", "--epochs", "1",
                 "--dir", str(tmp_path)]) == 0
    assert out.count("read back") == 0 and capsys.readouterr().out.count("(finished earlier, read back)") == 2
    assert main(["cv", "mlp", "--image-size", "8", "--limit", "100", "--folds", "2", "--epochs", "1",
                 "--dir", str(tmp_path)]) == 2
    assert "data_arguments.limit: 200 then, 100 now" in capsys.readouterr().err
    assert main(["cv", "mlp", "--folds", "1"]) == 2
    assert "folds must be an integer >= 2" in capsys.readouterr().err
