"""Generative adversarial networks (생성적 적대 신경망): a generator (생성자) from random codes against a
discriminator (판별자) that tells real images from generated ones.

- `gan`: multilayer perceptrons, the non-saturating generator loss (the generator maximises log
  D(G(z)) rather than minimising log(1 - D(G(z))), whose gradient vanishes early) and one-sided
  label smoothing (real targets 0.9). Goodfellow et al. (2014).
- `dcgan`: the same game with strided convolutions and batch normalisation. Radford et al. (2016).
- `cgan`: generator and discriminator both see the class label (조건부 GAN). Mirza & Osindero (2014).
- `wgan_gp`: a critic (no sigmoid) estimates the Wasserstein distance; a gradient penalty keeps it
  1-Lipschitz, on points mixed between real and generated images with a weight uniform in [0, 1];
  several critic steps per generator step. Gulrajani et al. (2017), Algorithm 1.

Each writes its step once for TensorFlow and JAX (`players_train_step` of an `AdversarialModel`: two
players, two gradient steps) and logs ``d_loss`` and ``g_loss``;
``loss`` is the discriminator's (critic's) loss. Both players are updated by the one compiled
optimiser (fit saves and restores it), each with its own moment estimates; the optimiser counts
one step per generator update. Training failures show in the logs: a discriminator loss near 0
with a growing generator loss is a discriminator that has won (the two are out of balance), and
`dlcourse.generative.class_coverage` of the samples falling to 1 is mode collapse (모드 붕괴).

Example:
    >>> model = gan()
    >>> model.generator.count_params(), model.discriminator.count_params()
    (26944, 8449)
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from dlcourse.checks import check_int, check_number, check_positive_int
from dlcourse.models.generative.base import AdversarialModel, apply_gradients, gradients, input_gradient
from dlcourse.models.generative.common import (
    LEAKY_SLOPE,
    check_count,
    check_image_shape,
    check_labels,
    check_latent_dim,
    check_output_activation,
    unpack,
)

REAL_LABEL_SMOOTHING = 0.9  # one-sided label smoothing (Salimans et al. 2016): real targets 0.9
GRADIENT_PENALTY_WEIGHT = 10.0  # lambda of WGAN-GP (Gulrajani et al. 2017)
CRITIC_STEPS = 5  # n_critic of WGAN-GP's Algorithm 1
NORM_EPSILON = 1e-12  # inside the gradient norm's square root: no NaN gradient at 0 (keras-io #624)


def _bce(target, logits):
    return ops.mean(ops.binary_crossentropy(ops.full_like(logits, target), logits, from_logits=True))


@keras.saving.register_keras_serializable(package="dlcourse")
class GAN(AdversarialModel):
    """A generator from ``latent_dim`` codes to images and a discriminator from images to one logit.

    Calling the model on codes returns generated images; `generate` draws the codes.
    """

    PARTS = ("generator", "discriminator")
    SETTINGS = ("latent_dim", "label_smoothing")
    # Adam's momentum as in the DCGAN recipe (Radford et al. 2016): `fit` applies it unless the
    # config's optimizer_args say otherwise (beta_1 = 0.9, Keras' default, oscillates more here)
    optimizer_args = {"beta_1": 0.5}

    def __init__(self, generator, discriminator, *, latent_dim, label_smoothing=REAL_LABEL_SMOOTHING, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim = check_latent_dim(latent_dim)
        self.label_smoothing = check_number("label_smoothing", label_smoothing, minimum=0, maximum=1,
                                            strict_minimum=True)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.TRACKED}
        self.built = True

    TRACKED = ("loss", "d_loss", "g_loss")

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def sample_codes(self, count, seed=None):
        return keras.random.normal((count, self.latent_dim), seed=self.seed_generator if seed is None else seed)

    def generate(self, count, seed=None):
        """`count` generated images (numpy); a `seed` repeats them, else the model's generator draws."""
        count = check_count(count)
        seed = None if seed is None else check_int("seed", seed, minimum=0)
        return ops.convert_to_numpy(self.generator(self.sample_codes(count, seed), training=False))

    # one player's loss each; subclasses change these
    def discriminator_loss(self, real, labels, training=True):
        fake = self.generator(self.sample_codes(ops.shape(real)[0]), training=training)
        real_logits = self.discriminator(real, training=training)
        fake_logits = self.discriminator(fake, training=training)
        return _bce(self.label_smoothing, real_logits) + _bce(0.0, fake_logits)

    def generator_loss(self, real, labels, training=True):
        fake = self.generator(self.sample_codes(ops.shape(real)[0]), training=training)
        return _bce(1.0, self.discriminator(fake, training=training))  # non-saturating

    def discriminator_step(self, real, labels):
        variables = self.discriminator.trainable_variables
        loss, grads = gradients(lambda: self.discriminator_loss(real, labels), variables)
        apply_gradients(self, grads, variables, counts_as_step=False)
        return loss

    def players_train_step(self, data):
        real, labels = unpack(data)
        d_loss = self.discriminator_step(real, labels)
        variables = self.generator.trainable_variables
        g_loss, grads = gradients(lambda: self.generator_loss(real, labels), variables)
        apply_gradients(self, grads, variables, counts_as_step=True)
        return self.record(loss=d_loss, d_loss=d_loss, g_loss=g_loss)

    def players_test_step(self, data):
        real, labels = unpack(data)
        d_loss = self.discriminator_loss(real, labels, training=False)
        g_loss = self.generator_loss(real, labels, training=False)
        return self.record(loss=d_loss, d_loss=d_loss, g_loss=g_loss)


