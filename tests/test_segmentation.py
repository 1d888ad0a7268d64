"""Segmentation tools against their references: transposed convolution vs Keras' Conv2DTranspose and a
hand computation, FCN's bilinear kernel, convolutionalization's 2,560 weights and equal outputs,
mean IoU vs keras.metrics.MeanIoU, the Dice loss."""

import keras
import numpy as np
import pytest

from dlcourse.segmentation import (
    DiceCrossEntropy,
    DiceLoss,
    bilinear_kernel,
    convolutionalize,
    iou_per_class,
    iou_table,
    mean_iou,
    overlap_counts,
    pixel_accuracy,
    transposed_conv2d,
    transposed_output_size,
    upsample,
)
from dlcourse.segmentation.fully_convolutional import score_map_stride

# the reference's sanity example (dense-vision.md, "Segmentation metric sanity value")
Y_TRUE = np.array([[0, 0, 1], [1, 2, 2]])
Y_PRED = np.array([[0, 1, 1], [1, 2, 0]])


def test_importing_the_tools_imports_no_keras():
    import subprocess
    import sys

    code = ("import sys, dlcourse.segmentation as s; s.transposed_output_size(3, 3); "
            "sys.exit(any(m.split('.')[0] in ('keras', 'tensorflow') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_output_size_formula_equals_conv2d_transpose(padding):
    checked = 0
    for size in (1, 3, 4, 7):
        for kernel in (1, 2, 3, 4, 5, 16):
            for stride in (1, 2, 3, 8):
                for output_padding in (None, *range(stride)):
                    layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding,
                                                         output_padding=output_padding)
                    try:
                        expected = layer.compute_output_shape((None, size, size, 1))[1]
                    except ValueError:  # Keras refuses output_padding >= stride; so do we
                        continue
                    assert transposed_output_size(size, kernel, stride, padding, output_padding) == expected
                    checked += 1
    assert checked > 100


def test_output_size_by_hand():
    assert transposed_output_size(4, kernel=3, stride=2) == (4 - 1) * 2 + 3 == 9
    assert transposed_output_size(16, kernel=4, stride=2, padding="same") == 32  # FCN's upscore2
    assert transposed_output_size(16, kernel=16, stride=8, padding="same") == 128  # FCN-8s' upscore8
    assert transposed_output_size(5, kernel=1, stride=3) == 15  # k < s: n * s, gaps between the copies
    with pytest.raises(ValueError, match="padding must be one of"):
        transposed_output_size(4, 3, 2, padding="full")
    with pytest.raises(ValueError, match="output_padding"):
        transposed_output_size(4, 3, 2, output_padding=2)
    assert transposed_output_size(np.int64(4), np.int32(3), np.int16(2)) == 9


def test_transposed_convolution_by_hand_equals_keras():
    hand = transposed_conv2d(np.ones((2, 2)), np.ones((3, 3)), stride=2)
    np.testing.assert_array_equal(hand, [[1, 1, 2, 1, 1], [1, 1, 2, 1, 1], [2, 2, 4, 2, 2],
                                         [1, 1, 2, 1, 1], [1, 1, 2, 1, 1]])
    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(4, 5, 2)).astype("float32"), rng.normal(size=(3, 3, 3, 2)).astype("float32")
    layer = keras.layers.Conv2DTranspose(3, 3, strides=2, use_bias=False)
    layer.build((None, 4, 5, 2))
    layer.set_weights([kernel])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x[None]))[0], transposed_conv2d(x, kernel, 2),
                               atol=1e-5)


def test_checkerboard_when_the_kernel_is_not_a_multiple_of_the_stride():
    uneven = overlap_counts(6, kernel=3, stride=2)[3:-3, 3:-3]  # away from the border
    even = overlap_counts(6, kernel=4, stride=2)[3:-3, 3:-3]
    assert set(np.unique(uneven)) == {1, 2, 4}  # the checkerboard: 1, 2 and 4 copies side by side
    assert set(np.unique(even)) == {4}


def test_upsampling_methods_shapes_and_resize_has_no_checkerboard():
    x = keras.Input((8, 8, 3))
    for method, filters in (("transpose", 5), ("bilinear_transpose", 3), ("resize", 5)):
        assert tuple(upsample(x, filters, 4, method=method).shape) == (None, 32, 32, filters)
    with pytest.raises(ValueError, match="method must be one of"):
        upsample(x, 3, 2, method="nearest")
    with pytest.raises(ValueError, match="keeps the 3 channels"):
        upsample(x, 5, 2, method="bilinear_transpose")


