"""`GenerativeModel`: the base of every generative model: its task, its data check, its seeds, and
``.keras`` saving of the sub-models it is made of.

A subclass lists its sub-models in ``PARTS`` (``("encoder", "decoder")``) and its settings in
``SETTINGS``; `get_config` and `from_config` then round-trip it through a ``.keras`` file.
"""

from __future__ import annotations

import keras
import numpy as np

from dlcourse.models.generative.common import check_data_range, check_output_activation


class GenerativeModel(keras.Model):
    """A `keras.Model` that brings its own loss (``task = "generation"``) and checks its data.

    Args:
        image_shape: the images' ``(height, width, channels)``.
        output_activation: ``"sigmoid"`` (images in [0, 1]) or ``"tanh"`` ([-1, 1]).
        seed: the seed of the model's `keras.random.SeedGenerator` (noise, sampling).
    """

    task = "generation"
    tensorflow_only = False  # True where train_step takes gradients with `gradients` below (the registry says so too)
    PARTS: tuple = ()
    SETTINGS: tuple = ()

    def __init__(self, *, image_shape, output_activation="sigmoid", seed=0, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(image_shape)
        self.output_activation = check_output_activation(output_activation)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def input_shape(self):
        return (None, *self.image_shape)

    def check_data(self, x, y=None, split: str = "train") -> None:
        """Raise ValueError, before any training, when `x` cannot be this model's data."""
        if tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"data: {split} images of shape {tuple(x.shape[1:])} do not fit the model's "
                             f"image shape {self.image_shape}; build it with input_shape={tuple(x.shape[1:])}")
        check_data_range(x, self.output_activation, split)

    def fit(self, x=None, y=None, *args, **kwargs):
        """Keras' `fit`, after `check_data` on the data (a `tf.data.Dataset`: on its first batch)."""
        from dlcourse.models.generative.common import unpack

        if self.tensorflow_only and keras.config.backend() != "tensorflow":
            raise RuntimeError(
                f"{type(self).__name__} trains on the TensorFlow backend only, not {keras.config.backend()!r}: its "
                "train_step takes gradients with tf.GradientTape (dlcourse/models/generative/base.py); run it "
                "with KERAS_BACKEND=tensorflow"
            )
        if hasattr(x, "element_spec") and hasattr(x, "take"):
            for batch in x.take(1):
                images, labels = unpack(batch)
                self.check_data(np.asarray(images), None if labels is None else np.asarray(labels))
        elif x is not None and not callable(getattr(x, "__next__", None)):
            self.check_data(np.asarray(x), None if y is None else np.asarray(y))
        return super().fit(x, y, *args, **kwargs)

    def get_config(self):
        config = {"image_shape": self.image_shape, "output_activation": self.output_activation, "seed": self.seed,
                  "name": self.name}
        config.update({part: keras.saving.serialize_keras_object(getattr(self, part)) for part in self.PARTS})
        config.update({setting: getattr(self, setting) for setting in self.SETTINGS})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for part in cls.PARTS:
            config[part] = keras.saving.deserialize_keras_object(config[part])
        return cls(**config)


# --- the one place of backend-specific code for the models that train two players ----------------
# Keras has no backend-neutral way to take gradients inside a custom `train_step` (keras-team/keras-core
# #691); these two helpers use TensorFlow's GradientTape, so the GANs run on the TensorFlow backend
# (``tensorflow_only = True``; on JAX `fit` refuses them). A JAX port would be a stateless train_step
# (keras-io's "customizing what happens in fit() with JAX": `stateless_call` and `jax.value_and_grad`).

def gradients(loss_fn, variables):
    """``(loss, d loss / d variables)`` for the zero-argument function `loss_fn`."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = loss_fn()
    return loss, tape.gradient(loss, variables)


def input_gradient(fn, x):
    """``d sum(fn(x)) / d x``, differentiable again (the gradient penalty of WGAN-GP needs this)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        out = fn(x)
    return tape.gradient(out, x)


def apply_gradients(model, grads, variables, *, counts_as_step: bool) -> None:
    """Apply `grads` with the model's one optimiser. Each player's update is one `apply`; only the
    generator's counts as a step, so the optimiser's step count, and the run's learning-rate
    schedule with it, follow the training steps (fit saves and restores this one optimiser)."""
    model.optimizer.apply(grads, variables)
    if not counts_as_step:
        model.optimizer.iterations.assign_sub(1)
