"""A VAE's likelihood in nats per image: the negative ELBO and the importance-weighted NLL.

For an image x, q(z|x) the encoder's Gaussian and w = p(x|z) p(z) / q(z|x) with z ~ q(z|x):
the ELBO is E[log w] <= log p(x), and the importance-weighted bound log (1/k) sum_k w_k (Burda et
al. 2016, "Importance Weighted Autoencoders") is tighter, approaching log p(x) as k grows. Both
are estimated here from the same k draws, so by Jensen's inequality the importance-weighted NLL is
never above the negative ELBO. With grey-level pixels the Bernoulli "likelihood" is not a density:
compare models with each other, not with binarised-MNIST papers.

Example:
    >>> from dlcourse.models.generative.vae import vae
    >>> from dlcourse.data import load_dataset
    >>> images = load_dataset("digits", image_size=8).x_test[:20]
    >>> bounds = likelihood_bounds(vae(), images, samples=10)
    >>> bounds["iw_nll"] <= bounds["negative_elbo"]
    True
"""

from __future__ import annotations

import math

import numpy as np

from dlcourse.checks import check_int, check_positive_int

LOG_2PI = math.log(2 * math.pi)
BATCH = 64  # images per decoder call (x `samples` codes)


def _log_weights(model, images, samples: int, seed: int) -> np.ndarray:
    """log w = log p(x|z) + log p(z) - log q(z|x) for `samples` codes per image: shape (samples, N)."""
    from dlcourse.models.generative.vae import bernoulli_nll

    x = np.asarray(images, "float32")
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, len(x), BATCH):
        batch = x[start:start + BATCH]
        mean, log_var = model.encode(batch)
        eps = rng.standard_normal((samples, *mean.shape)).astype("float32")
        z = mean + np.exp(0.5 * log_var) * eps  # (samples, n, latent)
        logits = model.decoder(z.reshape(-1, mean.shape[1]), training=False)
        repeated = np.broadcast_to(batch, (samples, *batch.shape)).reshape(-1, *batch.shape[1:])
        log_px = -np.asarray(bernoulli_nll(repeated, logits)).reshape(samples, len(batch))
        log_pz = -0.5 * np.sum(z ** 2 + LOG_2PI, axis=-1)
        log_qz = -0.5 * np.sum(eps ** 2 + log_var + LOG_2PI, axis=-1)
        out.append(log_px + log_pz - log_qz)
    return np.concatenate(out, axis=1).astype("float64")


def likelihood_bounds(model, images, samples=200, seed=0) -> dict:
    """``{"negative_elbo", "iw_nll"}``: mean nats per image over `images`, from `samples` codes each.

    Args:
        model: a `dlcourse.models.generative.vae.VAE` (anything with ``encode`` and a logits ``decoder``).
        images: images in [0, 1] of the model's shape.
        samples: codes drawn per image (k), at least 1; with 1 both numbers are the same.
        seed: the seed of the draws.
    """
    samples, seed = check_positive_int("samples", samples), check_int("seed", seed, minimum=0)
    log_w = _log_weights(model, images, samples, seed)
    top = log_w.max(axis=0)
    log_mean_w = top + np.log(np.mean(np.exp(log_w - top), axis=0))
    return {"negative_elbo": float(-log_w.mean()), "iw_nll": float(-log_mean_w.mean())}


def negative_elbo(model, images, samples=200, seed=0) -> float:
    """The negative ELBO in nats per image (an upper bound on -log p(x)); see `likelihood_bounds`."""
    return likelihood_bounds(model, images, samples, seed)["negative_elbo"]


def importance_weighted_nll(model, images, samples=200, seed=0) -> float:
    """The importance-weighted estimate of -log p(x) in nats per image; see `likelihood_bounds`."""
    return likelihood_bounds(model, images, samples, seed)["iw_nll"]
