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
    from dlcourse.models.generative.autoencoders import DENOISING_NOISE

    assert DENOISING_NOISE == 0.5  # the README's comparison's noise, the Keras blog's
    noise = np.random.default_rng(0).normal(0, DENOISING_NOISE, digits8.x_test.shape)
    noisy = np.clip(digits8.x_test + noise, 0, 1)
    denoising = fit("denoising_autoencoder", digits8, **SHORT, **QUICK).model
    plain = fit("denoising_autoencoder", digits8, model_args={"noise_stddev": 0}, **SHORT, **QUICK).model  # its shape
    assert denoising.noise_stddev == DENOISING_NOISE and plain.noise is None
    assert _mse(denoising, noisy, digits8.x_test) < _mse(plain, noisy, digits8.x_test)


@pytest.mark.slow
def test_the_sparse_autoencoders_mean_activation_is_within_20_percent_of_rho(digits8):
    model = fit("sparse_autoencoder", digits8, **SHORT, **QUICK).model
    assert model.rho == 0.05
    assert abs(model.encode(digits8.x_test).mean() / model.rho - 1) <= 0.2


@pytest.mark.slow
def test_a_dcgan_falls_to_a_third_of_its_starting_distance_within_a_few_hundred_steps(digits8):
    """The README's GAN claim in direction: 210 generator steps at a higher rate than the README's run."""
    import keras

    from dlcourse.generative import sample_quality
    from dlcourse.models import get_model

    keras.utils.set_random_seed(0)
    start = sample_quality(get_model("dcgan").generate(360, seed=0))["frechet_distance"]
    model = fit("dcgan", digits8, epochs=10, batch_size=64, learning_rate=2e-3, schedule="constant", **QUICK).model
    assert model.optimizer.beta_1 == 0.5
    assert sample_quality(model.generate(360, seed=0))["frechet_distance"] <= start / 3
