"""RoI pooling (Fast R-CNN) and RoIAlign (Mask R-CNN) in `keras.ops`: a fixed-size feature map for each
region of interest (관심 영역), with torchvision's ``roi_pool`` / ``roi_align`` semantics.

RoIAlign (He et al. 2017) samples the feature map bilinearly at a regular grid of points in each
output bin and averages them; nothing is rounded. With `aligned` the box is shifted by half a
pixel (``x * spatial_scale - 0.5``), so a box's corners fall on pixel corners; without it the RoI
is at least 1 x 1. A sample more than one pixel outside the map is 0; one within a pixel of the
edge takes the edge value. `sampling_ratio` points per bin side, or -1 (torchvision's default):
adaptive, ``ceil(roi_height / out_h)`` by ``ceil(roi_width / out_w)`` per RoI (then the boxes must be
concrete values, not symbolic tensors; Mask R-CNN used 2).

RoI pooling (Girshick 2015) rounds the box to whole feature pixels (C++ ``round``: half away from
zero, so 2.5 -> 3), splits it into output bins (inclusive end: width = x2 - x1 + 1) and takes each
bin's maximum; an empty bin gives 0.

Bilinear sampling is separable, so each is a product of small (bins x pixels) weight matrices with
the feature map: ``einsum("kph,khwc,kqw->kpqc")`` (a max over masked rows and columns for RoI pooling).

Example:
    >>> import numpy as np
    >>> features = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> np.asarray(roi_align(features, [[0, 0, 4, 4]], [0], 2, aligned=True, sampling_ratio=2))[0, ..., 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_int, check_positive_number
from dlcourse.detection.boxes import check_boxes


def _output_size(output_size):
    size = (output_size, output_size) if np.ndim(output_size) == 0 else tuple(output_size)
    if len(size) != 2:
        raise ValueError(f"output_size must be an int or (height, width); got {output_size!r}")
    return tuple(check_int("output_size", s, minimum=1) for s in size)


def _check(features, boxes, box_indices):
    from keras import ops

    features = ops.convert_to_tensor(features, "float32")
    if len(features.shape) != 4:
        raise ValueError(f"features must be (batch, height, width, channels); got shape {tuple(features.shape)}")
    if not hasattr(boxes, "dtype") or isinstance(boxes, np.ndarray):  # concrete boxes are checked at once
        check_boxes(boxes)
    boxes = ops.convert_to_tensor(boxes, "float32")
    box_indices = ops.cast(ops.convert_to_tensor(box_indices), "int32")
    return features, boxes, box_indices


def _bilinear_weights(start, bin_size, bins, grid, size, most=None):
    """(K, bins, size): the average over a bin's samples of their bilinear weights per pixel.

    `grid` is the samples per bin side: an int, or a (K,) tensor per RoI (adaptive) of which
    `most` is the largest; a RoI with 0 samples (an empty aligned box) gets weights 0, as torchvision.
    """
    from keras import ops

    most = grid if most is None else most
    grid = ops.cast(ops.convert_to_tensor(grid), "float32")
    grid = ops.reshape(grid, (-1, 1)) if len(grid.shape) else grid  # (K, 1) or a scalar
    steps = (ops.arange(bins * most, dtype="float32") // most)[None]
    index = (ops.arange(bins * most, dtype="float32") % most)[None]
    coord = (start[:, None] + steps * bin_size[:, None]
             + (index + 0.5) * bin_size[:, None] / ops.maximum(grid, 1.0))  # (K, bins * most)
    limit = float(size)
    valid = ops.cast((coord >= -1.0) & (coord <= limit), "float32")
    coord = ops.maximum(coord, 0.0)
    low = ops.floor(coord)
    at_edge = low >= limit - 1
    low = ops.where(at_edge, limit - 1, low)
    high = ops.where(at_edge, limit - 1, low + 1)
    coord = ops.where(at_edge, low, coord)
    frac = coord - low
    valid = valid * ops.cast(index < grid, "float32")  # adaptive: a RoI's samples beyond its grid count 0
    weights = (ops.one_hot(ops.cast(low, "int32"), size) * (1.0 - frac)[..., None]
               + ops.one_hot(ops.cast(high, "int32"), size) * frac[..., None]) * valid[..., None]
    k = ops.shape(weights)[0]
    total = ops.sum(ops.reshape(weights, (k, bins, most, size)), axis=2)
    return total / ops.reshape(ops.maximum(grid, 1.0), (-1, 1, 1))


def roi_align(features, boxes, box_indices, output_size, spatial_scale: float = 1.0, sampling_ratio: int = 2,
              aligned: bool = False):
    """RoIAlign (Mask R-CNN): (K, out_h, out_w, C) features of K boxes, as torchvision's ``roi_align``.

    Args:
        features: (N, H, W, C) feature maps (channels last).
        boxes: (K, 4) xyxy boxes in image pixels.
        box_indices: (K,) which image of the batch each box is on.
        output_size: an int or (height, width).
        spatial_scale: feature pixels per image pixel (1/16 for a stride-16 map).
        sampling_ratio: sample points per bin side (> 0), or -1: adaptive, ``ceil(roi / output)`` per
            RoI and axis (torchvision's default; needs concrete boxes).
        aligned: shift by half a pixel (Detectron2's correct alignment); False as the original.

    Returns:
        A (K, out_h, out_w, C) tensor.
    """
    from keras import ops

    out_h, out_w = _output_size(output_size)
    if not (isinstance(sampling_ratio, (int, np.integer)) and not isinstance(sampling_ratio, bool)
            and (sampling_ratio >= 1 or sampling_ratio == -1)):
        raise ValueError("sampling_ratio must be a positive integer or -1 (adaptive, as torchvision); "
                         f"got {sampling_ratio!r}")
    scale = check_positive_number("spatial_scale", spatial_scale)
    if not isinstance(aligned, bool):
        raise TypeError(f"aligned must be True or False; got {aligned!r}")
    features, boxes, box_indices = _check(features, boxes, box_indices)
    offset = 0.5 if aligned else 0.0
    x1, y1, x2, y2 = (boxes[:, i] * scale - offset for i in range(4))
    roi_w, roi_h = x2 - x1, y2 - y1
    if not aligned:
        roi_w, roi_h = ops.maximum(roi_w, 1.0), ops.maximum(roi_h, 1.0)
    height, width = features.shape[1], features.shape[2]
    if sampling_ratio == -1:  # torchvision: ceil(roi_height / pooled_height) by ceil(roi_width / pooled_width)
        grid_h, grid_w = ops.ceil(roi_h / out_h), ops.ceil(roi_w / out_w)
        try:
            most_h, most_w = (max(1, int(np.max(ops.convert_to_numpy(g), initial=0))) for g in (grid_h, grid_w))
        except Exception as error:  # a symbolic tensor inside a trace has no value to size the grid with
            raise ValueError("sampling_ratio=-1 needs concrete boxes (numpy or eager tensors) to size its "
                             "per-RoI grid; pass a positive sampling_ratio inside a traced function") from error
    else:
        grid_h = grid_w = most_h = most_w = int(sampling_ratio)
    wy = _bilinear_weights(y1, roi_h / out_h, out_h, grid_h, height, most_h)
    wx = _bilinear_weights(x1, roi_w / out_w, out_w, grid_w, width, most_w)
    per_box = ops.take(features, box_indices, axis=0)
    return ops.einsum("kph,khwc,kqw->kpqc", wy, per_box, wx)


def _round_half_away(x):
    from keras import ops

    return ops.sign(x) * ops.floor(ops.abs(x) + 0.5)


def _bin_masks(start, end, bins, size):
    """(K, bins, size) booleans: which pixels each bin covers (torchvision's roi_pool bin limits)."""
    from keras import ops

    length = ops.maximum(end - start + 1.0, 1.0)
    bin_size = length / bins
    p = ops.arange(bins, dtype="float32")[None]
    lo = ops.clip(ops.floor(p * bin_size[:, None]) + start[:, None], 0.0, float(size))
    hi = ops.clip(ops.ceil((p + 1) * bin_size[:, None]) + start[:, None], 0.0, float(size))
    pixel = ops.arange(size, dtype="float32")[None, None]
    return (pixel >= lo[..., None]) & (pixel < hi[..., None])


def roi_pool(features, boxes, box_indices, output_size, spatial_scale: float = 1.0):
    """RoI max pooling (Fast R-CNN): (K, out_h, out_w, C), as torchvision's ``roi_pool``.

    Args:
        features, boxes, box_indices, output_size, spatial_scale: as `roi_align`.

    Returns:
        A (K, out_h, out_w, C) tensor; empty bins are 0.

    Example:
        >>> import numpy as np
        >>> features = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> np.asarray(roi_pool(features, [[0, 0, 3, 3]], [0], 2))[0, ..., 0].tolist()
        [[5.0, 7.0], [13.0, 15.0]]
    """
    from keras import ops

    out_h, out_w = _output_size(output_size)
    scale = check_positive_number("spatial_scale", spatial_scale)
    features, boxes, box_indices = _check(features, boxes, box_indices)
    x1, y1, x2, y2 = (_round_half_away(boxes[:, i] * scale) for i in range(4))
    height, width = features.shape[1], features.shape[2]
    rows = _bin_masks(y1, y2, out_h, height)  # (K, out_h, H)
    cols = _bin_masks(x1, x2, out_w, width)  # (K, out_w, W)
    per_box = ops.take(features, box_indices, axis=0)  # (K, H, W, C)
    lowest = ops.convert_to_tensor(np.finfo(np.float32).min, "float32")
    by_col = ops.max(ops.where(cols[:, None, :, :, None], per_box[:, :, None], lowest), axis=3)  # (K, H, out_w, C)
    pooled = ops.max(ops.where(rows[:, :, :, None, None], by_col[:, None], lowest), axis=2)  # (K, out_h, out_w, C)
    return ops.where(pooled == lowest, 0.0, pooled)
