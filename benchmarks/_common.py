"""Helpers shared by the benchmark scripts (not part of the package)."""

import os
import statistics
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load_benchmark_data(name: str, limit=None):
    """MNIST from $DLCOURSE_DATA_DIR or ../shared/data (or a download); digits as a fallback."""
    from dlcourse.data import DATA_DIR_ENV, DatasetUnavailable, load_dataset

    if name == "mnist" and not os.environ.get(DATA_DIR_ENV) and (SHARED_DATA / "mnist.npz").is_file():
        os.environ[DATA_DIR_ENV] = str(SHARED_DATA)
    try:
        return load_dataset(name, limit=limit)
    except DatasetUnavailable as error:
        print(f"{name} unavailable ({str(error).split('.')[0]}); falling back to digits")
        return load_dataset("digits", limit=limit)


def median(values):
    return statistics.median(values)


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
