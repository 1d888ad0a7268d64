"""Faster R-CNN end to end: anchor matching and sampling against torchvision's Matcher and
BalancedPositiveNegativeSampler semantics, proposals (decode, clip, top-k, NMS), the losses (finite
without objects, the matched class's deltas), and `faster_rcnn_small` trained through `fit`, saved,
reloaded and run by `dlcourse train` / `dlcourse detect`."""

import keras
import numpy as np
import pytest

from dlcourse.detection import box_iou, encode_boxes, nms
from dlcourse.detection.matching import (
    BACKGROUND, IGNORED, match_boxes, matched_targets, pairwise_iou, sample_balanced,
)
from dlcourse.detection.proposals import padded_nms, rpn_proposals
from dlcourse.detection.rcnn_losses import box_head_loss, rpn_loss, smooth_l1
from dlcourse.models.detection.faster_rcnn import SMALL_RCNN, FasterRCNN, RCNNConfig, faster_rcnn_small


def torchvision_matcher(iou, high, low, allow_low_quality):
    """A numpy transcription of torchvision.models.detection._utils.Matcher.__call__ ((M, K) IoU)."""
    matched_vals, matches = iou.max(0), iou.argmax(0)
    all_matches = matches.copy()
    matches[matched_vals < low] = -1
    matches[(matched_vals >= low) & (matched_vals < high)] = -2
    if allow_low_quality:
        _, anchors = np.nonzero(iou == iou.max(1)[:, None])
        matches[anchors] = all_matches[anchors]
    return matches


def _match(iou, high=0.7, low=0.3, allow=True, valid=None):
    iou = np.asarray(iou, "float32")[None]
    valid = np.ones(iou.shape[:2], bool) if valid is None else np.asarray(valid)[None]
    return np.asarray(match_boxes(iou, valid, high, low, allow)).tolist()[0]


def test_matching_hand_made_cases():
    # thresholds: 0.7 is positive (>=), 0.3 is ignored (not < 0.3), 0.29 negative
    assert _match([[0.7, 0.3, 0.29, 0.69]], allow=False) == [0, IGNORED, BACKGROUND, IGNORED]
    # each box's best anchor is positive even below 0.7 ... matched to that anchor's own best box:
    # anchor 1 is box 0's best (0.4) but overlaps box 1 more (0.5), so it goes to box 1 (torchvision)
    iou = [[0.1, 0.4, 0.0], [0.0, 0.5, 0.6]]
    assert _match(iou, allow=False) == [BACKGROUND, IGNORED, IGNORED]
    assert _match(iou) == [BACKGROUND, 1, 1]
    # all anchors tied at a box's highest IoU become positive
    assert _match([[0.5, 0.5, 0.2]]) == [0, 0, BACKGROUND]
    # padding rows never match, and a box overlapping no anchor makes none positive
    assert _match([[0.9, 0.0], [0.0, 0.95]], valid=[True, False]) == [0, BACKGROUND]
    assert _match([[0.0, 0.0]]) == [BACKGROUND, BACKGROUND]
    # the box head's 0.5 / 0.5: nothing is ignored
    assert _match([[0.5, 0.49, 0.0]], 0.5, 0.5, False) == [0, BACKGROUND, BACKGROUND]
    assert _match(np.zeros((0, 3)), allow=True) == [BACKGROUND] * 3  # an image without objects


def test_matching_equals_torchvision_on_random_cases():
    rng = np.random.default_rng(0)
    for case in range(100):
        m, k = int(rng.integers(1, 6)), int(rng.integers(1, 40))
        iou = rng.choice([0.0, 0.3, 0.5, 0.7, 0.9], size=(m, k)) if case % 4 == 0 else rng.uniform(0, 1, (m, k))
        iou = iou.astype("float32")
        iou[np.arange(m), rng.integers(0, k, m)] += 0.01  # every box overlaps some anchor (see the docstring)
        for high, low, allow in ((0.7, 0.3, True), (0.5, 0.5, False), (0.7, 0.3, False)):
            assert _match(iou, high, low, allow) == torchvision_matcher(iou, high, low, allow).tolist(), case


