"""Every effect and number lessons 1-3 state in words, asserted on the same package functions at small size
(issue 16: a lesson's text stays true when the code changes), and the notes' mistakes those lessons correct."""

import keras
import numpy as np
import pytest

from dlcourse.analysis import conv_output_size, conv_params, cross_entropy, init_std


# Lesson 1 -------------------------------------------------------------------------------------------

def test_cross_entropy_is_minus_sum_of_target_times_log_prediction():
    y, y_hat = np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.7, 0.1]])
    assert cross_entropy(y, y_hat) == pytest.approx(-np.log(0.7)) == pytest.approx(0.3567, abs=1e-4)
    keras_value = float(keras.losses.categorical_crossentropy(y, y_hat)[0])
    assert cross_entropy(y, y_hat) == pytest.approx(keras_value, rel=1e-5)
    assert cross_entropy(y_hat, y) > 8  # the roles swapped: log 0 of the one-hot target (clipped at 1e-12) blows up


def test_categorical_on_one_hot_equals_sparse_on_integers_and_the_heads_have_one_unit():
    from dlcourse.models import mlp

    labels = np.array([3, 0, 9])
    probabilities = keras.ops.softmax(keras.random.normal((3, 10), seed=0))
    one_hot = keras.utils.to_categorical(labels, 10)
    assert one_hot.shape == (3, 10) and one_hot[0, 3] == 1 and one_hot.sum() == 3
    dense = keras.losses.categorical_crossentropy(one_hot, probabilities)
    sparse = keras.losses.sparse_categorical_crossentropy(labels, probabilities)
    np.testing.assert_allclose(dense, sparse, rtol=1e-5)
    regression = mlp(hidden_units=(32,), input_shape=(64,), classes=1, classifier_activation=None)
    binary = mlp(hidden_units=(32,), input_shape=(64,), classes=1, classifier_activation="sigmoid")
    assert regression.output_shape == binary.output_shape == (None, 1)
    assert regression.count_params() == binary.count_params() == 64 * 32 + 32 + 32 + 1 == 2113
    out = keras.ops.convert_to_numpy(binary(np.random.default_rng(0).normal(size=(8, 64)).astype("float32")))
    assert ((out > 0) & (out < 1)).all()


def test_xor_comes_from_and_and_or_hidden_units():
    from dlcourse.models import GATE_INPUTS, xor_network

    model = xor_network()
    hidden = keras.Model(model.inputs, model.get_layer("and_or").output)
    np.testing.assert_array_equal(hidden.predict(GATE_INPUTS, verbose=0), [[0, 0], [0, 1], [0, 1], [1, 1]])
    assert model.predict(GATE_INPUTS, verbose=0).ravel().tolist() == [0, 1, 1, 0]


# Lesson 2 -------------------------------------------------------------------------------------------

def test_a_5x5x3_filter_on_32x32x3_gives_one_28x28_map_and_six_filters_six():
    assert conv_output_size(32, 5) == 28
    image = np.zeros((1, 32, 32, 3), "float32")
    assert keras.layers.Conv2D(1, 5)(image).shape == (1, 28, 28, 1)
    assert keras.layers.Conv2D(6, 5)(image).shape == (1, 28, 28, 6)
    assert conv_params(5, 5, 3, 1) == 75 and conv_params(5, 5, 3, 6, bias=True) == 456


def test_a_1x1_convolution_from_128_to_32_channels_and_its_saving():
    layer = keras.layers.Conv2D(32, 1)
    assert layer(np.zeros((1, 256, 256, 128), "float32")).shape == (1, 256, 256, 32)
    assert layer.count_params() == conv_params(1, 1, 128, 32, bias=True) == 4_128
    direct = conv_params(3, 3, 128, 128)
    bottleneck = conv_params(1, 1, 128, 32) + conv_params(3, 3, 32, 128)
    assert (direct, bottleneck) == (147_456, 40_960)
    assert round(direct / bottleneck, 1) == 3.6


