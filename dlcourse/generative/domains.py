"""Two unpaired image domains made offline, for CycleGAN: digits and their inverted or thickened versions.

CycleGAN learns a mapping between two sets of images that are not in pairs. Here domain A is the
digits and domain B the same kind of images transformed (``"invert"``: 1 - x; ``"thicken"``: a 3x3
grey dilation, strokes one pixel wider), drawn from a different half of the data so that no image
of A has its own twin in B.

Example:
    >>> import numpy as np
    >>> a, b = unpaired_domains(np.zeros((10, 8, 8, 1), "float32"), kind="invert")
    >>> a.shape, b.shape, float(b.max())
    ((5, 8, 8, 1), (5, 8, 8, 1), 1.0)
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_choice, check_int

DOMAIN_KINDS = ("invert", "thicken")


def make_domain(images, kind: str = "invert") -> np.ndarray:
    """`images` (N, H, W, C) in [0, 1] carried to domain `kind` (see the module docstring)."""
    kind = check_choice("kind", kind, DOMAIN_KINDS)
    x = np.asarray(images, "float32")
    if x.ndim != 4:
        raise ValueError(f"images must be a batch (N, H, W, C); got shape {x.shape}")
    if kind == "invert":
        return 1.0 - x
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    h, w = x.shape[1:3]
    return np.max([padded[:, i:i + h, j:j + w] for i in range(3) for j in range(3)], axis=0)


def unpaired_domains(images, kind: str = "invert", seed: int = 0):
    """``(a, b)``: half of `images` as they are, the other half carried to domain `kind`, shuffled.

    Args:
        images: (N, H, W, C) in [0, 1], N >= 2.
        kind: ``"invert"`` or ``"thicken"``.
        seed: the seed of the split.
    """
    x = np.asarray(images, "float32")
    if x.ndim != 4 or len(x) < 2:
        raise ValueError(f"images must be a batch (N, H, W, C) of at least 2; got shape {x.shape}")
    order = np.random.default_rng(check_int("seed", seed, minimum=0)).permutation(len(x))
    half = len(x) // 2
    return x[order[:half]], make_domain(x[order[half:2 * half]], kind)