def test_pairwise_iou_and_targets_agree_with_the_numpy_tools():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 50, (2, 6, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(1, 20, (2, 6, 2))], -1).astype("float32")
    anchors = boxes[1, :5]
    np.testing.assert_allclose(np.asarray(pairwise_iou(boxes, anchors))[0], box_iou(boxes[0], anchors), atol=1e-6)
    labels = np.array([[2, -1, 0, -2, 5]], "int32")
    targets = np.asarray(matched_targets(boxes[:1], labels, anchors, (10, 10, 5, 5)))
    np.testing.assert_allclose(targets[0, [0, 2, 4]], encode_boxes(boxes[0, [2, 0, 5]], anchors[[0, 2, 4]]), atol=1e-4)
    assert np.all(targets[0, [1, 3]] == 0)  # unmatched: 0, never NaN
    padded = np.full((1, 2, 4), -1, "float32")  # only padding: the targets stay finite
    assert np.all(np.isfinite(np.asarray(matched_targets(padded, np.full((1, 5), -1, "int32"), anchors, (1, 1, 1, 1)))))


@pytest.mark.parametrize("positives, negatives, batch, fraction", [
    (3, 100, 256, 0.5), (200, 300, 256, 0.5), (0, 50, 256, 0.5), (40, 5, 16, 0.25), (0, 0, 8, 0.5),
    (10, 10, 512, 0.25)])
def test_sampling_counts_follow_torchvision(positives, negatives, batch, fraction):
    rng = np.random.default_rng(positives + negatives)
    labels = np.concatenate([rng.integers(0, 3, positives), np.full(negatives, BACKGROUND), np.full(7, IGNORED)])
    labels = np.stack([rng.permutation(labels), labels]).astype("int32")
    positive, negative = (np.asarray(v) for v in sample_balanced(labels, batch, fraction, seed=0))
    want_pos = min(positives, int(batch * fraction))
    want_neg = min(negatives, batch - want_pos)
    assert positive.sum(1).tolist() == [want_pos] * 2 and negative.sum(1).tolist() == [want_neg] * 2
    assert not np.any(positive & negative)
    assert np.all(labels[positive] >= 0) and np.all(labels[negative] == BACKGROUND)


def test_sampling_is_random_among_candidates():
    labels = np.full((1, 400), BACKGROUND, "int32")
    picks = [np.asarray(sample_balanced(labels, 10, 0.5, seed=s)[1])[0] for s in range(2)]
    assert picks[0].sum() == picks[1].sum() == 10 and not np.array_equal(picks[0], picks[1])


def test_padded_nms_equals_nms_with_ties_and_invalid_boxes():
    rng = np.random.default_rng(2)
    for case in range(60):
        k = int(rng.integers(1, 30))
        xy = rng.integers(0, 20, (k, 2))
        boxes = np.concatenate([xy, xy + rng.integers(1, 15, (k, 2))], 1).astype("float32")
        scores = (rng.choice([0.1, 0.5, 0.9], k) if case % 2 else rng.uniform(0, 1, k)).astype("float32")
        valid = rng.uniform(size=k) > 0.2
        kept = np.asarray(padded_nms(boxes[None], scores[None], 0.5, valid[None]))[0]
        expected = np.flatnonzero(valid)[nms(boxes[valid], scores[valid], 0.5)]
        assert sorted(np.flatnonzero(kept).tolist()) == sorted(expected.tolist()), case


def test_proposals_decode_clip_drop_small_and_keep_the_top():
    anchors = np.array([[-4, -4, 12, 12], [0, 0, 16, 16], [1, 0, 16, 16], [20, 20, 30, 30], [5, 5, 5.0005, 9]],
                       "float32")
    objectness = np.array([[0.0, 3.0, 2.0, 1.0, 5.0]], "float32")
    deltas = np.zeros((1, 5, 4), "float32")
    deltas[0, 3] = [0.1, 0, np.log(2), 0]  # centre (25, 25) + 1 px, width 20: [16, 20, 36, 30], clipped to 32
    boxes, scores, valid = (np.asarray(v) for v in rpn_proposals(objectness, deltas, anchors, (32, 32), 5, 4, 0.7))
    # anchor 4 is too small (width 5e-4 < 1e-3); anchor 2 overlaps anchor 1 at IoU 0.94 > 0.7 and is suppressed
    assert valid.tolist() == [[True, True, True, False]]
    np.testing.assert_allclose(boxes[0, :3], [[0, 0, 16, 16], [16, 20, 32, 30], [0, 0, 12, 12]], atol=1e-5)
    np.testing.assert_allclose(scores[0], [1 / (1 + np.exp(-3)), 1 / (1 + np.exp(-1)), 0.5, 0], atol=1e-6)
    top2 = np.asarray(rpn_proposals(objectness, deltas, anchors, (32, 32), 2, 4, 0.7)[2])  # pre-NMS top 2
    assert top2.tolist() == [[True, False, False, False]]  # anchors 4 (too small) and 1


