"""Anchors (앵커 박스): reference boxes of several sizes and aspect ratios at every feature-map
position, which a Region Proposal Network scores and refines (Ren et al. 2015, Faster R-CNN).

Conventions are torchvision's ``AnchorGenerator``: aspect ratio = height / width; the base anchors
of one position are centred on 0 and rounded (half to even); they are ordered ratio-major (for each
ratio, every size); a position's anchors are centred on its cell's top-left pixel (x = column x
stride), not on the cell's centre; the stride is image size // feature-map size. The notes' RPN has
3 sizes (128, 256, 512) x 3 ratios (1:2, 1:1, 2:1) = 9 anchors per position.

Example:
    >>> generate_anchors((32,), (0.5, 1.0, 2.0)).tolist()
    [[-23.0, -11.0, 23.0, 11.0], [-16.0, -16.0, 16.0, 16.0], [-11.0, -23.0, 11.0, 23.0]]
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_positive_int

NOTES_SIZES = (128, 256, 512)  # Faster R-CNN's three anchor sizes (pixels)
NOTES_RATIOS = (0.5, 1.0, 2.0)  # ... and three aspect ratios (height / width)
FPN_SIZES = ((32,), (64,), (128,), (256,), (512,))  # one size per FPN level P2-P6 (torchvision)


def _positive_numbers(name, values):
    values = tuple(np.ravel(values).tolist()) if np.ndim(values) else (values,)
    if not values or not all(isinstance(v, (int, float)) and np.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"{name} must be positive numbers; got {values!r}")
    return values


def generate_anchors(sizes=NOTES_SIZES, aspect_ratios=NOTES_RATIOS) -> np.ndarray:
    """The anchors of one position, centred on 0: (len(ratios) * len(sizes), 4) xyxy, ratio-major.

    Args:
        sizes: anchor sizes in pixels (the square root of the area).
        aspect_ratios: heights / widths.

    Example:
        >>> generate_anchors().shape
        (9, 4)
    """
    sizes = np.asarray(_positive_numbers("sizes", sizes), np.float32)
    ratios = np.asarray(_positive_numbers("aspect_ratios", aspect_ratios), np.float32)
    h_ratios = np.sqrt(ratios)
    w_ratios = np.float32(1) / h_ratios
    ws = (w_ratios[:, None] * sizes[None, :]).reshape(-1)
    hs = (h_ratios[:, None] * sizes[None, :]).reshape(-1)
    return np.round(np.stack([-ws, -hs, ws, hs], axis=1) / 2).astype(np.float32)


def grid_anchors(feature_size, image_size, sizes=NOTES_SIZES, aspect_ratios=NOTES_RATIOS) -> np.ndarray:
    """Every anchor of one feature map: (H * W * A, 4) xyxy in image pixels, position-major.

    Args:
        feature_size: (height, width) of the feature map.
        image_size: (height, width) of the image; the strides are image // feature (integer).
        sizes, aspect_ratios: as `generate_anchors`.

    Example:
        >>> grid_anchors((2, 2), (8, 8), (32,))[3].tolist()  # the second position's first anchor
        [-19.0, -11.0, 27.0, 11.0]
    """
    fh, fw = (check_positive_int("feature_size", v) for v in feature_size)
    ih, iw = (check_positive_int("image_size", v) for v in image_size)
    stride_y, stride_x = ih // fh, iw // fw
    shift_y, shift_x = np.meshgrid(np.arange(fh) * stride_y, np.arange(fw) * stride_x, indexing="ij")
    shifts = np.stack([shift_x, shift_y, shift_x, shift_y], axis=-1).reshape(-1, 1, 4).astype(np.float32)
    return (shifts + generate_anchors(sizes, aspect_ratios)[None]).reshape(-1, 4)


def pyramid_anchors(feature_sizes, image_size, sizes=FPN_SIZES, aspect_ratios=NOTES_RATIOS) -> np.ndarray:
    """The anchors of every level of a feature pyramid, concatenated (torchvision's FPN: one size per
    level, 3 ratios: for a 128 x 128 image and P2-P6, 3 * (32² + 16² + 8² + 4² + 2²) = 4,092).

    Example:
        >>> len(pyramid_anchors([(32, 32), (16, 16), (8, 8), (4, 4), (2, 2)], (128, 128)))
        4092
    """
    if len(feature_sizes) != len(sizes):
        raise ValueError(f"sizes must give one tuple per level: {len(feature_sizes)} levels, {len(sizes)} sizes")
    return np.concatenate([grid_anchors(f, image_size, s, aspect_ratios) for f, s in zip(feature_sizes, sizes)])
