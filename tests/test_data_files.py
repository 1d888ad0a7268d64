"""Data from files: .npz files as users have them, a folder of images, sha256 for every data set."""

import argparse
import hashlib
import os

import numpy as np
import pytest

from dlcourse.data import DATA_DIR_ENV, DatasetUnavailable, load_dataset
from dlcourse.data.datasets import KNOWN_SHA256


def sha256_of(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_npz(path, x_train, y_train, x_test=None, y_test=None):
    x_test = x_train if x_test is None else x_test
    y_test = y_train if y_test is None else y_test
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path, sha256_of(path)


def uint8_images(n=20, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


# ---- .npz files ---------------------------------------------------------------------------------


def test_float_images_already_in_unit_range_are_not_divided_by_255_again(tmp_path):
    x = uint8_images() / np.float32(255)
    path, digest = save_npz(tmp_path / "mine.npz", x.astype("float32"), np.arange(20) % 10)
    data = load_dataset("fashion_mnist", path=path, sha256=digest, validation_split=0.0)
    np.testing.assert_array_equal(data.x_train[..., 0], x.astype("float32"))


def test_uint8_images_are_divided_by_255(tmp_path):
    x = uint8_images()
    path, digest = save_npz(tmp_path / "mine.npz", x, np.arange(20) % 10)
    data = load_dataset("fashion_mnist", path=path, sha256=digest, validation_split=0.0)
    np.testing.assert_allclose(data.x_train[..., 0], x / 255.0, rtol=1e-6)
    assert data.sha256 == digest and data.source == f"file {path}"


@pytest.mark.parametrize("change, match", [
    (lambda x, y: (x.astype("float32"), y), r"mine.npz: x_train holds float values in \[0, 2\d\d\]"),
    (lambda x, y: (np.where(np.arange(20)[:, None, None] == 3, np.nan, x / 255.0), y),
     "mine.npz: x_train holds 784 NaN or infinite values"),
    (lambda x, y: (x, y + 0.5), "mine.npz: y_train holds 20 non-integer float labels"),
    (lambda x, y: (x, y + 5), "mine.npz: y_train holds the label 14 but num_classes is 10"),
    (lambda x, y: (x, y[:-1]), "mine.npz: train: x has 20 examples but y has 19"),
    (lambda x, y: (x[:0], y[:0]), "mine.npz: x_train is empty"),
])
def test_bad_arrays_in_a_file_name_the_file(tmp_path, change, match):
    x, y = change(uint8_images(), np.arange(20) % 10)
    path, digest = save_npz(tmp_path / "mine.npz", x, y, uint8_images(4), np.arange(4))
    with pytest.raises(ValueError, match=match):
        load_dataset("mnist", path=path, sha256=digest)


def test_an_empty_test_split_in_a_file(tmp_path):
    path, digest = save_npz(tmp_path / "mine.npz", uint8_images(), np.arange(20) % 10,
                            uint8_images(0), np.zeros(0, int))
    with pytest.raises(ValueError, match="mine.npz: x_test is empty"):
        load_dataset("mnist", path=path, sha256=digest)


def test_float_and_one_hot_labels_in_a_file_are_converted(tmp_path):
    y = np.arange(20) % 10
    path, digest = save_npz(tmp_path / "mine.npz", uint8_images(), np.eye(10)[y], uint8_images(4), y[:4] * 1.0)
    data = load_dataset("mnist", path=path, sha256=digest, validation_split=0.0)
    assert data.y_train.tolist() == y.tolist() and data.y_test.dtype == np.int64


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_a_corrupt_or_truncated_file_is_named(tmp_path, damage):
    path, _ = save_npz(tmp_path / "fashion_mnist.npz", uint8_images(200), np.arange(200) % 10)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2] if damage == "truncate" else b"not a zip file" * 100)
    with pytest.raises(ValueError, match=f"{path}: not a readable .npz file"):
        load_dataset("fashion_mnist", path=path)


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "cifar10"])
def test_a_file_whose_sha256_does_not_match_is_refused_for_every_data_set(tmp_path, name):
    path, digest = save_npz(tmp_path / f"{name}.npz", uint8_images(), np.arange(20) % 10)
    wrong = "0" * 64
    with pytest.raises(ValueError, match=f"{path}: sha256 {digest} does not match the sha256 you gave .{wrong}."):
        load_dataset(name, path=path, sha256=wrong)
    assert load_dataset(name, path=path, sha256=digest.upper(), validation_split=0.0).sha256 == digest


