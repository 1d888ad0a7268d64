"""The README's autoencoder claims as tests of direction, at a small size (a few hundred steps each);
the README's full runs (benchmarks/bench_generative.py) give the numbers."""

import numpy as np
import pytest

from dlcourse.train import fit

QUICK = dict(verbose=0, tensorboard=False)
SHORT = dict(epochs=15, batch_size=64, learning_rate=1e-2)  # 315 steps on digits' 1,293 training images


@pytest.fixture(scope="module")
def digits8():
    from dlcourse.data import load_dataset

    return load_dataset("digits", image_size=8)


def _mse(model, x, target):
    return float(np.mean((model.predict(x, verbose=0) - target) ** 2))


@pytest.mark.slow
def test_a_deep_autoencoder_with_an_8d_code_at_least_matches_pca8(digits8):
    from sklearn.decomposition import PCA

    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    pca = PCA(8).fit(flat(digits8.x_train))
    pca_error = np.mean((pca.inverse_transform(pca.transform(flat(digits8.x_test))) - flat(digits8.x_test)) ** 2)
    model = fit("deep_autoencoder", digits8, **SHORT, **QUICK).model
    assert model.encoder.output_shape == (None, 8)
    assert _mse(model, digits8.x_test, digits8.x_test) <= pca_error


@pytest.mark.slow
def test_denoising_beats_a_plain_autoencoder_on_noisy_inputs(digits8):
    noisy = np.clip(digits8.x_test + np.random.default_rng(0).normal(0, 0.3, digits8.x_test.shape), 0, 1)
    denoising = fit("denoising_autoencoder", digits8, **SHORT, **QUICK).model
    plain = fit("autoencoder", digits8, model_args={"latent_dim": 32}, **SHORT, **QUICK).model  # same 64-32-64
    assert _mse(denoising, noisy, digits8.x_test) < _mse(plain, noisy, digits8.x_test)


@pytest.mark.slow
def test_the_sparse_autoencoders_mean_activation_is_within_20_percent_of_rho(digits8):
    model = fit("sparse_autoencoder", digits8, **SHORT, **QUICK).model
    assert model.rho == 0.05
    assert abs(model.encode(digits8.x_test).mean() / model.rho - 1) <= 0.2
