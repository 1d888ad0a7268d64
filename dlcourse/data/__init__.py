"""Data sets, offline-ready: ``load_dataset("mnist")`` returns arrays and tf.data pipelines.

Example:
    >>> from dlcourse.data import load_dataset
    >>> data = load_dataset("digits")
"""

from dlcourse.data.datasets import (
    DATA_DIR_ENV,
    DATASETS,
    DatasetUnavailable,
    ImageData,
    list_datasets,
    load_dataset,
)

__all__ = ["DATA_DIR_ENV", "DATASETS", "DatasetUnavailable", "ImageData", "list_datasets", "load_dataset"]
