"""Scoring generative models offline: the digits judge (Frechet distance, Inception-Score analogue,
class coverage), the VAE's likelihood bounds, and the unpaired domains CycleGAN learns between.

Importing this package imports no TensorFlow; the functions import what they need.

Example:
    >>> from dlcourse.generative import sample_quality, unpaired_domains
"""

from __future__ import annotations

from dlcourse.generative.domains import DOMAIN_KINDS, make_domain, unpaired_domains
from dlcourse.generative.judge import (
    Judge,
    class_coverage,
    class_histogram,
    frechet_distance,
    inception_score,
    label_agreement,
    load_judge,
    reference_images,
    sample_quality,
)
from dlcourse.generative.likelihood import importance_weighted_nll, likelihood_bounds, negative_elbo

__all__ = [
    "DOMAIN_KINDS", "Judge", "class_coverage", "class_histogram", "frechet_distance", "importance_weighted_nll",
    "inception_score", "label_agreement", "likelihood_bounds", "load_judge", "make_domain", "negative_elbo",
    "reference_images",
    "sample_quality", "unpaired_domains",
]
