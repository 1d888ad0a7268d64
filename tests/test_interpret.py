"""Looking inside: Grad-CAM and saliency against hand-computed cases, classification interpretation, the LR finder."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def digits8():
    from dlcourse.data import load_dataset

    return load_dataset("digits", image_size=8, limit=300)


def _linear_model(weights):
    """Flatten -> Dense(2) with the given kernel (64, 2) and no bias, on 8x8x1 images."""
    import keras

    inputs = keras.Input((8, 8, 1))
    dense = keras.layers.Dense(2, use_bias=False)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([weights])
    return model


def test_saliency_of_a_linear_model_is_its_weights_magnitude():
    from dlcourse.interpret import saliency

    kernel = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    maps = saliency(_linear_model(kernel), np.random.default_rng(1).uniform(size=(3, 8, 8, 1)), class_index=1)
    expected = np.abs(kernel[:, 1]).reshape(8, 8) / np.abs(kernel[:, 1]).max()
    np.testing.assert_allclose(maps, np.broadcast_to(expected, (3, 8, 8)), rtol=1e-5)


def test_gradcam_on_a_zoo_model_and_on_a_transfer_model_with_a_nested_base():
    from dlcourse.interpret import gradcam, last_conv_layer
    from dlcourse.models import get_model
    from dlcourse.transfer import feature_extractor

    images = np.random.default_rng(2).uniform(size=(2, 16, 16, 1)).astype("float32")
    zoo = get_model("small_cnn", input_shape=(16, 16, 1), classes=3)
    assert last_conv_layer(zoo)[1] == "block3_pool"  # the registry's last feature output
    nested = feature_extractor("small_cnn", 3, input_shape=(16, 16, 1))
    for model in (zoo, nested):
        maps = gradcam(model, images)
        assert maps.shape == (2, 16, 16) and maps.min() >= 0 and maps.max() <= 1


def test_gradcam_follows_the_evidence_of_a_hand_built_network():
    """One conv channel that copies the image; the class score is its average: Grad-CAM is the image's ReLU."""
    import keras

    from dlcourse.interpret import gradcam

    inputs = keras.Input((8, 8, 1))
    conv = keras.layers.Conv2D(1, 1, use_bias=False, name="copy")
    x = conv(inputs)
    outputs = keras.layers.Dense(1, use_bias=False)(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    conv.set_weights([np.ones((1, 1, 1, 1), "float32")])
    model.layers[-1].set_weights([np.ones((1, 1), "float32")])
    image = np.zeros((1, 8, 8, 1), "float32")
    image[0, 2:4, 5:7, 0] = 1.0
    np.testing.assert_allclose(gradcam(model, image, layer="copy", class_index=0)[0], image[0, ..., 0], atol=1e-6)


def test_gradcam_refuses_a_model_without_convolutions():
    from dlcourse.interpret import gradcam
    from dlcourse.models import get_model

    with pytest.raises(ValueError, match="no convolutional layer"):
        gradcam(get_model("mlp", input_shape=(8, 8, 1), classes=3), np.zeros((1, 8, 8, 1)))


def test_feature_maps_and_first_layer_filters_are_the_model_own(tmp_path):
    from dlcourse.interpret import feature_maps, first_layer_filters, plot_grid
    from dlcourse.transfer import base_of, feature_extractor

    model = feature_extractor("small_cnn", 3, input_shape=(16, 16, 1))
    filters = first_layer_filters(model)
    np.testing.assert_array_equal(filters, base_of(model).get_layer("block1_conv").kernel.numpy())
    maps = feature_maps(model, np.ones((16, 16, 1), "float32"), layer="block2_relu")
    assert maps.shape == (8, 8, 32) and maps.min() >= 0
    plot_grid(filters, path=tmp_path / "filters.png")
    assert (tmp_path / "filters.png").stat().st_size > 0


def test_classification_interpretation_counts():
    from dlcourse.interpret import ClassificationInterpretation

    probabilities = np.array([[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.1, 0.1, 0.8], [0.05, 0.9, 0.05],
                              [0.5, 0.25, 0.25]])
    interp = ClassificationInterpretation(probabilities, np.array([0, 1, 2, 0, 1]), class_names=list("abc"))
    assert interp.confusion_matrix().tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 1]]
    scores = interp.precision_recall()
    np.testing.assert_allclose(scores["precision"], [0.5, 0.5, 1.0])
    np.testing.assert_allclose(scores["recall"], [0.5, 0.5, 1.0])
    assert interp.top_losses(2).tolist() == [3, 4]  # p(true) 0.05, then 0.25
    with pytest.raises(ValueError, match="labels"):
        ClassificationInterpretation(probabilities, np.array([0, 1, 2, 3, 1]))