def test_bilinear_kernel_is_the_caffe_upsample_filt():
    kernel = bilinear_kernel(4, 2)
    np.testing.assert_allclose(kernel[:, :, 0, 0], np.outer([0.25, 0.75, 0.75, 0.25], [0.25, 0.75, 0.75, 0.25]))
    assert np.all(kernel[:, :, 0, 1] == 0)  # channel by channel
    np.testing.assert_allclose(bilinear_kernel(3, 1)[:, :, 0, 0][1], [0.5, 1.0, 0.5])  # odd: centre weight 1


def test_fixed_bilinear_transpose_equals_bilinear_resize_inside_and_saves(tmp_path):
    inputs = keras.Input((8, 8, 2))
    model = keras.Model(inputs, upsample(inputs, 2, 2, method="bilinear_transpose", trainable=False, name="up"))
    assert model.count_params() == 4 * 4 * 2 * 2 and not model.trainable_weights
    x = np.random.default_rng(1).uniform(size=(1, 8, 8, 2)).astype("float32")
    ours = keras.ops.convert_to_numpy(model(x))
    resized = keras.ops.convert_to_numpy(keras.layers.UpSampling2D(2, interpolation="bilinear")(x))
    np.testing.assert_allclose(ours[:, 1:-1, 1:-1], resized[:, 1:-1, 1:-1], atol=1e-6)  # the border is zero-padded
    model.save(tmp_path / "up.keras")
    restored = keras.saving.load_model(tmp_path / "up.keras")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(restored(x)), ours)


def _classifier():
    return keras.Sequential([
        keras.Input((8, 8, 3)),
        keras.layers.Conv2D(16, 3, activation="relu"),  # valid: a window's pixels see only the window
        keras.layers.MaxPooling2D(2),  # 3 x 3 x 16
        keras.layers.Flatten(),
        keras.layers.Dense(10),
        keras.layers.Dense(5, activation="softmax"),
    ], name="classifier")


def test_convolutionalization_keeps_the_notes_2560_weights():
    dense = keras.Sequential([keras.Input((4, 4, 16)), keras.layers.Flatten(), keras.layers.Dense(10, use_bias=False)])
    conv = convolutionalize(dense)
    assert dense.count_params() == conv.count_params() == 4 * 4 * 16 * 10 == 2560
    assert conv.layers[-1].kernel.shape == (4, 4, 16, 10)


def test_convolutionalized_classifier_gives_equal_outputs_and_a_score_map():
    classifier = _classifier()
    fcn = convolutionalize(classifier)
    assert fcn.count_params() == classifier.count_params()
    assert score_map_stride(fcn) == 2
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(2, 8, 8, 3)).astype("float32")
    expected = keras.ops.convert_to_numpy(classifier(x))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(fcn(x))[:, 0, 0], expected, atol=1e-5)
    big = rng.uniform(size=(1, 12, 14, 3)).astype("float32")
    scores = keras.ops.convert_to_numpy(fcn(big))
    assert scores.shape == (1, 3, 4, 5)  # (12 - 8) / 2 + 1 by (14 - 8) / 2 + 1 windows
    # window (i, j) of the map is the classifier on the 8x8 crop at (2i, 2j) (stride 2, the pooling)
    window = keras.ops.convert_to_numpy(classifier(big[:, 2:10, 4:12]))
    np.testing.assert_allclose(scores[:, 1, 2], window, atol=1e-5)


def test_convolutionalize_refuses_models_without_flatten_then_dense():
    with pytest.raises(ValueError, match="Flatten followed by Dense"):
        convolutionalize(keras.Sequential([keras.Input((4, 4, 1)), keras.layers.GlobalAveragePooling2D(),
                                           keras.layers.Dense(2)]))
    with pytest.raises(TypeError, match="keras.Model"):
        convolutionalize("vgg16")


def test_mean_iou_is_keras_mean_iou_with_absent_classes_excluded():
    for num_classes in (3, 4):  # class 3 absent from both: not counted
        metric = keras.metrics.MeanIoU(num_classes=num_classes)
        metric.update_state(Y_TRUE, Y_PRED)
        assert mean_iou(Y_TRUE, Y_PRED, num_classes) == pytest.approx(float(metric.result())) == 0.5
    np.testing.assert_allclose(iou_per_class(Y_TRUE, Y_PRED, 3), [1 / 3, 2 / 3, 1 / 2])
    assert pixel_accuracy(Y_TRUE, Y_PRED) == pytest.approx(2 / 3)
    scores = np.eye(3)[Y_PRED]  # scores: their argmax is taken
    assert mean_iou(Y_TRUE, scores, 3) == 0.5


