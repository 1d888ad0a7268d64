"""Images and labels as users have them: the documented conversions, and one clear error for the rest."""

import subprocess
import sys

import numpy as np
import pytest

from dlcourse.data import ImageData, as_image_data
from dlcourse.data.checks import (
    check_class_labels,
    check_images,
    check_mask_labels,
    check_regression_targets,
    encode_string_labels,
)

from conftest import PROJECT_ROOT


def images(n=20, size=4, dtype="float32", value=0.5):
    return np.full((n, size, size), value, dtype=dtype)


# ---- images -------------------------------------------------------------------------------------


def test_uint8_and_integer_images_are_divided_by_255_and_gain_a_channel():
    x = np.array([[[0, 51], [102, 255]]], dtype=np.uint8)
    out = check_images(x)
    assert out.dtype == np.float32 and out.shape == (1, 2, 2, 1)
    np.testing.assert_allclose(out[..., 0], x / 255.0)
    np.testing.assert_allclose(check_images(x.astype(np.int64)), out)  # ints in [0, 255] too


def test_uint16_images_are_divided_by_65535():
    assert check_images(np.full((1, 2, 2), 65535, dtype=np.uint16)).max() == 1.0


def test_integer_images_outside_0_255_are_an_error():
    with pytest.raises(ValueError, match=r"x_train holds integers in \[-1, 3\]"):
        check_images(np.array([[[-1, 3]]]))
    with pytest.raises(ValueError, match=r"holds integers in \[0, 1000\]"):
        check_images(np.array([[[0, 1000]]], dtype=np.int32))


def test_float_images_in_unit_range_are_never_scaled_again():
    x = np.random.default_rng(0).random((3, 5, 5, 3)).astype("float64")
    np.testing.assert_array_equal(check_images(x), x.astype("float32"))


def test_float_images_outside_unit_range_say_to_scale_them():
    x = images(value=255.0)
    x[0] = 0.0
    with pytest.raises(ValueError, match=r"x_test holds float values in \[0, 255\].*divide them by 255"):
        check_images(x, "x_test")
    with pytest.raises(ValueError, match=r"\[-0.5, -0.5\].*scale them"):
        check_images(images(value=-0.5))


def test_nan_and_infinite_pixels_are_counted_and_the_split_named():
    x = images(n=3)
    x[0, 0, :3] = np.nan
    x[2, 1, 1] = np.inf
    with pytest.raises(ValueError, match="x_val holds 4 NaN or infinite values of 48"):
        check_images(x, "x_val")


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros((2, 4)), ValueError, r"must be images shaped \(n, height, width\)"),
    (np.array([[["a"]]]), TypeError, "must be numeric images"),
    (np.zeros((1, 2, 2), dtype=bool), TypeError, "must be numeric images"),
])
def test_what_is_not_images(bad, error, match):
    with pytest.raises(error, match=match):
        check_images(bad)


def test_a_loader_scale_is_applied_and_checked():
    np.testing.assert_allclose(check_images(images(value=16.0), scale=16.0), 1.0)
    with pytest.raises(ValueError, match=r"beyond \[0, 16\]"):
        check_images(images(value=17.0), scale=16.0)


# ---- labels -------------------------------------------------------------------------------------


def test_whole_number_float_labels_become_int64():
    y = check_class_labels(np.array([3.0, 0.0, 9.0]), 10)
    assert y.dtype == np.int64 and y.tolist() == [3, 0, 9]


def test_fractional_float_labels_are_an_error_for_classification():
    with pytest.raises(ValueError, match="y_train holds 1 non-integer float labels .e.g. 0.5."):
        check_class_labels(np.array([1.0, 0.5]), 10)
    with pytest.raises(ValueError, match="y_test holds 1 NaN"):
        check_class_labels(np.array([1.0, np.nan]), 10, "y_test")


def test_one_hot_labels_become_their_argmax():
    one_hot = np.eye(4)[[2, 0, 3]]
    assert check_class_labels(one_hot, 4).tolist() == [2, 0, 3]
    with pytest.raises(ValueError, match="one-hot rows of 4 classes, but num_classes is 10"):
        check_class_labels(one_hot, 10)


def test_column_and_boolean_labels():
    assert check_class_labels(np.array([[1], [0]])).tolist() == [1, 0]
    assert check_class_labels(np.array([True, False])).tolist() == [1, 0]


def test_labels_out_of_range_are_an_error():
    with pytest.raises(ValueError, match=r"holds the label 10 but num_classes is 10; labels must lie in \[0, 9\]"):
        check_class_labels(np.array([0, 10]), 10)
    with pytest.raises(ValueError, match="holds the negative label -1"):
        check_class_labels(np.array([0, -1]), 10)


