"""The zoo's behaviour beyond the registry table: bad input, variants, SE and auxiliary heads."""

import inspect

import keras
import numpy as np
import pytest

from dlcourse.blocks import basic_block, bottleneck_block, squeeze_excite
from dlcourse.models import get_model, list_models, model_entry

# the CNN zoo: image classifiers with keras.applications' signature and a smallest input above 16 px
# (the notes' basics, the 8 px small_cnn, and the sequence and ViT models have their own tests)
ZOO = [name for name in list_models() if model_entry(name).family not in ("basics", "small", "sequence", "vit")
       and model_entry(name).task == "classification"]
SMALL_ZOO = ["alexnet", "vgg11", "googlenet", "resnet18", "densenet121", "mobilenet", "mobilenet_v2"]


@pytest.mark.parametrize("name", ZOO)
def test_too_small_input_names_input_shape_and_minimum(name):
    minimum = model_entry(name).min_size
    with pytest.raises(ValueError, match=rf"input_shape \(16, 16, 3\).*at least {minimum}"):
        get_model(name, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match=rf"at least {minimum}"):
        get_model(name, input_shape=(minimum - 1, minimum, 3))


@pytest.mark.parametrize("name", [*SMALL_ZOO, "notes_cnn", "small_cnn"])
def test_smallest_input_in_the_table_builds_and_runs(name):
    minimum = model_entry(name).min_size
    channels = model_entry(name).default_input_shape[-1]
    model = get_model(name, input_shape=(minimum, minimum, channels), classes=2)
    assert model.output_shape == (None, 2)
    assert model.predict(np.zeros((1, minimum, minimum, channels), "float32"), verbose=0).shape == (1, 2)


@pytest.mark.parametrize("name", ZOO)
def test_keras_applications_signature_and_defaults(name):
    params = inspect.signature(model_entry(name).builder).parameters
    defaults = {k: params[k].default for k in ("include_top", "weights", "input_tensor", "input_shape",
                                               "pooling", "classes", "classifier_activation")}
    assert defaults == {"include_top": True, "weights": None, "input_tensor": None, "input_shape": None,
                        "pooling": None, "classes": 1000, "classifier_activation": "softmax"}


def test_vgg_dropout_is_reachable_from_the_public_builder():
    model = get_model("vgg11", input_shape=(32, 32, 3), classes=3, dropout=0.5)
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.5, 0.5]
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in get_model("vgg11", input_shape=(32, 32, 3)).layers)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        get_model("vgg16", dropout=1.0)


def test_mobilenet_alpha_is_checked():
    with pytest.raises(ValueError, match=r"alpha.*\(0.25, 0.5, 0.75, 1.0\).*0.3"):
        get_model("mobilenet", alpha=0.3)
    with pytest.raises(ValueError, match=r"alpha.*1.4"):
        get_model("mobilenet_v2", alpha=0.3)


def test_mobilenet_docstring_example_count():
    assert get_model("mobilenet", input_shape=(96, 96, 3), classes=5, alpha=0.25).count_params() == 219_829


def test_pooling_without_top_gives_feature_vectors():
    model = get_model("densenet121", include_top=False, pooling="max", input_shape=(32, 32, 3))
    assert model.output_shape == (None, 1024)
    assert get_model("vgg11", include_top=False, input_shape=(64, 64, 3)).output_shape == (None, 2, 2, 512)


def test_input_tensor_is_used():
    tensor = keras.Input((48, 48, 3))
    assert get_model("resnet18", input_tensor=tensor, classes=4).input_shape == (None, 48, 48, 3)


def test_googlenet_auxiliary_classifiers():
    model = get_model("googlenet", input_shape=(32, 32, 3), classes=7, aux_logits=True)
    assert model.output_shape == [(None, 7), (None, 7), (None, 7)]
    plain = get_model("googlenet", input_shape=(32, 32, 3), classes=7)
    conv_bn = (512 + 528) * 128 + 2 * 4 * 128  # aux1 on inception4a (512), aux2 on 4d (528); BN: 4 per channel
    fcs = 2 * ((4 * 4 * 128) * 1024 + 1024 + 1024 * 7 + 7)  # fc 2048 -> 1024, fc 1024 -> 7, in each head
    assert model.count_params() - plain.count_params() == conv_bn + fcs
    with pytest.raises(ValueError, match="aux_logits"):
        get_model("googlenet", include_top=False, aux_logits=True)


def test_googlenet_aux_parameters_match_torchvision():
    model = get_model("googlenet", aux_logits=True)
    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    assert trainable == 13_004_888 + 380_928  # torchvision googlenet(aux_logits=True) + our 5x5 kernels


def test_se_adds_the_papers_parameters_to_any_resnet():
    plain = get_model("resnet50", input_shape=(32, 32, 3)).count_params()
    se = get_model("se_resnet50", input_shape=(32, 32, 3)).count_params()
    assert se - plain == 2_530_992
    assert 25_557_032 + 2_530_992 == 28_088_024  # torchvision's ResNet-50 + SE: the paper's 28.09M
    se18 = get_model("resnet18", input_shape=(32, 32, 3), se_ratio=16)
    assert se18.name == "se_resnet18"
    assert any(layer.name.endswith("_se_excite") for layer in se18.layers)
    with pytest.raises(ValueError, match="se_ratio"):
        get_model("resnet34", se_ratio=0)


def test_blocks_choose_identity_or_projection_shortcuts():
    x = keras.Input((8, 8, 64))
    identity = keras.Model(x, basic_block(x, 64, name="b"))
    assert not any(layer.name == "b_0_conv" for layer in identity.layers)
    projection = keras.Model(x, bottleneck_block(x, 64, name="b"))
    assert projection.get_layer("b_0_conv").kernel.shape == (1, 1, 64, 256)
    assert projection.output_shape == (None, 8, 8, 256)


def test_squeeze_excite_parameter_formula():
    x = keras.Input((4, 4, 256))
    model = keras.Model(x, squeeze_excite(x, 16, name="se"))
    assert model.count_params() == 2 * 256 * 256 // 16 + 256 + 256 // 16


def test_cli_models_table_prints_the_readme_columns_from_the_table(capsys):
    from dlcourse.cli import main

    assert main(["models", "--table", "--family", "mobilenet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "input", "parameters", "multiply-adds", "checked", "against"]
    assert lines[1].split()[:4] == ["mobilenet", "224x224x3", "4,253,864", "568,740,352"]
    assert lines[2].split()[:4] == ["mobilenet_v2", "224x224x3", "3,538,984", "300,774,272"]
    assert lines[1].endswith(model_entry("mobilenet").reference)
    assert len(lines) == 3


def test_cli_models_lists_every_model_with_family_task_and_parameters(capsys):
    from dlcourse.cli import main

    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["name", "family", "task", "parameters"]
    rows = {line.split()[0]: line.split()[1:4] for line in lines[1:]}
    assert rows["resnet50"] == ["resnet", "classification", "25,636,712"]
    assert sorted(rows) == list_models()
