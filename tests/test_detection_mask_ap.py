"""Mask AP (Mask R-CNN's metric): `coco_evaluate` with instance masks equals pycocotools' COCOeval in
``iouType="segm"`` on random cases, and `mask_iou` on hand-made masks."""

import contextlib
import io

import numpy as np
import pytest

from dlcourse.detection import coco_evaluate
from dlcourse.detection.metrics import mask_iou

pycocotools = pytest.importorskip("pycocotools")
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402


def _rle(mask):
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")
    return rle


def pycoco_segm(gt_masks, gt_classes, det_masks, det_scores, det_classes, num_classes):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        annotations = []
        for i, (masks, classes) in enumerate(zip(gt_masks, gt_classes)):
            for m, c in zip(masks, classes):
                annotations.append({"id": len(annotations) + 1, "image_id": i + 1, "category_id": int(c) + 1,
                                    "segmentation": _rle(m), "area": float(m.sum()), "iscrowd": 0,
                                    "bbox": list(mask_utils.toBbox(_rle(m)))})
        height, width = gt_masks[0].shape[1:]
        gt.dataset = {"images": [{"id": i + 1, "height": height, "width": width} for i in range(len(gt_masks))],
                      "annotations": annotations, "categories": [{"id": k + 1} for k in range(num_classes)]}
        gt.createIndex()
        results = [{"image_id": i + 1, "category_id": int(c) + 1, "segmentation": _rle(m), "score": float(s)}
                   for i in range(len(det_masks)) for m, s, c in zip(det_masks[i], det_scores[i], det_classes[i])]
        evaluation = COCOeval(gt, gt.loadRes(results), "segm")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation.stats[[0, 1, 2, 8]]


def _random_masks(rng, count, size):
    """Non-empty masks: a rectangle with some pixels flipped, and their boxes."""
    masks = np.zeros((count, size, size), bool)
    for j in range(count):
        x1, y1 = rng.integers(0, size - 2, 2)
        x2, y2 = x1 + rng.integers(2, size - x1 + 1), y1 + rng.integers(2, size - y1 + 1)
        masks[j, y1:y2, x1:x2] = True
        masks[j] ^= rng.uniform(size=(size, size)) < 0.05
        masks[j, y1, x1] = True
    boxes = np.array([[np.nonzero(m.any(0))[0].min(), np.nonzero(m.any(1))[0].min(),
                       np.nonzero(m.any(0))[0].max() + 1, np.nonzero(m.any(1))[0].max() + 1] for m in masks],
                     "float32").reshape(-1, 4)
    return masks, boxes


def test_mask_iou_by_hand():
    a = np.zeros((2, 4, 4), bool)
    a[0, :2] = True  # the top half: 8 pixels
    b = np.zeros((2, 4, 4), bool)
    b[0, :, :2] = True  # the left half: 8 pixels, 4 in common
    np.testing.assert_allclose(mask_iou(a, b), [[4 / 12, 0], [0, 0]])  # an empty pair has IoU 0
    with pytest.raises(ValueError, match="one size"):
        mask_iou(a, np.zeros((1, 5, 5)))


def test_mask_ap_equals_pycocotools_segm_on_random_cases():
    rng = np.random.default_rng(0)
    compared = 0
    for case in range(40):
        images, size, classes = int(rng.integers(1, 4)), 12, 2
        gt_m, gt_b, gt_c, det_m, det_b, det_s, det_c = [], [], [], [], [], [], []
        for _ in range(images):
            k = int(rng.integers(0, 3))
            m, b = _random_masks(rng, k, size)
            gt_m.append(m), gt_b.append(b), gt_c.append(rng.integers(0, classes, k))
            d = int(rng.integers(0, 4))
            dm, db = _random_masks(rng, d, size)
            if k and d:  # a detection near a ground truth
                dm[0] = m[0] ^ (rng.uniform(size=(size, size)) < 0.1)
                dm[0, 0, 0] = True
            det_m.append(dm), det_b.append(db)
            det_s.append(rng.choice([0.3, 0.6, 0.9], d)), det_c.append(rng.integers(0, classes, d))
        if sum(len(c) for c in gt_c) == 0 or sum(len(c) for c in det_c) == 0:
            continue  # AP undefined (ours raises), or pycocotools' loadRes cannot take no results
        for i in range(images):  # boxes are not used for mask AP; only their count
            det_b[i] = np.tile([[0, 0, 1, 1]], (len(det_m[i]), 1)).astype("float32")
        ours = coco_evaluate(gt_b, gt_c, det_b, det_s, det_c, classes, gt_masks=gt_m, det_masks=det_m)
        theirs = pycoco_segm(gt_m, gt_c, det_m, det_s, det_c, classes)
        np.testing.assert_allclose([ours["AP"], ours["AP50"], ours["AP75"], ours["AR"]], theirs, atol=1e-12,
                                   err_msg=f"case {case}")
        compared += 1
    assert compared >= 20


def test_masks_must_come_in_pairs_and_match_the_boxes():
    box, mask = [[[0, 0, 2, 2]]], [np.ones((1, 4, 4), bool)]
    with pytest.raises(ValueError, match="go together"):
        coco_evaluate(box, [[0]], box, [[0.5]], [[0]], 1, gt_masks=mask)
    with pytest.raises(ValueError, match=r"det_masks\[0\] must be \(k, height, width\) with one mask per box"):
        coco_evaluate(box, [[0]], box, [[0.5]], [[0]], 1, gt_masks=mask, det_masks=[np.ones((4, 4), bool)])
    result = coco_evaluate(box, [[0]], box, [[0.5]], [[0]], 1, gt_masks=mask, det_masks=mask)
    assert result["AP"] == pytest.approx(1.0)
