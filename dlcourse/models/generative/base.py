"""`GenerativeModel`: the base of every generative model: its task, its data check, its seeds, and
``.keras`` saving of the sub-models it is made of.

A subclass lists its sub-models in ``PARTS`` (``("encoder", "decoder")``) and its settings in
``SETTINGS``; `get_config` and `from_config` then round-trip it through a ``.keras`` file.

`AdversarialModel` is the base of the GANs, whose players take turns; its gradient helpers below are
the one place of backend-specific code: the GANs' steps read the same on TensorFlow and JAX.
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


class AdversarialModel(GenerativeModel):
    """A `GenerativeModel` of players that take turns (GANs): each player's turn is one gradient step
    of the one compiled optimiser, and the step is written once for both Keras backends.

    A subclass writes `players_train_step(data)` and `players_test_step(data)` with `gradients` and
    `apply_gradients` below, as for TensorFlow, and logs through `record` into its ``trackers``
    (one `keras.metrics.Mean` per name in ``TRACKED``). Keras calls `train_step`: on TensorFlow with
    the batch, which runs the step as it is; on JAX with the state as well (Keras' JAX trainer is
    stateless: state in, state out), which runs the same step inside a `keras.StatelessScope` over
    that state and returns the state it leaves (`stateless_step`).
    """

    TRACKED = ("loss",)

    def compile(self, optimizer="adam", **kwargs):
        super().compile(optimizer=optimizer, **kwargs)
        self.optimizer.build(self.trainable_variables)  # every player's variables, before any apply

    def compile_from_config(self, config):  # loading a .keras file compiles as Keras does
        self.compile(**keras.saving.deserialize_keras_object(config))

    def train_step(self, *args):
        """TensorFlow: ``train_step(data) -> logs``; JAX: ``train_step(state, data) -> (logs, state)``."""
        if keras.config.backend() == "jax":
            return stateless_step(self, self.players_train_step, *args)
        return self.players_train_step(*args)

    def test_step(self, *args):
        if keras.config.backend() == "jax":
            return stateless_step(self, self.players_test_step, *args)
        return self.players_test_step(*args)

    def players_train_step(self, data):
        raise NotImplementedError

    def players_test_step(self, data):
        raise NotImplementedError

    def record(self, **values):
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}


# --- the one place of backend-specific code: gradients inside a train_step --------------------------
# Keras has no backend-neutral way to take gradients inside a custom `train_step` (keras-team/keras-core
# #691). These helpers dispatch on the backend: TensorFlow's GradientTape, or `jax.value_and_grad` over
# the variables' values inside the stateless step (keras-io's "customizing what happens in fit() with
# JAX" does the same with `stateless_call` and `optimizer.stateless_apply`). A GAN's step calls them
# and reads the same on both backends.

def gradients(loss_fn, variables):
    """``(loss_fn(), d loss / d variables)`` for the zero-argument function `loss_fn`. Where `loss_fn`
    returns a tuple, the gradient is of its first element and the tuple comes back whole."""
    if keras.config.backend() == "jax":
        return _jax_gradients(loss_fn, variables)
    import tensorflow as tf

    with tf.GradientTape() as tape:
        outputs = loss_fn()
    return outputs, tape.gradient(outputs[0] if isinstance(outputs, tuple) else outputs, variables)


def input_gradient(fn, x):
    """``d sum(fn(x)) / d x``, differentiable again (the gradient penalty of WGAN-GP needs this)."""
    if keras.config.backend() == "jax":
        import jax

        return jax.grad(lambda v: keras.ops.sum(fn(v)))(x)
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


_STEP_SCOPES = []  # the stateless scope of the JAX step being traced (`stateless_step`), innermost last


class _ReadThrough(keras.StatelessScope):
    """A stateless scope over `mapping` that reads every other variable from `outer` and lists the
    variables assigned inside it (`updated`), so a function of some variables' values sees the
    whole model and hands its updates (batch-norm statistics, seeds) back."""

    def __init__(self, mapping, outer):
        super().__init__(mapping)
        self.outer, self.updated = outer, []

    def get_current_value(self, variable):
        value = super().get_current_value(variable)
        return self.outer.get_current_value(variable) if value is None else value

    def add_update(self, update):
        super().add_update(update)
        if all(v is not update[0] for v in self.updated):
            self.updated.append(update[0])


def stateless_step(model, step, state, data):
    """Run the stateful `step(data)` on Keras' JAX trainer's `state` (trainable, non-trainable,
    [optimiser,] metrics variables' values): inside a `keras.StatelessScope` that maps the model's
    variables to those values, every read sees them and every assignment is recorded; the recorded
    values are the new state. Returns ``(logs, state)``, as the JAX trainer's `train_step` does."""
    groups = [model.trainable_variables, model.non_trainable_variables, model.metrics_variables]
    if len(state) == 4:  # train_step's state holds the optimiser's variables too
        groups.insert(2, model.optimizer.variables)
    scope = keras.StatelessScope([pair for group, values in zip(groups, state) for pair in zip(group, values)])
    _STEP_SCOPES.append(scope)
    try:
        with scope:
            logs = step(data)
    finally:
        _STEP_SCOPES.pop()
    return logs, tuple([scope.get_current_value(v) for v in group] for group in groups)


def _jax_gradients(loss_fn, variables):
    import jax

    if not _STEP_SCOPES:
        raise RuntimeError("gradients on the JAX backend run inside a train_step that Keras calls with its "
                           "state (AdversarialModel.train_step)")
    outer, updated = _STEP_SCOPES[-1], []

    def loss_of(values):
        with _ReadThrough(list(zip(variables, values)), outer) as scope:
            outputs = loss_fn()
        updated[:] = scope.updated
        loss = outputs[0] if isinstance(outputs, tuple) else outputs
        return loss, (outputs, [scope.get_current_value(v) for v in updated])

    (_, (outputs, new_values)), grads = jax.value_and_grad(loss_of, has_aux=True)([v.value for v in variables])
    for variable, value in zip(updated, new_values):  # the step's scope records them
        variable.assign(value)
    return outputs, grads