def test_the_digits_file_is_checked_and_recorded():
    data = load_dataset("digits", image_size=8)
    assert data.sha256 is not None and len(data.sha256) == 64
    assert load_dataset("digits", image_size=8, sha256=data.sha256).sha256 == data.sha256
    with pytest.raises(ValueError, match="digits.csv.gz: sha256 .* does not match the sha256 you gave"):
        load_dataset("digits", image_size=8, sha256="1" * 64)


def test_a_sha256_is_64_hexadecimal_digits():
    with pytest.raises(ValueError, match="sha256 must be a sha256 digest .64 hexadecimal digits.; got 'abc'"):
        load_dataset("digits", sha256="abc")


def test_with_a_sha256_and_no_file_nothing_is_downloaded(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DatasetUnavailable, match="sha256 checks a local file, but no cifar10.npz"):
        load_dataset("cifar10", sha256="0" * 64)


def test_a_data_dir_that_does_not_exist_is_named(monkeypatch, tmp_path):
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv(DATA_DIR_ENV, str(missing))
    with pytest.raises(DatasetUnavailable, match=f"\\${DATA_DIR_ENV} names '{missing}', which is not a folder"):
        load_dataset("mnist")


def test_an_image_size_that_cannot_fit_in_memory(monkeypatch):
    from dlcourse.data import datasets

    monkeypatch.setattr(datasets, "_physical_memory", lambda: 2**30)
    with pytest.raises(ValueError, match=r"image_size=1024: the 1,437 resized training images need 5.6 GiB, "
                                         r"more than this machine's 1.0 GiB"):
        load_dataset("digits", image_size=1024)


def test_mnist_records_its_known_sha256_and_sizes(shared_data_dir):
    data = load_dataset("mnist", path=shared_data_dir / "mnist.npz", limit=1000)
    assert data.sha256 in KNOWN_SHA256["mnist"]
    assert data.sizes() == {"train": 900, "val": 100, "test": 10000}


# ---- a folder of images -------------------------------------------------------------------------


def write_images(folder, classes, per_class=3, size=10, colour=False, seed=0):
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = {}
    for name in classes:
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            image = rng.integers(0, 256, (size, size, 3) if colour else (size, size), dtype=np.uint8)
            Image.fromarray(image).save(folder / name / f"{i}.png")
            pixels[f"{name}/{i}.png"] = image
    return pixels


def test_a_folder_of_grayscale_images(tmp_path):
    pixels = write_images(tmp_path, ["cat", "dog"])
    data = load_dataset("folder", path=tmp_path, image_size=10, validation_split=0.0)
    assert data.class_names == ("cat", "dog") and data.num_classes == 2
    assert data.input_shape == (10, 10, 1) and data.sizes() == {"train": 6, "val": 0, "test": 0}
    assert data.y_train.tolist() == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(data.x_train[3, ..., 0], pixels["dog/0.png"] / 255.0, rtol=1e-6)
    assert data.source == f"folder {tmp_path}"


def test_a_folder_with_train_and_test_splits_of_colour_images(tmp_path):
    write_images(tmp_path / "train", ["a", "b", "c"], per_class=4, colour=True)
    write_images(tmp_path / "test", ["a", "b", "c"], per_class=1, colour=True, seed=1)
    data = load_dataset("folder", path=tmp_path, image_size=8, validation_split=0.25)
    assert data.input_shape == (8, 8, 3) and data.sizes() == {"train": 9, "val": 3, "test": 3}
    assert data.y_test.tolist() == [0, 1, 2] and 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0