def test_classification_interpretation_of_a_run_directory(digits8, tmp_path):
    from dlcourse.interpret import ClassificationInterpretation
    from dlcourse.train import fit

    fit("mlp", digits8, run_dir=tmp_path / "run", epochs=1, batch_size=64, verbose=0)
    interp = ClassificationInterpretation.from_run(tmp_path / "run", data=digits8)
    assert interp.confusion_matrix().sum() == len(digits8.x_test) and len(interp.class_names) == 10
    assert ClassificationInterpretation.from_run(tmp_path / "run").probabilities.shape[1] == 10  # data from config
    interp.plot_top_losses(4, path=tmp_path / "top.png")
    interp.plot_confusion_matrix(path=tmp_path / "cm.png")
    assert (tmp_path / "top.png").exists() and (tmp_path / "cm.png").exists()
    with pytest.raises(ValueError, match="run_dir"):
        ClassificationInterpretation.from_run(tmp_path)


def test_lr_find_restores_the_weights_and_optimizer_and_suggests_rates_in_range(digits8, tmp_path):
    import keras

    from dlcourse.interpret import lr_find
    from dlcourse.models import get_model

    model = get_model("mlp", input_shape=(8, 8, 1), classes=10)
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
    model.fit(digits8.x_train, digits8.y_train, epochs=1, verbose=0)
    weights = [w.copy() for w in model.get_weights()]
    state = [np.array(v) for v in model.optimizer.variables]
    result = lr_find(model, digits8, lr_min=1e-5, lr_max=1.0, steps=40)
    for old, new in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    for old, new in zip(state, model.optimizer.variables):
        np.testing.assert_array_equal(old, np.array(new))
    assert 1e-5 <= min(result.suggestions.values()) and max(result.suggestions.values()) <= 1.0
    assert result.smoothed[0] > min(result.smoothed)
    result.plot(tmp_path / "lr.png")
    assert (tmp_path / "lr.png").exists()


def test_the_steepest_suggestion_ignores_an_unlucky_first_batch():
    """Lesson 15's finder once suggested its own lower bound, 1e-5: its first batch's loss was high by chance,
    and a moving average of one batch falling to one of two looked like the steepest part of the curve."""
    from dlcourse.interpret.lr_finder import SKIP_START, _suggest

    rates = list(np.logspace(-5, 1, 60))
    falling = 3.0 - 2.5 / (1 + np.exp(-(np.arange(50) - 32) / 3.0))      # falls fastest at point 32
    smoothed = [4.0, 3.0] + list(falling[2:]) + list(np.linspace(0.6, 3.0, 10))   # then diverges
    suggestions = _suggest(rates, smoothed)
    assert SKIP_START == 10
    assert suggestions["steepest"] == rates[32]
    assert suggestions["minimum_over_10"] == rates[49] / 10


@pytest.mark.parametrize("kwargs, message", [
    ({"lr_min": 1e-2, "lr_max": 1e-3}, "range is empty"),
    ({"lr_min": 0.0}, "lr_min must be a positive number"),
    ({"lr_max": -1.0}, "lr_max must be a positive number"),
])
def test_lr_find_refuses_an_empty_or_non_positive_range(kwargs, message):
    from dlcourse.interpret import lr_find
    from dlcourse.models import get_model

    with pytest.raises(ValueError, match=message):
        lr_find(get_model("mlp", input_shape=(8, 8, 1), classes=10), (np.zeros((4, 8, 8, 1)), np.zeros(4)), **kwargs)


def test_the_checklist_learning_rate_step_calls_lr_find(digits8, monkeypatch):
    import dlcourse.interpret.lr_finder as finder
    from dlcourse.checklist import ChecklistConfig
    from dlcourse.checklist.steps import lr_range_test

    calls = []
    real = finder.lr_find

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(finder, "lr_find", spy)
    result = lr_range_test("mlp", digits8, ChecklistConfig.quick())
    assert len(calls) == 1 and result.details["suggested_lr"] == pytest.approx(result.details["lowest_loss_lr"] / 10)
