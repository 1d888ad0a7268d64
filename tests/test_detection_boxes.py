"""Box tools and NMS against their references: keras.utils.bounding_boxes, torchvision's documented
values, and tf.image.non_max_suppression(_with_scores) on thousands of random cases."""

import numpy as np
import pytest
import tensorflow as tf
from keras.utils import bounding_boxes as kbb

from dlcourse.detection import (batched_nms, box_area, box_iou, convert_boxes, decode_boxes, encode_boxes, nms,
                                soft_nms)

KERAS_NAMES = {"xyxy": "xyxy", "yxyx": "yxyx", "xywh": "xywh", "center_xywh": "center_xywh"}


def _random_boxes(rng, n, grid=12, integer=True):
    xy = rng.integers(0, grid, (n, 2)) if integer else rng.uniform(0, grid, (n, 2))
    wh = rng.integers(0, grid // 2, (n, 2)) if integer else rng.uniform(0, grid / 2, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype("float32")


@pytest.mark.parametrize("source", list(KERAS_NAMES))
@pytest.mark.parametrize("target", list(KERAS_NAMES))
def test_conversions_agree_with_keras_bounding_boxes(source, target):
    rng = np.random.default_rng(0)
    xyxy = _random_boxes(rng, 50, integer=False)
    boxes = convert_boxes(xyxy, "xyxy", source)
    ours = convert_boxes(boxes, source, target)
    theirs = np.asarray(kbb.convert_format(boxes, source=KERAS_NAMES[source], target=KERAS_NAMES[target]))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(convert_boxes(ours, target, "xyxy"), xyxy, atol=1e-5)


def test_iou_agrees_with_keras_and_the_documented_values():
    rng = np.random.default_rng(1)
    a, b = _random_boxes(rng, 20, integer=False), _random_boxes(rng, 30, integer=False)
    a, b = a[box_area(a) > 0], b[box_area(b) > 0]
    theirs = np.asarray(kbb.compute_iou(a, b, bounding_box_format="xyxy"))
    np.testing.assert_allclose(box_iou(a, b), theirs, atol=1e-6)
    assert box_iou([[0, 0, 2, 1]], [[0, 0, 1, 1]])[0, 0] == 0.5
    assert box_iou([[0, 0, 10, 10]], [[5, 5, 15, 15]])[0, 0] == pytest.approx(0.14285715)
    assert box_iou([[3, 3, 3, 3]], [[3, 3, 3, 3]]).tolist() == [[0.0]]  # zero area: no NaN, overlaps nothing


def test_encoding_matches_torchvision_box_coder_and_keras_deltas():
    gt, anchor = np.array([[1, 2, 13, 10]], "float32"), np.array([[0, 0, 10, 10]], "float32")
    np.testing.assert_allclose(encode_boxes(gt, anchor, weights=(1, 1, 1, 1)),
                               [[0.2, 0.1, 0.1823216, -0.2231435]], atol=1e-6)
    np.testing.assert_allclose(encode_boxes(gt, anchor), [[2.0, 1.0, 0.9116080, -1.1157177]], atol=1e-6)
    rng = np.random.default_rng(2)
    boxes, anchors = _random_boxes(rng, 40, integer=False) + [0, 0, 1, 1], _random_boxes(rng, 40, integer=False) + [0, 0, 1, 1]
    keras_deltas = kbb.encode_box_to_deltas(anchors, boxes, anchor_format="xyxy", box_format="xyxy",
                                            encoding_format="center_xywh")
    np.testing.assert_allclose(encode_boxes(boxes, anchors, weights=(1, 1, 1, 1)), np.asarray(keras_deltas), atol=1e-5)
    np.testing.assert_allclose(decode_boxes(encode_boxes(boxes, anchors), anchors), boxes, atol=1e-4)
    huge = decode_boxes([[0, 0, 1e6, 1e6]], [[0, 0, 16, 16]])  # dw capped at log(1000/16): 1000 px, no overflow
    np.testing.assert_allclose(huge, [[-492, -492, 508, 508]], atol=1e-3)


@pytest.mark.parametrize("bad, message", [
    ([[5, 0, 1, 1]], r"boxes must have x2 >= x1 and y2 >= y1.*box \(0,\) is \[5.0, 0.0, 1.0, 1.0\]"),
    ([[0, 0, 1]], r"boxes must have shape \(\.\.\., 4\)"),
    ([[0, 0, np.nan, 1]], "boxes must be finite"),
])
def test_bad_boxes_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        nms(bad, [1.0] * len(bad))


def _tf_nms(boxes, scores, threshold, limit=None, score_threshold=float("-inf")):
    return tf.image.non_max_suppression(boxes[:, [1, 0, 3, 2]], scores, limit or len(boxes), threshold,
                                        score_threshold).numpy()


def test_nms_documented_cases():
    disjoint = np.array([[0, 0, 1, 1], [2, 2, 3, 3], [4, 4, 5, 5], [6, 6, 7, 7]], "float32")
    assert nms(disjoint, [.5, .7, .5, .7]).tolist() == [1, 3, 0, 2]  # ties: lower index first
    assert nms([[0, 0, 1, 1]] * 3, [.6] * 3).tolist() == [0]
    exact = np.array([[0, 0, 2, 1], [0, 0, 1, 1]], "float32")  # IoU exactly 0.5
    assert nms(exact, [1, 1], 0.5).tolist() == [0, 1] and nms(exact, [1, 1], 0.49).tolist() == [0]
    assert nms([[0, 0, 1, 1]] * 2, [1, 1], 1.0).tolist() == [0, 1]
    assert nms([[0, 0, 1, 1], [1, 0, 2, 1]], [1, 1], 0.0).tolist() == [0, 1]  # touching: IoU 0 survives
    assert nms([[0, 0, 1, 1], [0, 0, 1, 1], [5, 5, 6, 6]], [-.5, -.1, -.9]).tolist() == [1, 2]
    chain = np.array([[0, 0, 10, 10], [3, 0, 13, 10], [6, 0, 16, 10]], "float32")  # greedy, not clustering
    assert nms(chain, [.9, .8, .7], 0.5).tolist() == [0, 2]
    three_tenths = np.array([[0, 0, 10, 1], [0, 0, 3, 1]], "float32")  # IoU exactly 0.3: float32 threshold keeps it
    assert nms(three_tenths, [1, .5], 0.3).tolist() == [0, 1] == _tf_nms(three_tenths, np.array([1, .5], "float32"), 0.3).tolist()
    assert nms(np.zeros((0, 4)), []).tolist() == []


def test_nms_equals_tensorflow_on_random_cases_with_ties_and_exact_overlaps():
    rng = np.random.default_rng(3)
    thresholds = [0.0, 0.1, 0.25, 0.3, 0.5, 0.6, 0.7, 1.0]
    for case in range(2000):
        n = int(rng.integers(1, 14))
        boxes = _random_boxes(rng, n, grid=8, integer=case % 4 != 0)
        scores = rng.choice([0.1, 0.3, 0.5, 0.7, 0.9], n).astype("float32")  # heavy ties
        threshold = thresholds[case % len(thresholds)] if case % 5 else float(rng.uniform())
        limit = int(rng.integers(1, n + 1)) if case % 7 == 0 else None
        score_threshold = 0.5 if case % 11 == 0 else None
        expected = _tf_nms(boxes, scores, threshold, limit, -np.inf if score_threshold is None else score_threshold)
        assert nms(boxes, scores, threshold, limit, score_threshold).tolist() == expected.tolist(), case


def test_batched_nms_is_per_class_nms_merged_by_score():
    rng = np.random.default_rng(4)
    for case in range(300):
        n = int(rng.integers(1, 12))
        boxes, scores = _random_boxes(rng, n, grid=8), rng.choice([0.2, 0.5, 0.8], n).astype("float32")
        classes = rng.integers(0, 3, n)
        expected = []
        for k in np.unique(classes):
            where = np.flatnonzero(classes == k)
            expected += where[_tf_nms(boxes[where], scores[where], 0.5)].tolist()
        expected.sort(key=lambda i: (-scores[i], i))
        assert batched_nms(boxes, scores, classes, 0.5).tolist() == expected
    assert batched_nms([[0, 0, 1, 1]] * 2, [.9, .8], [0, 0]).tolist() == [0]   # class-agnostic within a class
    with pytest.raises(ValueError, match="classes must be integer"):
        batched_nms([[0, 0, 1, 1]], [1.0], [0.5])


def test_soft_nms_equals_tensorflow_with_scores():
    assert soft_nms([[0, 0, 10, 10], [0, 0, 10, 9]], [0.9, 0.8])[1][1] == pytest.approx(0.8 * np.exp(-0.81 / 1.0), rel=1e-6)
    rng = np.random.default_rng(5)
    for case in range(500):
        n = int(rng.integers(1, 12))
        boxes = _random_boxes(rng, n, grid=10, integer=False)
        scores = rng.uniform(0, 1, n).astype("float32")
        sigma = float(rng.choice([0.1, 0.5, 1.0]))
        limit = int(rng.integers(1, n + 1))
        threshold = float(rng.choice([0.0, 0.1]))
        index, new = tf.image.non_max_suppression_with_scores(boxes[:, [1, 0, 3, 2]], scores, limit,
                                                              score_threshold=threshold, soft_nms_sigma=sigma)
        ours_index, ours_scores = soft_nms(boxes, scores, sigma, limit, threshold)
        assert ours_index.tolist() == index.numpy().tolist(), case
        np.testing.assert_allclose(ours_scores, new.numpy(), rtol=1e-5)
