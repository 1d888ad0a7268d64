"""Data sets: offline loading, verification by sha256, splits and tf.data pipelines."""

import hashlib

import numpy as np
import pytest

from dlcourse.data import DATA_DIR_ENV, DatasetUnavailable, list_datasets, load_dataset


def test_registered_data_sets():
    assert list_datasets() == ["cifar10", "digits", "fashion_mnist", "folder", "mnist", "oxford_iiit_pet", "shapes",
                               "voc"]


def test_digits_are_28x28_images_in_unit_range_with_stratified_splits(digits):
    assert digits.input_shape == (28, 28, 1) and digits.num_classes == 10
    assert digits.x_train.dtype == np.float32
    assert 0.0 <= digits.x_train.min() and digits.x_train.max() <= 1.0
    total = len(digits.x_train) + len(digits.x_val) + len(digits.x_test)
    assert total == 1797
    for split in ("train", "val", "test"):
        _, y = digits.arrays(split)
        assert set(np.unique(y)) == set(range(10))  # every class in every split


def test_digits_at_their_own_size_for_scikit_learn(digits8):
    x, y = digits8.sklearn_arrays("train")
    assert x.shape == (len(y), 64)
    from sklearn.datasets import load_digits

    raw = load_digits().images / 16.0
    assert any(np.allclose(digits8.x_test[0, ..., 0], image) for image in raw)  # not resized


def test_pipelines_are_batched_and_training_is_shuffled(digits):
    batches = list(digits.dataset("train", batch_size=100, seed=1))
    assert batches[0][0].shape == (100, 28, 28, 1)
    assert sum(len(y) for _, y in batches) == len(digits.y_train)
    first = np.concatenate([y.numpy() for _, y in digits.dataset("test", 100)])
    np.testing.assert_array_equal(first, digits.y_test)  # evaluation data keeps its order
    epoch1 = np.concatenate([y.numpy() for _, y in digits.train_dataset(100, seed=1)])
    assert not np.array_equal(epoch1, digits.y_train)


def test_limit_and_validation_split():
    data = load_dataset("digits", limit=200, validation_split=0.25, image_size=8)
    assert len(data.x_train) + len(data.x_val) == 200 and len(data.x_val) == 50


def test_mnist_from_the_shared_file(shared_data_dir, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(shared_data_dir))
    data = load_dataset("mnist", validation_split=0.0)
    assert data.x_train.shape == (60000, 28, 28, 1) and data.x_test.shape == (10000, 28, 28, 1)
    assert np.bincount(data.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert data.source.startswith("file")


def fake_npz(path, n=20):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 255, (n, 28, 28), dtype=np.uint8), y_train=np.arange(n) % 10,
             x_test=rng.integers(0, 255, (n, 28, 28), dtype=np.uint8), y_test=np.arange(n) % 10)
    return path


def test_a_local_file_is_verified_by_sha256(tmp_path):
    path = fake_npz(tmp_path / "mnist.npz")
    with pytest.raises(ValueError, match="matches no known mnist file"):
        load_dataset("mnist", path=path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    data = load_dataset("mnist", path=path, sha256=digest, validation_split=0.0)
    assert data.x_train.shape == (20, 28, 28, 1)


def test_offline_without_a_file_says_which_file_to_put_where(monkeypatch, tmp_path):
    import keras

    def no_network():
        raise Exception("URL fetch failure: Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DatasetUnavailable) as error:
        load_dataset("mnist")
    message = str(error.value)
    assert "mnist.npz" in message and DATA_DIR_ENV in message
    assert "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64" in message


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "mnits"}, "Did you mean 'mnist'"),
        ({"name": "digits", "validation_split": 1.0}, "validation_split must be a finite number >= 0 and < 1"),
        ({"name": "digits", "image_size": 0}, "image_size must be an integer >= 1 and <= 1024"),
        ({"name": "digits", "image_size": 100000}, "image_size must be an integer >= 1 and <= 1024; got 100000"),
        ({"name": "digits", "limit": -3}, "limit must be a positive integer; got -3"),
        ({"name": "digits", "source": "web"}, r"source must be one of \('keras', 'tfds'\)"),
        ({"name": "mnist", "path": "nowhere.npz"}, "no file at"),
        ({"name": "digits", "seed": -1}, "seed must be an integer >= 0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_dataset(**kwargs)


def test_bad_batch_size(digits):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        digits.dataset("train", batch_size=0)
