"""Mask R-CNN: the mask loss by hand (the matched class's 28 x 28 logits against the RoIAligned
instance mask), pasting masks into boxes, bad masks, and `mask_rcnn_small` trained through `fit`,
saved and reloaded."""

import keras
import numpy as np
import pytest

from dlcourse.detection.matching import BACKGROUND
from dlcourse.detection import roi_align
from dlcourse.detection.rcnn_losses import mask_loss, positive_rois
from dlcourse.models.detection.mask_rcnn import MaskRCNN, _paste, mask_rcnn_small


def _instances(count, size=32, seed=0):
    """make_shapes as padded (images, {"boxes", "classes", "masks"})."""
    from dlcourse.data.shapes import make_shapes

    shapes = make_shapes(count, size, seed=seed, min_objects=0, max_objects=3)
    boxes, classes = shapes.padded(max_boxes=3)
    masks = np.zeros((count, 3, size, size), "float32")
    for i, instance in enumerate(shapes.masks):
        masks[i, :len(instance)] = instance
    return shapes.images, {"boxes": boxes, "classes": classes, "masks": masks}


def test_mask_loss_by_hand():
    gt_masks = np.zeros((1, 2, 16, 16), "float32")
    gt_masks[0, 0, 4:12, 4:12] = 1.0  # the instance fills its box
    gt_boxes, gt_classes = np.array([[[4, 4, 12, 12], [-1] * 4]], "float32"), np.array([[1, -1]], "int32")
    rois = np.array([[[4, 4, 12, 12], [0, 0, 2, 2]]], "float32")
    labels, positive = np.array([[0, BACKGROUND]], "int32"), np.array([[True, False]])
    logits = np.zeros((1, 2, 28, 28, 3), "float32")
    # zero logits: log 2 per pixel; the background RoI does not count
    assert float(mask_loss(logits, rois, labels, positive, gt_masks, gt_classes)) == pytest.approx(np.log(2), abs=1e-5)
    # the target is the instance mask RoIAligned to 28 x 28 (torchvision's project_masks_on_boxes, aligned=False):
    # 1 inside, softened along the right and bottom edges where samples fall between pixels 11 and 12
    target = np.asarray(roi_align(gt_masks[0, :1, ..., None], rois[0, :1], [0], 28, sampling_ratio=2))[0, ..., 0]
    assert np.all(target[:24, :24] == 1.0) and 0 < target[27, 27] < 1
    logits[0, 0, ..., 2] = np.linspace(-3, 3, 28 * 28).reshape(28, 28)  # the matched class (1 -> column 2)
    expected = np.mean(np.logaddexp(0, logits[0, 0, ..., 2]) - target * logits[0, 0, ..., 2])  # BCE with logits
    assert float(mask_loss(logits, rois, labels, positive, gt_masks, gt_classes)) == pytest.approx(expected, rel=1e-5)
    logits[0, 0, ..., 1] = logits[0, 1] = -20.0  # another class's logits, and the background RoI's, do not count
    assert float(mask_loss(logits, rois, labels, positive, gt_masks, gt_classes)) == pytest.approx(expected, rel=1e-5)
    assert float(mask_loss(logits, rois, labels, np.zeros((1, 2), bool), gt_masks, gt_classes)) == 0.0
    picked = positive_rois(rois, labels, positive, 1)
    assert np.asarray(picked[0]).tolist() == [[[4, 4, 12, 12]]] and np.asarray(picked[2]).tolist() == [[True]]


def test_pasting_a_mask_into_its_box():
    full = _paste(np.ones((28, 28)), [2, 3, 6, 5], (8, 8))
    assert full.sum() == 4 * 2 and full[3:5, 2:6].all()  # pixel centres inside the box
    left = np.zeros((28, 28))
    left[:, :14] = 1.0
    assert _paste(left, [0, 0, 8, 8], (8, 8))[:, :4].all() and not _paste(left, [0, 0, 8, 8], (8, 8))[:, 4:].any()


def test_mask_rcnn_loss_without_objects_and_bad_masks():
    model = mask_rcnn_small(input_shape=(32, 32, 3), classes=3)
    images, targets = _instances(2)
    empty = {"boxes": np.full((2, 1, 4), -1, "float32"), "classes": np.full((2, 1), -1, "int32"),
             "masks": np.zeros((2, 1, 32, 32), "float32")}
    loss, terms = model.compute_loss(images, empty, model(images, training=True), components=True)
    assert np.isfinite(float(loss)) and float(terms["mask"]) == 0.0
    with pytest.raises(ValueError, match=r"masks must have shape \(N, M, height, width\) = \(2, 3, 32, 32\)"):
        model.compute_loss(images, {**targets, "masks": targets["masks"][:, :, :16]}, None)
    with pytest.raises(ValueError, match='"masks"'):
        model.compute_loss(images, {"boxes": targets["boxes"], "classes": targets["classes"]}, None)


def test_registered_count():
    from dlcourse.models import get_model, model_entry

    assert get_model("mask_rcnn_small").count_params() == model_entry("mask_rcnn_small").params == 1_028_341


@pytest.mark.slow
def test_small_mask_rcnn_trains_saves_and_segments(tmp_path):
    import tensorflow as tf

    from dlcourse.train import fit

    images, targets = _instances(32)
    data = tf.data.Dataset.from_tensor_slices((images, targets)).batch(8)
    model = mask_rcnn_small(input_shape=(32, 32, 3), classes=3)
    losses = fit(model, data, epochs=3, optimizer="adam", learning_rate=1e-3, schedule="constant", jit_compile=False,
                 verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0], losses
    found = model.detect(images[:2], score_threshold=0.0, max_detections=5)
    assert found[0]["masks"].shape == (len(found[0]["boxes"]), 32, 32) and found[0]["masks"].dtype == bool
    model.save(tmp_path / "mask.keras")
    restored = keras.saving.load_model(tmp_path / "mask.keras")
    assert isinstance(restored, MaskRCNN)
    again = restored.detect(images[:2], score_threshold=0.0, max_detections=5)
    np.testing.assert_array_equal(again[0]["masks"], found[0]["masks"])


@pytest.mark.slow
def test_cli_trains_mask_rcnn_on_shapes_masks_and_reports_mask_ap(tmp_path, capsys):
    from dlcourse.cli import main

    assert main(["train", "mask_rcnn_small", "--data", "shapes", "--image-size", "32", "--limit", "10",
                 "--epochs", "1", "--batch-size", "8", "--no-tensorboard", "--run-dir", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "test (200 images): VOC mAP@0.5" in out and "mask AP50" in out, out
