"""dlcourse.sequence: cells from their equations equal Keras' layers, counts, the vanishing gradient,
the offline sequence tasks, the row classifiers through `fit` and `count_macs` on recurrent layers."""

import keras
import numpy as np
import pytest

from dlcourse.analysis import count_macs
from dlcourse.sequence import CELLS, gradient_norms_per_step, make_sequence_task, recurrent_params, unroll
from dlcourse.sequence.cells import keras_layer

# The issue's figures: 28 inputs, 128 units (GRU with Keras' reset_after=True)
ROW_COUNTS = {"simple_rnn": 20_096, "lstm": 80_384, "gru": 60_672}


@pytest.mark.parametrize("kind", CELLS)
def test_cell_equals_keras_layer_on_transplanted_weights(kind):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 7, 5)).astype("float32")
    layer = keras_layer(kind, 6, return_sequences=True)
    expected = keras.ops.convert_to_numpy(layer(x))
    weights = [w + rng.normal(scale=0.1, size=w.shape).astype("float32") for w in layer.get_weights()]  # biases too
    layer.set_weights(weights)
    expected = keras.ops.convert_to_numpy(layer(x))
    ours = keras.ops.convert_to_numpy(unroll(kind, x, *weights, return_sequences=True))
    np.testing.assert_allclose(ours, expected, atol=1e-5)
    last = keras.ops.convert_to_numpy(unroll(kind, x, *weights))
    np.testing.assert_allclose(last, expected[:, -1], atol=1e-5)


@pytest.mark.parametrize("kind", CELLS)
def test_parameter_counts_by_formula_and_by_keras(kind):
    layer = keras_layer(kind, 128)
    keras.Sequential([keras.Input((28, 28)), layer])
    assert recurrent_params(kind, 28, 128) == layer.count_params() == ROW_COUNTS[kind]
    assert recurrent_params("gru", 28, 128, reset_after=False) == 60_288


@pytest.mark.parametrize("name, kind", [("rnn_rows", "simple_rnn"), ("lstm_rows", "lstm"), ("gru_rows", "gru")])
def test_row_classifiers_are_the_layer_plus_a_classifier(name, kind):
    from dlcourse.models import get_model

    model = get_model(name)
    assert model.get_layer(kind).count_params() == ROW_COUNTS[kind]
    assert model.count_params() == ROW_COUNTS[kind] + 128 * 10 + 10
    # MACs: 28 steps of the input and recurrent products of every gate, then the classifier
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[kind]
    assert count_macs(model).by_layer == {kind: 28 * (28 + 128) * gates * 128, "predictions": 128 * 10}


def test_vanishing_gradient_simple_rnn_loses_early_steps_faster_than_lstm():
    for seed in (0,):
        rnn = gradient_norms_per_step("simple_rnn", length=60, seed=seed)
        lstm = gradient_norms_per_step("lstm", length=60, seed=seed)
        assert rnn.shape == lstm.shape == (60,)
        assert np.all(np.isfinite(rnn)) and rnn[-1] > 0 and lstm[-1] > 0
        # the gradient reaching step t shrinks with the distance to the end: more for SimpleRNN
        assert rnn[0] / rnn[-1] < 1e-6 and rnn[30] < rnn[-1] and lstm[30] < lstm[-1]
        # measured (seeds 0-3): 60 steps back SimpleRNN keeps 3e-9 to 1.3e-8 of the last step's
        # gradient, LSTM 5e-6 to 1e-5 (510x to 3,260x more); 30 steps back 6e-5 to 1.3e-4 vs 1.4e-3 to 2.7e-3
        assert lstm[0] / lstm[-1] > 100 * rnn[0] / rnn[-1]
        assert lstm[30] / lstm[-1] > 5 * rnn[30] / rnn[-1]


