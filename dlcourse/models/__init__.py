"""Model builders, registered by name: ``get_model("notes_cnn")`` or ``notes_cnn()``.

Example:
    >>> from dlcourse import models
    >>> models.get_model("notes_cnn").count_params()
    93322
"""

from dlcourse.models.registry import ModelEntry, get_model, list_models, model_entry, register_model
from dlcourse.models.mlp import GATE_INPUTS, GATE_TRUTH_TABLES, logic_gate, mlp, perceptron, step, xor_network
from dlcourse.models.notes_cnn import notes_cnn
from dlcourse.models.alexnet import alexnet
from dlcourse.models.vgg import vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from dlcourse.models.inception import googlenet
from dlcourse.models.resnet import resnet18, resnet34, resnet50, resnet101, resnet152, se_resnet50
from dlcourse.models.densenet import densenet121, densenet169, densenet201
from dlcourse.models.mobilenet import mobilenet, mobilenet_v2

__all__ = [
    "alexnet",
    "densenet121",
    "densenet169",
    "densenet201",
    "GATE_INPUTS",
    "GATE_TRUTH_TABLES",
    "get_model",
    "googlenet",
    "list_models",
    "logic_gate",
    "mlp",
    "mobilenet",
    "mobilenet_v2",
    "model_entry",
    "ModelEntry",
    "notes_cnn",
    "perceptron",
    "register_model",
    "resnet101",
    "resnet152",
    "resnet18",
    "resnet34",
    "resnet50",
    "se_resnet50",
    "step",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "xor_network",
]
