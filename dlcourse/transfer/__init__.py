"""Transfer learning (전이 학습): preprocessing for published weights, feature extractors, fine-tuning.

`preprocess_input(x, "resnet50")` scales images as the model's weights expect (equal to
keras.applications' function for each twin); `feature_extractor` and `fine_tune` build and unfreeze
a registered backbone with a new head; `pretrain` and `digits_transfer_split` make offline
"pretrained" weights on a source task. Importing this package imports no Keras until a function runs.

Example:
    >>> from dlcourse.transfer import preprocess_input
    >>> import numpy as np
    >>> preprocess_input(np.full((1, 1, 1, 3), 255.0), "mobilenet_v2").ravel().tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

from dlcourse.lazy import lazy_exports

_LAZY = {
    "feature_extractor": "core", "fine_tune": "core", "base_of": "core", "blocks_of": "core",
    "load_base": "core", "batch_norm_statistics": "core", "compile_transfer": "core", "all_layers": "core",
    "pretrain": "pretrained", "digits_transfer_split": "pretrained",
    "decode_predictions": "imagenet",
}


def preprocess_input(x, model: str, input_range: str = "0-255"):
    """Scale RGB images `x` as the published weights of registered `model` expect.

    Equal to keras.applications' ``preprocess_input`` of the model's twin (``resnet50`` ->
    ``keras.applications.resnet.preprocess_input``), but `x` is never changed in place.

    Args:
        x: images ``(..., height, width, 3)``.
        model: a registered model with published weights (its registry row names the mode).
        input_range: ``"0-255"`` (keras.applications') or ``"0-1"`` (`ImageData`'s).

    Returns:
        A new float32 array.

    Example:
        >>> import numpy as np
        >>> [round(float(v), 2) for v in preprocess_input(np.zeros((1, 1, 1, 3)), "vgg16").ravel()]
        [-103.94, -116.78, -123.68]
    """
    from dlcourse.models import model_entry

    mode = model_entry(model).preprocessing
    if mode is None:
        raise ValueError(f"model: {model} has no published weights, so no preprocessing of its own")
    from dlcourse.models.preprocessing import preprocess_input as by_mode

    return by_mode(x, mode, input_range)


__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, eager=["preprocess_input"])
