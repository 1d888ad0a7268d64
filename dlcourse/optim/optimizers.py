"""Optimisers (최적화 기법) written from their update rules, as Keras optimisers.

Each class takes the same constructor arguments, with the same defaults, as its `keras.optimizers`
namesake, and follows the same arithmetic (where epsilon sits, how the bias is corrected), so that
ours and Keras' give the same weights step for step (tests/test_optim.py checks 100+ steps).
Weight decay (가중치 감쇠), gradient clipping and EMA come from `keras.optimizers.Optimizer`.

Notation in the docstrings: ``w`` a weight, ``g`` its gradient, ``lr`` the learning rate (학습률),
``t`` the step counted from 1.

Example:
    >>> import keras
    >>> from dlcourse.optim import Adam
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    >>> model.compile(optimizer=Adam(1e-3), loss="sparse_categorical_crossentropy")
"""

from __future__ import annotations

import keras
from keras import ops

from dlcourse.optim.names import check_optimizer_name

class _Optimizer(keras.optimizers.Optimizer):
    """Shared plumbing: the slot variables (one per model weight) and their lookup."""

    def _slots(self, var_list, name, initializer="zeros"):
        return [self.add_variable_from_reference(v, name, initializer=initializer) for v in var_list]

    def _slot(self, slots, variable):
        return slots[self._get_variable_index(variable)]

    def _config_with(self, **fields):
        config = super().get_config()
        config.update(fields)
        return config


@keras.saving.register_keras_serializable(package="dlcourse")
class SGD(_Optimizer):
    """Stochastic gradient descent (확률적 경사 하강법) with optional momentum (모멘텀) and Nesterov (NAG).

    Robbins & Monro (1951); Polyak (1964) for momentum; Nesterov (1983), in the form of Sutskever et
    al., "On the importance of initialization and momentum in deep learning" (ICML 2013)::

        plain:     w <- w - lr * g
        momentum:  v <- momentum * v - lr * g ;  w <- w + v
        Nesterov:  v <- momentum * v - lr * g ;  w <- w + momentum * v - lr * g
                   (the step looks ahead along the new velocity)

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Default 0.01.
        momentum: in [0, 1]; 0 (the default) is plain SGD.
        nesterov: use Nesterov's accelerated gradient (NAG).
        **kwargs: the base optimiser's arguments (weight_decay, clipnorm, ...).

    Example:
        >>> optimizer = SGD(0.1, momentum=0.9, nesterov=True)
        >>> optimizer.momentum, optimizer.nesterov
        (0.9, True)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, float) or not 0 <= momentum <= 1:
            raise ValueError(f"momentum must be a float in [0, 1]; got {momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.velocities = self._slots(var_list, "velocity") if self.momentum else []

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        if not self.momentum:
            self.assign_sub(variable, ops.multiply(g, lr))
            return
        v = self._slot(self.velocities, variable)
        momentum = ops.cast(self.momentum, variable.dtype)
        self.assign(v, ops.subtract(ops.multiply(v, momentum), ops.multiply(g, lr)))
        if self.nesterov:
            self.assign_add(variable, ops.subtract(ops.multiply(v, momentum), ops.multiply(g, lr)))
        else:
            self.assign_add(variable, v)

    def get_config(self):
        return self._config_with(momentum=self.momentum, nesterov=self.nesterov)


@keras.saving.register_keras_serializable(package="dlcourse")
class Adagrad(_Optimizer):
    """Adagrad: a per-weight learning rate that shrinks with the sum of past squared gradients.

    Duchi, Hazan & Singer, "Adaptive subgradient methods" (JMLR 2011)::

        G <- G + g^2                     (G starts at initial_accumulator_value)
        w <- w - lr * g / sqrt(G + eps)

    Rarely-updated weights keep large steps; the steps of all weights only ever shrink.

    Args:
        learning_rate: default 0.001.
        initial_accumulator_value: the starting value of G. Default 0.1.
        epsilon: added inside the square root. Default 1e-7.

    Example:
        >>> Adagrad(0.01).initial_accumulator_value
        0.1
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        start = keras.initializers.Constant(self.initial_accumulator_value)
        self.accumulators = self._slots(var_list, "accumulator", initializer=start)

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        big_g = self._slot(self.accumulators, variable)
        self.assign_add(big_g, ops.square(g))
        self.assign_sub(variable, ops.divide(ops.multiply(lr, g), ops.sqrt(ops.add(big_g, self.epsilon))))

    def get_config(self):
        return self._config_with(initial_accumulator_value=self.initial_accumulator_value, epsilon=self.epsilon)


