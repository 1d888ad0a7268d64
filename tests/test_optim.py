"""Our optimisers, written from their update rules, against Keras' built-in namesakes."""

import inspect

import keras
import numpy as np
import pytest

from dlcourse import optim

STEPS = 104  # 13 epochs of 8 batches
CASES = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"learning_rate": 0.05}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("RMSprop", {"learning_rate": 0.005}),
    ("RMSprop", {"learning_rate": 0.002, "momentum": 0.5, "centered": True}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True, "weight_decay": 0.01}),
]


def _problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32") + (x[:, 2] > 0.5).astype("int32")
    return x, y


def _train(optimizer, weights):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((8,)), keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(3, activation="softmax"),
    ])
    model.set_weights(weights)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    x, y = _problem()
    history = model.fit(x, y, batch_size=16, epochs=STEPS // 8, shuffle=False, verbose=0)
    return model, history.history["loss"]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{'-'.join(k)}" for n, k in CASES])
def test_same_weights_as_keras_after_100_steps(name, kwargs):
    keras.utils.set_random_seed(1)
    start = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.Dense(3)]).get_weights()
    ours, our_loss = _train(getattr(optim, name)(**kwargs), start)
    theirs, their_loss = _train(getattr(keras.optimizers, name)(**kwargs), start)
    assert int(ours.optimizer.iterations.numpy()) == STEPS
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=1e-6)
    assert our_loss[-1] < our_loss[0]  # the weights actually moved, and downhill
    assert not np.allclose(ours.get_weights()[0], start[0])


@pytest.mark.parametrize("name", sorted(n for n in dir(optim) if n in ("SGD", "Adagrad", "Adadelta", "RMSprop", "Adam")))
def test_constructor_matches_keras_signature_and_defaults(name):
    ours = inspect.signature(getattr(optim, name).__init__).parameters
    theirs = inspect.signature(getattr(keras.optimizers, name).__init__).parameters
    own_args = [p for p in theirs if p not in ("self", "kwargs") and p not in ours]
    # the base arguments (weight_decay, clipnorm, ...) go through **kwargs to keras' Optimizer
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    base = inspect.signature(BaseOptimizer.__init__).parameters
    assert all(p in base for p in own_args), own_args
    getattr(optim, name)(**{p: theirs[p].default for p in own_args})  # all accepted
    for p, param in ours.items():
        if p not in ("self", "kwargs"):
            assert param.default == theirs[p].default, p


def test_optimizer_config_round_trip_and_saved_model(tmp_path):
    opt = optim.SGD(0.05, momentum=0.9, nesterov=True, clipnorm=1.0)
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert type(again) is optim.SGD and again.nesterov and again.momentum == 0.9 and again.clipnorm == 1.0
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optim.Adam(1e-3), "mse")
    model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is optim.Adam


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="momentum"):
        optim.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        optim.get_optimizer("adamax")
    assert isinstance(optim.get_optimizer("rmsprop", rho=0.8), optim.RMSprop)
