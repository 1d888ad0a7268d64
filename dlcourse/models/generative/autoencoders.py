"""Autoencoders (오토인코더): an encoder to a low-dimensional latent space (잠재 공간), a decoder back.

Unsupervised: the target is the input itself. Kinds: basic (one hidden layer, the code), deep
(layers around the code), convolutional, sparse (a sparsity penalty on the code: KL divergence of
the mean activation from a target rho, or L1) and denoising (Gaussian noise added to the input
while training, the clean image as target). Reference: Hinton & Salakhutdinov (2006); Vincent et
al. (2008), denoising; Ng's CS294A notes, the KL sparsity penalty.

The loss is the mean squared error per pixel, plus for the sparse kind ``sparsity_weight`` times
the penalty. The penalty is added in `compute_loss`, not as an activity regulariser: Keras divides
activity-regulariser losses by the batch size, so there the documented weight would not be the one
that acts.

Example:
    >>> model = deep_autoencoder(input_shape=(8, 8, 1), latent_dim=8)
    >>> model.encoder.output_shape, model.decoder.output_shape
    ((None, 8), (None, 8, 8, 1))
"""

from __future__ import annotations

import keras
from keras import layers, ops

from dlcourse.checks import check_choice, check_number, check_positive_int
from dlcourse.models.generative.base import GenerativeModel
from dlcourse.models.generative.common import (
    OUTPUT_RANGES,
    check_image_shape,
    check_latent_dim,
    check_output_activation,
)

SPARSITY_PENALTIES = ("kl", "l1")
# The Keras blog's denoising example (Chollet 2016, "Building Autoencoders in Keras"): noise_factor 0.5,
# the noisy digits clipped to [0, 1]. At 0.3 a 64-32-64 denoiser beat a plain AE of its shape by only
# 1.4x on noisy test digits (README: "Measured on digits").
DENOISING_NOISE = 0.5
KL_EPSILON = 1e-7  # keeps log(rho_hat) finite when a unit is never (or always) active


def kl_sparsity(code, rho):
    """Sum over code units of KL(rho || rho_hat), rho_hat the unit's mean activation over the batch."""
    rho_hat = ops.clip(ops.mean(code, axis=0), KL_EPSILON, 1 - KL_EPSILON)
    return ops.sum(rho * ops.log(rho / rho_hat) + (1 - rho) * ops.log((1 - rho) / (1 - rho_hat)))


