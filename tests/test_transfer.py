"""Transfer learning: preprocessing equal to keras.applications', feature extraction and fine-tuning mechanics.

The batch-norm test measures both recipes on the same pretrained base: ours leaves the moving
statistics untouched; the Keras guide's (``base(x, training=False)``, then unfreeze) changes them
(keras-team/keras#20285).
"""

import numpy as np
import pytest

TWIN_PREPROCESSORS = {  # our registered model -> keras.applications module of its twin
    "vgg16": "vgg16", "vgg19": "vgg19", "resnet50": "resnet", "resnet101": "resnet", "resnet152": "resnet",
    "densenet121": "densenet", "densenet169": "densenet", "densenet201": "densenet",
    "mobilenet": "mobilenet", "mobilenet_v2": "mobilenet_v2",
}
IMAGE = (16, 16, 1)


def test_the_ten_twins_are_the_registry_rows_with_weights():
    from dlcourse.models import list_models, model_entry

    assert sorted(n for n in list_models() if model_entry(n).keras_twin) == sorted(TWIN_PREPROCESSORS)


@pytest.mark.parametrize("name", sorted(TWIN_PREPROCESSORS))
def test_preprocess_input_equals_keras_applications_on_random_images(name):
    import keras

    from dlcourse.transfer import preprocess_input

    images = np.random.default_rng(0).uniform(0, 255, (4, 9, 7, 3)).astype("float32")
    kept = images.copy()
    theirs = getattr(keras.applications, TWIN_PREPROCESSORS[name]).preprocess_input(images.copy())
    np.testing.assert_allclose(preprocess_input(images, name), theirs, rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(preprocess_input(images / 255, name, input_range="0-1"), theirs, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(images, kept)  # Keras' own changes a float array in place; ours does not


@pytest.mark.parametrize("mode", ["caffe", "torch", "tf"])
def test_the_preprocessing_layer_computes_preprocess_input(mode):
    from dlcourse.models.preprocessing import ImagePreprocessing, preprocess_input

    images = np.random.default_rng(1).uniform(0, 1, (2, 5, 5, 3)).astype("float32")
    layer = ImagePreprocessing(mode, "0-1")
    np.testing.assert_allclose(np.asarray(layer(images)), preprocess_input(images, mode, "0-1"), rtol=1e-5, atol=1e-4)
    assert ImagePreprocessing.from_config(layer.get_config()).mode == mode


def test_include_preprocessing_puts_the_layer_first_and_keeps_parameter_count():
    from dlcourse.models import get_model
    from dlcourse.models.common import transplant_weights
    from dlcourse.transfer import preprocess_input

    plain = get_model("mobilenet", include_top=False, input_shape=(32, 32, 3), alpha=0.25)
    inside = get_model("mobilenet", include_top=False, input_shape=(32, 32, 3), alpha=0.25,
                       include_preprocessing="0-1")
    assert inside.layers[1].name == "preprocessing" and inside.count_params() == plain.count_params()
    transplant_weights(plain, inside)
    images = np.random.default_rng(1).uniform(0, 1, (2, 32, 32, 3)).astype("float32")
    expected = plain.predict(preprocess_input(images, "mobilenet", "0-1"), verbose=0)
    np.testing.assert_allclose(inside.predict(images, verbose=0), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "resnet18", "include_preprocessing": True}, "no published weights"),
    ({"name": "resnet50", "include_preprocessing": "0-2"}, "include_preprocessing must be one of"),
    ({"name": "resnet50", "include_preprocessing": 1}, "include_preprocessing must be one of"),
    ({"name": "resnet50", "include_preprocessing": True, "input_shape": (32, 32, 1)}, "3 input channels"),
])
def test_include_preprocessing_refuses_bad_values_before_building(kwargs, message):
    from dlcourse.models import get_model

    with pytest.raises(ValueError, match=message):
        get_model(kwargs.pop("name"), **kwargs)


