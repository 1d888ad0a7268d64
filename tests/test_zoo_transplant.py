"""Each zoo model with a keras.applications twin *is* that model: same parameters, and the twin's
weights (through the public ``weights=`` path) give the twin's outputs within 1e-5."""

import keras
import numpy as np
import pytest

from dlcourse.models import get_model, list_models, model_entry

TWINNED = [name for name in list_models() if model_entry(name).keras_twin]
INPUT_SHAPE = (32, 32, 3)  # the smallest keras.applications accepts: quick, and odd-free
CLASSES = 5
TOLERANCE = 1e-5


def _randomise_statistics(model, seed=0):
    """Make batch norm's statistics and every bias non-trivial, so a wrong copy shows in outputs."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        shape, path = tuple(weight.shape), weight.path
        if path.endswith(("moving_variance", "gamma")):
            weight.assign(rng.uniform(0.8, 1.2, shape).astype("float32"))
        elif path.endswith(("moving_mean", "beta", "bias")):
            weight.assign(rng.normal(0.0, 0.1, shape).astype("float32"))


def _twin(name, **kwargs):
    return getattr(keras.applications, model_entry(name).keras_twin)(weights=None, **kwargs)


def _images(n=2, seed=1):
    return np.random.default_rng(seed).uniform(-1, 1, (n, *INPUT_SHAPE)).astype("float32")


def test_the_twinned_models_are_the_ten_keras_applications_models():
    assert sorted(model_entry(n).keras_twin for n in TWINNED) == sorted([
        "VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "DenseNet121", "DenseNet169",
        "DenseNet201", "MobileNet", "MobileNetV2",
    ])


@pytest.mark.slow
@pytest.mark.parametrize("name", TWINNED)
def test_twin_weights_file_gives_twin_outputs(name, tmp_path):
    config = dict(include_top=True, input_shape=INPUT_SHAPE, classes=CLASSES, classifier_activation=None)
    twin = _twin(name, **config)
    _randomise_statistics(twin)
    path = tmp_path / "twin.weights.h5"
    twin.save_weights(path)

    ours = get_model(name, weights=str(path), **config)

    assert ours.count_params() == twin.count_params()
    images = _images()
    expected = keras.ops.convert_to_numpy(twin(images, training=False))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours(images, training=False)), expected,
                               atol=TOLERANCE, rtol=TOLERANCE)


@pytest.mark.parametrize("name", ["resnet50", "mobilenet_v2"])
def test_own_weights_file_round_trips_and_pooling_matches_twin(name, tmp_path):
    config = dict(include_top=False, input_shape=INPUT_SHAPE, pooling="avg")
    twin = _twin(name, **config)
    _randomise_statistics(twin)
    twin_path = tmp_path / "twin.weights.h5"
    twin.save_weights(twin_path)
    ours = get_model(name, weights=str(twin_path), **config)
    own_path = tmp_path / "ours.weights.h5"
    ours.save_weights(own_path)

    reloaded = get_model(name, weights=str(own_path), **config)

    images = _images()
    expected = keras.ops.convert_to_numpy(twin(images, training=False))
    for model in (ours, reloaded):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(model(images, training=False)), expected,
                                   atol=TOLERANCE, rtol=TOLERANCE)


def test_imagenet_weights_come_through_the_keras_twin_builder(monkeypatch):
    calls = []
    reference = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=INPUT_SHAPE, alpha=0.35)
    _randomise_statistics(reference)

    def fake_twin(**kwargs):  # stands in for the download: no network in tests
        calls.append(kwargs)
        return reference

    monkeypatch.setattr(keras.applications, "MobileNetV2", fake_twin)
    ours = get_model("mobilenet_v2", weights="imagenet", include_top=False, input_shape=INPUT_SHAPE, alpha=0.35)

    assert calls and calls[0]["weights"] == "imagenet" and calls[0]["alpha"] == 0.35
    assert calls[0]["input_shape"] == INPUT_SHAPE and calls[0]["include_top"] is False
    images = _images()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours(images, training=False)),
                               keras.ops.convert_to_numpy(reference(images, training=False)),
                               atol=TOLERANCE, rtol=TOLERANCE)


@pytest.mark.parametrize("name", ["alexnet", "vgg11", "vgg16_bn", "googlenet", "resnet18", "resnet34", "se_resnet50"])
def test_imagenet_weights_without_a_twin_raise_a_clear_error(name):
    with pytest.raises(ValueError, match="no published ImageNet weights"):
        get_model(name, weights="imagenet")


def test_se_attached_resnet50_has_no_twin_weights():
    with pytest.raises(ValueError, match="no published ImageNet weights"):
        get_model("resnet50", weights="imagenet", se_ratio=16)
