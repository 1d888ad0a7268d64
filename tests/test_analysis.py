"""dlcourse.analysis: parameter and MAC counts against the papers, receptive fields by hand."""

import keras
import pytest

from dlcourse.analysis import conv_output_size, conv_params, count_macs, count_params, dense_params, receptive_field
from dlcourse.models import get_model, list_models, model_entry

# The notes' AlexNet table (one GPU, the paper's filters), parameters with biases.
ALEXNET_TABLE = {  # the paper's filter counts on one GPU (ungrouped)
    "conv1": 34_944,  # 96 11x11x3 filters
    "conv2": 614_656,  # 256 5x5x96
    "conv3": 885_120,  # 384 3x3x256
    "conv4": 1_327_488,  # 384 3x3x384
    "conv5": 884_992,  # 256 3x3x384
    "fc6": 37_752_832,  # 6*6*256 -> 4096
    "fc7": 16_781_312,  # 4096 -> 4096
    "predictions": 4_097_000,  # 4096 -> 1000
}
PAPER_TOLERANCE = 0.02  # our multiply-adds within 2% of the papers' (each row's reference_macs)


def _chain(*layers, shape=(32, 32, 1)):
    x = inputs = keras.Input(shape)
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x)


def test_conv_and_dense_params():
    assert conv_params(3, 3, 128, 64) == 73_728
    assert conv_params(11, 11, 3, 96, bias=True) == ALEXNET_TABLE["conv1"]
    assert dense_params(6 * 6 * 256, 4096, bias=True) == ALEXNET_TABLE["fc6"]
    assert dense_params(4096, 1000) == 4_096_000


@pytest.mark.parametrize("size, kernel, stride", [
    (size, kernel, stride) for size in (5, 28, 32, 227)
    for kernel, stride in ((1, 1), (3, 1), (3, 2), (5, 1), (11, 4), (2, 2)) if kernel <= size
])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_output_size_matches_keras(size, kernel, stride, padding):
    layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)
    expected = layer.compute_output_shape((None, size, size, 1))[1]
    assert conv_output_size(size, kernel, stride=stride, padding=padding) == expected


def test_conv_output_size_with_explicit_padding_and_bad_input():
    assert conv_output_size(5, 3) == 3  # the notes' n - f + 1
    assert conv_output_size(224, 7, stride=2, padding=3) == 112  # ResNet's stem
    assert conv_output_size(224, 11, stride=4, padding=2) == 55  # AlexNet's conv1 (torchvision)
    with pytest.raises(ValueError, match="padding must be"):
        conv_output_size(28, 3, padding="full")
    with pytest.raises(ValueError, match="kernel must be a positive integer"):
        conv_output_size(28, 0)
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv_output_size(2, 5)


def test_alexnet_on_one_gpu_layer_table():
    table = count_params(get_model("alexnet"))
    assert table.by_layer == ALEXNET_TABLE
    assert table.total == 62_378_344
    assert "conv1" in str(table) and "62,378,344" in str(table)


def test_the_papers_two_gpu_alexnet_is_the_notes_table():
    table = count_params(get_model("alexnet", groups=2))
    # the notes' per-layer weights (biases added): each GPU's half sees only its own half of the maps
    assert table.by_layer["conv2"] == 5 * 5 * 48 * 128 * 2 + 256 == 307_456
    assert table.by_layer["conv4"] == 3 * 3 * 192 * 192 * 2 + 384 == 663_936
    assert table.by_layer["conv5"] == 3 * 3 * 192 * 128 * 2 + 256 == 442_624
    for ungrouped in ("conv1", "conv3", "fc6", "fc7", "predictions"):
        assert table.by_layer[ungrouped] == ALEXNET_TABLE[ungrouped]
    assert table.total == 60_965_224
    # the notes' fc6 "13x13x128x2048x2 = 177M" is not the network: fc6 sees the pooled 6x6x256 maps
    assert table.by_layer["fc6"] - 4096 == 6 * 6 * 256 * 4096 == 37_748_736
    assert 13 * 13 * 128 * 2 * 2048 * 2 == 177_209_344 != table.by_layer["fc6"]
    with pytest.raises(ValueError, match="groups"):
        get_model("alexnet", groups=3)


def test_torchvision_alexnet_count():
    assert get_model("alexnet", variant="torchvision").count_params() == 61_100_840


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in list_models() if model_entry(n).macs is not None])
def test_macs_are_as_stated_and_match_the_papers(name):
    entry = model_entry(name)
    total = count_macs(get_model(name)).total
    assert total == entry.macs  # the figure `dlcourse models --table` and README show
    if entry.reference_macs is not None:
        assert abs(total / entry.reference_macs - 1) <= PAPER_TOLERANCE


def test_the_papers_multiply_adds_are_stated_where_the_references_give_them():
    stated = {name for name in list_models() if model_entry(name).reference_macs}
    assert stated == {"vgg19", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "mobilenet",
                      "mobilenet_v2"}
    for name in stated:  # the reference text shows the figure the test checks
        assert "MACs" in model_entry(name).reference


