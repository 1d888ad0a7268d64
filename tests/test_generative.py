"""The generative models' one design: registered, trained by `fit` (run directories, resume), saved as
``.keras``, seeded sampling, and bad input stopped before any training."""

import keras
import numpy as np
import pytest

from conftest import stop_at_epoch

from dlcourse.models import get_model, list_models, model_entry
from dlcourse.models.configs import GENERATIVE
from dlcourse.train import fit
from dlcourse.train.tasks import trains_itself

QUICK = dict(verbose=0, tensorboard=False)
GENERATIVE_MODELS = sorted(GENERATIVE)


@pytest.fixture(scope="module")
def tiny():
    """64 digits at 8x8 with labels: two batches of 32."""
    from dlcourse.data import load_dataset

    data = load_dataset("digits", image_size=8)
    return data.x_train[:64], data.y_train[:64]


def _first_output(model, x):
    """What a model makes from fixed input: codes' decoding, generated images or translations."""
    if hasattr(model, "translate"):
        return model.translate(x)
    if hasattr(model, "generate"):
        return model.generate(4, seed=3)
    return keras.ops.convert_to_numpy(model(x, training=False))


def test_the_family_is_registered_for_generation():
    assert list_models(family="generative") == GENERATIVE_MODELS
    assert GENERATIVE_MODELS == sorted(["autoencoder", "deep_autoencoder", "conv_autoencoder", "sparse_autoencoder",
                                        "denoising_autoencoder", "vae", "gan", "dcgan", "cgan", "wgan_gp",
                                        "cyclegan"])
    assert all(model_entry(name).task == "generation" for name in GENERATIVE_MODELS)


@pytest.mark.parametrize("name", GENERATIVE_MODELS)
def test_builds_by_name_with_stated_parameters_and_round_trips_through_keras_file(name, tiny, tmp_path):
    entry = model_entry(name)
    model = get_model(name)
    assert model.count_params() == entry.params
    assert model.task == "generation" and trains_itself(model)
    assert model.input_shape == (None, *entry.default_input_shape)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    assert type(restored) is type(model) and restored.count_params() == model.count_params()
    x = tiny[0][:4]
    np.testing.assert_allclose(_first_output(restored, x), _first_output(model, x), atol=1e-6)


def test_an_autoencoder_trains_through_fit_into_a_run_directory_and_loads_back(tiny, tmp_path):
    result = fit("deep_autoencoder", tiny, epochs=3, batch_size=32, run_dir=tmp_path, **QUICK)
    assert result.task == "generation"
    assert {"loss", "reconstruction", "val_loss"} <= set(result.history)
    assert result.history["loss"][-1] < result.history["loss"][0]
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    x = tiny[0][:4]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(result.model(x)),
                               atol=1e-6)


def test_a_gan_killed_and_resumed_ends_as_the_uninterrupted_run(tiny, tmp_path):
    """Both players, the one optimiser's moments and the sampling seed's state come back."""
    settings = dict(epochs=2, batch_size=32, seed=1, **QUICK)
    whole = fit("cgan", tiny, run_dir=tmp_path / "whole", **settings)
    with pytest.raises(KeyboardInterrupt):
        fit("cgan", tiny, run_dir=tmp_path / "cut", callbacks=[stop_at_epoch(1)], **settings)
    resumed = fit("cgan", tiny, run_dir=tmp_path / "cut", **settings)
    assert resumed.status == "resumed" and resumed.initial_epoch == 1
    assert int(resumed.model.optimizer.iterations) == int(whole.model.optimizer.iterations) == 4  # generator steps
    for a, b in zip(whole.model.variables, resumed.model.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)
    assert {"d_loss", "g_loss", "val_d_loss"} <= set(resumed.history)
    assert resumed.model.optimizer.beta_1 == whole.model.optimizer.beta_1 == 0.5  # the DCGAN recipe's Adam
    assert resumed.config.optimizer_args == {"beta_1": 0.5}


def test_wgan_gp_takes_critic_steps_per_generator_step(tiny):
    model = get_model("wgan_gp", critic_steps=2)
    result = fit(model, tiny, epochs=1, batch_size=32, **QUICK)
    assert int(model.optimizer.iterations) == 2  # two generator steps; the critic's four do not count
    assert {"wasserstein", "gradient_penalty"} <= set(result.history)


def test_seeded_sampling_repeats():
    model = get_model("vae")
    np.testing.assert_array_equal(model.generate(5, seed=7), model.generate(5, seed=7))
    assert not np.array_equal(model.generate(5, seed=7), model.generate(5, seed=8))
    gan = get_model("cgan")
    np.testing.assert_array_equal(gan.generate(3, labels=[1, 2, 3], seed=0), gan.generate(3, labels=[1, 2, 3], seed=0))


def test_denoising_noise_acts_only_in_training(tiny):
    model = get_model("denoising_autoencoder")
    x = tiny[0][:8]
    clean = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_array_equal(clean, keras.ops.convert_to_numpy(model(x, training=False)))
    assert not np.allclose(clean, keras.ops.convert_to_numpy(model(x, training=True)))


