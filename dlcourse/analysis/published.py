"""What a published parameter count includes, counted from the built layers (GoogLeNet's 4M, 5M, 7M).

GoogLeNet's size is quoted as 4M (the notes), as "12 times fewer parameters than" AlexNet (Szegedy
et al., CVPR 2015, section 5) and as 6.6M (torchvision's ``googlenet``); ours has 7.0M. Each figure
counts a different network: with or without the two auxiliary classifiers (보조 분류기, used only in
training), the 1000-way classifier, the paper's 5x5 branches (torchvision keeps a 3x3) and batch
norm (배치 정규화; the paper has conv biases instead). `googlenet_parameter_parts` counts each part.
`ILSVRC_TOP5_ERROR` holds the ImageNet-challenge results the notes quote, with their sources.

Example:
    >>> parts = googlenet_parameter_parts()
    >>> parts["ours"], parts["paper"]
    (7020392, 6998552)
    >>> ILSVRC_TOP5_ERROR["vgg"]   # second in 2014, behind GoogLeNet
    (2014, 2, 0.073)
"""

from __future__ import annotations

import functools

# The ImageNet challenge (ILSVRC) results the notes cite: (year, place in classification, top-5 test error).
# AlexNet: Krizhevsky et al. 2012, Table 2 (seven CNNs, two pre-trained on ImageNet Fall 2011; the
# runner-up had 26.2%). VGG: Simonyan & Zisserman 2015, Table 7 (the 7-net submission; 6.8% after the
# challenge). GoogLeNet: Szegedy et al. 2015, Table 2.
ILSVRC_TOP5_ERROR = {
    "alexnet": (2012, 1, 0.153),
    "vgg": (2014, 2, 0.073),
    "googlenet": (2014, 1, 0.0667),
}
# ImageNet's ILSVRC-2012 classification training set, the "1.3M images" ViT and DeiT were trained on
# (Russakovsky et al., IJCV 2015, Table 2: 1,281,167 images of 1,000 classes).
ILSVRC2012_TRAIN_IMAGES = 1_281_167
AUX_PREFIXES = ("aux1_", "aux2_")  # googlenet's auxiliary classifiers' layer names
COUNTING_INPUT = (64, 64, 3)  # counts do not depend on it: both heads pool to a fixed size first


def _paper_style(layers) -> int:
    """Parameters as the paper builds the layers: every conv with a bias, no batch norm."""
    import keras

    total = 0
    for layer in layers:
        if isinstance(layer, keras.layers.Conv2D):
            total += _size(layer.kernel.shape) + layer.filters
        elif isinstance(layer, keras.layers.Dense):
            total += layer.count_params()
    return total


def _size(shape) -> int:
    size = 1
    for dim in shape:
        size *= int(dim)
    return size


def googlenet_parameter_parts(classes: int = 1000) -> dict:
    """GoogLeNet's parameters split into the parts that published figures include or leave out.

    Counted from one built ``googlenet(aux_logits=True)``, layer by layer (built once per process).

    Args:
        classes: classes of the classifiers (the paper's 1000).

    Returns:
        A dict of parameter counts: ``ours`` (our googlenet as built, batch norm's statistics
        included), ``batch_norm`` (its batch-norm parameters), ``conv_biases`` (one per conv
        filter: what the paper has instead), ``paper`` (the paper's inference network: ours less
        batch norm plus conv biases), ``aux_classifiers`` (both, paper-style), ``classifier`` (the
        final Dense layer), ``five_by_five`` (what the 5x5 kernels of the nine Inception blocks
        hold beyond 3x3 ones: torchvision's difference), and the sums ``paper_with_aux`` (the
        network the paper trains), ``paper_features`` (no classifier) and
        ``paper_features_3x3`` (no classifier, 3x3 branches).

    Example:
        >>> googlenet_parameter_parts()["five_by_five"]
        380928
    """
    return dict(_googlenet_parts(classes))


@functools.lru_cache(maxsize=4)
def _googlenet_parts(classes: int) -> tuple:
    import keras

    from dlcourse.models import get_model

    model = get_model("googlenet", input_shape=COUNTING_INPUT, classes=classes, aux_logits=True)
    main = [layer for layer in model.layers if not layer.name.startswith(AUX_PREFIXES)]
    aux = [layer for layer in model.layers if layer.name.startswith(AUX_PREFIXES)]
    batch_norm = sum(layer.count_params() for layer in main if isinstance(layer, keras.layers.BatchNormalization))
    convs = [layer for layer in main if isinstance(layer, keras.layers.Conv2D)]
    five = [layer for layer in convs if layer.name.endswith("_5x5_conv")]  # conv_bn_act names it so
    parts = {
        "ours": sum(layer.count_params() for layer in main),
        "batch_norm": batch_norm,
        "conv_biases": sum(layer.filters for layer in convs),
        "paper": _paper_style(main),
        "aux_classifiers": _paper_style(aux),
        "classifier": model.get_layer("predictions").count_params(),
        # a 3x3 kernel holds 9 of a 5x5's 25 weights per input and output channel
        "five_by_five": sum(_size(layer.kernel.shape) for layer in five) * (25 - 9) // 25,
    }
    parts["paper_with_aux"] = parts["paper"] + parts["aux_classifiers"]
    parts["paper_features"] = parts["paper"] - parts["classifier"]
    parts["paper_features_3x3"] = parts["paper_features"] - parts["five_by_five"]
    return tuple(parts.items())
