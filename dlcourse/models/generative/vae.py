"""Variational autoencoder (변분 오토인코더, VAE): an encoder to a mean and log-variance, a decoder back.

Training samples a code with the reparameterisation trick (재매개변수화), z = mean + exp(log_var / 2)
* eps with eps ~ N(0, I), so the gradient flows through mean and log_var; the loss is the negative
evidence lower bound (ELBO) in nats per image: the reconstruction term (Bernoulli decoder: summed
binary cross-entropy with logits) plus KL(q(z|x) || N(0, I)). Reference: Kingma & Welling (2014),
"Auto-Encoding Variational Bayes"; keras-io's "Variational AutoEncoder" example.

Example:
    >>> model = vae(latent_dim=2)
    >>> model.generate(3, seed=0).shape
    (3, 8, 8, 1)
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from dlcourse.checks import check_int, check_positive_int
from dlcourse.models.generative.base import GenerativeModel
from dlcourse.models.generative.common import check_count, check_image_shape, check_latent_dim


def reparameterize(mean, log_var, seed):
    """z = mean + sigma * eps, eps ~ N(0, I): a sample of N(mean, exp(log_var)) that gradients pass."""
    eps = keras.random.normal(ops.shape(mean), seed=seed)
    return mean + ops.exp(0.5 * log_var) * eps


def kl_to_standard_normal(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per example, in nats: -1/2 sum(1 + log_var - mean^2 - exp(log_var))."""
    return -0.5 * ops.sum(1 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


def bernoulli_nll(x, logits):
    """-log p(x | z) per example for a Bernoulli decoder with `logits`: summed binary cross-entropy."""
    x = ops.reshape(ops.cast(x, logits.dtype), (ops.shape(x)[0], -1))
    logits = ops.reshape(logits, (ops.shape(logits)[0], -1))
    # log(1 + exp(-|l|)) + max(l, 0) - x * l: stable for large logits
    return ops.sum(ops.relu(logits) - x * logits + ops.log1p(ops.exp(-ops.abs(logits))), axis=-1)


@keras.saving.register_keras_serializable(package="dlcourse")
class VAE(GenerativeModel):
    """A VAE: `encoder` maps images to ``[mean, log_var]``, `decoder` maps codes to pixel logits.

    Calling the model returns the decoded mean image of the code's mean (sampled codes in training).
    """

    PARTS = ("encoder", "decoder")
    SETTINGS = ("latent_dim",)

    def __init__(self, encoder, decoder, *, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.latent_dim = check_latent_dim(latent_dim)
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.built = True

    def call(self, x, training=False):
        mean, log_var = self.encoder(x, training=training)
        z = reparameterize(mean, log_var, self.seed_generator) if training else mean
        return ops.sigmoid(self.decoder(z, training=training))

    def negative_elbo_terms(self, x, training=False):
        """Per image: the reconstruction term -log p(x|z) (one sampled z) and KL(q(z|x) || p(z)), in nats."""
        mean, log_var = self.encoder(x, training=training)
        z = reparameterize(mean, log_var, self.seed_generator)
        return bernoulli_nll(x, self.decoder(z, training=training)), kl_to_standard_normal(mean, log_var)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        reconstruction, kl = self.negative_elbo_terms(x, training=training)
        reconstruction, kl = ops.mean(reconstruction), ops.mean(kl)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return reconstruction + kl

    def encode(self, x):
        """The codes' means and log-variances of images `x` (numpy)."""
        mean, log_var = self.encoder(ops.convert_to_tensor(x, "float32"), training=False)
        return ops.convert_to_numpy(mean), ops.convert_to_numpy(log_var)

    def decode(self, z):
        """Mean images (sigmoid of the logits) for codes `z` (numpy)."""
        return ops.convert_to_numpy(ops.sigmoid(self.decoder(ops.convert_to_tensor(z, "float32"), training=False)))

    def generate(self, count, seed=None):
        """`count` new images from codes drawn from the prior N(0, I); a `seed` repeats them."""
        count = check_count(count)
        seed = self.seed_generator if seed is None else check_int("seed", seed, minimum=0)
        return self.decode(keras.random.normal((count, self.latent_dim), seed=seed))

    def interpolate(self, a, b, steps=8):
        """Images along the straight line between the codes (means) of images `a` and `b`."""
        steps = check_positive_int("steps", steps)
        (mean_a, _), (mean_b, _) = self.encode(np.asarray(a)[None]), self.encode(np.asarray(b)[None])
        t = np.linspace(0, 1, steps, dtype="float32")[:, None]
        return self.decode((1 - t) * mean_a + t * mean_b)


def vae(input_shape=None, latent_dim=2, classes=None, hidden_units=128, seed=0):
    """A multilayer-perceptron VAE: images -> hidden_units (ReLU) -> mean, log_var; code -> hidden_units -> logits.

    Args:
        input_shape: the images' shape, (8, 8, 1) by default; pixels must be in [0, 1].
        latent_dim: the code size (잠재 차원), at least 1.
        classes: ignored (unsupervised).
        hidden_units: width of the encoder's and decoder's hidden layer.
        seed: the model's seed (sampling).

    Returns:
        A `VAE`.

    Example:
        >>> vae().count_params()
        17476
    """
    shape = check_image_shape(input_shape)
    latent_dim = check_latent_dim(latent_dim)
    hidden_units = check_positive_int("hidden_units", hidden_units)
    inputs = keras.Input(shape, name="encoder_input")
    x = layers.Flatten(name="encoder_flatten")(inputs)
    x = layers.Dense(hidden_units, activation="relu", name="encoder_dense")(x)
    mean = layers.Dense(latent_dim, name="z_mean")(x)
    log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    encoder = keras.Model(inputs, [mean, log_var], name="encoder")
    codes = keras.Input((latent_dim,), name="decoder_input")
    x = layers.Dense(hidden_units, activation="relu", name="decoder_dense")(codes)
    x = layers.Dense(int(np.prod(shape)), name="decoder_logits")(x)
    decoder = keras.Model(codes, layers.Reshape(shape, name="decoder_image")(x), name="decoder")
    return VAE(encoder, decoder, latent_dim=latent_dim, image_shape=shape, seed=seed, name="vae")