def test_the_sparsity_weight_acts_as_documented_at_any_batch_size(tiny):
    """loss = MSE + weight x sum KL(rho || mean activation), the same for batches of 4 and 32
    (a Keras activity regulariser would divide it by the batch size)."""
    model = get_model("sparse_autoencoder", sparsity_weight=2.0)
    x = tiny[0][:4]
    code = model.encode(x)
    rho, rho_hat = 0.05, code.mean(axis=0)
    kl = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    mse = np.mean((keras.ops.convert_to_numpy(model(x)) - x) ** 2)
    for repeats in (1, 8):
        batch = np.concatenate([x] * repeats)
        loss = model.compute_loss(batch, None, model(batch), training=False)
        np.testing.assert_allclose(float(loss), mse + 2.0 * kl, rtol=1e-4)


def test_vae_importance_weighted_nll_is_never_above_the_negative_elbo(tiny):
    from dlcourse.generative import likelihood_bounds

    bounds = likelihood_bounds(get_model("vae", latent_dim=3), tiny[0][:32], samples=50)
    assert 0 < bounds["iw_nll"] < bounds["negative_elbo"]
    one = likelihood_bounds(get_model("vae"), tiny[0][:8], samples=1)
    assert one["iw_nll"] == pytest.approx(one["negative_elbo"])


def test_vae_interpolates_between_two_images(tiny):
    path = get_model("vae").interpolate(tiny[0][0], tiny[0][1], steps=5)
    assert path.shape == (5, 8, 8, 1) and 0 <= path.min() and path.max() <= 1


def test_cyclegan_learns_from_unpaired_domain_pairs(tiny):
    from dlcourse.generative import unpaired_domains

    a, b = unpaired_domains(tiny[0], kind="thicken")
    assert len(a) == len(b) == 32 and b.mean() > a.mean()  # thicker strokes: more ink
    import tensorflow as tf

    model = get_model("cyclegan")
    result = fit(model, tf.data.Dataset.from_tensor_slices((a, b)).batch(16), epochs=1, **QUICK)
    assert {"cycle", "identity", "d_loss", "g_loss"} <= set(result.history)
    assert model.translate(a[:2], "b_to_a").shape == (2, 8, 8, 1)


# --- bad input: one clear error before any training ------------------------------------------------
@pytest.mark.parametrize("name", [name for name in GENERATIVE_MODELS if name != "cyclegan"])  # cyclegan: no code
def test_a_latent_size_below_one_is_refused(name):
    with pytest.raises(ValueError, match=r"latent_dim must be a positive integer; got 0"):
        get_model(name, latent_dim=0)


def test_numpy_integers_are_accepted():
    model = get_model("wgan_gp", latent_dim=np.int64(4), critic_steps=np.int32(2), input_shape=(np.int64(8), 8, 1))
    assert model.latent_dim == 4 and model.critic_steps == 2


def test_a_critic_step_count_below_one_is_refused():
    with pytest.raises(ValueError, match=r"critic_steps must be a positive integer; got 0"):
        get_model("wgan_gp", critic_steps=0)


def test_a_condition_label_out_of_range_is_refused(tiny):
    model = get_model("cgan", classes=10)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\].*\[3, 10\]"):
        model.generate(2, labels=[3, 10])
    x, y = tiny
    with pytest.raises(ValueError, match=r"train labels must lie in \[0, 4\]"):
        fit(get_model("cgan", classes=5), (x, y), epochs=1, **QUICK)


def test_arrays_outside_zero_one_are_refused_before_anything_is_written(tiny, tmp_path):
    x, y = tiny
    with pytest.raises(ValueError, match=r"float images must lie in \[0, 1\]"):
        fit("gan", (x * 2 - 1, y), epochs=1, run_dir=tmp_path, **QUICK)
    assert not any(tmp_path.iterdir())  # a failed command changes nothing on disk


@pytest.mark.parametrize("name", ["deep_autoencoder", "gan", "vae"])
def test_data_outside_the_output_activations_range_is_refused_before_training(name, tiny):
    import tensorflow as tf

    x, y = tiny
    model = get_model(name)
    before = [np.array(v) for v in model.trainable_variables]
    batches = tf.data.Dataset.from_tensor_slices((x * 2 - 1, y)).batch(32)
    message = r"data: train images range over \[-1, 1\].*sigmoid output reaches only \[0, 1\]"
    with pytest.raises(ValueError, match=message):
        fit(model, batches, epochs=1, **QUICK)
    for a, b in zip(before, model.trainable_variables):
        np.testing.assert_array_equal(a, np.asarray(b))
    tanh = get_model(name, output_activation="tanh") if name != "vae" else None
    if tanh is not None:  # a tanh output reaches [-1, 1]: the same data is accepted
        tanh.check_data(x * 2 - 1, y)


def test_image_sizes_that_the_strides_cannot_divide_are_refused():
    with pytest.raises(ValueError, match=r"input_shape \(10, 10, 1\).*multiples of 4"):
        get_model("dcgan", input_shape=(10, 10, 1))
    with pytest.raises(ValueError, match=r"sparsity must be one of \('kl', 'l1'\)"):
        get_model("sparse_autoencoder", penalty="l2")


def test_the_readme_table_states_each_generative_model():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for name in GENERATIVE_MODELS:
        assert f"| `{name}` |" in readme and readme.split(f"| `{name}` |")[1].split("\n")[0].endswith(
            f" | {model_entry(name).params:,} |"), name