@pytest.mark.slow
def test_training_loss_starts_above_validation_loss_and_training_accuracy_below(tmp_path):
    from dlcourse.data import load_dataset
    from dlcourse.train import fit

    data = load_dataset("digits", limit=400)   # lesson 2's quick run
    result = fit("notes_cnn", data, epochs=2, run_dir=tmp_path / "run", verbose=0, tensorboard=False)
    history = result.history
    assert history["loss"][0] > history["val_loss"][0]
    assert history["accuracy"][0] < history["val_accuracy"][0]


# Lesson 3 -------------------------------------------------------------------------------------------

def test_xavier_uses_fan_in_plus_fan_out_and_he_fan_in_measured_on_keras_kernels():
    from dlcourse.diagnostics import INITIALIZERS

    assert init_std("xavier", 256, 128) == pytest.approx(np.sqrt(2 / 384)) == pytest.approx(0.0722, abs=1e-4)
    assert init_std("he", 256) == pytest.approx(np.sqrt(2 / 256)) == pytest.approx(0.0884, abs=1e-4)
    for scheme, expected in (("xavier", 0.0722), ("he", 0.0884), ("small_random", 0.01)):
        kernel = keras.ops.convert_to_numpy(INITIALIZERS[scheme](0)((256, 128)))
        assert kernel.std() == pytest.approx(expected, rel=0.03), scheme


def test_n_0_001_means_a_standard_deviation_of_001():
    assert init_std("small_random", 784) == 0.01
    kernel = keras.ops.convert_to_numpy(keras.initializers.RandomNormal(0.0, 0.01, seed=0)((512, 512)))
    assert kernel.std() == pytest.approx(0.01, rel=0.01)  # a variance of 0.01 would be a std of 0.1
    # and the signal shrinks by about 0.01 * sqrt(256) = 0.16 per layer
    assert 0.01 * np.sqrt(256) == pytest.approx(0.16)


def test_batch_norm_gamma_becomes_the_standard_deviation_and_beta_the_mean():
    layer = keras.layers.BatchNormalization(gamma_initializer=keras.initializers.Constant(3.0),
                                            beta_initializer=keras.initializers.Constant(1.0))
    x = keras.random.normal((4096, 1), mean=5.0, stddev=7.0, seed=0)
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    assert out.std() == pytest.approx(3.0, rel=0.01)   # gamma, not sqrt(gamma) = 1.73
    assert out.mean() == pytest.approx(1.0, abs=0.01)


def test_label_smoothing_uses_one_sample_mixup_mixes_two():
    from dlcourse.regularization import mix_batch, smooth_labels

    smoothed = keras.ops.convert_to_numpy(smooth_labels([3], 10, 0.1))[0]
    assert smoothed[3] == pytest.approx(0.91) and np.allclose(np.delete(smoothed, 3), 0.01)
    images = keras.random.uniform((16, 8, 8, 1), seed=0)
    _, mixed = mix_batch(images, np.arange(16) % 10, "mixup", num_classes=10, strength=1.0, seed=3)
    classes_per_row = np.count_nonzero(keras.ops.convert_to_numpy(mixed) > 1e-6, axis=1)
    assert classes_per_row.max() == 2 and (classes_per_row == 2).sum() >= 8   # two samples' labels per row
    assert np.count_nonzero(smoothed) == 10                 # every class, from one sample


def test_dropout_is_on_in_training_and_off_at_inference():
    layer = keras.layers.Dropout(0.5, seed=0)
    x = np.ones((1, 1000), "float32")
    train = keras.ops.convert_to_numpy(layer(x, training=True))
    assert set(np.unique(train)) == {0.0, 2.0} and 0.4 < (train == 0).mean() < 0.6
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, training=False)), x)


def test_adadelta_is_slow_to_start_on_the_valley_then_gets_there():
    from dlcourse import optim
    from dlcourse.optim.paths import optimizer_path, valley

    adadelta = optimizer_path(optim.Adadelta(50.0), steps=200)
    assert valley(adadelta[60]) > 1.0 and valley(adadelta[200]) < 0.1
    assert valley(optimizer_path(optim.Adam(0.5), steps=60)[-1]) < 0.02   # where the others are by then


