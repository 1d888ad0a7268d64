"""The squeeze-and-excitation (SE, 채널 주의) block: learned per-channel weights that rescale a map.

Hu, Shen & Sun, "Squeeze-and-Excitation Networks", CVPR 2018: squeeze (global average pool to one
number per channel), excite (FC down by the reduction ratio r, ReLU, FC back up, sigmoid), then
scale the channels. It adds ``2 C^2 / r + C + C / r`` parameters to a C-channel block.

Example:
    >>> import keras
    >>> x = keras.Input((14, 14, 256))
    >>> tuple(squeeze_excite(x, 16, name="block").shape)
    (None, 14, 14, 256)
"""

from __future__ import annotations

import keras

SE_RATIO = 16  # the paper's reduction ratio r


def squeeze_excite(x, ratio=SE_RATIO, name=None):
    """Rescale the channels of `x` by a gate computed from their global averages.

    Args:
        x: the feature map (the residual branch, before the addition, in SE-ResNet).
        ratio: the reduction ratio r of the bottleneck (병목) FC layers.
        name: prefix of ``{name}_se_squeeze``, ``_se_reduce``, ``_se_expand``, ``_se_excite``.

    Returns:
        `x` with each channel multiplied by its gate in (0, 1).

    Example:
        >>> y = squeeze_excite(keras.Input((7, 7, 64)), ratio=16, name="se")
    """
    channels = x.shape[-1]
    s = keras.layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_se_squeeze")(x)
    s = keras.layers.Dense(max(1, channels // ratio), activation="relu", name=f"{name}_se_reduce")(s)
    s = keras.layers.Dense(channels, activation="sigmoid", name=f"{name}_se_expand")(s)
    return keras.layers.Multiply(name=f"{name}_se_excite")([x, s])