def test_sequence_tasks_are_deterministic_and_labelled():
    x, y = make_sequence_task("first_symbol", count=50, length=9, symbols=5, seed=3)
    assert x.shape == (50, 9, 5) and x.dtype == np.float32 and y.dtype == np.int32
    assert np.all(x.sum(-1) == 1) and np.array_equal(y, x[:, 0].argmax(-1))
    again, _ = make_sequence_task("first_symbol", count=50, length=9, symbols=5, seed=3)
    assert np.array_equal(x, again)
    x, y = make_sequence_task("majority", count=20, length=np.int64(7), symbols=3)
    counts = x.sum(axis=1)
    assert np.all(counts[np.arange(20), y] == counts.max(axis=1))


@pytest.mark.parametrize("kwargs, message", [
    ({"length": 0}, "length must be a positive integer; got 0"),
    ({"task": "copy"}, "task must be one of"),
    ({"symbols": 1}, "symbols must be an integer >= 2"),
    ({"count": 2.5}, "count must be a positive integer"),
])
def test_sequence_task_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_sequence_task(**kwargs)


def test_cells_bad_input():
    with pytest.raises(ValueError, match="kind must be one of"):
        recurrent_params("rnn", 28, 128)
    with pytest.raises(ValueError, match="sequence length of 0"):
        unroll("lstm", np.zeros((1, 0, 3), "float32"), *keras_layer("lstm", 2).get_weights() or [None] * 3)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        recurrent_params("gru", 28, 0)


@pytest.mark.slow
def test_lstm_learns_the_first_symbol_task_through_fit_from_arrays():
    from dlcourse.train import fit

    x, y = make_sequence_task("first_symbol", count=256, length=5, symbols=3, seed=0)
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(16), keras.layers.Dense(3)])
    # plain (x, y) arrays: sequences keep their (n, 5, 3) shape, no channel axis, no [0, 1] check
    result = fit(model, (x, y), task="sequence_classification", epochs=30, learning_rate=0.02, verbose=0,
                 tensorboard=False, batch_size=32)
    assert result.task == "sequence_classification"
    assert result.history["accuracy"][-1] > 0.9


def test_sequence_arrays_keep_their_shape_and_bad_sequences_are_refused():
    from dlcourse.data import as_image_data
    from dlcourse.train import fit

    x, y = make_sequence_task("majority", count=20, length=4, symbols=3)
    data = as_image_data((x * 5 - 2, y), task="sequence_classification", validation_split=0.2)
    assert data.input_shape == (4, 3) and data.num_classes == 3 and data.sizes()["val"] == 4
    assert data.x_train.min() < 0  # features are not pixels: never rescaled or refused for leaving [0, 1]
    tokens = as_image_data((np.ones((10, 6), "int64"), np.arange(10) % 2), task="sequence_classification")
    assert tokens.x_train.dtype == np.int32 and tokens.input_shape == (6,)
    with pytest.raises(ValueError, match="sequence length of 0"):
        as_image_data((np.zeros((4, 0, 3)), np.zeros(4)), task="sequence_classification")
    model = keras.Sequential([keras.Input((4, 3)), keras.layers.GRU(2), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="task='sequence_classification'"):  # as images they gain a channel axis
        fit(model, (x, y), epochs=1, verbose=0)


def test_count_macs_counts_recurrent_embedding_and_refuses_unknown_layers():
    tokens = keras.Input((12,), dtype="int32")
    x = keras.layers.Embedding(100, 8, name="embed")(tokens)
    x = keras.layers.Bidirectional(keras.layers.GRU(4), name="bigru")(x)
    model = keras.Model(tokens, keras.layers.Dense(2, name="fc")(x))
    assert count_macs(model).by_layer == {"bigru": 2 * 12 * (8 + 4) * 3 * 4, "fc": 8 * 2}  # lookup: 0

    inputs = keras.Input((4,))
    hidden = keras.layers.Lambda(lambda t: keras.ops.matmul(t, keras.ops.ones((4, 4))), name="secret")(inputs)
    with pytest.raises(ValueError, match="does not know layer 'secret'.*Lambda"):
        count_macs(keras.Model(inputs, keras.layers.Dense(1)(hidden)))
