"""What the generative models share: argument checks, the output range check, the image <-> vector
layers, and the base class that declares the task and checks the data before training.

Example:
    >>> check_image_shape((8, 8, 1))
    (8, 8, 1)
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_choice, check_int, check_positive_int, is_int

DEFAULT_IMAGE_SHAPE = (8, 8, 1)  # scikit-learn's digits at their own size
OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}  # what each output activation can reach
LEAKY_SLOPE = 0.2  # LeakyReLU's slope in DCGAN and the keras-io GANs


def check_image_shape(input_shape, multiple_of: int = 1, name: str = "input_shape") -> tuple:
    """`input_shape` as a tuple ``(height, width, channels)`` of positive ints, sides divisible by
    `multiple_of` (a model with two stride-2 steps needs 4)."""
    if input_shape is None:
        return DEFAULT_IMAGE_SHAPE
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if shape is None or len(shape) != 3 or not all(is_int(d) and d >= 1 for d in shape):
        raise ValueError(f"{name} must be (height, width, channels) of positive integers; got {input_shape!r}")
    if shape[0] % multiple_of or shape[1] % multiple_of:
        raise ValueError(f"{name} {shape}: height and width must be multiples of {multiple_of} for this model")
    return tuple(int(d) for d in shape)


def check_latent_dim(latent_dim) -> int:
    """The size of the latent space (잠재 공간): an integer >= 1."""
    return check_positive_int("latent_dim", latent_dim)


def check_output_activation(activation) -> str:
    return check_choice("output_activation", activation, tuple(OUTPUT_RANGES))


def check_labels(labels, classes: int, name: str = "labels") -> np.ndarray:
    """`labels` as an int array, each in ``[0, classes)``; else a ValueError naming the range."""
    array = np.asarray(labels)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must be integer class ids in [0, {classes - 1}]; got dtype {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= classes):
        raise ValueError(f"{name} must lie in [0, {classes - 1}] (classes={classes}); got values in "
                         f"[{array.min()}, {array.max()}]")
    return array.astype("int32")


def check_data_range(x, activation: str, split: str = "train") -> None:
    """Raise ValueError when images `x` leave the range the output `activation` can reach: the
    model could never reconstruct or imitate them."""
    low, high = OUTPUT_RANGES[activation]
    x = np.asarray(x)
    if x.size and (not np.all(np.isfinite(x)) or x.min() < low or x.max() > high):
        raise ValueError(
            f"data: {split} images range over [{np.nanmin(x):.3g}, {np.nanmax(x):.3g}] but the model's "
            f"{activation} output reaches only [{low:g}, {high:g}]; scale the images to [{low:g}, {high:g}] "
            f"(load_dataset gives [0, 1]) or build the model with the matching output_activation"
        )


def unpack(data):
    """``(x, y)`` from what Keras hands `train_step`: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, w)``."""
    if isinstance(data, (tuple, list)):
        return data[0], (data[1] if len(data) > 1 else None)
    return data, None


def check_count(count) -> int:
    return check_int("count", count, minimum=1)