def test_losses_without_objects_are_finite_and_use_the_matched_class():
    rng = np.random.default_rng(3)
    anchors = np.array([[0, 0, 8, 8], [4, 4, 12, 12], [8, 8, 16, 16]], "float32")
    empty_boxes, empty_classes = np.full((2, 3, 4), -1, "float32"), np.full((2, 3), -1, "int32")
    terms = rpn_loss(rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 3, 4)).astype("float32"),
                     anchors, empty_boxes, empty_classes, seed=0)
    assert np.isfinite(float(terms["rpn_objectness"])) and float(terms["rpn_box"]) == 0.0
    # the box head: one RoI on box 0 (class 2 -> label 3), one background RoI
    gt_boxes, gt_classes = np.array([[[0, 0, 8, 8], [-1, -1, -1, -1]]], "float32"), np.array([[2, -1]], "int32")
    rois = np.array([[[1, 0, 8, 8], [10, 10, 14, 14]]], "float32")
    labels, sampled = np.array([[0, BACKGROUND]], "int32"), np.array([[True, True]])
    logits = np.zeros((1, 2, 4), "float32")
    deltas = rng.normal(size=(1, 2, 4, 4)).astype("float32")
    base = box_head_loss(logits, deltas, rois, labels, sampled, gt_boxes, gt_classes)
    assert float(base["box_classifier"]) == pytest.approx(np.log(4), abs=1e-6)
    target = encode_boxes(gt_boxes[0, :1], rois[0, :1])[0]
    expected = np.sum(np.asarray(smooth_l1(deltas[0, 0, 3] - target))) / 2  # summed, / 2 sampled RoIs
    assert float(base["box_regression"]) == pytest.approx(expected, rel=1e-5)
    other = deltas.copy()
    other[0, 0, :3] += 5.0  # other classes' deltas, and any of the background RoI's, do not count
    other[0, 1] += 5.0
    assert float(box_head_loss(logits, other, rois, labels, sampled, gt_boxes, gt_classes)["box_regression"]) == \
        pytest.approx(expected, rel=1e-5)
    none = box_head_loss(logits, deltas, rois, np.full((1, 2), BACKGROUND, "int32"), sampled, empty_boxes[:1, :2],
                         empty_classes[:1, :2])
    assert float(none["box_regression"]) == 0.0 and np.isfinite(float(none["box_classifier"]))


def _tiny_data(count=48, size=32, seed=0):
    from dlcourse.data.shapes import make_shapes

    return make_shapes(count, size, seed=seed, min_objects=0, max_objects=3)


def test_model_loss_on_a_batch_without_objects_and_its_bad_input():
    model = faster_rcnn_small(input_shape=(32, 32, 3), classes=3)
    images = np.random.default_rng(4).uniform(0, 1, (2, 32, 32, 3)).astype("float32")
    targets = {"boxes": np.full((2, 2, 4), -1, "float32"), "classes": np.full((2, 2), -1, "int32")}
    loss, terms = model.compute_loss(images, targets, model(images, training=True), components=True)
    assert np.isfinite(float(loss)) and float(terms["rpn_box"]) == float(terms["box_regression"]) == 0.0
    for box, cls, message in (([8, 8, 4, 20], 0, "x2 > x1"), ([8, 8, 8, 20], 0, "no zero area"),
                              ([8, 8, 20, 40], 0, "inside the 32 x 32 image"), ([8, 8, 20, 20], 3, "ids 0..2")):
        bad = {"boxes": np.array([[box, [-1] * 4]] * 2, "float32"), "classes": np.array([[cls, -1]] * 2)}
        with pytest.raises(ValueError, match=message):
            model.compute_loss(images, bad, None)
    with pytest.raises(ValueError, match=r"images must be \(N, 32, 32, channels\)"):
        model.detect(np.zeros((1, 64, 64, 3)))
    assert [len(d["boxes"]) for d in model.detect(np.zeros((0, 32, 32, 3), "float32"))] == []  # an empty batch