@keras.saving.register_keras_serializable(package="dlcourse")
class Autoencoder(GenerativeModel):
    """An encoder and a decoder trained to reconstruct their input (재구성).

    Args:
        encoder: a model from images to codes.
        decoder: a model from codes to images.
        noise_stddev: standard deviation of the Gaussian noise added to the input in training
            (a denoising autoencoder, 잡음 제거), the noisy image then clipped to the range the
            output activation reaches, as the reference clips it; 0 adds none.
        sparsity: None, ``"kl"`` or ``"l1"``: the penalty on the code.
        rho: the target mean activation of each code unit for ``"kl"``.
        sparsity_weight: the weight of the penalty in the loss, exactly as it acts.
    """

    PARTS = ("encoder", "decoder")
    SETTINGS = ("noise_stddev", "sparsity", "rho", "sparsity_weight")

    def __init__(self, encoder, decoder, *, noise_stddev=0.0, sparsity=None, rho=0.05, sparsity_weight=0.1,
                 **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.noise_stddev = check_number("noise_stddev", noise_stddev, minimum=0)
        self.sparsity = None if sparsity is None else check_choice("sparsity", sparsity, SPARSITY_PENALTIES)
        self.rho = check_number("rho", rho, minimum=0, maximum=1, strict_minimum=True, strict_maximum=True)
        self.sparsity_weight = check_number("sparsity_weight", sparsity_weight, minimum=0)
        self.noise = layers.GaussianNoise(self.noise_stddev, seed=self.seed) if self.noise_stddev else None
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.sparsity_tracker = keras.metrics.Mean(name="sparsity") if self.sparsity else None
        self.built = True  # the encoder and decoder are built models

    def call(self, x, training=False):
        if self.noise is not None:
            x = ops.clip(self.noise(x, training=training), *OUTPUT_RANGES[self.output_activation])
        return self.decoder(self.encoder(x, training=training), training=training)

    def encode(self, x):
        """The codes of images `x` (numpy)."""
        return ops.convert_to_numpy(self.encoder(ops.convert_to_tensor(x, "float32"), training=False))

    def sparsity_penalty(self, code):
        """The unweighted penalty on a batch of codes: sum of KL(rho || mean activation), or the
        mean over the batch of the code's L1 norm."""
        if self.sparsity == "kl":
            return kl_sparsity(code, self.rho)
        return ops.mean(ops.sum(ops.abs(code), axis=-1))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        reconstruction = ops.mean(ops.square(ops.cast(x, y_pred.dtype) - y_pred))
        self.reconstruction_tracker.update_state(reconstruction)
        loss = reconstruction
        if self.sparsity is not None:
            penalty = self.sparsity_penalty(self.encoder(x, training=training))
            self.sparsity_tracker.update_state(penalty)
            loss = loss + self.sparsity_weight * penalty
        return loss


def _mlp_encoder(shape, hidden_units, latent_dim, code_activation, name):
    inputs = keras.Input(shape, name=f"{name}_input")
    x = layers.Flatten(name=f"{name}_flatten")(inputs)
    for i, units in enumerate(hidden_units, start=1):
        x = layers.Dense(units, activation="relu", name=f"{name}_dense{i}")(x)
    code = layers.Dense(latent_dim, activation=code_activation, name=f"{name}_code")(x)
    return keras.Model(inputs, code, name=name)


def _mlp_decoder(shape, hidden_units, latent_dim, output_activation, name):
    inputs = keras.Input((latent_dim,), name=f"{name}_input")
    x = inputs
    for i, units in enumerate(reversed(hidden_units), start=1):
        x = layers.Dense(units, activation="relu", name=f"{name}_dense{i}")(x)
    x = layers.Dense(shape[0] * shape[1] * shape[2], activation=output_activation, name=f"{name}_pixels")(x)
    return keras.Model(inputs, layers.Reshape(shape, name=f"{name}_image")(x), name=name)


def _conv_encoder(shape, filters, latent_dim, name):
    inputs = keras.Input(shape, name=f"{name}_input")
    x = inputs
    for i, width in enumerate(filters, start=1):
        x = layers.Conv2D(width, 3, strides=2, padding="same", activation="relu", name=f"{name}_conv{i}")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    return keras.Model(inputs, layers.Dense(latent_dim, name=f"{name}_code")(x), name=name)


def _conv_decoder(shape, filters, latent_dim, output_activation, name):
    scale = 2 ** len(filters)
    small = (shape[0] // scale, shape[1] // scale, filters[-1])
    inputs = keras.Input((latent_dim,), name=f"{name}_input")
    x = layers.Dense(small[0] * small[1] * small[2], activation="relu", name=f"{name}_dense")(inputs)
    x = layers.Reshape(small, name=f"{name}_reshape")(x)
    for i, width in enumerate(reversed(filters), start=1):
        x = layers.Conv2DTranspose(width, 3, strides=2, padding="same", activation="relu", name=f"{name}_deconv{i}")(x)
    x = layers.Conv2D(shape[2], 3, padding="same", activation=output_activation, name=f"{name}_pixels")(x)
    return keras.Model(inputs, x, name=name)


def build_autoencoder(input_shape=None, latent_dim=8, hidden_units=(), *, conv_filters=None, code_activation=None,
                      output_activation="sigmoid", noise_stddev=0.0, sparsity=None, rho=0.05, sparsity_weight=0.1,
                      seed=0, name="autoencoder"):
    """The family's one builder: an MLP (or, with `conv_filters`, convolutional) `Autoencoder`."""
    multiple = 2 ** len(conv_filters) if conv_filters else 1
    shape = check_image_shape(input_shape, multiple)
    latent_dim = check_latent_dim(latent_dim)
    output_activation = check_output_activation(output_activation)
    hidden_units = tuple(check_positive_int("hidden_units", u) for u in hidden_units)
    if conv_filters:
        filters = tuple(check_positive_int("conv_filters", f) for f in conv_filters)
        encoder = _conv_encoder(shape, filters, latent_dim, "encoder")
        decoder = _conv_decoder(shape, filters, latent_dim, output_activation, "decoder")
    else:
        encoder = _mlp_encoder(shape, hidden_units, latent_dim, code_activation, "encoder")
        decoder = _mlp_decoder(shape, hidden_units, latent_dim, output_activation, "decoder")
    return Autoencoder(encoder, decoder, image_shape=shape, output_activation=output_activation,
                       noise_stddev=noise_stddev, sparsity=sparsity, rho=rho, sparsity_weight=sparsity_weight,
                       seed=seed, name=name)


def autoencoder(input_shape=None, latent_dim=8, classes=None, output_activation="sigmoid", seed=0):
    """Basic autoencoder: one hidden layer, the code (64-8(relu)-64 on 8x8 digits).

    Args:
        input_shape: the images' shape, (8, 8, 1) by default.
        latent_dim: the code size (잠재 차원), at least 1.
        classes: ignored (unsupervised); accepted so every registered builder takes the data's classes.
        output_activation: ``"sigmoid"`` for images in [0, 1], ``"tanh"`` for [-1, 1].
        seed: the model's seed.

    Returns:
        An `Autoencoder`.

    Example:
        >>> autoencoder(latent_dim=2).count_params()
        322
    """
    return build_autoencoder(input_shape, latent_dim, (), code_activation="relu",
                             output_activation=output_activation, seed=seed, name="autoencoder")


def deep_autoencoder(input_shape=None, latent_dim=8, classes=None, hidden_units=(32,), output_activation="sigmoid",
                     seed=0):
    """Deep autoencoder: ReLU layers of `hidden_units` around a linear code (64-32-8-32-64).

    Args: as `autoencoder`, and `hidden_units`, the encoder's layer widths (the decoder mirrors them).

    Example:
        >>> deep_autoencoder().count_params()
        4744
    """
    return build_autoencoder(input_shape, latent_dim, hidden_units, output_activation=output_activation, seed=seed,
                             name="deep_autoencoder")


def conv_autoencoder(input_shape=None, latent_dim=8, classes=None, filters=(16, 32), output_activation="sigmoid",
                     seed=0):
    """Convolutional autoencoder: stride-2 3x3 convs down to a dense code, transposed convs back.

    Args: as `autoencoder`, and `filters`, the widths of the stride-2 convs (sides must be
    multiples of ``2 ** len(filters)``).

    Example:
        >>> conv_autoencoder(input_shape=(16, 16, 1)).decoder.output_shape
        (None, 16, 16, 1)
    """
    return build_autoencoder(input_shape, latent_dim, conv_filters=filters, output_activation=output_activation,
                             seed=seed, name="conv_autoencoder")


def sparse_autoencoder(input_shape=None, latent_dim=64, classes=None, rho=0.05, sparsity_weight=0.1, penalty="kl",
                       output_activation="sigmoid", seed=0):
    """Sparse autoencoder (희소 오토인코더): sigmoid code units pushed to a mean activation `rho`.

    The loss is MSE + ``sparsity_weight`` x sum over units of KL(rho || mean activation) (``penalty
    ="kl"``) or x the code's mean L1 norm (``"l1"``), with the weight acting as written (not divided by
    the batch size as a Keras activity regulariser would be).

    Args: as `autoencoder`, and `rho` in (0, 1), `sparsity_weight` >= 0, `penalty` ``"kl"`` or ``"l1"``.

    Example:
        >>> sparse_autoencoder().sparsity_weight
        0.1
    """
    return build_autoencoder(input_shape, latent_dim, (), code_activation="sigmoid",
                             output_activation=output_activation, sparsity=penalty, rho=rho,
                             sparsity_weight=sparsity_weight, seed=seed, name="sparse_autoencoder")


def denoising_autoencoder(input_shape=None, latent_dim=32, classes=None, hidden_units=(128,),
                          noise_stddev=DENOISING_NOISE, output_activation="sigmoid", seed=0):
    """Denoising autoencoder (잡음 제거 오토인코더): Gaussian noise on the input in training only.

    64-128-32(ReLU)-128-64 on 8x8 digits; the same model with ``noise_stddev=0`` is the plain
    autoencoder to compare it with. Reference: Vincent et al. (2008); the noise, 0.5 clipped to the
    images' range, is the Keras blog's example's (Chollet 2016).

    Args: as `autoencoder`, and `hidden_units`, the layers around the code (the decoder mirrors
    them), and `noise_stddev`, the noise's standard deviation (a `GaussianNoise` layer, active only
    while training; the noisy input is clipped to the output activation's range).

    Example:
        >>> denoising_autoencoder().noise_stddev
        0.5
    """
    return build_autoencoder(input_shape, latent_dim, hidden_units, code_activation="relu",
                             output_activation=output_activation, noise_stddev=noise_stddev, seed=seed,
                             name="denoising_autoencoder")
