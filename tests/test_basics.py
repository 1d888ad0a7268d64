"""The first lessons' models: perceptron gates, XOR, MLP and the notes' CNN."""

import keras
import numpy as np
import pytest

from dlcourse.models import GATE_INPUTS, GATE_TRUTH_TABLES, get_model, list_models, logic_gate, mlp, notes_cnn, xor_network


def notes_sequential_cnn():
    """The notes' CNN exactly as the notes write it, with keras.Sequential."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])


def test_notes_cnn_matches_the_notes_sequential_model():
    ours, notes = notes_cnn(), notes_sequential_cnn()
    assert ours.count_params() == notes.count_params() == 93_322
    our_shapes = [layer.output.shape for layer in ours.layers[1:]]
    notes_shapes = [layer.output.shape for layer in notes.layers]
    assert our_shapes == notes_shapes
    notes.set_weights(ours.get_weights())
    images = np.random.default_rng(0).random((8, 28, 28, 1), dtype="float32")
    np.testing.assert_array_equal(ours.predict(images, verbose=0), notes.predict(images, verbose=0))


@pytest.mark.parametrize("gate", ["and", "or", "nand"])
def test_hand_set_perceptron_computes_its_gate(gate):
    outputs = logic_gate(gate).predict(GATE_INPUTS, verbose=0).ravel()
    assert outputs.tolist() == GATE_TRUTH_TABLES[gate]


def test_xor_needs_two_layers():
    with pytest.raises(ValueError, match="xor_network"):
        logic_gate("xor")
    assert xor_network().predict(GATE_INPUTS, verbose=0).ravel().tolist() == GATE_TRUTH_TABLES["xor"]


def test_mlp_learns_xor():
    keras.utils.set_random_seed(0)
    model = mlp(hidden_units=(4,), activation="tanh", input_shape=(2,), classes=1, classifier_activation="sigmoid")
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    y = np.array(GATE_TRUTH_TABLES["xor"], dtype="float32")
    model.fit(GATE_INPUTS, y, epochs=300, batch_size=4, verbose=0)
    predictions = (model.predict(GATE_INPUTS, verbose=0).ravel() > 0.5).astype(int)
    assert predictions.tolist() == GATE_TRUTH_TABLES["xor"]


def test_notes_cnn_without_top_gives_features():
    assert notes_cnn(include_top=False, input_shape=(28, 28, 1)).output_shape == (None, 3, 3, 64)
    assert notes_cnn(include_top=False).output_shape == (None, None, None, 64)  # any size, as keras.applications
    assert notes_cnn(include_top=False, pooling="avg").output_shape == (None, 64)


def test_registry_lists_and_builds_by_name():
    assert {"perceptron", "mlp", "notes_cnn"} <= set(list_models())
    assert get_model("notes_cnn", classes=3).output_shape == (None, 3)


def test_unknown_model_name_lists_close_matches():
    with pytest.raises(ValueError, match="Did you mean 'notes_cnn'"):
        get_model("notes_cn")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"classes": 0}, ValueError, "classes must be a positive integer"),
        ({"classes": 2.5}, ValueError, "classes must be a positive integer"),
        ({"input_shape": (10, 10, 1)}, ValueError, "at least 18"),
        ({"input_shape": (28, 28)}, ValueError, "must have 3 dimensions"),
        ({"pooling": "sum"}, ValueError, "pooling must be one of"),
        ({"weights": "imagenet"}, ValueError, "no published ImageNet weights"),
        ({"weights": "missing.weights.h5"}, ValueError, "no file at"),
        ({"include_top": "yes"}, TypeError, "include_top must be True or False"),
        ({"dropout": 1.5}, ValueError, "dropout must be in"),
    ],
)
def test_bad_arguments_fail_before_building(kwargs, error, match):
    with pytest.raises(error, match=match):
        notes_cnn(**kwargs)


def test_weights_file_round_trip(tmp_path):
    model = notes_cnn()
    path = tmp_path / "cnn.weights.h5"
    model.save_weights(path)
    loaded = notes_cnn(weights=str(path))
    images = np.random.default_rng(1).random((2, 28, 28, 1), dtype="float32")
    np.testing.assert_array_equal(model.predict(images, verbose=0), loaded.predict(images, verbose=0))


def test_input_tensor_is_used():
    image = keras.Input(shape=(32, 32, 1))
    model = notes_cnn(input_tensor=image, classes=4)
    assert model.inputs[0] is image and model.output_shape == (None, 4)
