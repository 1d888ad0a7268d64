"""The README's generative-models table: each model trained by `dlcourse.train.fit` (the settings of the
`dlcourse train` command printed beside it) and measured offline: reconstruction error against PCA,
denoising, sparsity, the VAE's -ELBO and importance-weighted NLL, and the judge's scores of each
GAN's samples against the generator's start.

    python benchmarks/bench_generative.py [part ...]      # parts: ae denoise vae vaeseeds gan cyclegan mnist, or one GAN (default: all but vaeseeds)

Prints one markdown row per measurement. Times are wall-clock training seconds on this machine.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from dlcourse.data import load_dataset  # noqa: E402
from dlcourse.generative import (  # noqa: E402
    label_agreement,
    likelihood_bounds,
    make_domain,
    sample_quality,
)
from dlcourse.models import get_model  # noqa: E402
from dlcourse.train import fit  # noqa: E402

QUIET = dict(verbose=0, tensorboard=False)
SAMPLES = 360  # generated images scored, the size of digits' test split
NOISE = 0.5  # the denoising comparison's Gaussian noise, clipped to [0, 1]: the Keras blog's (Chollet 2016)
SEEDS = (0, 1, 2)  # the denoising comparison's spread


def command(name, settings, extra=""):
    flags = " ".join(f"--{k.replace('learning_rate', 'lr').replace('_', '-')} {v}" for k, v in settings.items())
    return f"`dlcourse train {name} --data digits --image-size 8 {flags}{extra}`"


def train(name, data, settings, model_args=None):
    start = time.perf_counter()
    result = fit(name, data, model_args=model_args, **settings, **QUIET)
    return result.model, time.perf_counter() - start


def row(*cells):
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


def autoencoders(data):
    from sklearn.decomposition import PCA

    x_train, x_test = (a.reshape(len(a), -1) for a in (data.x_train, data.x_test))
    pca = PCA(8).fit(x_train)
    pca_error = float(np.mean((pca.inverse_transform(pca.transform(x_test)) - x_test) ** 2))
    row("PCA(8)", "scikit-learn `PCA(8)`", f"test MSE {pca_error:.4f}", "-")
    settings = dict(epochs=60, batch_size=64, learning_rate=1e-2)
    for name, args in (("autoencoder", None), ("deep_autoencoder", None)):
        model, seconds = train(name, data, settings, args)
        error = float(np.mean((model.predict(data.x_test, verbose=0) - data.x_test) ** 2))
        row(f"{name} (code 8)", command(name, settings), f"test MSE {error:.4f} (PCA(8) {pca_error:.4f})", f"{seconds:.0f} s")
    settings = dict(epochs=150, batch_size=32, learning_rate=3e-3, schedule="constant")
    model, seconds = train("sparse_autoencoder", data, settings)
    activation = float(model.encode(data.x_test).mean())
    error = float(np.mean((model.predict(data.x_test, verbose=0) - data.x_test) ** 2))
    row("sparse_autoencoder (64 units, rho 0.05)", command("sparse_autoencoder", settings),
        f"mean code activation {activation:.4f}, test MSE {error:.4f}", f"{seconds:.0f} s")


def vaes(data, label="digits", settings=None, hidden_units=128):
    settings = settings or dict(epochs=300, batch_size=32, learning_rate=1e-3, schedule="constant")
    for latent in (2, 8):
        model, seconds = train("vae", data, settings, {"latent_dim": latent, "hidden_units": hidden_units})
        bounds = likelihood_bounds(model, data.x_test, samples=200)
        row(f"vae, latent {latent}, {label}", command("vae", settings),
            f"test -ELBO {bounds['negative_elbo']:.2f} nats, IW-NLL (k=200) {bounds['iw_nll']:.2f}", f"{seconds:.0f} s")


def vae_seeds(data, seeds=SEEDS):
    """The latent-2 VAE's test -ELBO over seeds: the spread of the README's headline figure."""
    settings = dict(epochs=300, batch_size=32, learning_rate=1e-3, schedule="constant")
    values = []
    for seed in seeds:
        model, seconds = train("vae", data, dict(settings, seed=seed), {"latent_dim": 2})
        values.append(likelihood_bounds(model, data.x_test, samples=200)["negative_elbo"])
        row(f"vae, latent 2, seed {seed}", command("vae", settings), f"test -ELBO {values[-1]:.2f} nats",
            f"{seconds:.0f} s")
    row("vae, latent 2, over seeds", "", f"{min(values):.2f} to {max(values):.2f}, mean {np.mean(values):.2f} nats", "")


GANS = ("gan", "dcgan", "wgan_gp", "cgan")


def gans(data, names=GANS):
    settings = dict(epochs=300, batch_size=64, learning_rate=2e-4, schedule="constant")
    for name in names:
        start_model = get_model(name, classes=10)
        start = sample_quality(start_model.generate(SAMPLES, seed=0))["frechet_distance"]
        model, seconds = train(name, data, settings)
        labels = np.arange(SAMPLES) % 10
        images = model.generate(SAMPLES, labels=labels, seed=0) if name == "cgan" else model.generate(SAMPLES, seed=0)
        score = sample_quality(images)
        extra = f", judge agrees with the label {label_agreement(images, labels):.1%}" if name == "cgan" else ""
        row(name, command(name, settings),
            f"distance {score['frechet_distance']:.1f} (start {start:.1f}), score {score['inception_score']:.2f}, "
            f"coverage {score['coverage']}{extra}", f"{seconds:.0f} s")


def noisy_test_digits(data, noise=NOISE):
    """Digits' test split with Gaussian noise, clipped to [0, 1] (the same draw every time)."""
    noise = np.random.default_rng(0).normal(0, noise, data.x_test.shape)
    return np.clip(data.x_test + noise, 0, 1).astype("float32")


