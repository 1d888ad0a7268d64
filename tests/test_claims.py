"""The accuracies README.md states for the notes' CNN with the default `dlcourse train` settings."""

import pytest

from dlcourse.data import DATA_DIR_ENV, load_dataset
from dlcourse.train.config import TrainConfig
from dlcourse.train.fit import fit


@pytest.mark.slow
def test_notes_cnn_reaches_97_percent_on_digits_with_defaults(digits):
    result = fit("notes_cnn", digits, TrainConfig(), verbose=0, tensorboard=False)
    assert result.test["accuracy"] >= 0.97


@pytest.mark.slow
def test_notes_cnn_reaches_99_percent_on_mnist_with_defaults(shared_data_dir, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(shared_data_dir))
    result = fit("notes_cnn", load_dataset("mnist"), TrainConfig(), verbose=0, tensorboard=False)
    assert len(result.history["loss"]) == 3
    assert result.test["accuracy"] >= 0.99