@keras.saving.register_keras_serializable(package="dlcourse")
class ConditionalGAN(GAN):
    """A GAN whose generator takes ``[code, label]`` and whose discriminator takes ``[image, label]``."""

    SETTINGS = ("latent_dim", "label_smoothing", "classes")

    def __init__(self, generator, discriminator, *, classes, **kwargs):
        self.classes = check_positive_int("classes", classes)
        super().__init__(generator, discriminator, **kwargs)

    def check_data(self, x, y=None, split="train"):
        super().check_data(x, y, split)
        if y is None or np.ndim(y) != 1:
            raise ValueError(f"data: a conditional GAN needs one class label per {split} image")
        check_labels(y, self.classes, name=f"{split} labels")

    def _labels(self, labels, count):
        return ops.reshape(ops.cast(labels, "int32"), (count, 1))

    def call(self, inputs, training=False):
        z, labels = inputs
        return self.generator([z, labels], training=training)

    def generate(self, count, labels=None, seed=None):
        """`count` images of the classes `labels` (one per image; by default 0, 1, ... in turn)."""
        count = check_count(count)
        labels = np.arange(count) % self.classes if labels is None else check_labels(labels, self.classes)
        if labels.shape != (count,):
            raise ValueError(f"labels must hold one class per image: shape ({count},); got {labels.shape}")
        seed = None if seed is None else check_int("seed", seed, minimum=0)
        z = self.sample_codes(count, seed)
        return ops.convert_to_numpy(self.generator([z, self._labels(labels, count)], training=False))

    def discriminator_loss(self, real, labels, training=True):
        count = ops.shape(real)[0]
        labels = self._labels(labels, count)
        fake = self.generator([self.sample_codes(count), labels], training=training)
        real_logits = self.discriminator([real, labels], training=training)
        fake_logits = self.discriminator([fake, labels], training=training)
        return _bce(self.label_smoothing, real_logits) + _bce(0.0, fake_logits)

    def generator_loss(self, real, labels, training=True):
        count = ops.shape(real)[0]
        labels = self._labels(labels, count)
        fake = self.generator([self.sample_codes(count), labels], training=training)
        return _bce(1.0, self.discriminator([fake, labels], training=training))


