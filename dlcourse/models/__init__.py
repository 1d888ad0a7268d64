"""Model builders, registered by name: ``get_model("notes_cnn")`` or ``notes_cnn()``.

Listing the registry (`list_models`, `model_entry`) imports no Keras: each builder's module, and
Keras with it, is imported the first time the builder is used (``from dlcourse.models import
resnet50`` or ``models.resnet50``).

Example:
    >>> from dlcourse import models
    >>> models.get_model("notes_cnn").count_params()
    93322
"""

from __future__ import annotations

from dlcourse.lazy import lazy_exports

from dlcourse.models.registry import (
    FeatureOutput,
    ModelEntry,
    get_backbone,
    get_model,
    list_models,
    model_entry,
    register_model,
)

_LAZY = {  # public name -> the module of dlcourse.models that defines it
    "GATE_INPUTS": "perceptrons",
    "GATE_TRUTH_TABLES": "perceptrons",
    "logic_gate": "perceptrons",
    "mlp": "perceptrons",
    "perceptron": "perceptrons",
    "step": "perceptrons",
    "xor_network": "perceptrons",
    "notes_cnn": "notes",
    "alexnet": "alexnets",
    **{name: "vgg" for name in ("vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn")},
    "googlenet": "inception",
    **{name: "detection.yolo" for name in ("yolov1", "fast_yolo", "yolov1_small", "YOLO")},
    **{name: "detection.faster_rcnn" for name in ("faster_rcnn_small", "FasterRCNN", "RCNNConfig")},
    **{name: "detection.mask_rcnn" for name in ("mask_rcnn_small", "MaskRCNN")},
    **{name: "resnet" for name in ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "se_resnet50")},
    **{name: "densenet" for name in ("densenet121", "densenet169", "densenet201")},
    "mobilenet": "mobilenets",
    "mobilenet_v2": "mobilenets",
    **{name: "generative.autoencoders" for name in ("autoencoder", "deep_autoencoder", "conv_autoencoder",
                                                    "sparse_autoencoder", "denoising_autoencoder")},
    "vae": "generative.vae",
    **{name: "generative.gans" for name in ("gan", "dcgan", "cgan", "wgan_gp")},
    "cyclegan": "generative.cyclegan",
    **{name: "sequence.recurrent" for name in ("rnn_rows", "lstm_rows", "gru_rows")},
    "attention_rows": "sequence.transformer",
    "vit_tiny_digits": "sequence.vit",
    "deit_tiny_digits": "sequence.vit",
    **{name: "segmentation.fcn" for name in ("fcn32s", "fcn16s", "fcn8s", "fcn32s_small", "fcn16s_small", "fcn8s_small")},
    "unet": "segmentation.unet",
    "unet_small": "segmentation.unet",
    "vgg_small": "segmentation.vgg_small",
    "small_cnn": "small",
}


__getattr__, __dir__, __all__ = lazy_exports(
    __name__, _LAZY, eager=["FeatureOutput", "ModelEntry", "get_backbone", "get_model", "list_models", "model_entry",
                             "register_model"],
)