def test_mean_iou_equals_keras_on_random_masks():
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 5, (4, 16, 16)), rng.integers(0, 4, (4, 16, 16))  # class 4 never predicted
    y_true[y_true == 2] = 0  # class 2 never true
    metric = keras.metrics.MeanIoU(num_classes=6)  # class 5 absent from both
    metric.update_state(y_true, y_pred)
    assert mean_iou(y_true, y_pred, 6) == pytest.approx(float(metric.result()), abs=1e-6)


def test_iou_table_and_metric_bad_input():
    table = iou_table(Y_TRUE, Y_PRED, ["bg", "a", "b", "c"]).splitlines()
    assert table[1].split()[:2] == ["bg", "0.333"] and table[4].split()[:2] == ["c", "-"]
    assert table[-1].split() == ["mean", "0.500"]
    with pytest.raises(ValueError, match="same shape"):
        mean_iou(Y_TRUE, Y_PRED[:, :2], 3)
    with pytest.raises(ValueError, match=r"y_true must hold integer class ids in \[0, 1\]"):
        mean_iou(Y_TRUE, Y_PRED, 2)


def test_dice_loss_perfect_wrong_and_in_training():
    y = np.array([[[0, 1], [1, 2]]])
    perfect = np.eye(3, dtype="float32")[y] * 30
    wrong = np.eye(3, dtype="float32")[(y + 1) % 3] * 30
    assert float(DiceLoss()(y, perfect)) == pytest.approx(0, abs=1e-3)
    assert float(DiceLoss(smooth=0)(y, wrong)) == pytest.approx(1, abs=1e-3)
    combined = DiceCrossEntropy()(y, wrong)
    assert float(combined) > float(DiceLoss()(y, wrong))  # the cross-entropy term adds to it
    restored = DiceCrossEntropy.from_config(DiceCrossEntropy(dice_weight=0.5).get_config())
    assert restored.dice_weight == 0.5

    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(3, 1)(inputs))
    model.compile(optimizer="sgd", loss=DiceCrossEntropy())
    x, masks = np.random.default_rng(0).uniform(size=(2, 4, 4, 3)), np.zeros((2, 4, 4), "int64")
    assert np.isfinite(model.train_on_batch(x, masks))


def test_boundary_band_and_boundary_iou_by_hand():
    from dlcourse.segmentation import boundary_band, boundary_iou

    square = np.zeros((1, 8, 8), "int64")
    square[0, 2:6, 2:6] = 1
    band = boundary_band(square, width=1)
    # the 4x4 square's outer ring (12 pixels) and the ring just outside it, less its 4 corners (16)
    assert band.sum() == 12 + 16 and not band[0, 3:5, 3:5].any() and band[0, 2, 2] and not band[0, 1, 1]
    assert boundary_band(square, width=2).sum() == 8 * 8 - 4  # grows by 1 each way: all but the corners
    assert boundary_iou(square, square, 2) == 1.0
    blurred = np.zeros_like(square)
    blurred[0, 3:6, 2:6] = 1  # the top row of the square lost: all of it lies in the band
    assert boundary_iou(square, blurred, 2, width=1) < mean_iou(square, blurred, 2) < 1
    far = square.copy()
    far[0, 0, 7] = 1  # a wrong pixel away from every edge counts in mean IoU, not in the band
    assert boundary_iou(square, far, 2, width=1) == 1.0 and mean_iou(square, far, 2) < 1
    with pytest.raises(ValueError, match="width must be a positive integer|width"):
        boundary_band(square, width=0)
    with pytest.raises(ValueError, match="same shape"):
        boundary_iou(square, square[:, :4], 2)


def test_shapes_views_move_image_and_mask_together():
    """The data-size curve's augmentation (lesson 9): an image whose every channel is its mask stays its
    mask after the view, so flips and shifts are applied to both; the views differ from the originals."""
    from dlcourse.segmentation.experiments import shapes_views

    masks = np.zeros((16, 12, 12), "int64")
    for i in range(16):
        masks[i, 1:4 + i % 5, 2:5] = 1 + i % 3  # an asymmetric blob: mirrors and shifts change it
    images = np.repeat(masks[..., None].astype("float32"), 3, axis=-1)
    views, view_masks = shapes_views(images, masks, seed=0)
    for channel in range(3):
        np.testing.assert_array_equal(views[..., channel], view_masks)
    assert (view_masks != masks).any(axis=(1, 2)).sum() >= 12  # most are moved (a shift of 0 may repeat one)
    assert [np.bincount(m.ravel(), minlength=4).tolist() for m in view_masks] == \
        [np.bincount(m.ravel(), minlength=4).tolist() for m in masks]  # nothing cut off or added
    colours = np.random.default_rng(0).uniform(size=(16, 12, 12, 3)).astype("float32")
    permuted, _ = shapes_views(colours, masks, seed=1, max_shift=0)  # mirrored or not, channels permuted
    for view, image in zip(np.sort(permuted, -1), np.sort(colours, -1)):
        assert np.array_equal(view, image) or np.array_equal(view, image[:, ::-1])
    assert sum(not np.array_equal(v, c) and not np.array_equal(v, c[:, ::-1]) for v, c in zip(permuted, colours)) >= 8


