"""GoogLeNet (Inception v1): nine Inception blocks (인셉션 모듈) with 1x1 bottlenecks (병목).

Szegedy et al., "Going Deeper with Convolutions", CVPR 2015, Table 1. As in torchvision's
``googlenet`` every conv is conv + batch norm + ReLU without bias (the paper predates batch norm
and uses LRN instead), but the "5x5" branches are 5x5 as in the paper where torchvision keeps a
3x3 (a known bug it preserves for its weights). Hence the parameters at 224x224 with 1000 classes:
torchvision's 6,624,904 trainable + 380,928 for the 5x5 kernels = 7,005,832 trainable, plus 2
non-trainable per BN channel in Keras; the auxiliary classifiers add 6,379,984 (torchvision's
13,004,888 with ``aux_logits=True``). No keras.applications twin, so no ImageNet weights.

Example:
    >>> googlenet(input_shape=(32, 32, 3), classes=10).output_shape
    (None, 10)
"""

from __future__ import annotations

import keras

from dlcourse.blocks import conv_bn_act, inception_aux_classifier, inception_block
from dlcourse.models.common import check_dropout, check_model_args, classifier_head, load_weights, model_input
from dlcourse.models.registry import model_entry

GOOGLENET_STAGES = (  # Table 1: (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj), a max-pool between stages
    {"inception3a": (64, 96, 128, 16, 32, 32), "inception3b": (128, 128, 192, 32, 96, 64)},
    {"inception4a": (192, 96, 208, 16, 48, 64), "inception4b": (160, 112, 224, 24, 64, 64),
     "inception4c": (128, 128, 256, 24, 64, 64), "inception4d": (112, 144, 288, 32, 64, 64),
     "inception4e": (256, 160, 320, 32, 128, 128)},
    {"inception5a": (256, 160, 320, 32, 128, 128), "inception5b": (384, 192, 384, 48, 128, 128)},
)
GOOGLENET_AUX_AFTER = {"inception4a": "aux1", "inception4d": "aux2"}
GOOGLENET_DROPOUT = 0.4  # the paper's dropout before the classifier


def _max_pool(x, name):
    return keras.layers.MaxPooling2D(3, strides=2, padding="same", name=name)(x)


def googlenet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", aux_logits=False, dropout=GOOGLENET_DROPOUT):
    """GoogLeNet / Inception v1, optionally with its two auxiliary classifiers (보조 분류기).

    Args:
        include_top: whether to add the global average pool, dropout and the classifier.
        weights: None or the path of a ``.weights.h5`` file saved from this model.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: ``(224, 224, 3)`` by default (any size without the top); height and width at
            least 32.
        pooling: with ``include_top=False``: None, "avg" or "max".
        classes, classifier_activation: of the output layer(s).
        aux_logits: add the auxiliary classifiers after inception4a and inception4d; the model
            then returns ``[main, aux1, aux2]`` (train with loss weights 1, 0.3, 0.3 as the paper).
        dropout: dropout rate before the classifier (the paper's 0.4).

    Returns:
        A `keras.Model` named ``googlenet``.

    Example:
        >>> googlenet(input_shape=(64, 64, 3), classes=10, aux_logits=True).output_shape
        [(None, 10), (None, 10), (None, 10)]
    """
    if not isinstance(aux_logits, bool) or (aux_logits and not include_top):
        raise ValueError(f"aux_logits must be True (only with include_top=True) or False; got {aux_logits!r}")
    check_dropout(dropout)
    input_shape = check_model_args(
        model_entry("googlenet"), include_top=include_top, weights=weights, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, classifier_activation=classifier_activation,
    )
    x, inputs = model_input(input_shape, input_tensor)
    x = conv_bn_act(x, 64, 7, strides=2, name="conv1")
    x = _max_pool(x, "pool1")
    x = conv_bn_act(x, 64, 1, name="conv2_reduce")
    x = conv_bn_act(x, 192, 3, name="conv2")
    aux_outputs = []
    for stage, blocks in enumerate(GOOGLENET_STAGES, start=2):
        x = _max_pool(x, f"pool{stage}")
        for name, filters in blocks.items():
            x = inception_block(x, filters, name=name)
            if aux_logits and name in GOOGLENET_AUX_AFTER:
                aux_outputs.append(
                    inception_aux_classifier(x, classes, classifier_activation, name=GOOGLENET_AUX_AFTER[name])
                )
    x = classifier_head(x, include_top, pooling, classes, classifier_activation, dropout=dropout)
    model = keras.Model(inputs, [x, *aux_outputs] if aux_logits else x, name="googlenet")
    return load_weights(model, weights)
