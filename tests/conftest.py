"""Shared fixtures: real data when it is beside the project, skipping cleanly when it is not."""

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def stop_at_epoch(epoch: int):
    """A callback that stands in for a kill: the process dies as epoch `epoch` begins (the one before was saved)."""
    import keras

    class StopAtEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, current, logs=None):
            if current == epoch:
                raise KeyboardInterrupt

    return StopAtEpoch()


@pytest.fixture(scope="session")
def shared_data_dir():
    """The folder holding the real MNIST file (../shared/data); skips the test when it is absent."""
    if not (SHARED_DATA / "mnist.npz").is_file():
        pytest.skip("../shared/data/mnist.npz is not here")
    return SHARED_DATA


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's bundled digits at 28x28x1, the notes' CNN input."""
    from dlcourse.data import load_dataset

    return load_dataset("digits")


@pytest.fixture(scope="session")
def digits8():
    """scikit-learn's bundled digits at their own 8x8 size, for quick MLP runs."""
    from dlcourse.data import load_dataset

    return load_dataset("digits", image_size=8)


@pytest.fixture(scope="session")
def readme_zoo_table():
    """README.md's model table as ``{name: (parameters, multiply-adds)}``: the numbers it claims."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| [\dx]+ \| ([\d,]+) \| ([\d,]+) \| .* \|$", text, flags=re.MULTILINE)
    assert rows, "README.md has no model table"
    return {name: (int(params.replace(",", "")), int(macs.replace(",", ""))) for name, params, macs in rows}