def test_include_preprocessing_defaults_to_false_with_keras_argument_names():
    import inspect

    from dlcourse.models import mobilenet, resnet50, vgg16

    for builder in (resnet50, vgg16, mobilenet):
        parameters = inspect.signature(builder).parameters
        assert parameters["include_preprocessing"].default is False
        assert list(parameters)[:7] == ["include_top", "weights", "input_tensor", "input_shape", "pooling", "classes",
                                        "classifier_activation"]


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """small_cnn pretrained on digits 0-4 for 3 epochs, and the target task (digits 5-9, 10 labels each)."""
    from dlcourse.transfer import digits_transfer_split, pretrain

    source, target = digits_transfer_split(image_size=IMAGE[0], labels_per_class=10)
    path = str(tmp_path_factory.mktemp("pretrained") / "small_cnn.weights.h5")
    out = pretrain("small_cnn", source, path, epochs=3)
    assert out["source_test_accuracy"] > 0.6, out  # batch norm's moving statistics settle within 3 short epochs
    return path, target


def test_digits_split_keeps_source_and_target_classes_apart(pretrained):
    from dlcourse.transfer import digits_transfer_split

    source, target = digits_transfer_split(image_size=8, labels_per_class=10)
    assert np.bincount(target.y_train).tolist() == [10] * 5
    assert source.class_names == ["0", "1", "2", "3", "4"] and target.class_names == ["5", "6", "7", "8", "9"]


def test_feature_extractor_loads_the_weights_and_trains_only_the_head(pretrained):
    import keras

    from dlcourse.transfer import base_of, batch_norm_statistics, feature_extractor

    path, target = pretrained
    model = feature_extractor("small_cnn", 5, weights=path, input_shape=IMAGE)
    reference = keras.models.clone_model(base_of(model))
    reference.load_weights(path)
    base = base_of(model)
    for ours, theirs in zip(base.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert [w.name for w in model.trainable_weights] == ["kernel", "bias"]
    before = [w.copy() for w in base.get_weights()]
    statistics = batch_norm_statistics(model)
    model.fit(target.x_train, target.y_train, epochs=1, batch_size=16, verbose=0)
    for old, new in zip(before, base.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert _same_statistics(statistics, batch_norm_statistics(model))


def _same_statistics(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k][0], b[k][0]) and np.array_equal(a[k][1], b[k][1])
                                        for k in a)


def test_fine_tune_trains_the_top_blocks_after_recompiling_and_keeps_batch_norm_statistics(pretrained):
    from dlcourse.transfer import base_of, batch_norm_statistics, blocks_of, feature_extractor, fine_tune

    path, target = pretrained
    model = feature_extractor("small_cnn", 5, weights=path, input_shape=IMAGE)
    model.fit(target.x_train, target.y_train, epochs=1, batch_size=16, verbose=0)  # compiled train step cached
    assert [b[-1] for b in blocks_of(model)] == ["block1_pool", "block2_pool", "block3_pool"]  # the registry's P1-P3
    statistics = batch_norm_statistics(model)
    base = base_of(model)
    bottom, top = base.get_layer("block1_conv").get_weights()[0], base.get_layer("block3_conv").get_weights()[0]
    fine_tune(model, blocks=2, learning_rate=1e-3)
    assert len(model.trainable_weights) == 2 + 2  # block2 and block3 kernels (no bias; BN frozen), head kernel and bias
    model.fit(target.x_train, target.y_train, epochs=1, batch_size=16, verbose=0)
    assert not np.allclose(base.get_layer("block3_conv").get_weights()[0], top)
    np.testing.assert_array_equal(base.get_layer("block1_conv").get_weights()[0], bottom)
    assert _same_statistics(statistics, batch_norm_statistics(model))


def test_the_keras_guide_recipe_changes_batch_norm_statistics_when_fine_tuning(pretrained):
    """base(x, training=False) in a functional model, then base.trainable = True: fit updates the statistics."""
    import keras

    from dlcourse.models import get_model
    from dlcourse.transfer import batch_norm_statistics

    path, target = pretrained
    base = get_model("small_cnn", include_top=False, input_shape=IMAGE, weights=path)
    base.trainable = False
    inputs = keras.Input(IMAGE)
    x = keras.layers.GlobalAveragePooling2D()(base(inputs, training=False))
    model = keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(x))
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    model.fit(target.x_train, target.y_train, epochs=1, batch_size=16, verbose=0)
    statistics = batch_norm_statistics(model)
    base.trainable = True
    model.compile(keras.optimizers.Adam(1e-5), "sparse_categorical_crossentropy")
    model.fit(target.x_train, target.y_train, epochs=1, batch_size=16, verbose=0)
    assert not _same_statistics(statistics, batch_norm_statistics(model))


