"""ViT and DeiT: the papers' parameter counts, patch embedding, class and distillation tokens, position
embeddings interpolated for another size, bad input. (Training through `fit`: tests/test_registry.py
and tests/test_distillation.py.)"""

import keras
import numpy as np
import pytest

from dlcourse.analysis import count_macs
from dlcourse.models.sequence.vit import (
    VIT_VARIANTS,
    deit_tiny16,
    interpolate_position_embedding,
    resize_vit,
    vision_transformer,
    vit_param_count,
    vit_tiny16,
    vit_tiny_digits,
)

# timm's counts at 224x224x3 with 1000 classes (vit_*_patch16_224, deit_*_distilled_patch16_224)
VIT_COUNTS = {"tiny": 5_717_416, "small": 22_050_664, "base": 86_567_656, "large": 304_326_632}
DEIT_DISTILLED_COUNTS = {"tiny": 5_910_800, "small": 22_436_432, "base": 87_338_192}


@pytest.mark.parametrize("variant", list(VIT_COUNTS))
def test_paper_vit_counts(variant):
    assert vit_param_count(variant) == VIT_COUNTS[variant]


@pytest.mark.parametrize("variant", list(DEIT_DISTILLED_COUNTS))
def test_paper_distilled_deit_counts(variant):
    count = vit_param_count(variant, distilled=True)
    assert count == DEIT_DISTILLED_COUNTS[variant]
    d = VIT_VARIANTS[variant]["hidden_dim"]
    assert count - VIT_COUNTS[variant] == 2 * d + d * 1000 + 1000  # one token, one position, one head


@pytest.mark.parametrize("distilled", [False, True])
def test_param_count_from_one_block_equals_the_built_model(distilled):
    kwargs = dict(patch_size=4, hidden_dim=24, depth=3, num_heads=2, mlp_dim=40, distilled=distilled,
                  input_shape=(16, 16, 3), classes=7)
    model = vision_transformer(**kwargs)
    n, d, m, t = 16, 24, 40, 2 if distilled else 1
    formula = (4 * 4 * 3 * d + d) + t * d + (n + t) * d + 3 * ((4 * d * d + 4 * d) + (2 * d * m + m + d) + 4 * d) \
        + 2 * d + (2 if distilled else 1) * (d * 7 + 7)  # the reference's closed formula
    assert model.count_params() == formula


@pytest.mark.slow
def test_vit_tiny_and_deit_tiny_built_whole():
    vit = vit_tiny16()
    assert vit.count_params() == VIT_COUNTS["tiny"]
    assert tuple(vit.get_layer("position_embedding").embedding.shape) == (1, 197, 192)  # 14 x 14 patches + class
    deit = deit_tiny16()
    assert deit.count_params() == DEIT_DISTILLED_COUNTS["tiny"]
    assert tuple(deit.get_layer("position_embedding").embedding.shape) == (1, 198, 192)
    assert [out.shape for out in deit.outputs] == [(None, 1000), (None, 1000)]
    assert deit.get_layer("head_dist").count_params() == 193_000


def test_deit_tiny_digits_count():
    from dlcourse.models.sequence.vit import deit_tiny_digits

    model = deit_tiny_digits()
    # vit_tiny_digits + the distillation token (64) + its position (64) + head_dist (64 x 10 + 10)
    assert model.count_params() == 72_074 + 64 + 64 + 650 == 72_852
    assert count_macs(model).total == 1_314_048


def test_vit_tiny_digits_count_and_macs():
    model = vit_tiny_digits()
    assert model.count_params() == 72_074  # keras-hub's tiny MNIST ViT with a 10-class head
    macs = count_macs(model)
    assert macs.by_layer["patch_embedding"] == 16 * 7 * 7 * 64
    assert macs.total == 1_238_912


def test_patch_embedding_is_a_linear_map_of_each_patch():
    model = vision_transformer(patch_size=2, hidden_dim=8, depth=1, num_heads=2, mlp_dim=8, input_shape=(4, 4, 1),
                               classes=3)
    image = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    kernel, bias = model.get_layer("patch_embedding").get_weights()
    tokens = keras.Model(model.input, model.get_layer("patch_embedding_tokens").output)(image)
    top_right = image[0, 0:2, 2:4, 0].reshape(-1)  # the second patch, row-major
    np.testing.assert_allclose(keras.ops.convert_to_numpy(tokens)[0, 1], top_right @ kernel.reshape(4, 8) + bias,
                               rtol=1e-5)


def test_position_embedding_interpolation():
    rng = np.random.default_rng(0)
    embedding = rng.normal(size=(1, 1 + 16, 5)).astype("float32")
    np.testing.assert_allclose(interpolate_position_embedding(embedding, (4, 4), (4, 4)), embedding)
    constant = np.concatenate([embedding[:, :1], np.full((1, 16, 5), 0.5, "float32")], axis=1)
    resized = interpolate_position_embedding(constant, (4, 4), (6, 6))
    assert resized.shape == (1, 37, 5)
    np.testing.assert_allclose(resized[:, 0], embedding[:, 0])  # the class token's position is kept
    np.testing.assert_allclose(resized[:, 1:], 0.5, atol=1e-5)
    with pytest.raises(ValueError, match="not a 3x3 grid"):
        interpolate_position_embedding(embedding, (3, 3), (4, 4))


def test_resize_vit_keeps_the_weights_and_takes_another_size():
    small = vit_tiny_digits()
    x = np.random.default_rng(1).uniform(size=(2, 28, 28, 1)).astype("float32")
    same = resize_vit(small, vit_tiny_digits, (28, 28, 1))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(same(x)), keras.ops.convert_to_numpy(small(x)), atol=1e-6)
    bigger = resize_vit(small, vit_tiny_digits, (35, 35, 1))  # a 5x5 patch grid
    assert tuple(bigger.get_layer("position_embedding").embedding.shape) == (1, 26, 64)
    np.testing.assert_array_equal(bigger.get_layer("encoder2_mlp1").get_weights()[0],
                                  small.get_layer("encoder2_mlp1").get_weights()[0])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"input_shape": (30, 30, 1)}, ValueError, "patch_size 7 must divide the image size 30x30"),
    ({"patch_size": 0}, ValueError, "patch_size must be a positive integer"),
    ({"pooling": "max"}, ValueError, "pooling must be one of"),
    ({"classes": 0}, ValueError, "classes must be a positive integer"),
    ({"input_shape": (6, 6, 1)}, ValueError, "too small for vit_tiny_digits"),
])
def test_vit_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        vit_tiny_digits(**kwargs)


def test_heads_must_divide_the_width_and_numpy_ints_are_accepted():
    with pytest.raises(ValueError, match="num_heads 5 must divide the width 64"):
        vision_transformer(patch_size=7, hidden_dim=64, depth=1, num_heads=5, mlp_dim=8, input_shape=(28, 28, 1))
    model = vit_tiny_digits(classes=np.int64(3), patch_size=np.int32(4))
    assert model.output_shape == (None, 3)