def test_string_labels_are_not_class_ids():
    with pytest.raises(TypeError, match="y_train must be integer class ids; got strings"):
        check_class_labels(np.array(["cat", "dog"]))
    ids_a, ids_b, names = encode_string_labels(np.array(["dog", "cat"]), ["emu"])
    assert names == ("cat", "dog", "emu") and ids_a.tolist() == [1, 0] and ids_b.tolist() == [2]


def test_masks_and_regression_targets():
    masks = check_mask_labels(np.ones((2, 3, 3, 1)), 2)
    assert masks.shape == (2, 3, 3) and masks.dtype == np.int64
    with pytest.raises(ValueError, match="masks of class ids shaped"):
        check_mask_labels(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        check_mask_labels(np.full((1, 2, 2), 2), 2)
    assert check_regression_targets([1, 2.5]).dtype == np.float32
    with pytest.raises(ValueError, match="y_train holds 1 NaN"):
        check_regression_targets([1.0, np.nan])


# ---- as_image_data ------------------------------------------------------------------------------


def test_an_image_data_is_returned_as_it_is(digits8):
    assert as_image_data(digits8) is digits8
    with pytest.raises(TypeError, match="an ImageData already has its splits"):
        as_image_data(digits8, test=digits8.arrays("test"))


def test_arrays_with_a_test_pair():
    x = np.random.default_rng(0).integers(0, 256, (40, 6, 6, 3), dtype=np.uint8)
    y = np.arange(40) % 4
    data = as_image_data((x, y), test=(x[:8], y[:8]), validation_split=0.25, seed=1)
    assert data.sizes() == {"train": 30, "val": 10, "test": 8}
    assert data.num_classes == 4 and data.input_shape == (6, 6, 3) and data.source == "arrays"
    assert data.sha256 is None and data.x_train.dtype == np.float32 and data.x_train.max() <= 1.0
    assert sorted(np.bincount(data.y_val).tolist()) == [2, 2, 3, 3]  # stratified
    np.testing.assert_allclose(data.x_test, x[:8] / 255.0, rtol=1e-6)


def test_arrays_without_a_test_pair_have_an_empty_test_split():
    data = as_image_data((images(), np.arange(20) % 2), validation_split=0.0)
    assert data.sizes() == {"train": 20, "val": 0, "test": 0}
    assert data.x_test.shape == (0, 4, 4, 1)


def test_an_explicit_validation_pair_is_used_as_it_is():
    data = as_image_data((images(), np.arange(20) % 2), validation=(images(n=5), np.zeros(5, int)))
    assert data.sizes() == {"train": 20, "val": 5, "test": 0}


def test_string_labels_become_ids_with_sorted_class_names():
    y = np.array(["zebra", "ant", "bee", "ant"] * 5)
    data = as_image_data((images(), y), test=(images(n=2), ["bee", "zebra"]), validation_split=0.0)
    assert data.class_names == ("ant", "bee", "zebra") and data.num_classes == 3
    assert data.y_train[:4].tolist() == [2, 0, 1, 0] and data.y_test.tolist() == [1, 2]
    given = as_image_data((images(n=2), ["b", "a"]), class_names=["b", "a"], validation_split=0.0)
    assert given.y_train.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"y_train holds labels \['c'\] that are not in class_names"):
        as_image_data((images(n=2), ["b", "c"]), class_names=["a", "b"], validation_split=0.0)


def test_num_classes_is_inferred_or_checked():
    assert as_image_data((images(), np.arange(20) % 3), validation_split=0.0).num_classes == 3
    with pytest.raises(ValueError, match="holds the label 2 but num_classes is 2"):
        as_image_data((images(), np.arange(20) % 3), num_classes=2)
    with pytest.raises(ValueError, match="class_names has 2 names but num_classes is 3"):
        as_image_data((images(), np.arange(20) % 3), num_classes=3, class_names=["a", "b"])


def test_x_and_y_of_different_lengths():
    with pytest.raises(ValueError, match="data: x has 20 examples but y has 19"):
        as_image_data((images(), np.zeros(19, int)))
    with pytest.raises(ValueError, match="test: x has 2 examples but y has 3"):
        as_image_data((images(), np.zeros(20, int)), test=(images(n=2), np.zeros(3, int)))


def test_empty_splits():
    with pytest.raises(ValueError, match="x_train is empty"):
        as_image_data((images(n=0), np.zeros(0, int)))
    with pytest.raises(ValueError, match="x_test is empty"):
        as_image_data((images(), np.zeros(20, int)), test=(images(n=0), np.zeros(0, int)))
    with pytest.raises(ValueError, match="validation_split=0.5 of 1 examples leaves no training examples"):
        as_image_data((images(n=1), np.zeros(1, int)), validation_split=0.5)


def test_a_class_with_one_example_still_splits():
    y = np.array([0] * 9 + [1])  # class 1 cannot be stratified
    assert as_image_data((images(n=10), y), validation_split=0.2).sizes() == {"train": 8, "val": 2, "test": 0}