@pytest.mark.slow
def test_stochastic_and_mini_batch_descent_lower_the_loss_faster_per_epoch_than_batch(digits8):
    from dlcourse.diagnostics import descent_comparison

    x, y = digits8.sklearn_arrays("train")
    runs = descent_comparison(x[:64], y[:64], batch_sizes={"batch": None, "mini-batch": 16, "stochastic": 1}, epochs=2)
    assert [runs[k]["updates_per_epoch"] for k in ("batch", "mini-batch", "stochastic")] == [1, 4, 64]
    assert len({run["loss"][0] for run in runs.values()}) == 1   # the same start
    assert runs["stochastic"]["loss"][-1] < runs["mini-batch"]["loss"][-1] < runs["batch"]["loss"][-1]


@pytest.mark.slow
def test_batch_norm_with_the_statistics_of_tiny_batches_loses_accuracy_and_learns_gamma_beta(digits8):
    from dlcourse.diagnostics import batch_statistics_sweep, train_normalized_cnn

    model = train_normalized_cnn(digits8, "batch", batch_size=32, steps=60)
    norm = model.get_layer("block1_norm")
    assert not np.allclose(norm.gamma.numpy(), 1.0) and not np.allclose(norm.beta.numpy(), 0.0)
    x, y = digits8.x_test[:128], digits8.y_test[:128]
    inference = float(model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"])
    sweep = batch_statistics_sweep(model, x, y, (1, 2, 32))
    assert sweep[1] < sweep[2] < sweep[32] and sweep[1] < inference - 0.1
    again = float(model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"])
    assert again == inference   # the sweep put the moving averages back


@pytest.mark.slow
def test_early_stopping_stops_patience_epochs_after_the_best_validation_loss(digits8):
    from dlcourse.regularization import early_stopping_run

    run = early_stopping_run(digits8, n=120, max_epochs=60, patience=3, learning_rate=1e-2)
    assert run["stopped_epoch"] < 60
    assert run["stopped_epoch"] == run["best_epoch"] + 3


def test_the_numbers_lesson_3_quotes_beside_its_experiments():
    from dlcourse.regularization import overfitting_mlp

    assert overfitting_mlp((28, 28, 1)).count_params() == 784 * 256 + 256 + 256 * 10 + 10 == 203_530
    assert round(0.99 ** 200, 2) == 0.13   # what Keras' moving variance still remembers of its initial 1


@pytest.mark.slow
def test_l2_and_input_noise_barely_move_the_gap_and_accuracy_is_measured_on_clean_inputs(digits):
    from dlcourse.regularization import clean_accuracy, regularization_experiment

    results = regularization_experiment(digits, ("none", "l2", "input_noise"), n=120, epochs=10)
    for method in ("l2", "input_noise"):
        assert abs(results[method]["gap"] - results["none"]["gap"]) < 0.03, (method, results)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dropout(0.9)])
    assert clean_accuracy(model, np.array([[0.0, 1.0], [1.0, 0.0]]), [1, 0]) == 1.0   # dropout off when measuring
    assert all(0.0 <= r["train"] <= 1.0 and r["gap"] == r["train"] - r["val"] for r in results.values())


def test_the_experiments_batch_norm_momentum_is_0_9_and_keras_default_0_99():
    from dlcourse.diagnostics import BN_MOMENTUM, normalized_cnn

    assert BN_MOMENTUM == 0.9 == normalized_cnn("batch").get_layer("block1_norm").momentum
    assert keras.layers.BatchNormalization().momentum == 0.99


@pytest.mark.slow
def test_at_equal_steps_every_normaliser_loses_from_small_batches_and_batch_norm_trains_best(digits8):
    """Lesson 3, section 4, at small size: 80 Adam steps per run (the lesson's full run takes 150)."""
    from dlcourse.diagnostics import batch_size_experiment

    results = batch_size_experiment(digits8, kinds=("none", "batch", "group"), batch_sizes=(2, 32), steps=80)
    for kind, by_size in results.items():
        assert by_size[2] < by_size[32] - 0.1, (kind, results)         # a step on 2 images teaches less
    for size in (2, 32):
        assert results["batch"][size] > max(results["none"][size], results["group"][size]), (size, results)
