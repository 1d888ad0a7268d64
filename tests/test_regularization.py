"""Regularisation tools: Keras' augmentation layers wired for digits, label smoothing, noise, L2."""

import keras
import numpy as np
import pytest

from dlcourse.regularization import (
    augmentation,
    mix_batch,
    mixed_batches,
    random_erasing,
    smooth_labels,
    with_input_noise,
    with_l2,
)


def _images(n=8):
    rng = np.random.default_rng(0)
    return rng.uniform(0.2, 1.0, size=(n, 28, 28, 1)).astype("float32"), np.arange(n) % 4


def test_smooth_labels_formula_and_keras_loss():
    y = np.array([0, 3, 1])
    smoothed = keras.ops.convert_to_numpy(smooth_labels(y, 4, 0.2))
    np.testing.assert_allclose(smoothed[1], [0.05, 0.05, 0.05, 0.85], rtol=1e-6)
    np.testing.assert_allclose(smoothed.sum(axis=1), 1.0, rtol=1e-6)
    probs = np.array([[0.7, 0.1, 0.1, 0.1], [0.2, 0.2, 0.2, 0.4], [0.25, 0.25, 0.25, 0.25]], "float32")
    ours = keras.losses.CategoricalCrossentropy()(smoothed, probs)
    theirs = keras.losses.CategoricalCrossentropy(label_smoothing=0.2)(keras.ops.one_hot(y, 4), probs)
    assert float(ours) == pytest.approx(float(theirs), rel=1e-5)
    with pytest.raises(ValueError, match="smoothing"):
        smooth_labels(y, 4, 1.5)


@pytest.mark.parametrize("method", ["mixup", "cutmix"])
def test_mixing_keeps_label_mass_and_changes_images(method):
    x, y = _images()
    mixed_x, mixed_y = mix_batch(x, y, method, num_classes=4, seed=1)
    mixed_y = keras.ops.convert_to_numpy(mixed_y)
    assert mixed_y.shape == (8, 4)
    np.testing.assert_allclose(mixed_y.sum(axis=1), 1.0, rtol=1e-5)
    assert (mixed_y.max(axis=1) < 1.0).any()  # some labels are now a blend of two classes
    assert not np.allclose(keras.ops.convert_to_numpy(mixed_x), x)
    with pytest.raises(ValueError, match="num_classes"):
        mix_batch(x, y, method)


def test_mixed_batches_pipeline_yields_one_hot_mixtures():
    import tensorflow as tf

    x, y = _images(16)
    ds = mixed_batches(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), "mixup", num_classes=4)
    images, labels = next(iter(ds))
    assert tuple(images.shape) == (8, 28, 28, 1) and tuple(labels.shape) == (8, 4)
    with pytest.raises(ValueError, match="method must be one of"):
        mixed_batches(ds, "mosaic", 4)


def test_augmentation_only_when_training_and_erasing_blanks_a_patch():
    x, _ = _images()
    aug = augmentation(seed=3)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(aug(x, training=False)), x)
    assert not np.allclose(keras.ops.convert_to_numpy(aug(x, training=True)), x)
    erased = keras.ops.convert_to_numpy(random_erasing(1.0, seed=0)(x, training=True))
    lost = ((erased == 0) & (x > 0)).reshape(8, -1)
    assert lost.any()  # some images had a patch blanked to 0 ...
    kept = ~lost
    np.testing.assert_array_equal(erased.reshape(8, -1)[kept], x.reshape(8, -1)[kept])  # ... and nothing else changed


def test_l2_copy_keeps_weights_and_adds_the_penalty():
    from dlcourse.models import mlp

    model = mlp(hidden_units=(16,), input_shape=(28, 28, 1))
    reg = with_l2(model, 1e-3)
    for a, b in zip(model.get_weights(), reg.get_weights()):
        np.testing.assert_array_equal(a, b)
    x, _ = _images(2)
    reg(x)
    kernels = [layer.kernel for layer in reg.layers if getattr(layer, "kernel", None) is not None]
    expected = 1e-3 * sum(float(np.sum(np.square(keras.ops.convert_to_numpy(k)))) for k in kernels)
    assert float(sum(keras.ops.convert_to_numpy(l) for l in reg.losses)) == pytest.approx(expected, rel=1e-4)


def test_input_noise_is_active_only_in_training():
    from dlcourse.models import mlp

    model = with_input_noise(mlp(hidden_units=(8,), input_shape=(28, 28, 1)), 0.5)
    x, _ = _images(4)
    np.testing.assert_allclose(model(x, training=False), model(x, training=False))
    assert not np.allclose(model(x, training=True), model(x, training=False))
    with pytest.raises(ValueError, match="stddev"):
        with_input_noise(model, 0.0)
