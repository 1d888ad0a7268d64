"""The registry-wide test table (STYLE.md rule 13): every registered model is built by name, has the
expected output shape, its exact parameter count, trains one batch with `fit`, and survives a
``.keras`` save/load round trip with identical outputs. A model missing from `REFERENCE_PARAMS`
fails: a new model earns its place here."""

import inspect

import keras
import numpy as np
import pytest

from dlcourse.models import get_model, list_models, model_entry

# count_params() at each model's default configuration (224x224x3 and 1000 classes for the zoo),
# batch norm's moving statistics included, and the reference it is checked against.
REFERENCE_PARAMS = {
    "perceptron": 3,  # 2 weights + 1 bias
    "mlp": 101_770,  # the notes' 784-128-10 MLP
    "notes_cnn": 93_322,  # the notes' Sequential CNN
    "alexnet": 62_378_344,  # the notes' AlexNet table, one GPU (torchvision's filters: 61,100,840)
    "vgg11": 132_863_336,  # torchvision
    "vgg13": 133_047_848,  # torchvision
    "vgg16": 138_357_544,  # keras.applications.VGG16
    "vgg19": 143_667_240,  # keras.applications.VGG19
    "vgg11_bn": 132_868_840 + 5_504,  # torchvision (trainable) + BN moving mean/variance
    "vgg13_bn": 133_053_736 + 5_888,
    "vgg16_bn": 138_365_992 + 8_448,
    "vgg19_bn": 143_678_248 + 11_008,
    "googlenet": 6_624_904 + 380_928 + 14_560,  # torchvision + 5x5 kernels (paper) + BN statistics
    "resnet18": 11_689_512 + 9_600,  # torchvision (trainable) + BN moving mean/variance
    "resnet34": 21_797_672 + 17_024,
    "resnet50": 25_636_712,  # keras.applications.ResNet50
    "resnet101": 44_707_176,  # keras.applications.ResNet101
    "resnet152": 60_419_944,  # keras.applications.ResNet152
    "se_resnet50": 25_636_712 + 2_530_992,  # ResNet50 + SE (r = 16), the paper's +2.53M
    "densenet121": 8_062_504,  # keras.applications.DenseNet121
    "densenet169": 14_307_880,  # keras.applications.DenseNet169
    "densenet201": 20_242_984,  # keras.applications.DenseNet201
    "mobilenet": 4_253_864,  # keras.applications.MobileNet
    "mobilenet_v2": 3_538_984,  # keras.applications.MobileNetV2
}
# The trainable parameters of torchvision's models (torchvision does not count BN statistics).
TORCHVISION_TRAINABLE = {
    "vgg11_bn": 132_868_840, "vgg13_bn": 133_053_736, "vgg16_bn": 138_365_992, "vgg19_bn": 143_678_248,
    "resnet18": 11_689_512, "resnet34": 21_797_672, "googlenet": 6_624_904 + 380_928,
}
SMALL_CLASSES = 3
SMALL_SHAPES = {"alexnet": (64, 64, 3)}  # the zoo's other models accept 32x32 (CIFAR size)
SMALL_KWARGS = {"perceptron": {"classifier_activation": "sigmoid"}}  # the step function has no gradient
EXPENSIVE = {name for name, count in REFERENCE_PARAMS.items() if count > 10_000_000}
ALL_MODELS = list_models()


def _marked(names, expensive):
    return [pytest.param(n, marks=pytest.mark.slow) if n in expensive else n for n in names]


def _default_classes(name):
    return inspect.signature(model_entry(name).builder).parameters["classes"].default


def _small_model(name):
    """The model at a small input (its default where that is small) with `SMALL_CLASSES` classes."""
    default_shape = model_entry(name).default_input_shape
    shape = SMALL_SHAPES.get(name, default_shape if np.prod(default_shape) <= 32 * 32 * 3 else (32, 32, 3))
    classes = SMALL_CLASSES if _default_classes(name) > 1 else 1
    return get_model(name, input_shape=shape, classes=classes, **SMALL_KWARGS.get(name, {})), shape, classes


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def test_every_registered_model_has_a_reference_count():
    assert sorted(REFERENCE_PARAMS) == sorted(ALL_MODELS)


def test_readme_table_states_each_reference_count(readme_zoo_table):
    assert {name: params for name, (params, _) in readme_zoo_table.items()} == REFERENCE_PARAMS


@pytest.mark.parametrize("name", _marked(ALL_MODELS, EXPENSIVE))
def test_exact_parameter_count_at_default_configuration(name):
    model = get_model(name)
    assert model.count_params() == REFERENCE_PARAMS[name]
    if name in TORCHVISION_TRAINABLE:
        assert _trainable(model) == TORCHVISION_TRAINABLE[name]
    if len(model_entry(name).default_input_shape) == 3:
        assert model.input_shape == (None, *model_entry(name).default_input_shape)
    assert model.output_shape == (None, _default_classes(name))


@pytest.mark.parametrize("name", _marked(ALL_MODELS, {"resnet101", "resnet152", "densenet169", "densenet201"}))
def test_fits_one_batch_and_round_trips_through_keras_file(name, tmp_path):
    model, shape, classes = _small_model(name)
    assert model.output_shape == (None, classes)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (4, *shape)).astype("float32")
    if classes == 1:
        y, loss = rng.integers(0, 2, (4, 1)).astype("float32"), "binary_crossentropy"
    else:
        y, loss = rng.integers(0, classes, 4), "sparse_categorical_crossentropy"
    model.compile(optimizer="sgd", loss=loss, run_eagerly=True)  # one step: tracing would cost more
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    path = tmp_path / f"{name}.keras"
    model.save(path)
    restored = keras.saving.load_model(path, compile=False)

    assert restored.count_params() == model.count_params()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(restored(x, training=False)),
                                  keras.ops.convert_to_numpy(model(x, training=False)))
