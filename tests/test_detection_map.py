"""mAP against pycocotools (COCO) and hand-computed values (VOC 11-point and all-point), with the
edge cases that broke keras-cv's metric: images without objects or predictions, classes without
detections or ground truth, IoU exactly at a threshold, tied scores."""

import contextlib
import io

import numpy as np
import pytest

from dlcourse.detection import average_precision, coco_evaluate, voc_evaluate

pycocotools = pytest.importorskip("pycocotools")
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402


def _xywh(box):
    x1, y1, x2, y2 = (float(v) for v in box)
    return [x1, y1, x2 - x1, y2 - y1]


def pycoco(gt_boxes, gt_classes, det_boxes, det_scores, det_classes, num_classes):
    """pycocotools' (AP, AP50, AP75, AR@100) for the same data, images numbered from 1."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        annotations = [{"id": len(annotations_) + 1, "image_id": i + 1, "category_id": int(c) + 1, "bbox": _xywh(b),
                        "area": _xywh(b)[2] * _xywh(b)[3], "iscrowd": 0}
                       for annotations_ in [[]] for i in range(len(gt_boxes))
                       for b, c in zip(gt_boxes[i], gt_classes[i]) if annotations_.append(0) is None]
        gt.dataset = {"images": [{"id": i + 1} for i in range(len(gt_boxes))], "annotations": annotations,
                      "categories": [{"id": k + 1} for k in range(num_classes)]}
        gt.createIndex()
        results = [{"image_id": i + 1, "category_id": int(c) + 1, "bbox": _xywh(b), "score": float(s)}
                   for i in range(len(det_boxes)) for b, s, c in zip(det_boxes[i], det_scores[i], det_classes[i])]
        evaluation = COCOeval(gt, gt.loadRes(results), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    stats = evaluation.stats
    return stats[0], stats[1], stats[2], stats[8]


def _ours(*args):
    result = coco_evaluate(*args)
    return result["AP"], result["AP50"], result["AP75"], result["AR"]


def test_hand_made_cases_equal_pycocotools():
    cases = [
        # one perfect detection, plus an empty image with a false positive
        ([[[0, 0, 4, 4]], []], [[0], []], [[[0, 0, 4, 4]], [[1, 1, 2, 2]]], [[0.5], [0.9]], [[0], [0]], 1),
        # IoU exactly 0.5 and exactly 0.75: matched at those thresholds (>=)
        ([[[0, 0, 2, 1]], [[0, 0, 4, 1]]], [[0], [0]], [[[0, 0, 1, 1]], [[0, 0, 3, 1]]], [[0.8], [0.7]], [[0], [0]], 1),
        # tied scores: a duplicate and a true positive; class 1 has ground truth but no detection,
        # class 2 has a detection but no ground truth
        ([[[0, 0, 10, 10], [20, 20, 30, 30]]], [[0, 1]], [[[0, 0, 10, 10], [0, 0, 10, 10], [5, 5, 9, 9]]],
         [[0.6, 0.6, 0.6]], [[0, 0, 2]], 3),
    ]
    for case in cases:
        np.testing.assert_allclose(_ours(*case), pycoco(*case), atol=1e-12)
    # by hand: at IoU 0.5 both match (AP 1); at 0.55-0.75 only the second (precision 1/2 up to
    # recall 1/2: 51 of 101 recall points at 0.5); above 0.75 neither
    ap, ap50, ap75, ar = _ours(*cases[1])
    assert (ap50, ap75) == (1.0, pytest.approx(51 * 0.5 / 101)) and ap == pytest.approx((1 + 5 * 51 * 0.5 / 101) / 10)
    assert ar == pytest.approx((1 + 5 * 0.5) / 10)
    nothing = coco_evaluate([[[0, 0, 4, 4]]], [[0]], [np.zeros((0, 4))], [[]], [[]], num_classes=1)
    assert (nothing["AP"], nothing["AR"]) == (0.0, 0.0)  # no detections at all: 0, not NaN
    per_class = coco_evaluate(*cases[2])["per_class_AP"]
    assert per_class[1] == 0 and np.isnan(per_class[2])  # no detections: 0; no ground truth: left out


def test_random_cases_equal_pycocotools():
    rng = np.random.default_rng(0)
    for case in range(60):
        images, classes = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        gt_b, gt_c, det_b, det_s, det_c = [], [], [], [], []
        for _ in range(images):
            k = int(rng.integers(0, 4))
            xy = rng.integers(0, 16, (k, 2))
            gt_b.append(np.concatenate([xy, xy + rng.integers(1, 8, (k, 2))], 1).astype(float))
            gt_c.append(rng.integers(0, classes, k))
            n = int(rng.integers(0, 6))
            jitter = rng.integers(-2, 3, (n, 4)) if case % 2 else rng.uniform(-2, 2, (n, 4))
            source = gt_b[-1][rng.integers(0, k, n)] if k else np.zeros((n, 4)) + [0, 0, 4, 4]
            boxes = source + jitter
            boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
            det_b.append(boxes)
            det_s.append(rng.choice([0.2, 0.5, 0.9], n) if case % 3 else rng.uniform(0, 1, n))
            det_c.append(rng.integers(0, classes, n))
        if sum(len(c) for c in gt_c) == 0 or sum(len(s) for s in det_s) == 0:
            continue
        args = (gt_b, gt_c, det_b, det_s, det_c, classes)
        np.testing.assert_allclose(_ours(*args), pycoco(*args), atol=1e-12, err_msg=str(case))


def test_voc_average_precision_by_hand():
    # recall 0.5, 0.5, 1.0 and precision 1, 0.5, 2/3: the envelope is 1 to recall 0.5, then 2/3
    rec, prec = [0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]
    assert average_precision(rec, prec, "voc") == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert average_precision(rec, prec, "voc07") == pytest.approx((6 * 1 + 5 * 2 / 3) / 11)
    # recall exactly 0.3: np.arange's 0.30000000000000004 is not reached, as in the devkit
    assert average_precision([0.3], [1.0], "voc07") == pytest.approx(3 / 11)
    gt = [[[0, 0, 4, 4], [5, 5, 9, 9]], []]
    dets = [[[0, 0, 4, 4], [0, 0, 4, 4]], [[0, 0, 1, 1]]]
    result = voc_evaluate(gt, [[0, 0], []], dets, [[0.9, 0.8], [0.7]], [[0, 0], [0]], num_classes=2)
    # duplicate is a false positive; the empty image's detection too: precision 1, 1/2, 1/3 at recall 1/2
    assert result["per_class_AP"][0] == pytest.approx(0.5) and np.isnan(result["per_class_AP"][1])
    assert result["mAP"] == pytest.approx(0.5)
    half = voc_evaluate([[[0, 0, 2, 1]]], [[0]], [[[0, 0, 1, 1]]], [[1.0]], [[0]], 1)  # IoU exactly 0.5: not > 0.5
    assert half["mAP"] == 0.0


@pytest.mark.parametrize("change, message", [
    ({"gt_classes": [[3]]}, r"gt_classes\[0\] must be class ids in \[0, 1\]"),
    ({"gt_boxes": [[[4, 0, 0, 4]]]}, r"gt_boxes\[0\] must have x2 >= x1"),
    ({"gt_boxes": [[[0, 0, 0, 4]]]}, r"gt_boxes\[0\] has a box of zero area"),
    ({"gt_boxes": [[]], "gt_classes": [[]]}, "no objects"),
    ({"gt_boxes": [], "gt_classes": []}, "gt_boxes is empty"),
    ({"det_scores": [[np.nan]]}, r"det_scores\[0\] must be finite"),
    ({"det_classes": [[0, 1]]}, "one entry per detection"),
])
def test_bad_input_is_named(change, message):
    args = {"gt_boxes": [[[0, 0, 4, 4]]], "gt_classes": [[0]], "det_boxes": [[[0, 0, 4, 4]]],
            "det_scores": [[0.5]], "det_classes": [[0]], "num_classes": 2, **change}
    for evaluate in (coco_evaluate, voc_evaluate):
        with pytest.raises(ValueError, match=message):
            evaluate(**args)