def test_macs_by_layer_kind():
    model = _chain(keras.layers.Conv2D(8, 3, padding="same", name="conv"),
                   keras.layers.DepthwiseConv2D(3, padding="same", name="dw"),
                   keras.layers.SeparableConv2D(4, 3, strides=2, padding="same", name="sep"),
                   keras.layers.BatchNormalization(name="bn"),
                   keras.layers.GlobalAveragePooling2D(name="gap"),
                   keras.layers.Dense(10, name="fc"))
    macs = count_macs(model).by_layer
    assert macs == {
        "conv": 32 * 32 * 3 * 3 * 1 * 8,
        "dw": 32 * 32 * 3 * 3 * 8,
        "sep": 16 * 16 * (3 * 3 * 8 + 8 * 4),
        "fc": 4 * 10,
    }


def test_count_macs_needs_a_fixed_input_size():
    with pytest.raises(ValueError, match="fixed input size"):
        count_macs(_chain(keras.layers.Conv2D(2, 3), shape=(None, None, 1)))


@pytest.mark.parametrize("convs, expected", [(1, 3), (2, 5), (3, 7)])
def test_stacked_3x3_convs_see_5x5_then_7x7(convs, expected):
    assert receptive_field(_chain(*[keras.layers.Conv2D(2, 3) for _ in range(convs)])) == expected


def test_receptive_field_through_strides_pools_and_dilation():
    model = _chain(keras.layers.Conv2D(2, 7, strides=2, name="c1"), keras.layers.MaxPooling2D(3, 2, name="p1"),
                   keras.layers.Conv2D(2, 3, dilation_rate=2, name="c2"), shape=(64, 64, 1))
    assert receptive_field(model, "c1") == 7
    assert receptive_field(model, "p1") == 7 + 2 * 2
    assert receptive_field(model) == 11 + 2 * 2 * 4


def test_receptive_field_of_vgg16_and_branches():
    vgg = get_model("vgg16", include_top=False, input_shape=(32, 32, 3))
    assert receptive_field(vgg, "block5_conv3") == 196
    assert receptive_field(vgg) == 212  # after block5_pool
    resnet = get_model("resnet18", include_top=False, input_shape=(32, 32, 3))
    # the stem sees 11 (7x7/2 conv, 3x3/2 pool); block 1's two 3x3 convs add 2 * 2 * 4; the identity adds 0
    assert receptive_field(resnet, "conv2_block1_out") == 11 + 2 * 2 * 4
    with pytest.raises(ValueError, match="whole image"):
        receptive_field(get_model("resnet18", input_shape=(32, 32, 3), classes=2), "avg_pool")


def test_what_each_published_googlenet_figure_counts():
    """Lesson 4's "the notes say / in fact": 7.0M ours, 13.4M trained, no reading is 12x below AlexNet or 4M."""
    from dlcourse.analysis.published import googlenet_parameter_parts

    parts = googlenet_parameter_parts()
    assert parts["ours"] == model_entry("googlenet").params == 7_020_392
    assert parts["paper"] == parts["ours"] - parts["batch_norm"] + parts["conv_biases"] == 6_998_552
    assert parts["aux_classifiers"] == 2 * (128 + 4 * 4 * 128 * 1024 + 1024 + 1024 * 1000 + 1000) + (512 + 528) * 128
    assert round(parts["aux_classifiers"] / 1e6, 1) == 6.4 and round(parts["paper_with_aux"] / 1e6, 1) == 13.4
    assert parts["classifier"] == 1024 * 1000 + 1000
    assert parts["five_by_five"] == 380_928  # torchvision's 3x3 "5x5" branches, the registry's reference
    alexnet = 60_965_224  # the paper's two-GPU network (test_the_papers_two_gpu_alexnet_is_the_notes_table)
    assert round(alexnet / 1e6, 1) == 61.0 and round(alexnet / 12 / 1e6, 1) == 5.1
    readings = [parts[key] for key in ("paper", "paper_features", "paper_features_3x3")]
    assert [round(alexnet / n, 1) for n in readings] == [8.7, 10.2, 10.9]  # never the paper's 12x
    assert round(parts["paper_features_3x3"] / 1e6, 1) == 5.6 > 4.0  # the notes' 4M is below every reading


def test_the_notes_vgg_and_se_figures_against_the_built_models():
    # the registry's counts are the built models' (test_registry builds each)
    assert [round(model_entry(n).params / 1e6, 1) for n in ("vgg11", "vgg16", "vgg19")] == [132.9, 138.4, 143.7]
    assert min(model_entry(n).params for n in list_models("vgg")) > 110_000_000  # the papers' VGGs (not vgg_small)
    se, base = model_entry("se_resnet50").params, model_entry("resnet50").params
    assert se - base == 2_530_992 and f"{(se - base) / base:.1%}" == "9.9%"  # SE adds, it never shrinks
