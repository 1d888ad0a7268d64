"""Transposed convolution (전치 합성곱, "deconvolution"): upscaling (업스케일링) a score map back to the image.

A transposed convolution scatters each input pixel, multiplied by the kernel, into a ``stride``
times larger output and sums where the copies overlap: the gradient of a strided convolution.
Long et al., "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015 (fixed bilinear
deconvolutions); Odena et al., "Deconvolution and Checkerboard Artifacts", Distill 2016 (uneven
overlap when the kernel is not a multiple of the stride; resize + convolution has none).

Output size (Keras' ``Conv2DTranspose``, `transposed_output_size`): ``"valid"``:
``n * s + max(k - s, 0)`` (``(n - 1) * s + k`` when ``k >= s``); ``"same"``: ``n * s``; with an
``output_padding`` p: ``(n - 1) * s + k - 2 * pad + p`` (pad ``k // 2`` for "same", 0 for "valid").

Example:
    >>> transposed_output_size(4, kernel=3, stride=2)  # (4 - 1) * 2 + 3
    9
    >>> bilinear_kernel(4, 1)[:, :, 0, 0][0]
    array([0.0625, 0.1875, 0.1875, 0.0625], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_choice, check_int, check_positive_int

PADDINGS = ("valid", "same")
UPSAMPLING_METHODS = ("transpose", "bilinear_transpose", "resize")


def transposed_output_size(size, kernel, stride=1, padding="valid", output_padding=None, dilation=1) -> int:
    """Height (or width) of a transposed convolution's output, as Keras' ``Conv2DTranspose`` makes it.

    Args:
        size: the input's height or width.
        kernel, stride, dilation: the layer's kernel size, stride and dilation rate.
        padding: ``"valid"`` or ``"same"``.
        output_padding: None, or the extra rows the layer adds (smaller than `stride`).

    Returns:
        The output size, an int.

    Example:
        >>> transposed_output_size(16, kernel=4, stride=2, padding="same")
        32
    """
    size = check_positive_int("size", size)
    kernel = check_positive_int("kernel", kernel)
    stride = check_positive_int("stride", stride)
    dilation = check_positive_int("dilation", dilation)
    check_choice("padding", padding, PADDINGS)
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(kernel - stride, 0)
        return size * stride
    output_padding = check_int("output_padding", output_padding, minimum=0, maximum=stride - 1)
    pad = kernel // 2 if padding == "same" else 0
    return (size - 1) * stride + kernel - 2 * pad + output_padding


def transposed_conv2d(x, kernel, stride=1) -> np.ndarray:
    """A "valid" transposed convolution by hand: every input pixel adds ``pixel * kernel`` to the output.

    Args:
        x: one image ``(height, width, in_channels)`` (or ``(height, width)``).
        kernel: ``(k_h, k_w, out_channels, in_channels)``, Keras' ``Conv2DTranspose`` layout (or
            ``(k_h, k_w)`` for one channel).
        stride: how far apart the copies are placed.

    Returns:
        The ``((h - 1) * s + k_h, (w - 1) * s + k_w, out_channels)`` output (2-D for 2-D inputs).

    Example:
        >>> transposed_conv2d(np.ones((2, 2)), np.ones((3, 3)), stride=2)[2]  # the overlap doubles
        array([2., 2., 4., 2., 2.])
    """
    stride = check_positive_int("stride", stride)
    x, kernel = np.asarray(x, dtype="float64"), np.asarray(kernel, dtype="float64")
    flat = x.ndim == 2
    if flat:
        x, kernel = x[..., None], kernel[:, :, None, None]
    if x.ndim != 3 or kernel.ndim != 4 or kernel.shape[3] != x.shape[2]:
        raise ValueError(f"x (h, w, c_in) and kernel (k, k, c_out, c_in) do not pair up: {x.shape}, {kernel.shape}")
    (h, w, _), (kh, kw, c_out, _) = x.shape, kernel.shape
    out = np.zeros(((h - 1) * stride + kh, (w - 1) * stride + kw, c_out))
    for i in range(h):
        for j in range(w):
            # kernel (kh, kw, c_out, c_in) . pixel (c_in,) -> (kh, kw, c_out), added at (i * s, j * s)
            out[i * stride:i * stride + kh, j * stride:j * stride + kw] += kernel @ x[i, j]
    return out[..., 0] if flat else out


def overlap_counts(size, kernel, stride) -> np.ndarray:
    """How many input pixels write to each output pixel of a "valid" transposed convolution.

    Uneven counts are the checkerboard artefact (체커보드 현상): a kernel that is not a multiple of
    the stride (3 with stride 2) covers some output pixels twice as often as their neighbours.

    Example:
        >>> overlap_counts(4, kernel=3, stride=2)[2:7, 2:7][0]
        array([4, 2, 4, 2, 4])
    """
    ones = transposed_conv2d(np.ones((size, size)), np.ones((kernel, kernel)), stride)
    return ones.astype("int64")


def bilinear_kernel(kernel_size, channels) -> np.ndarray:
    """FCN's bilinear-interpolation kernel for a transposed convolution, channel by channel.

    The Caffe reference's ``upsample_filt``: factor ``f = (k + 1) // 2``, centre ``f - 1`` (odd k) or
    ``f - 0.5`` (even k), weight ``(1 - |i - c| / f) * (1 - |j - c| / f)``; channel c upsamples only
    channel c (a diagonal kernel). A ``2s x 2s`` kernel with stride s upsamples by s.

    Args:
        kernel_size: the (square) kernel's size, e.g. 4 for 2x, 16 for 8x, 64 for 32x.
        channels: the number of channels (input = output).

    Returns:
        float32 ``(kernel_size, kernel_size, channels, channels)``, Keras' ``Conv2DTranspose`` layout.

    Example:
        >>> bilinear_kernel(4, 2).shape
        (4, 4, 2, 2)
    """
    kernel_size = check_positive_int("kernel_size", kernel_size)
    channels = check_positive_int("channels", channels)
    factor = (kernel_size + 1) // 2
    centre = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    og = np.arange(kernel_size)
    profile = 1 - np.abs(og - centre) / factor
    filt = np.outer(profile, profile).astype("float32")
    weights = np.zeros((kernel_size, kernel_size, channels, channels), dtype="float32")
    weights[:, :, np.arange(channels), np.arange(channels)] = filt[:, :, None]
    return weights


def _keras():
    import keras

    return keras


def upsample(x, filters, factor, method="transpose", trainable=True, name=None):
    """Upscale a feature map by `factor`: a learned or bilinear transposed convolution, or resize + conv.

    Args:
        x: a ``(batch, h, w, c)`` tensor.
        filters: output channels (``"bilinear_transpose"`` keeps the input's channels).
        factor: the scale, e.g. 2, 8, 32.
        method: ``"transpose"`` (a ``2f x 2f`` transposed conv, stride f, learned, with bias),
            ``"bilinear_transpose"`` (the same without bias, initialised bilinear: FCN's upscoring) or
            ``"resize"`` (bilinear resize then a 3x3 conv: no checkerboard, Odena et al.).
        trainable: False freezes the weights (the Caffe FCN's fixed bilinear deconvolutions, lr_mult 0).
        name: the layer's name.

    Returns:
        The ``(batch, f * h, f * w, filters)`` tensor.

    Example:
        >>> import keras
        >>> tuple(upsample(keras.Input((8, 8, 5)), 5, 4, method="bilinear_transpose").shape)
        (None, 32, 32, 5)
    """
    keras = _keras()
    factor = check_positive_int("factor", factor)
    check_choice("method", method, UPSAMPLING_METHODS)
    if method == "resize":
        x = keras.layers.UpSampling2D(factor, interpolation="bilinear", name=name and f"{name}_resize")(x)
        return keras.layers.Conv2D(filters, 3, padding="same", trainable=trainable, name=name)(x)
    if method == "bilinear_transpose":
        if filters != x.shape[-1]:
            raise ValueError(f"filters: a bilinear upsampling keeps the {x.shape[-1]} channels; got {filters}")
        layer = keras.layers.Conv2DTranspose(filters, 2 * factor, strides=factor, padding="same", use_bias=False,
                                             trainable=trainable, name=name)
        x = layer(x)
        layer.set_weights([bilinear_kernel(2 * factor, filters)])  # set, not an initializer: saves as it is
        return x
    return keras.layers.Conv2DTranspose(filters, 2 * factor, strides=factor, padding="same", trainable=trainable,
                                        name=name)(x)