def test_nan_pixels_name_the_split():
    x = images(n=4)
    x[1, 1, 1] = np.nan
    with pytest.raises(ValueError, match="x_test holds 1 NaN or infinite values"):
        as_image_data((images(), np.zeros(20, int)), test=(x, np.zeros(4, int)))


def test_one_hot_and_float_labels_through_as_image_data():
    y = np.eye(2)[np.arange(20) % 2]
    data = as_image_data((images(), y), validation_split=0.0)
    assert data.num_classes == 2 and data.y_train.tolist() == (np.arange(20) % 2).tolist()
    with pytest.raises(ValueError, match="non-integer float labels"):
        as_image_data((images(), np.linspace(0, 1, 20)))


def test_regression_targets_have_no_classes():
    y = np.linspace(0, 1, 20)
    data = as_image_data((images(), y), task="regression", validation_split=0.2)
    assert data.num_classes is None and data.y_train.dtype == np.float32 and data.sizes()["val"] == 4
    with pytest.raises(ValueError, match="regression targets have none"):
        as_image_data((images(), y), task="regression", num_classes=3)
    with pytest.raises(TypeError, match="string labels are only for classification"):
        as_image_data((images(n=2), ["a", "b"]), task="segmentation")


def test_segmentation_masks():
    masks = np.zeros((20, 4, 4), dtype=np.uint8)
    masks[:, :2] = 2
    data = as_image_data((images(), masks), task="segmentation", validation_split=0.1)
    assert data.num_classes == 3 and data.y_train.shape == (18, 4, 4) and data.y_train.dtype == np.int64
    with pytest.raises(ValueError, match=r"masks of \(3, 3\) pixels do not match the images' \(4, 4\)"):
        as_image_data((images(), masks[:, :3, :3]), task="segmentation")


@pytest.mark.parametrize("data, match", [
    ("my_images/", "for a folder of images use load_dataset\\('folder'"),
    ((images(),), "data must be an .x, y. pair"),
    (np.zeros((3, 4, 4)), "data must be an ImageData or an .x, y. pair"),
])
def test_what_is_not_data(data, match):
    with pytest.raises(TypeError, match=match):
        as_image_data(data)


@pytest.mark.parametrize("kwargs, match", [
    ({"task": "detection"}, "task must be one of"),
    ({"validation_split": 1.0}, "validation_split must be a finite number"),
    ({"num_classes": 0}, "num_classes must be a positive integer"),
    ({"seed": -1}, "seed must be an integer >= 0"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        as_image_data((images(), np.zeros(20, int)), **kwargs)


def test_numpy_integers_are_accepted():
    data = as_image_data((images(), np.arange(20) % 2), num_classes=np.int64(2), seed=np.int32(3))
    assert data.num_classes == 2


# ---- ImageData's record -------------------------------------------------------------------------


def test_fingerprint_changes_with_any_pixel_label_or_split():
    x, y = np.random.default_rng(0).random((20, 4, 4, 1)), np.arange(20) % 2
    a = as_image_data((x, y))
    assert a.fingerprint() == as_image_data((x.copy(), y.copy())).fingerprint()
    x2 = x.copy()
    x2[3, 1, 1, 0] += 0.01
    assert as_image_data((x2, y)).fingerprint() != a.fingerprint()
    assert as_image_data((x, y[::-1].copy())).fingerprint() != a.fingerprint()
    assert as_image_data((x, y), seed=1).fingerprint() != a.fingerprint()  # other validation split


def test_record_holds_name_sizes_and_sha256():
    record = as_image_data((images(), np.arange(20) % 2), name="mine").record()
    assert record["name"] == "mine" and record["sizes"] == {"train": 18, "val": 2, "test": 0}
    assert record["sha256"] is None and len(record["fingerprint"]) == 64
    assert record["input_shape"] == [4, 4, 1] and record["num_classes"] == 2
    import json

    json.dumps(record)  # goes into a run's config.json as it is


def test_image_data_keeps_its_positional_fields():
    x = np.zeros((2, 2, 2, 1), "float32")
    data = ImageData("t", x, np.zeros(2, int), x[:0], np.zeros(0, int), x, np.zeros(2, int), 1, "arrays")
    assert data.class_names == () and data.sha256 is None and data.sizes()["test"] == 2


def test_the_data_package_imports_without_tensorflow_keras_or_sklearn():
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('dlcourse'); pkg.__path__ = [{str(PROJECT_ROOT / 'dlcourse')!r}]\n"
        "sys.modules['dlcourse'] = pkg\n"  # the package root is not under test here, only dlcourse.data
        "import dlcourse.data, dlcourse.data.checks, dlcourse.data.datasets\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras', 'sklearn'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