@keras.saving.register_keras_serializable(package="dlcourse")
class WGANGP(GAN):
    """WGAN with gradient penalty: a critic, `critic_steps` critic updates per generator update."""

    SETTINGS = ("latent_dim", "critic_steps", "gp_weight")
    optimizer_args = {}  # Keras' Adam defaults: the README's measured run (the paper: beta_1 0, beta_2 0.9)
    TRACKED = ("loss", "d_loss", "g_loss", "wasserstein", "gradient_penalty")

    def __init__(self, generator, critic, *, critic_steps=CRITIC_STEPS, gp_weight=GRADIENT_PENALTY_WEIGHT, **kwargs):
        self.critic_steps = check_positive_int("critic_steps", critic_steps)
        self.gp_weight = check_number("gp_weight", gp_weight, minimum=0)
        kwargs.pop("label_smoothing", None)
        super().__init__(generator, critic, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["critic"] = config.pop("discriminator")
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["critic"] = keras.saving.deserialize_keras_object(config["critic"])
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        return cls(**config)

    def critic_terms(self, real, training=True):
        """The critic's Wasserstein estimate mean(C(real)) - mean(C(fake)) and the gradient penalty."""
        count = ops.shape(real)[0]
        fake = self.generator(self.sample_codes(count), training=training)
        wasserstein = ops.mean(self.discriminator(real, training=training)) - ops.mean(
            self.discriminator(fake, training=training))
        alpha = self.mixing_weights(count)
        mixed = alpha * real + (1 - alpha) * fake
        grad = input_gradient(lambda v: self.discriminator(v, training=training), mixed)
        norm = ops.sqrt(ops.sum(ops.square(grad), axis=(1, 2, 3)) + NORM_EPSILON)
        return wasserstein, ops.mean(ops.square(norm - 1.0))

    def mixing_weights(self, count):
        """One weight per image, uniform in [0, 1] (the paper's), for the points between real and fake."""
        return keras.random.uniform((count, 1, 1, 1), 0.0, 1.0, seed=self.seed_generator)

    def discriminator_loss(self, real, labels, training=True):
        wasserstein, penalty = self.critic_terms(real, training)
        return -wasserstein + self.gp_weight * penalty

    def generator_loss(self, real, labels, training=True):
        fake = self.generator(self.sample_codes(ops.shape(real)[0]), training=training)
        return -ops.mean(self.discriminator(fake, training=training))

    def players_train_step(self, data):
        real, labels = unpack(data)
        variables = self.discriminator.trainable_variables
        for _ in range(self.critic_steps):  # unrolled when traced: critic_steps is a Python int
            d_loss, grads = gradients(lambda: self.discriminator_loss(real, labels), variables)
            apply_gradients(self, grads, variables, counts_as_step=False)
        wasserstein, penalty = self.critic_terms(real, training=False)
        variables = self.generator.trainable_variables
        g_loss, grads = gradients(lambda: self.generator_loss(real, labels), variables)
        apply_gradients(self, grads, variables, counts_as_step=True)
        return self.record(loss=d_loss, d_loss=d_loss, g_loss=g_loss, wasserstein=wasserstein,
                           gradient_penalty=penalty)

    def players_test_step(self, data):
        real, labels = unpack(data)
        wasserstein, penalty = self.critic_terms(real, training=False)
        d_loss = -wasserstein + self.gp_weight * penalty
        g_loss = self.generator_loss(real, labels, training=False)
        return self.record(loss=d_loss, d_loss=d_loss, g_loss=g_loss, wasserstein=wasserstein,
                           gradient_penalty=penalty)


# --- the players ---------------------------------------------------------------------------------
def _with_label(x, inputs, classes, name):
    """With `classes`: a label input, one-hot encoded and concatenated to `x` (conditional players)."""
    if not classes:
        return x
    label = keras.Input((1,), dtype="int32", name=f"{name}_label")
    inputs.append(label)
    return layers.Concatenate(name=f"{name}_concat")(
        [x, layers.CategoryEncoding(classes, output_mode="one_hot", name=f"{name}_one_hot")(label)])


def _leaky_dense_stack(x, hidden_units, name):
    for i, units in enumerate(hidden_units, start=1):
        x = layers.Dense(units, name=f"{name}_dense{i}")(x)
        x = layers.LeakyReLU(LEAKY_SLOPE, name=f"{name}_lrelu{i}")(x)
    return x


def mlp_generator(shape, latent_dim, hidden_units, output_activation, classes=None, name="generator"):
    """Codes (and, with `classes`, a label) -> LeakyReLU layers -> an image."""
    z = keras.Input((latent_dim,), name=f"{name}_code")
    inputs = [z]
    x = _leaky_dense_stack(_with_label(z, inputs, classes, name), hidden_units, name)
    x = layers.Dense(int(np.prod(shape)), activation=output_activation, name=f"{name}_pixels")(x)
    return keras.Model(inputs if classes else z, layers.Reshape(shape, name=f"{name}_image")(x), name=name)


def mlp_discriminator(shape, hidden_units, classes=None, name="discriminator"):
    """An image (and, with `classes`, a label) -> LeakyReLU layers -> one logit."""
    image = keras.Input(shape, name=f"{name}_image")
    inputs = [image]
    x = _with_label(layers.Flatten(name=f"{name}_flatten")(image), inputs, classes, name)
    x = _leaky_dense_stack(x, hidden_units, name)
    return keras.Model(inputs if classes else image, layers.Dense(1, name=f"{name}_logit")(x), name=name)


def conv_generator(shape, latent_dim, filters, output_activation, name="generator"):
    """DCGAN's generator: a dense projection, then stride-2 transposed convs with batch norm."""
    scale = 2 ** len(filters)
    small = (shape[0] // scale, shape[1] // scale, filters[0])
    z = keras.Input((latent_dim,), name=f"{name}_code")
    x = layers.Dense(int(np.prod(small)), use_bias=False, name=f"{name}_project")(z)
    x = layers.BatchNormalization(name=f"{name}_project_bn")(x)
    x = layers.LeakyReLU(LEAKY_SLOPE, name=f"{name}_project_lrelu")(x)
    x = layers.Reshape(small, name=f"{name}_reshape")(x)
    for i, width in enumerate(filters[1:], start=1):
        x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False, name=f"{name}_deconv{i}")(x)
        x = layers.BatchNormalization(name=f"{name}_bn{i}")(x)
        x = layers.LeakyReLU(LEAKY_SLOPE, name=f"{name}_lrelu{i}")(x)
    x = layers.Conv2DTranspose(shape[2], 4, strides=2, padding="same", activation=output_activation,
                               name=f"{name}_pixels")(x)
    return keras.Model(z, x, name=name)


def conv_discriminator(shape, filters, name="discriminator"):
    """DCGAN's discriminator: stride-2 convs with LeakyReLU, then one logit."""
    image = keras.Input(shape, name=f"{name}_image")
    x = image
    for i, width in enumerate(filters, start=1):
        x = layers.Conv2D(width, 4, strides=2, padding="same", name=f"{name}_conv{i}")(x)
        x = layers.LeakyReLU(LEAKY_SLOPE, name=f"{name}_lrelu{i}")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    return keras.Model(image, layers.Dense(1, name=f"{name}_logit")(x), name=name)


# --- the registered builders ---------------------------------------------------------------------
def _units(hidden_units):
    return tuple(check_positive_int("hidden_units", u) for u in hidden_units)


def gan(input_shape=None, latent_dim=16, classes=None, hidden_units=(128, 128), output_activation="sigmoid", seed=0):
    """The vanilla GAN on multilayer perceptrons (non-saturating loss, one-sided label smoothing).

    Args:
        input_shape: the images' shape, (8, 8, 1) by default.
        latent_dim: the size of the generator's random code, at least 1.
        classes: ignored (unconditional).
        hidden_units: the generator's layer widths; the discriminator has the first one.
        output_activation: ``"sigmoid"`` (images in [0, 1]) or ``"tanh"`` ([-1, 1]).
        seed: the model's seed (codes, noise).

    Returns:
        A `GAN`.

    Example:
        >>> gan().generate(4, seed=1).shape
        (4, 8, 8, 1)
    """
    shape, latent_dim, units = check_image_shape(input_shape), check_latent_dim(latent_dim), _units(hidden_units)
    output_activation = check_output_activation(output_activation)
    return GAN(mlp_generator(shape, latent_dim, units, output_activation), mlp_discriminator(shape, units[:1]),
               latent_dim=latent_dim, image_shape=shape, output_activation=output_activation, seed=seed, name="gan")


def dcgan(input_shape=None, latent_dim=32, classes=None, filters=(64, 32), output_activation="sigmoid", seed=0):
    """DCGAN: a convolutional generator (transposed convs, batch norm) and discriminator (strided convs).

    Args: as `gan`, and `filters`, the generator's widths (projection first; one stride-2 step each,
    so sides must be multiples of ``2 ** len(filters)``); the discriminator mirrors them.

    Example:
        >>> dcgan(input_shape=(16, 16, 1)).generator.output_shape
        (None, 16, 16, 1)
    """
    filters = tuple(check_positive_int("filters", f) for f in filters)
    shape = check_image_shape(input_shape, 2 ** len(filters))
    latent_dim, output_activation = check_latent_dim(latent_dim), check_output_activation(output_activation)
    return GAN(conv_generator(shape, latent_dim, filters, output_activation),
               conv_discriminator(shape, tuple(reversed(filters))), latent_dim=latent_dim, image_shape=shape,
               output_activation=output_activation, seed=seed, name="dcgan")


def cgan(input_shape=None, latent_dim=16, classes=10, hidden_units=(128, 128), output_activation="sigmoid", seed=0):
    """Conditional GAN: the label, one-hot, joins the generator's code and the discriminator's image.

    Args: as `gan`, and `classes`, the number of labels it is conditioned on.

    Example:
        >>> cgan(classes=10).generate(3, labels=[7, 7, 1], seed=0).shape
        (3, 8, 8, 1)
    """
    shape, latent_dim, units = check_image_shape(input_shape), check_latent_dim(latent_dim), _units(hidden_units)
    classes = check_positive_int("classes", classes)
    output_activation = check_output_activation(output_activation)
    return ConditionalGAN(mlp_generator(shape, latent_dim, units, output_activation, classes),
                          mlp_discriminator(shape, units[:1], classes), classes=classes, latent_dim=latent_dim,
                          image_shape=shape, output_activation=output_activation, seed=seed, name="cgan")


def wgan_gp(input_shape=None, latent_dim=16, classes=None, hidden_units=(128, 128), critic_steps=CRITIC_STEPS,
            gp_weight=GRADIENT_PENALTY_WEIGHT, output_activation="sigmoid", seed=0):
    """WGAN-GP on multilayer perceptrons: a critic with a gradient penalty, `critic_steps` per generator step.

    Args: as `gan`, and `critic_steps` (n_critic, at least 1) and `gp_weight` (lambda).

    Example:
        >>> wgan_gp().critic_steps
        5
    """
    shape, latent_dim, units = check_image_shape(input_shape), check_latent_dim(latent_dim), _units(hidden_units)
    critic_steps = check_positive_int("critic_steps", critic_steps)
    output_activation = check_output_activation(output_activation)
    return WGANGP(mlp_generator(shape, latent_dim, units, output_activation),
                  mlp_discriminator(shape, units[:1], name="critic"), critic_steps=critic_steps,
                  gp_weight=gp_weight, latent_dim=latent_dim, image_shape=shape,
                  output_activation=output_activation, seed=seed, name="wgan_gp")