def test_one_channel_input_from_three_channel_weights_sums_the_first_kernel(tmp_path):
    from dlcourse.models import get_model
    from dlcourse.transfer import load_base

    rgb = get_model("small_cnn", include_top=False, input_shape=(16, 16, 3))
    path = str(tmp_path / "rgb.weights.h5")
    rgb.save_weights(path)
    grey = load_base("small_cnn", (16, 16, 1), weights=path)
    np.testing.assert_allclose(grey.get_layer("block1_conv").kernel.numpy(),
                               rgb.get_layer("block1_conv").kernel.numpy().sum(axis=2, keepdims=True), rtol=1e-6)
    image = np.random.default_rng(2).uniform(0, 1, (2, 16, 16, 1)).astype("float32")
    np.testing.assert_allclose(grey.predict(image, verbose=0), rgb.predict(np.repeat(image, 3, axis=-1), verbose=0),
                               rtol=1e-4, atol=1e-5)  # a grey image gives the features of its RGB copy


def test_a_smaller_image_than_the_weights_needs_nothing(pretrained):
    from dlcourse.transfer import feature_extractor

    path, _ = pretrained
    assert feature_extractor("small_cnn", 3, weights=path, input_shape=(8, 8, 1)).output_shape == (None, 3)


@pytest.mark.filterwarnings("ignore:Skipping nested container")
def test_bad_input_is_refused_naming_the_argument(pretrained, tmp_path):
    import keras

    from dlcourse.models import get_model
    from dlcourse.transfer import feature_extractor, fine_tune

    path, _ = pretrained
    with pytest.raises(ValueError, match="classes"):
        feature_extractor("small_cnn", 0, input_shape=IMAGE)
    with pytest.raises(ValueError, match="name: notes_cnn has no feature outputs"):
        feature_extractor("notes_cnn", 3)
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    other_path = str(tmp_path / "other.weights.h5")
    other.save_weights(other_path)
    with pytest.raises(ValueError, match="does not fit small_cnn"):
        feature_extractor("small_cnn", 3, weights=other_path, input_shape=IMAGE)
    five = get_model("small_cnn", input_shape=IMAGE, classes=5)
    five_path = str(tmp_path / "five.weights.h5")
    five.save_weights(five_path)
    with pytest.raises(ValueError, match="does not fit small_cnn"):  # weights of another class count
        get_model("small_cnn", input_shape=IMAGE, classes=10, weights=five_path)
    model = feature_extractor("small_cnn", 3, weights=path, input_shape=IMAGE)
    for blocks in (0, 4, 2.5):
        with pytest.raises(ValueError, match="blocks must be an integer from 1 to 3"):
            fine_tune(model, blocks=blocks)
    with pytest.raises(ValueError, match="learning_rate"):
        fine_tune(model, blocks=1, learning_rate=0)


def test_pretrain_refuses_to_overwrite_a_file(pretrained):
    from dlcourse.transfer import digits_transfer_split, pretrain

    path, _ = pretrained
    with pytest.raises(ValueError, match="exists"):
        pretrain("small_cnn", digits_transfer_split(image_size=8)[0], path)


def test_the_command_line_recipe_is_as_documented():
    from dlcourse.transfer.train import FINE_TUNE_RATE_FACTOR, HEAD_EPOCHS

    assert (HEAD_EPOCHS, FINE_TUNE_RATE_FACTOR) == (5, 0.1)  # README: the head for 5 epochs, then a tenth of --lr


def test_decode_predictions_with_own_class_names():
    from dlcourse.transfer import decode_predictions

    rows = decode_predictions(np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]]), top=2, class_names=list("abc"))
    assert rows == [[("b", 0.6), ("c", 0.3)], [("a", 0.5), ("c", 0.3)]]
    with pytest.raises(ValueError, match="1000 classes"):
        decode_predictions(np.zeros((1, 3)))
