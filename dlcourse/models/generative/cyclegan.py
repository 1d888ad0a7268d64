"""CycleGAN: translation between two unpaired image domains (A -> B and back) with cycle consistency.

Two generators, G: A -> B and F: B -> A, and two discriminators, D_B (real B vs G(a)) and D_A.
Least-squares adversarial losses, plus the cycle loss lambda_cycle (|F(G(a)) - a| + |G(F(b)) - b|)
that makes a translation keep what it translates, and the identity loss lambda_cycle *
lambda_identity (|G(b) - b| + |F(a) - a|), off by default here (see `IDENTITY_WEIGHT`). Reference:
Zhu et al. (2017), "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks";
keras-io's CycleGAN example (lambda_cycle 10, lambda_identity 0.5, discriminator loss halved).

Training data: ``(a, b)`` batches of the two domains (`dlcourse.generative.unpaired_domains`), or
``(images, labels)`` as `fit` and ``dlcourse train cyclegan --data digits`` give: then domain B is
made in the batch from other images of it (`domain`: ``"invert"`` or ``"thicken"``), so no image
meets its own twin.

Example:
    >>> model = cyclegan()
    >>> model.translate(np.zeros((2, 8, 8, 1), "float32")).shape
    (2, 8, 8, 1)
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from dlcourse.checks import check_choice, check_number, check_positive_int
from dlcourse.models.generative.base import AdversarialModel, apply_gradients, gradients
from dlcourse.models.generative.common import (
    LEAKY_SLOPE,
    check_data_range,
    check_image_shape,
    check_output_activation,
    unpack,
)

DOMAINS = ("invert", "thicken")  # dlcourse.generative.domains.DOMAIN_KINDS, made here in the batch
CYCLE_WEIGHT = 10.0  # lambda_cycle (Zhu et al.; keras-io)
# lambda_identity, relative to lambda_cycle. keras-io uses 0.5; Zhu et al. add the identity loss only
# for some tasks. It asks G to leave B's images unchanged, which for digits -> inverted digits fights the
# translation: mean error to the true inversion 0.42 with 0.5 (100 epochs), 0.13 with 0 (30 epochs).
IDENTITY_WEIGHT = 0.0
DIRECTIONS = ("a_to_b", "b_to_a")


def to_domain_b(images, kind):
    """Domain B of a batch of [0, 1] images in keras ops: 1 - x, or a 3x3 grey dilation."""
    if kind == "invert":
        return 1.0 - images
    return ops.max_pool(images, 3, strides=1, padding="same")


def _lsgan(target, outputs):
    return ops.mean(ops.square(outputs - target))


@keras.saving.register_keras_serializable(package="dlcourse")
class CycleGAN(AdversarialModel):
    """Generators `g_ab`, `g_ba` and discriminators `d_a`, `d_b` trained as one model."""

    PARTS = ("g_ab", "g_ba", "d_a", "d_b")
    SETTINGS = ("domain", "cycle_weight", "identity_weight")
    TRACKED = ("loss", "d_loss", "g_loss", "cycle", "identity")

    def __init__(self, g_ab, g_ba, d_a, d_b, *, domain="invert", cycle_weight=CYCLE_WEIGHT,
                 identity_weight=IDENTITY_WEIGHT, **kwargs):
        super().__init__(**kwargs)
        self.g_ab, self.g_ba, self.d_a, self.d_b = g_ab, g_ba, d_a, d_b
        self.domain = check_choice("domain", domain, DOMAINS)
        self.cycle_weight = check_number("cycle_weight", cycle_weight, minimum=0)
        self.identity_weight = check_number("identity_weight", identity_weight, minimum=0)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.TRACKED}
        self.built = True

    def check_data(self, x, y=None, split="train"):
        super().check_data(x, y, split)
        if y is not None and np.ndim(y) == 4:
            if tuple(np.shape(y)[1:]) != self.image_shape:
                raise ValueError(f"data: {split} domain-B images of shape {np.shape(y)[1:]} differ from "
                                 f"domain A's {self.image_shape}")
            check_data_range(y, self.output_activation, f"{split} domain-B")

    def call(self, x, training=False):
        return self.g_ab(x, training=training)

    def translate(self, images, direction="a_to_b"):
        """`images` carried to the other domain (numpy): ``"a_to_b"`` by G, ``"b_to_a"`` by F."""
        generator = self.g_ab if check_choice("direction", direction, DIRECTIONS) == "a_to_b" else self.g_ba
        return ops.convert_to_numpy(generator(ops.convert_to_tensor(images, "float32"), training=False))

    def _domains(self, data):
        a, y = unpack(data)
        if y is not None and len(y.shape) == 4:
            return a, ops.cast(y, a.dtype)
        return a, to_domain_b(ops.roll(a, ops.shape(a)[0] // 2, axis=0), self.domain)  # other images of the batch

    def generator_terms(self, a, b, training=True):
        fake_b, fake_a = self.g_ab(a, training=training), self.g_ba(b, training=training)
        adversarial = (_lsgan(1.0, self.d_b(fake_b, training=training))
                       + _lsgan(1.0, self.d_a(fake_a, training=training)))
        cycle = ops.mean(ops.abs(self.g_ba(fake_b, training=training) - a)) + ops.mean(
            ops.abs(self.g_ab(fake_a, training=training) - b))
        identity = ops.mean(ops.abs(self.g_ab(b, training=training) - b)) + ops.mean(
            ops.abs(self.g_ba(a, training=training) - a))
        total = adversarial + self.cycle_weight * (cycle + self.identity_weight * identity)
        return total, cycle, identity

    def discriminator_loss(self, a, b, training=True):
        fake_b, fake_a = self.g_ab(a, training=training), self.g_ba(b, training=training)
        loss_b = _lsgan(1.0, self.d_b(b, training=training)) + _lsgan(0.0, self.d_b(fake_b, training=training))
        loss_a = _lsgan(1.0, self.d_a(a, training=training)) + _lsgan(0.0, self.d_a(fake_a, training=training))
        return 0.5 * (loss_a + loss_b)

    def players_train_step(self, data):
        a, b = self._domains(data)
        variables = self.g_ab.trainable_variables + self.g_ba.trainable_variables
        (g_loss, cycle, identity), grads = gradients(lambda: self.generator_terms(a, b), variables)
        apply_gradients(self, grads, variables, counts_as_step=True)
        variables = self.d_a.trainable_variables + self.d_b.trainable_variables
        d_loss, grads = gradients(lambda: self.discriminator_loss(a, b), variables)
        apply_gradients(self, grads, variables, counts_as_step=False)
        return self.record(loss=g_loss, d_loss=d_loss, g_loss=g_loss, cycle=cycle, identity=identity)

    def players_test_step(self, data):
        a, b = self._domains(data)
        g_loss, cycle, identity = self.generator_terms(a, b, training=False)
        d_loss = self.discriminator_loss(a, b, training=False)
        return self.record(loss=g_loss, d_loss=d_loss, g_loss=g_loss, cycle=cycle, identity=identity)


def image_generator(shape, filters, output_activation, name):
    """An image-to-image generator: 3x3 'same' convs (ReLU) and a 3x3 conv to the image's channels."""
    image = keras.Input(shape, name=f"{name}_image")
    x = image
    for i, width in enumerate(filters, start=1):
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"{name}_conv{i}")(x)
    x = layers.Conv2D(shape[2], 3, padding="same", activation=output_activation, name=f"{name}_pixels")(x)
    return keras.Model(image, x, name=name)


