"""The R-CNN family's pieces: anchors as torchvision's AnchorGenerator, RoIAlign and RoI pooling in
keras.ops against a numpy transcription of torchvision's CPU kernels, the RPN head's 54 outputs,
and the ResNet-50-FPN Faster / Mask R-CNN parameter counts."""

import math

import numpy as np
import pytest

from dlcourse.detection import generate_anchors, grid_anchors, roi_align, roi_pool
from dlcourse.detection.anchors import pyramid_anchors


def test_anchors_follow_torchvision():
    assert generate_anchors((128, 256, 512), (0.5, 1, 2)).tolist() == [
        [-91, -45, 91, 45], [-181, -91, 181, 91], [-362, -181, 362, 181], [-64, -64, 64, 64],
        [-128, -128, 128, 128], [-256, -256, 256, 256], [-45, -91, 45, 91], [-91, -181, 91, 181],
        [-181, -362, 181, 362]]
    p2 = grid_anchors((32, 32), (128, 128), (32,))
    assert p2[:4].tolist() == [[-23, -11, 23, 11], [-16, -16, 16, 16], [-11, -23, 11, 23], [-19, -11, 27, 11]]
    assert p2[3 * 32].tolist() == [-23, -7, 23, 15]  # the next row: y shifted by the stride, 4
    assert len(pyramid_anchors([(32, 32), (16, 16), (8, 8), (4, 4), (2, 2)], (128, 128))) == 4092
    with pytest.raises(ValueError, match="sizes must be positive"):
        generate_anchors((0,))


# --- numpy transcriptions of torchvision's CPU kernels (roi_align_kernel.cpp, roi_pool_kernel.cpp) --
def _bilinear(f, y, x):
    h, w = f.shape[:2]
    if y < -1.0 or y > h or x < -1.0 or x > w:
        return np.zeros(f.shape[2])
    y, x = max(y, 0.0), max(x, 0.0)
    yl, xl = int(y), int(x)
    if yl >= h - 1:
        yh = yl = h - 1
        y = float(yl)
    else:
        yh = yl + 1
    if xl >= w - 1:
        xh = xl = w - 1
        x = float(xl)
    else:
        xh = xl + 1
    ly, lx = y - yl, x - xl
    hy, hx = 1 - ly, 1 - lx
    return hy * hx * f[yl, xl] + hy * lx * f[yl, xh] + ly * hx * f[yh, xl] + ly * lx * f[yh, xh]


def reference_roi_align(features, boxes, indices, out, scale, ratio, aligned):
    result = np.zeros((len(boxes), out, out, features.shape[-1]))
    off = 0.5 if aligned else 0.0
    for k, (box, b) in enumerate(zip(boxes, indices)):
        x1, y1, x2, y2 = (v * scale - off for v in box)
        rw, rh = x2 - x1, y2 - y1
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bw, bh = rw / out, rh / out
        gh = ratio if ratio > 0 else math.ceil(rh / out)
        gw = ratio if ratio > 0 else math.ceil(rw / out)
        for ph in range(out):
            for pw in range(out):
                total = sum(_bilinear(features[b], y1 + ph * bh + (iy + .5) * bh / gh, x1 + pw * bw + (ix + .5) * bw / gw)
                            for iy in range(gh) for ix in range(gw))
                result[k, ph, pw] = total / max(gh * gw, 1)
    return result


def _cpp_round(v):
    return math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)


def reference_roi_pool(features, boxes, indices, out, scale):
    h, w = features.shape[1:3]
    result = np.zeros((len(boxes), out, out, features.shape[-1]))
    for k, (box, b) in enumerate(zip(boxes, indices)):
        x1, y1, x2, y2 = (_cpp_round(v * scale) for v in box)
        rw, rh = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
        bw, bh = rw / out, rh / out
        for ph in range(out):
            for pw in range(out):
                hs = min(max(math.floor(ph * bh) + y1, 0), h)
                he = min(max(math.ceil((ph + 1) * bh) + y1, 0), h)
                ws = min(max(math.floor(pw * bw) + x1, 0), w)
                we = min(max(math.ceil((pw + 1) * bw) + x1, 0), w)
                if he > hs and we > ws:
                    result[k, ph, pw] = features[b, hs:he, ws:we].max(axis=(0, 1))
    return result


