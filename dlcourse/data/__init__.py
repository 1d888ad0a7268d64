"""Data sets, offline-ready: ``load_dataset("mnist")`` returns arrays and tf.data pipelines;
``as_image_data((x, y))`` checks arrays you already hold; ``load_dataset("folder", path=DIR,
image_size=64)`` reads your own images.

Example:
    >>> from dlcourse.data import load_dataset
    >>> data = load_dataset("digits")
"""

from dlcourse.data.arrays import as_image_data
from dlcourse.data.checks import check_class_labels, check_images, check_mask_labels, check_regression_targets
from dlcourse.data.datasets import (
    DATA_DIR_ENV,
    DATASETS,
    MAX_IMAGE_SIZE,
    DatasetUnavailable,
    list_datasets,
    load_dataset,
)
from dlcourse.data.image_data import ImageData

__all__ = [
    "DATA_DIR_ENV", "DATASETS", "MAX_IMAGE_SIZE", "DatasetUnavailable", "ImageData", "as_image_data",
    "check_class_labels", "check_images", "check_mask_labels", "check_regression_targets", "list_datasets",
    "load_dataset",
]