@pytest.mark.parametrize("build, error, message", [
    (lambda: faster_rcnn_small(backbone="mlp"), ValueError, "backbone must be one of"),
    (lambda: faster_rcnn_small(level="P9"), ValueError, "level must be one of"),
    (lambda: faster_rcnn_small(input_shape=(60, 60, 3)), ValueError, "divisible by 8"),
    (lambda: faster_rcnn_small(classes=0), ValueError, "classes must be a positive integer"),
    (lambda: faster_rcnn_small(config={"roi_batch_size": 8}), TypeError, "config must be an RCNNConfig"),
    (lambda: RCNNConfig(rpn_fg_iou=1.5), ValueError, "rpn_fg_iou must be a number in"),
    (lambda: RCNNConfig(rpn_fg_iou=0.2), ValueError, "must not exceed"),
    (lambda: RCNNConfig(roi_batch_size=0), ValueError, "roi_batch_size must be a positive integer"),
])
def test_bad_arguments_are_named(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_documented_defaults_are_torchvisions():
    c = RCNNConfig()
    assert (c.rpn_fg_iou, c.rpn_bg_iou, c.rpn_batch_size, c.rpn_positive_fraction, c.rpn_nms_threshold) == \
        (0.7, 0.3, 256, 0.5, 0.7)
    assert (c.roi_fg_iou, c.roi_bg_iou, c.roi_batch_size, c.roi_positive_fraction) == (0.5, 0.5, 512, 0.25)
    assert (c.rpn_pre_nms_top_n_train, c.rpn_post_nms_top_n_test, c.score_threshold, c.detection_nms,
            c.detections_per_image, c.roi_size, c.sampling_ratio) == (2000, 1000, 0.05, 0.5, 100, 7, 2)
    from dlcourse.models import model_entry

    model = faster_rcnn_small()
    assert model.count_params() == model_entry("faster_rcnn_small").params == 937_777  # the README's figure
    assert model.anchor_sizes == (16, 24, 32) and len(model.anchors) == 8 * 8 * 9 and model.config == SMALL_RCNN


@pytest.mark.slow
def test_small_faster_rcnn_trains_saves_and_detects(tmp_path):
    from dlcourse.train import fit

    model = faster_rcnn_small(input_shape=(32, 32, 3), classes=3)
    assert model.task == "detection"
    result = fit(model, _tiny_data().detection_dataset(16), epochs=3, optimizer="adam", learning_rate=1e-3,
                 schedule="constant", jit_compile=False, run_dir=tmp_path / "run", verbose=0)
    losses = result.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0], losses
    images = _tiny_data(2, seed=1).images
    found = model.detect(images, score_threshold=0.0)
    assert len(found) == 2 and found[0]["boxes"].shape[1] == 4 and np.all(found[0]["boxes"] <= 32)
    assert np.all(np.diff(found[0]["scores"]) <= 0) and set(found[0]["classes"].tolist()) <= {0, 1, 2}
    model.save(tmp_path / "frcnn.keras")
    restored = keras.saving.load_model(tmp_path / "frcnn.keras")
    assert isinstance(restored, FasterRCNN) and restored.config == model.config and restored.classes == 3
    again = restored.detect(images, score_threshold=0.0)
    np.testing.assert_allclose(again[0]["boxes"], found[0]["boxes"], atol=1e-4)


@pytest.mark.slow
def test_cli_trains_faster_rcnn_on_shapes_and_detects(tmp_path, capsys):
    from dlcourse.cli import main

    run = tmp_path / "run"
    assert main(["train", "faster_rcnn_small", "--data", "shapes", "--image-size", "32", "--limit", "10",
                 "--epochs", "1", "--batch-size", "8", "--no-tensorboard", "--run-dir", str(run)]) == 0
    assert "test (200 images): VOC mAP@0.5" in capsys.readouterr().out
    image = tmp_path / "shapes.png"
    keras.utils.save_img(image, _tiny_data(1).images[0])
    assert main(["detect", str(run), str(image), "--score-threshold", "0"]) == 0
    assert "detections; drawn to" in capsys.readouterr().out and (tmp_path / "shapes_detections.png").is_file()