class _FakeTfds:
    """What load_pets uses of tensorflow_datasets: ``load`` (two splits of example dicts) and ``as_numpy``."""

    def __init__(self, error=None):
        self.error, self.trimap = error, np.full((16, 16, 1), 2, "uint8")  # background ...
        self.trimap[4:12, 4:12] = 1  # ... a pet ...
        self.trimap[4, 4:12] = 3  # ... with a border row

    def load(self, name, split, data_dir=None):
        assert name == "oxford_iiit_pet" and split == ["train", "test"]
        if self.error is not None:
            raise self.error
        image = np.arange(16 * 16 * 3).reshape(16, 16, 3).astype("uint8")
        return [[{"image": image, "segmentation_mask": self.trimap}] * n for n in (10, 3)]

    def as_numpy(self, split):
        return split


def test_pets_loader_maps_the_trimap_and_fails_clearly_offline(monkeypatch):
    from dlcourse.data import DatasetUnavailable, load_dataset
    from dlcourse.data import segmentation_sets
    from dlcourse.data.segmentation_sets import PETS_CLASSES, load_pets, pets_mask

    fake = _FakeTfds()
    data = load_pets(image_size=16, tfds=fake, validation_split=0.2)
    assert data.class_names == PETS_CLASSES == ("background", "pet", "border") and data.num_classes == 3
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (8, 2, 3)
    expected = np.zeros((16, 16), "int64")
    expected[4:12, 4:12], expected[4, 4:12] = 1, 2  # TFDS' 2 (background) -> 0, 1 (pet) -> 1, 3 (border) -> 2
    np.testing.assert_array_equal(data.y_test[0], expected)
    np.testing.assert_allclose(data.x_test[0, 0, 1], np.array([3, 4, 5]) / 255, atol=1e-6)
    with pytest.raises(ValueError, match="1, 2 and 3"):
        pets_mask(np.zeros((2, 2), "uint8"))

    monkeypatch.setattr(segmentation_sets, "_import_tfds", lambda name: _FakeTfds(OSError("no network")))
    with pytest.raises(DatasetUnavailable, match=r"oxford_iiit_pet could not be loaded.*OSError: no network.*needs a network"):
        load_dataset("oxford_iiit_pet", task="segmentation")
    with pytest.raises(DatasetUnavailable, match="voc has boxes but no masks.*path="):
        load_dataset("voc")
    with pytest.raises(ValueError, match="task"):
        load_dataset("oxford_iiit_pet", task="classification")


def test_voc_loader_reads_an_extracted_folder_and_maps_void_to_background(tmp_path):
    from PIL import Image

    from dlcourse.data import load_dataset
    from dlcourse.data.segmentation_sets import VOC_CLASSES

    root = tmp_path / "VOC2012"
    for folder in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (root / folder).mkdir(parents=True)
    mask = np.zeros((16, 16), "uint8")
    mask[4:12, 4:12], mask[4, 4:12] = 12, 255  # a dog, outlined by VOC's void label
    for split, names in (("train", ["a", "b", "c"]), ("val", ["d"])):
        (root / "ImageSets/Segmentation" / f"{split}.txt").write_text("\n".join(names) + "\n")
        for name in names:
            Image.fromarray(np.full((16, 16, 3), 200, "uint8")).save(root / "JPEGImages" / f"{name}.jpg")
            Image.fromarray(mask).save(root / "SegmentationClass" / f"{name}.png")  # VOC: palette ids, as read
    data = load_dataset("voc", path=root, image_size=16, task="segmentation", validation_split=0.34)
    assert data.num_classes == 21 and data.class_names == VOC_CLASSES and VOC_CLASSES[12] == "dog"
    assert (len(data.x_train) + len(data.x_val), len(data.x_test)) == (3, 1)  # train + validation, val as test
    expected = np.where(mask == 255, 0, mask)
    np.testing.assert_array_equal(data.y_test[0], expected)
