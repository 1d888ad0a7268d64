"""keras.applications' contract, completely: any image size without the top, channels-last only,
weights files that fail name themselves, offline ImageNet weights say what to do; and the backbones
(named feature maps at their strides) that detection and segmentation heads attach to."""

import importlib
import urllib.error

import keras
import numpy as np
import pytest

from dlcourse.models import get_backbone, get_model, list_models, model_entry
from dlcourse.models.common import WeightsUnavailable

BACKBONES = list_models(backbone=True)
CHEAP_BACKBONES = {"vgg11", "googlenet", "resnet18", "densenet121", "mobilenet", "mobilenet_v2"}
SIZES = (64, 96)  # two sizes, both multiples of the largest stride (32)


def _images(size, channels=3, n=1):
    return np.random.default_rng(0).uniform(0, 1, (n, size, size, channels)).astype("float32")


@pytest.mark.parametrize("name", ["resnet50", "vgg16", "mobilenet_v2", "notes_cnn"])
def test_without_top_and_input_shape_any_image_size_is_taken(name):
    model = get_model(name, include_top=False, pooling="avg")
    channels = model_entry(name).default_input_shape[-1]
    assert model.input_shape == (None, None, None, channels)
    sizes = (28, 40) if name == "notes_cnn" else SIZES
    for size in sizes:
        features = model.predict(_images(size, channels), verbose=0)
        assert features.shape == (1, model.output_shape[-1])


def test_with_top_the_default_input_stays_fixed_as_in_keras():
    assert get_model("resnet18").input_shape == (None, 224, 224, 3)
    assert get_model("resnet18", include_top=False, input_shape=(64, 64, 3)).input_shape == (None, 64, 64, 3)


def test_channels_first_setting_is_refused(monkeypatch):
    monkeypatch.setattr(keras.config, "image_data_format", lambda: "channels_first")
    with pytest.raises(ValueError, match=r"channels-last.*channels_first.*set_image_data_format"):
        get_model("resnet18")


@pytest.mark.parametrize("name, shape", [("resnet50", (3, 224, 224)), ("notes_cnn", (1, 28, 28))])
def test_channels_first_input_shape_is_refused(name, shape):
    with pytest.raises(ValueError, match=r"looks channels-first.*\(height, width, channels\)"):
        get_model(name, input_shape=shape)


def test_corrupt_weights_file_names_its_path(tmp_path):
    path = tmp_path / "broken.weights.h5"
    path.write_bytes(b"not an HDF5 file")
    with pytest.raises(ValueError, match=rf"weights file '{path}'.*corrupt or truncated"):
        get_model("notes_cnn", weights=str(path))
    with pytest.raises(ValueError, match=rf"weights file '{path}'.*corrupt or truncated"):
        get_model("mobilenet_v2", weights=str(path), input_shape=(32, 32, 3), alpha=0.35)


def test_weights_file_of_another_model_names_its_path(tmp_path):
    path = tmp_path / "other.weights.h5"
    get_model("mlp", input_shape=(4,)).save_weights(path)
    with pytest.raises(ValueError, match=rf"weights file '{path}' does not fit notes_cnn"):
        get_model("notes_cnn", weights=str(path))
    with pytest.raises(ValueError, match=rf"weights file '{path}' fits neither mobilenet_v2 nor .*MobileNetV2"):
        get_model("mobilenet_v2", weights=str(path), input_shape=(32, 32, 3), alpha=0.35)


def test_imagenet_weights_offline_say_what_to_do(monkeypatch, tmp_path):
    from keras.src.backend import config as keras_config
    from keras.src.utils import file_utils

    def no_network(*args, **kwargs):  # what urllib raises without a network
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path))  # an empty cache
    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    with pytest.raises(WeightsUnavailable) as raised:
        get_model("mobilenet_v2", weights="imagenet", include_top=False, input_shape=(96, 96, 3), alpha=0.35)
    message = str(raised.value)
    assert "name resolution" in message  # the cause
    assert "keras.applications.MobileNetV2(weights='imagenet', include_top=False)" in message
    assert "weights='mobilenet_v2.weights.h5'" in message
    assert isinstance(raised.value, OSError)  # the CLI prints it as one line


@pytest.mark.parametrize("name", sorted({model_entry(n).keras_twin and n for n in list_models()} - {None}))
def test_preprocessing_is_the_keras_twins(name):
    entry = model_entry(name)
    twin_module = importlib.import_module(getattr(keras.applications, entry.keras_twin).__module__)
    images = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    expected = keras.applications.imagenet_utils.preprocess_input(images.copy(), mode=entry.preprocessing)
    np.testing.assert_allclose(twin_module.preprocess_input(images.copy()), expected, rtol=1e-6)


def test_models_without_published_weights_state_no_preprocessing():
    for name in list_models():
        entry = model_entry(name)
        assert (entry.preprocessing is None) == (entry.keras_twin is None), name


def test_backbones_are_the_zoo_families():
    families = {model_entry(name).family for name in BACKBONES}
    # the CNN zoo, and the transfer lessons' small CNN (8 px and up)
    assert families == {"vgg", "inception", "resnet", "senet", "densenet", "mobilenet", "small"}


@pytest.mark.parametrize(
    "name", [n if n in CHEAP_BACKBONES else pytest.param(n, marks=pytest.mark.slow) for n in BACKBONES]
)
def test_backbone_outputs_named_feature_maps_at_their_strides(name):
    backbone = get_backbone(name)
    features = model_entry(name).feature_outputs
    assert list(backbone.output) == list(features)
    for size in SIZES:
        outputs = backbone.predict(_images(size, backbone.input_shape[-1]), verbose=0)
        for level, feature in features.items():
            assert feature.stride == 2 ** int(level[1:])
            assert outputs[level].shape[1:3] == (size // feature.stride, size // feature.stride), level


def test_backbone_takes_the_models_own_arguments_and_refuses_the_classifiers():
    backbone = get_backbone("mobilenet_v2", input_shape=(64, 64, 3), alpha=0.35)
    assert tuple(backbone.output["P5"].shape) == (None, 2, 2, 1280)
    se = get_backbone("resnet18", input_shape=(64, 64, 3), se_ratio=16)
    assert any(layer.name.endswith("_se_excite") for layer in se.layers)
    with pytest.raises(ValueError, match="pooling is not accepted"):
        get_backbone("resnet18", pooling="avg")
    with pytest.raises(ValueError, match=r"notes_cnn has no feature outputs.*resnet50"):
        get_backbone("notes_cnn")