def test_a_folder_sha256_is_that_of_its_manifest(tmp_path):
    write_images(tmp_path, ["cat", "dog"])
    lines = "".join(f"{sha256_of(tmp_path / rel)}  {rel}\n"
                    for rel in sorted(f"{c}/{i}.png" for c in ("cat", "dog") for i in range(3)))
    expected = hashlib.sha256(lines.encode()).hexdigest()
    assert load_dataset("folder", path=tmp_path, image_size=10).sha256 == expected
    with pytest.raises(ValueError, match=f"{tmp_path}: sha256 {expected} of its images does not match"):
        load_dataset("folder", path=tmp_path, image_size=10, sha256="2" * 64)


@pytest.mark.parametrize("setup, kwargs, match", [
    (lambda d: None, {"image_size": 8}, "No images found"),
    (lambda d: write_images(d, ["a"]), {}, "image_size: the folder data set needs an image_size"),
    (lambda d: (write_images(d, ["a"]), (d / "a" / "bad.png").write_bytes(b"not a png")), {"image_size": 8},
     "an image could not be read"),
    (lambda d: (write_images(d / "train", ["a", "b"]), write_images(d / "test", ["a", "c"])), {"image_size": 8},
     r"its class folders \['a', 'c'\] differ"),
])
def test_bad_folders_are_named(tmp_path, setup, kwargs, match):
    setup(tmp_path)
    with pytest.raises(ValueError, match=match) as error:
        load_dataset("folder", path=tmp_path, **kwargs)
    assert "image_size" in str(error.value) or str(tmp_path) in str(error.value)


def test_a_folder_needs_a_path(tmp_path):
    with pytest.raises(ValueError, match="needs path=DIR"):
        load_dataset("folder", image_size=8)
    with pytest.raises(ValueError, match="path: no folder at"):
        load_dataset("folder", path=tmp_path / "nowhere", image_size=8)


# ---- the command line ---------------------------------------------------------------------------


def data_args(**values):
    defaults = {"data": "digits", "data_path": None, "image_size": None, "limit": None, "sha256": None}
    return argparse.Namespace(**{**defaults, **values})


def test_load_data_from_args_reads_a_folder(tmp_path):
    from dlcourse.cli.common import load_data_from_args

    write_images(tmp_path, ["x", "y"], per_class=5)
    data = load_data_from_args(data_args(data="folder", data_path=str(tmp_path), image_size=6))
    assert data.class_names == ("x", "y") and data.input_shape == (6, 6, 1)
    with pytest.raises(ValueError, match="--data folder needs --image-size SIZE"):
        load_data_from_args(data_args(data="folder", data_path=str(tmp_path)))
    with pytest.raises(ValueError, match="--data folder needs --data-path DIR"):
        load_data_from_args(data_args(data="folder", image_size=6))


def test_cli_help_lists_the_data_sets_and_sha256(capsys):
    from dlcourse.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "cifar10, digits, fashion_mnist, folder, mnist" in out and "--sha256 HEX" in out
    assert "at most 1024" in out


@pytest.mark.parametrize("extra, match", [
    (["--sha256", "0" * 64], "sha256 .* does not match the sha256 you gave"),
    ([], "not a readable .npz file"),
])
def test_cli_bad_files_are_one_line_naming_the_file(tmp_path, capsys, extra, match):
    from dlcourse.cli import main

    path, _ = save_npz(tmp_path / "fashion_mnist.npz", uint8_images(), np.arange(20) % 10)
    if not extra:
        path.write_bytes(path.read_bytes()[:500])
    before = sorted(os.listdir(tmp_path))
    code = main(["train", "mlp", "--data", "fashion_mnist", "--data-path", str(path), *extra,
                 "--run-dir", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and str(path) in err
    import re

    assert re.search(match, err) and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == before  # nothing written


def test_cli_image_size_is_bounded(capsys):
    from dlcourse.cli import main

    assert main(["train", "mlp", "--data", "digits", "--image-size", "100000"]) == 2
    err = capsys.readouterr().err.strip()
    assert "image_size must be an integer >= 1 and <= 1024; got 100000" in err and len(err.splitlines()) == 1
