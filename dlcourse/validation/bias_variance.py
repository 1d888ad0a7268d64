"""The bias-variance decomposition (편향-분산 분해): exact for regression, and measured for classifiers.

Regression, `polynomial_bias_variance`: targets ``y = f(x) + eps`` with noise ``E[eps] = 0`` and
``Var[eps] = sigma^2``. Over many training sets drawn afresh, the expected squared error of the fitted
model at a point splits exactly as

    E (y - f_hat(x))^2  =  (E f_hat(x) - f(x))^2  +  Var f_hat(x)  +  sigma^2
    (expected error)       (bias^2)                  (variance)      (noise)

Capacity (the polynomial's degree) lowers bias^2 and raises variance, so the error is U-shaped;
the noise sigma^2 stays whatever the model. Reference: Hastie, Tibshirani & Friedman, The Elements of
Statistical Learning, 7.3 (the same fixed-design setting).

Classifiers, `bias_variance`: for a model retrained on B bootstrap resamples of the training set, with predicted class
probabilities ``p_b(x)`` and one-hot label ``y``, the expected squared error splits exactly as

    E_b ||p_b(x) - y||^2  =  ||p_mean(x) - y||^2  +  E_b ||p_b(x) - p_mean(x)||^2
    (expected error)         (bias^2)               (variance)

averaged over the test images (noise is folded into bias^2: each image has one fixed label).
Reference: Geman, Bienenstock & Doursat, Neural Networks and the Bias/Variance Dilemma (1992).

Example:
    >>> rows = polynomial_bias_variance((1, 3, 12))
    >>> [round(r["bias2"], 2) for r in rows], [round(r["variance"], 2) for r in rows]
    ([0.23, 0.01, 0.0], [0.01, 0.02, 0.48])
    >>> from dlcourse.data import load_dataset
    >>> rows = bias_variance(mlp_capacities((4, 64)), load_dataset("digits", image_size=8), rounds=3, epochs=5)
    >>> rows[0]["bias2"] > rows[1]["bias2"]
    True
"""

from __future__ import annotations

import dataclasses

import numpy as np

from dlcourse.data import ImageData
from dlcourse.validation.retracing import fresh_models


def true_function(x):
    """The regression target of `polynomial_bias_variance`: ``f(x) = sin(pi x) + x^2 / 2`` on [-1, 1]."""
    return np.sin(np.pi * x) + 0.5 * x ** 2


def polynomial_bias_variance(degrees=tuple(range(13)), *, samples: int = 15, noise: float = 0.3,
                             repeats: int = 500, test_points: int = 200, seed: int = 0) -> list:
    """bias^2, variance and noise of least-squares polynomials of each degree, over `repeats` training sets.

    Each training set has `samples` points evenly spaced on [-1, 1] (the same x every time) with targets
    ``true_function(x) + eps``, ``eps ~ N(0, noise^2)`` drawn afresh; each fit is scored on `test_points`
    points of [-1, 1] with their own fresh noise.

    Args:
        degrees: the polynomial degrees to fit (capacity), each below `samples`.
        samples: training points per training set (few points show the variance).
        noise: sigma, the standard deviation of the label noise.
        repeats: training sets drawn (more gives steadier estimates).
        test_points, seed: the evaluation grid's size and the random seed.

    Returns:
        One dict per degree: ``label``, ``degree``, ``params`` (degree + 1), ``bias2`` (of the average
        fit, which for least squares is the fit to the noiseless targets), ``variance`` (over the repeats),
        ``noise`` (sigma^2), ``error`` (the measured mean squared error on noisy test targets, equal
        to bias2 + variance + noise up to sampling error) and ``noise_mean`` (the mean of the drawn eps).
    """
    from numpy.polynomial.legendre import legvander

    from dlcourse.checks import check_positive_int, check_positive_number

    check_positive_int("samples", samples)
    check_positive_int("repeats", repeats)
    check_positive_int("test_points", test_points)
    check_positive_number("noise", noise)
    degrees = tuple(degrees)
    if not degrees or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d < samples - 1
                          for d in degrees):
        raise ValueError(f"degrees must be integers from 0 to samples - 2 = {samples - 2}; got {degrees!r}")
    rng = np.random.default_rng(seed)
    x = np.linspace(-1.0, 1.0, samples)
    x_test = np.linspace(-1.0, 1.0, test_points)
    eps = rng.normal(0.0, noise, (repeats, samples))
    y = true_function(x) + eps
    y_test = true_function(x_test) + rng.normal(0.0, noise, (repeats, test_points))
    rows = []
    for degree in degrees:
        # least squares in the Legendre basis, all training sets at once: one column of y per set
        # (the clean targets ride along as the last column: least squares is linear in y, so the fit
        # to f itself is exactly the average fit E f_hat, free of the repeats' sampling error)
        coefficients = np.linalg.lstsq(legvander(x, int(degree)), np.column_stack([y.T, true_function(x)]),
                                       rcond=None)[0]
        fits = (legvander(x_test, int(degree)) @ coefficients).T
        predictions, mean = fits[:-1], fits[-1]
        rows.append({"label": f"degree {degree}", "degree": int(degree), "params": int(degree) + 1,
                     "bias2": float(((mean - true_function(x_test)) ** 2).mean()),
                     "variance": float(predictions.var(axis=0).mean()), "noise": float(noise) ** 2,
                     "error": float(((y_test - predictions) ** 2).mean()), "noise_mean": float(eps.mean())})
    return rows


