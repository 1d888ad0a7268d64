"""The input scaling (입력 전처리) that published ImageNet weights expect, as a function and as a layer.

keras.applications' ``imagenet_utils.preprocess_input`` has three modes, one per family of weights:
``"caffe"`` (VGG, ResNet: RGB -> BGR, minus the ImageNet mean pixel in [0, 255]), ``"torch"``
(DenseNet: scaled to [0, 1], minus the mean, divided by the standard deviation per channel) and
``"tf"`` (MobileNets: scaled to [-1, 1]). Weights fed images in another scale still run but predict
nonsense, a known trap (keras-team/keras-applications#64, keras-team/keras#8672). Each registry row
names its mode (``model_entry("resnet50").preprocessing == "caffe"``).

`preprocess_input` is the numpy function (it never changes its argument, where Keras' changes a
float array in place); `ImagePreprocessing` the same computation as a layer, which the zoo builders
put in front of the network with ``include_preprocessing=True`` (images in [0, 255], as Keras'
ConvNeXt and EfficientNetV2 take them) or ``include_preprocessing="0-1"`` (images in [0, 1], as
`dlcourse.data.ImageData` holds them).

Example:
    >>> import numpy as np
    >>> preprocess_input(np.full((1, 1, 1, 3), 255.0), "tf").ravel().tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

import keras
import numpy as np

from dlcourse.checks import check_choice

PREPROCESSING_MODES = ("caffe", "torch", "tf")  # keras.applications.imagenet_utils' modes
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)  # the ImageNet mean pixel in [0, 255], BGR order (Caffe's)
TORCH_MEAN_RGB = (0.485, 0.456, 0.406)  # the ImageNet mean and standard deviation in [0, 1] (torchvision's)
TORCH_STD_RGB = (0.229, 0.224, 0.225)
INPUT_RANGES = {"0-255": 255.0, "0-1": 1.0}  # the pixel scales an input may come in
INCLUDE_PREPROCESSING_CHOICES = (False, True, "0-255", "0-1")


def _scale_and_shift(mode: str, input_max: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(scale, shift, flip)`` per channel such that preprocessed = flip(x) * scale + shift."""
    to_255 = 255.0 / input_max
    if mode == "caffe":
        return np.full(3, to_255), -np.asarray(CAFFE_MEAN_BGR), True
    if mode == "torch":
        std = np.asarray(TORCH_STD_RGB)
        return np.full(3, 1.0 / input_max) / std, -np.asarray(TORCH_MEAN_RGB) / std, False
    return np.full(3, to_255 / 127.5), np.full(3, -1.0), False  # "tf": [0, 255] -> [-1, 1]


def preprocess_input(x, mode: str, input_range: str = "0-255") -> np.ndarray:
    """Scale a batch of RGB images as the weights of `mode` expect (keras.applications' ``preprocess_input``).

    Args:
        x: images, ``(..., height, width, 3)``, RGB, channels last; not changed.
        mode: ``"caffe"``, ``"torch"`` or ``"tf"`` (a registry row's ``preprocessing``).
        input_range: ``"0-255"`` (keras.applications' convention) or ``"0-1"`` (`ImageData`'s).

    Returns:
        A new float32 array of the same shape.

    Example:
        >>> [round(float(v), 3) for v in preprocess_input(np.zeros((1, 2, 2, 3)), "caffe")[0, 0, 0]]
        [-103.939, -116.779, -123.68]
    """
    check_choice("mode", mode, PREPROCESSING_MODES)
    check_choice("input_range", input_range, tuple(INPUT_RANGES))
    x = np.asarray(x, dtype=np.float32)
    if x.ndim < 3 or x.shape[-1] != 3:
        raise ValueError(f"x must be RGB images with 3 channels last; got shape {x.shape}")
    scale, shift, flip = _scale_and_shift(mode, INPUT_RANGES[input_range])
    if flip:
        x = x[..., ::-1]
    return (x * scale.astype(np.float32) + shift.astype(np.float32)).astype(np.float32)


def check_include_preprocessing(include_preprocessing, mode: str | None, model_name: str) -> str | None:
    """The input range (``"0-255"``, ``"0-1"``) the model's preprocessing layer takes, or None for none."""
    if include_preprocessing is None or include_preprocessing is False:
        return None
    if not any(include_preprocessing is c or (isinstance(c, str) and include_preprocessing == c)
               for c in INCLUDE_PREPROCESSING_CHOICES):
        raise ValueError(
            f"include_preprocessing must be one of False, True (images in [0, 255]), '0-255' or '0-1' "
            f"(images in [0, 1]); got {include_preprocessing!r}"
        )
    if mode is None:
        raise ValueError(
            f"include_preprocessing: {model_name} has no published weights and so no preprocessing of "
            "its own; leave include_preprocessing=False"
        )
    return "0-255" if include_preprocessing is True else include_preprocessing


@keras.saving.register_keras_serializable(package="dlcourse")
class ImagePreprocessing(keras.layers.Layer):
    """`preprocess_input` as a layer without weights, so a model takes images as they come.

    Args:
        mode: ``"caffe"``, ``"torch"`` or ``"tf"``.
        input_range: ``"0-255"`` or ``"0-1"``.

    Example:
        >>> layer = ImagePreprocessing("tf", "0-1")
        >>> float(layer(np.ones((1, 1, 1, 3), "float32"))[0, 0, 0, 0])
        1.0
    """

    def __init__(self, mode: str, input_range: str = "0-255", **kwargs):
        super().__init__(**kwargs)
        check_choice("mode", mode, PREPROCESSING_MODES)
        check_choice("input_range", input_range, tuple(INPUT_RANGES))
        self.mode, self.input_range = mode, input_range
        scale, shift, self.flip = _scale_and_shift(mode, INPUT_RANGES[input_range])
        self.scale, self.shift = scale.astype("float32"), shift.astype("float32")

    def call(self, x):
        x = keras.ops.cast(x, self.compute_dtype)
        if self.flip:
            x = keras.ops.flip(x, axis=-1)
        return x * keras.ops.cast(self.scale, x.dtype) + keras.ops.cast(self.shift, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "input_range": self.input_range}


def add_preprocessing(x, input_range: str | None, mode: str | None):
    """Put an `ImagePreprocessing` layer named ``preprocessing`` after `x` (nothing when `input_range` is None)."""
    if input_range is None:
        return x
    return ImagePreprocessing(mode, input_range, name="preprocessing")(x)