@keras.saving.register_keras_serializable(package="dlcourse")
class Adadelta(_Optimizer):
    """Adadelta: Adagrad with decaying averages, and steps in the units of the weights.

    Zeiler, "ADADELTA: an adaptive learning rate method" (arXiv:1212.5701, 2012)::

        E[g^2]  <- rho * E[g^2] + (1 - rho) * g^2
        dw       = - sqrt(E[dw^2] + eps) / sqrt(E[g^2] + eps) * g
        E[dw^2] <- rho * E[dw^2] + (1 - rho) * dw^2
        w       <- w + lr * dw            (the paper has lr = 1; Keras' default is 0.001)

    Args:
        learning_rate: default 0.001.
        rho: the decay of both running averages. Default 0.95.
        epsilon: default 1e-7.

    Example:
        >>> Adadelta(1.0).rho
        0.95
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.mean_sq_grads = self._slots(var_list, "accumulated_grad")
        self.mean_sq_deltas = self._slots(var_list, "accumulated_delta_var")

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        rho = self.rho
        eg2 = self._slot(self.mean_sq_grads, variable)
        edw2 = self._slot(self.mean_sq_deltas, variable)

        def rms(x):
            return ops.sqrt(ops.add(x, self.epsilon))

        self.assign(eg2, ops.add(rho * eg2, ops.multiply(1 - rho, ops.square(g))))
        delta = ops.negative(ops.divide(ops.multiply(rms(edw2), g), rms(eg2)))
        self.assign(edw2, ops.add(ops.multiply(rho, edw2), ops.multiply(1 - rho, ops.square(delta))))
        self.assign_add(variable, ops.multiply(lr, delta))

    def get_config(self):
        return self._config_with(rho=self.rho, epsilon=self.epsilon)


@keras.saving.register_keras_serializable(package="dlcourse")
class RMSprop(_Optimizer):
    """RMSprop: divide the step by a running root-mean-square of recent gradients.

    Hinton, Coursera "Neural networks for machine learning", lecture 6e (2012)::

        E[g^2] <- rho * E[g^2] + (1 - rho) * g^2
        step    = lr * g / sqrt(E[g^2] + eps)
                  (centered: E[g] <- rho * E[g] + (1 - rho) * g; divide by sqrt(E[g^2] - E[g]^2 + eps))
        w      <- w - step                      (momentum > 0: v <- momentum * v + step; w <- w - v)

    Args:
        learning_rate: default 0.001.
        rho: the decay of the running average. Default 0.9.
        momentum: default 0.0.
        epsilon: default 1e-7.
        centered: normalise by the variance instead of the raw second moment.

    Example:
        >>> RMSprop(1e-3, rho=0.9).rho
        0.9
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.mean_sq_grads = self._slots(var_list, "velocity")
        self.velocities = self._slots(var_list, "momentum") if self.momentum > 0 else []
        self.mean_grads = self._slots(var_list, "average_gradient") if self.centered else []

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        rho = self.rho
        eg2 = self._slot(self.mean_sq_grads, variable)
        self.assign(eg2, ops.add(ops.multiply(rho, eg2), ops.multiply(1 - rho, ops.square(g))))
        if self.centered:
            eg = self._slot(self.mean_grads, variable)
            self.assign(eg, ops.add(ops.multiply(rho, eg), ops.multiply(1 - rho, g)))
            denominator = eg2 - ops.square(eg) + self.epsilon
        else:
            denominator = ops.add(eg2, self.epsilon)
        step = ops.divide(ops.multiply(lr, g), ops.sqrt(denominator))
        if self.momentum > 0:
            v = self._slot(self.velocities, variable)
            self.assign(v, ops.add(ops.multiply(self.momentum, v), step))
            self.assign_sub(variable, v)
        else:
            self.assign_sub(variable, step)

    def get_config(self):
        return self._config_with(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon, centered=self.centered)


@keras.saving.register_keras_serializable(package="dlcourse")
class Adam(_Optimizer):
    """Adam: momentum on the gradient plus RMSprop's scaling, both bias-corrected.

    Kingma & Ba, "Adam: a method for stochastic optimization" (ICLR 2015), with the paper's
    efficient form of the bias correction (section 2, end)::

        m <- m + (1 - beta_1) * (g - m)          (= beta_1 * m + (1 - beta_1) * g)
        v <- v + (1 - beta_2) * (g^2 - v)
        lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        w <- w - lr_t * m / (sqrt(v) + eps)      (amsgrad: v replaced by max of all v so far)

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: the decays of the first and second moments. Defaults 0.9 and 0.999.
        epsilon: added to sqrt(v), in the "hat" form above. Default 1e-7.
        amsgrad: Reddi et al., "On the convergence of Adam and beyond" (ICLR 2018).

    Example:
        >>> Adam(1e-3, weight_decay=1e-4).weight_decay    # decoupled weight decay, as AdamW
        0.0001
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.first_moments = self._slots(var_list, "momentum")
        self.second_moments = self._slots(var_list, "velocity")
        self.max_second_moments = self._slots(var_list, "velocity_hat") if self.amsgrad else []

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        t = ops.cast(self.iterations + 1, variable.dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, variable.dtype), t)
        beta_2_power = ops.power(ops.cast(self.beta_2, variable.dtype), t)
        m = self._slot(self.first_moments, variable)
        v = self._slot(self.second_moments, variable)
        lr_t = lr * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        self.assign_add(m, ops.multiply(ops.subtract(g, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(g), v), 1 - self.beta_2))
        if self.amsgrad:
            v_max = self._slot(self.max_second_moments, variable)
            self.assign(v_max, ops.maximum(v_max, v))
            v = v_max
        self.assign_sub(variable, ops.divide(ops.multiply(m, lr_t), ops.add(ops.sqrt(v), self.epsilon)))

    def get_config(self):
        return self._config_with(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon, amsgrad=self.amsgrad)


OPTIMIZER_CLASSES = {"sgd": SGD, "adagrad": Adagrad, "adadelta": Adadelta, "rmsprop": RMSprop, "adam": Adam}


def get_optimizer(name: str, **kwargs) -> keras.optimizers.Optimizer:
    """One of our optimisers by its name in `dlcourse.optim.OPTIMIZERS`, with `kwargs` as given.

    ``"adamw"`` is our `Adam` (pass ``weight_decay``: decoupled, as AdamW). For the course's
    settings of each name (Nesterov momentum for ``"sgd"``), use
    ``make_optimizer(name, rate, from_scratch=True)``.

    Raises:
        ValueError: for an unknown name, listing the names there are.

    Example:
        >>> get_optimizer("sgd", learning_rate=0.1, momentum=0.9).momentum
        0.9
    """
    check_optimizer_name(name)
    return OPTIMIZER_CLASSES["adam" if name == "adamw" else name](**kwargs)