def denoising(data, seeds=SEEDS):
    """The denoising AE against the same model trained without noise (a plain AE of its shape,
    64-128-32-128-64), both fed noisy test digits, MSE to the clean ones; per seed, at a short and at
    the reference's length."""
    noisy = noisy_test_digits(data)
    row(f"noisy input itself (noise {NOISE})", "", f"MSE to clean {float(np.mean((noisy - data.x_test) ** 2)):.4f}", "")
    for settings in (dict(epochs=60, batch_size=64, learning_rate=1e-2),
                     dict(epochs=200, batch_size=32, learning_rate=3e-3, schedule="constant")):
        ratios = []
        for seed in seeds:
            errors, seconds = {}, {}
            for noise in (NOISE, 0.0):
                model, seconds[noise] = train("denoising_autoencoder", data, dict(settings, seed=seed),
                                              {"noise_stddev": noise})
                errors[noise] = float(np.mean((model.predict(noisy, verbose=0) - data.x_test) ** 2))
            ratios.append(errors[0.0] / errors[NOISE])
            row(f"denoising vs plain (noise_stddev=0), seed {seed}", command("denoising_autoencoder", settings),
                f"MSE to clean {errors[NOISE]:.4f} vs {errors[0.0]:.4f}: {ratios[-1]:.2f}x lower",
                f"{seconds[NOISE]:.0f} s + {seconds[0.0]:.0f} s")
        row("denoising vs plain, over seeds", "",
            f"{min(ratios):.2f}x to {max(ratios):.2f}x, mean {np.mean(ratios):.2f}x", "")


def cyclegans(data):
    settings = dict(epochs=30, batch_size=64, learning_rate=1e-3)
    model, seconds = train("cyclegan", data, settings)
    x = data.x_test
    error = float(np.mean(np.abs(model.translate(x) - make_domain(x, "invert"))))
    back = float(np.mean(np.abs(model.translate(model.translate(x), "b_to_a") - x)))
    row("cyclegan (digits -> inverted)", command("cyclegan", settings),
        f"mean abs error to the true inversion {error:.3f}, cycle error {back:.3f}", f"{seconds:.0f} s")


def mnist():
    shared = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist.npz")
    if not os.path.isfile(shared):
        print("MNIST file not here: skipped")
        return
    data = load_dataset("mnist", path=shared, limit=5000)
    settings = dict(epochs=30, batch_size=100, learning_rate=1e-3, schedule="constant")
    model, seconds = train("vae", data, settings, {"latent_dim": 20, "hidden_units": 400})
    bounds = likelihood_bounds(model, data.x_test[:1000], samples=200)
    row("vae, latent 20, MNIST 5k (grey)", f"`dlcourse train vae --data mnist --limit 5000 ...`",
        f"test -ELBO {bounds['negative_elbo']:.2f} nats, IW-NLL {bounds['iw_nll']:.2f}", f"{seconds:.0f} s")


if __name__ == "__main__":
    parts = sys.argv[1:] or ["ae", "denoise", "vae", "gan", "cyclegan", "mnist"]
    digits = load_dataset("digits", image_size=8)
    row("measurement", "command", "result", "training time")
    row("---", "---", "---", "---")
    for part in parts:
        if part in GANS:  # one GAN alone
            gans(digits, (part,))
            continue
        {"ae": lambda: autoencoders(digits), "vae": lambda: vaes(digits), "gan": lambda: gans(digits),
         "cyclegan": lambda: cyclegans(digits), "mnist": mnist, "denoise": lambda: denoising(digits),
         "vaeseeds": lambda: vae_seeds(digits)}[part]()
