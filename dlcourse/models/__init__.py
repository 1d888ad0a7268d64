"""Model builders, registered by name: ``get_model("notes_cnn")`` or ``notes_cnn()``.

Example:
    >>> from dlcourse import models
    >>> models.get_model("notes_cnn").count_params()
    93322
"""

from dlcourse.models.registry import ModelEntry, get_model, list_models, model_entry, register_model
from dlcourse.models.mlp import logic_gate, mlp, perceptron, step, xor_network
from dlcourse.models.notes_cnn import notes_cnn

__all__ = [
    "ModelEntry",
    "get_model",
    "list_models",
    "logic_gate",
    "mlp",
    "model_entry",
    "notes_cnn",
    "perceptron",
    "register_model",
    "step",
    "xor_network",
]