def _random_rois(rng, count, image):
    xy = rng.uniform(-8, image, (count, 2))  # some partly outside the map
    wh = rng.uniform(0, image / 2, (count, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype("float32")


def test_roi_align_equals_torchvision_semantics():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    for scale, image in ((1.0, 8), (0.5, 16), (0.25, 32)):
        boxes = _random_rois(rng, 12, image)
        boxes[0] = [0.5, 0.5, 2.5, 2.5]
        boxes[1] = [2.0, 3.0, 2.0, 7.0]  # zero width: with aligned, adaptive sampling takes no x samples
        boxes[2] = [0, 0, image, image]  # the whole map: an adaptive grid of 3 x 3 per bin
        indices = rng.integers(0, 2, len(boxes))
        for ratio in (1, 2, 3, -1):  # -1: torchvision's adaptive ceil(roi / output) per RoI and axis
            for aligned in (False, True):
                ours = np.asarray(roi_align(features, boxes, indices, 3, scale, ratio, aligned))
                expected = reference_roi_align(features, boxes, indices, 3, scale, ratio, aligned)
                np.testing.assert_allclose(ours, expected, atol=1e-5, err_msg=f"{scale} {ratio} {aligned}")
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="sampling_ratio must be a positive integer or -1"):
            roi_align(features, boxes, indices, 3, sampling_ratio=bad)


def test_roi_pool_equals_torchvision_semantics():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    for scale, image in ((1.0, 8), (0.5, 16), (0.25, 32)):
        boxes = _random_rois(rng, 12, image)
        boxes[0] = [0.5, 0.5, 2.5, 2.5] if scale == 1.0 else boxes[0]  # C++ round: 0.5 -> 1, 2.5 -> 3
        indices = rng.integers(0, 2, len(boxes))
        ours = np.asarray(roi_pool(features, boxes, indices, 2, scale))
        np.testing.assert_allclose(ours, reference_roi_pool(features, boxes, indices, 2, scale), atol=1e-6)
    assert np.asarray(roi_pool(np.arange(16, dtype="float32").reshape(1, 4, 4, 1), [[0.5, 0.5, 2.5, 2.5]], [0], 1)).item() == 15.0


def test_rpn_head_outputs_the_notes_54_per_position():
    from dlcourse.models.detection.rcnn import rpn_head

    two_way = rpn_head(512)
    assert {k: v.shape[-1] for k, v in two_way.output.items()} == {"objectness": 18, "deltas": 36}  # 9 x (4 + 2) = 54
    one_logit = rpn_head(512, two_way=False)  # torchvision's form: 9 x (4 + 1) = 45
    assert {k: v.shape[-1] for k, v in one_logit.output.items()} == {"objectness": 9, "deltas": 36}
    out = two_way(np.zeros((1, 5, 7, 512), "float32"))
    assert out["objectness"].shape == (1, 5, 7, 18) and out["deltas"].shape == (1, 5, 7, 36)


@pytest.mark.parametrize("classes", [3])
def test_head_counts_follow_the_stated_formula(classes):
    from dlcourse.models.detection.rcnn import box_head, mask_head

    # box head: fc6 (256*49 -> 1024) + fc7 + (1024 + 1)(K + 4K); mask head: 4 convs + deconv + (256 + 1) K
    assert box_head(classes).count_params() == 12_846_080 + 1_049_600 + 5_125 * classes
    assert mask_head(classes).count_params() == 2_360_320 + 262_400 + 257 * classes


@pytest.mark.slow
def test_resnet50_fpn_faster_and_mask_rcnn_counts_equal_torchvisions():
    from dlcourse.models.detection.rcnn import learned_parameters, rcnn_resnet50_fpn

    parts = rcnn_resnet50_fpn(classes=91)  # built once: Mask R-CNN is Faster R-CNN plus the mask head
    faster = {k: v for k, v in parts.items() if k != "mask_head"}
    assert learned_parameters(faster) == 41_755_286 == 41_288_911 + 5_125 * 91
    assert learned_parameters(parts) == 44_401_393 == 43_911_631 + 5_382 * 91
    levels = parts["backbone"](np.zeros((1, 128, 128, 3), "float32"))
    assert {k: tuple(v.shape[1:3]) for k, v in levels.items()} == {"P2": (32, 32), "P3": (16, 16), "P4": (8, 8),
                                                                   "P5": (4, 4), "P6": (2, 2)}