def patch_discriminator(shape, filters, name):
    """A PatchGAN discriminator: one real/fake score per patch (a stride-2 conv, then a 3x3 conv)."""
    image = keras.Input(shape, name=f"{name}_image")
    x = layers.Conv2D(filters, 3, strides=2, padding="same", name=f"{name}_conv1")(image)
    x = layers.LeakyReLU(LEAKY_SLOPE, name=f"{name}_lrelu1")(x)
    return keras.Model(image, layers.Conv2D(1, 3, padding="same", name=f"{name}_patches")(x), name=name)


def cyclegan(input_shape=None, classes=None, domain="invert", filters=(32, 32), discriminator_filters=32,
             cycle_weight=CYCLE_WEIGHT, identity_weight=IDENTITY_WEIGHT, output_activation="sigmoid", seed=0):
    """A small CycleGAN for digit-sized images (two conv generators, two PatchGAN discriminators).

    Args:
        input_shape: the images' shape, (8, 8, 1) by default (even sides).
        classes: ignored (unpaired translation needs no labels).
        domain: domain B when training on labelled images: ``"invert"`` or ``"thicken"``.
        filters: the generators' conv widths.
        discriminator_filters: the discriminators' conv width.
        cycle_weight: lambda_cycle, the cycle loss's weight.
        identity_weight: lambda_identity, the identity loss's weight relative to `cycle_weight`.
        output_activation: ``"sigmoid"`` or ``"tanh"``.
        seed: the model's seed.

    Returns:
        A `CycleGAN`.

    Example:
        >>> cyclegan(domain="thicken").domain
        'thicken'
    """
    shape = check_image_shape(input_shape, 2)
    filters = tuple(check_positive_int("filters", f) for f in filters)
    width = check_positive_int("discriminator_filters", discriminator_filters)
    output_activation = check_output_activation(output_activation)
    return CycleGAN(image_generator(shape, filters, output_activation, "g_ab"),
                    image_generator(shape, filters, output_activation, "g_ba"),
                    patch_discriminator(shape, width, "d_a"), patch_discriminator(shape, width, "d_b"),
                    domain=domain, cycle_weight=cycle_weight, identity_weight=identity_weight, image_shape=shape,
                    output_activation=output_activation, seed=seed, name="cyclegan")