def mlp_capacities(widths=(2, 8, 32, 128)) -> dict:
    """``{"mlp-W": builder}`` for one-hidden-layer MLPs of growing width: models of growing capacity."""
    from dlcourse.models import mlp

    return {f"mlp-{w}": (lambda w=w: (lambda input_shape, classes: mlp(hidden_units=(w,), input_shape=input_shape,
                                                                       classes=classes)))() for w in widths}


def bootstrap_probabilities(builder, data: ImageData, rounds: int = 5, *, seed: int = 0, config=None, **overrides):
    """Class probabilities on `data`'s test images from `rounds` models, each trained on a bootstrap resample.

    Args:
        builder: ``(input_shape, classes) -> keras.Model`` ending in softmax.
        rounds: B, the number of bootstrap retrainings.
        config, overrides: the `TrainConfig` for `dlcourse.train.fit`.

    Returns:
        An array ``(rounds, n_test, classes)``.
    """
    from sklearn.utils import resample

    from dlcourse.train.config import TrainConfig
    from dlcourse.train.fit import fit
    from dlcourse.validation.ensembles import probabilities as model_probabilities, training_split

    config = dataclasses.replace(config or TrainConfig(tensorboard=False, verbose=0), **overrides)
    probabilities = []
    for b in range(rounds):
        x, y = resample(data.x_train, data.y_train, random_state=seed + b)  # sampling with replacement
        sample = training_split(data, x, y, config)
        with fresh_models():  # a new model each round: TensorFlow's retracing warning is expected
            result = fit(lambda: builder(data.input_shape, data.num_classes), sample,
                         dataclasses.replace(config, seed=seed + b))
        probabilities.append(model_probabilities(result.model, data.x_test))
    return np.stack(probabilities)


def decompose(probabilities, labels) -> dict:
    """``bias2``, ``variance`` and ``error`` (= bias2 + variance) from `bootstrap_probabilities`' output.

    Also ``accuracy`` (mean over rounds) and ``ensemble_accuracy`` (of the averaged prediction).
    """
    probabilities = np.asarray(probabilities, dtype="float64")
    onehot = np.eye(probabilities.shape[-1])[np.asarray(labels)]
    mean = probabilities.mean(axis=0)
    bias2 = float(((mean - onehot) ** 2).sum(-1).mean())
    variance = float(((probabilities - mean) ** 2).sum(-1).mean())
    error = float(((probabilities - onehot) ** 2).sum(-1).mean())
    return {"bias2": bias2, "variance": variance, "error": error,
            "accuracy": float((probabilities.argmax(-1) == labels).mean()),
            "ensemble_accuracy": float((mean.argmax(-1) == labels).mean())}


def bias_variance(builders: dict, data: ImageData, rounds: int = 5, *, seed: int = 0, config=None, **overrides) -> list:
    """Measure bias^2 and variance for each model in `builders` (ordered by capacity).

    Args:
        builders: ``{label: (input_shape, classes) -> keras.Model}``, e.g. `mlp_capacities()`.
        data: an `ImageData`; models train on its train split and are measured on its test split.
        rounds: bootstrap retrainings per model (at least 2).

    Returns:
        One dict per model: ``label``, ``params`` and `decompose`'s numbers.
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 2:
        raise ValueError(f"rounds must be an integer >= 2 (variance needs two models); got {rounds!r}")
    if not builders:
        raise ValueError("builders is empty: give at least one {label: builder}")
    rows = []
    for label, builder in builders.items():
        params = builder(data.input_shape, data.num_classes).count_params()
        probabilities = bootstrap_probabilities(builder, data, rounds, seed=seed, config=config, **overrides)
        rows.append({"label": label, "params": params, **decompose(probabilities, data.y_test)})
    return rows


def plot_bias_variance(rows: list, path=None, title="Bias-variance (편향-분산) by capacity"):
    """bias^2, variance (and noise) and the expected error against capacity; saved to `path` if given.

    Rows from `polynomial_bias_variance` are drawn against the degree, with the noise sigma^2 and a
    logarithmic error axis; rows from `bias_variance` against the parameter count. Returns the Figure.
    """
    from dlcourse.validation.plotting import finish, new_axes

    regression = "degree" in rows[0]
    capacity = [r["degree"] if regression else r["params"] for r in rows]
    fig, ax = new_axes()
    curves = [("bias2", "bias²"), ("variance", "variance")]
    curves += [("noise", "noise σ²"), ("error", "expected error (measured)")] if regression else [("error", "expected error")]
    for key, label in curves:
        ax.plot(capacity, [r[key] for r in rows], "--" if key == "noise" else "o-", label=label)
    if regression:
        ax.set_yscale("log")
        ax.set(xlabel="polynomial degree (capacity)", ylabel="squared error (log scale)", title=title)
        ax.set_xticks(capacity)
    else:
        ax.set_xscale("log")
        ax.set(xlabel="parameters (capacity)", ylabel="squared error on probabilities", title=title)
        for r in rows:
            ax.annotate(r["label"], (r["params"], r["error"]), textcoords="offset points", xytext=(0, 6), fontsize=8)
    return finish(fig, ax, path)
