"""The notes' mistakes that lessons 11 and 12 correct ("the notes say / in fact"), each checked here."""

import json
from pathlib import Path

import keras
import numpy as np

from dlcourse.sequence.cells import keras_layer

LESSONS = Path(__file__).resolve().parents[1] / "lessons"


def _markdown(name):
    cells = json.loads((LESSONS / name).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_the_gan_is_from_2014_in_the_lesson_and_the_package():
    from dlcourse.models import model_entry
    from dlcourse.models.generative import gans

    assert "Goodfellow et al. (2014)" in gans.__doc__ and "2014" in model_entry("gan").reference
    assert "2014" in _markdown("11_gans.ipynb") and "1406.2661" in _markdown("11_gans.ipynb")


def test_the_rnn_non_linearity_is_tanh_not_arctan():
    layer = keras_layer("simple_rnn", 3)
    assert layer.get_config()["activation"] == "tanh"     # Keras' SimpleRNN default
    x = np.random.default_rng(0).normal(scale=3.0, size=(1, 1, 2)).astype("float32")
    layer(x)                                              # built with Keras' random weights, unseeded:
    kernel = np.array([[1.0, -0.5, 0.8], [0.3, 0.9, -1.2]], "float32")   # set fixed ones, so that the
    bias = np.array([0.5, -1.0, 0.2], "float32")                           # pre-activations are not all tiny
    layer.set_weights([kernel, np.zeros((3, 3), "float32"), bias])
    h = keras.ops.convert_to_numpy(layer(x))              # one step from h_0 = 0: h_1 = tanh(x W + b)
    pre = x[0] @ kernel + bias
    np.testing.assert_allclose(h, np.tanh(pre), atol=1e-6)
    assert np.abs(np.arctan(pre) - np.tanh(pre)).max() > 1e-3   # arctan would give other numbers


def test_digits_are_read_as_a_sequence_of_rows_one_step_per_row():
    # MNIST is not time-series data: the rows become time steps only because the model reshapes them
    from dlcourse.models import get_model

    model = get_model("rnn_rows", input_shape=(8, 8, 1), units=4)
    assert tuple(model.get_layer("rows").output.shape) == (None, 8, 8)   # 8 steps of 8 pixels
    assert "not time-series" in _markdown("12_sequences_and_attention.ipynb")
