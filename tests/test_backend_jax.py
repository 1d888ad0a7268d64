"""Keras' JAX backend: the registry's ``backends`` claims hold, `fit` trains and resumes on JAX, and
`keras.distribution.DataParallel` splits batches over two devices.

Keras fixes its backend per process and this process runs TensorFlow (JAX is never imported here):
each JAX check is one subprocess with ``KERAS_BACKEND=jax``. The model sweep builds every model that
claims JAX on TensorFlow, saves its weights and inputs, has `jax_backend_worker.py` load them on JAX,
run forward, train one batch and report; then the outputs are compared here. Big models are checked
through a smaller member of their family built by the same code (`COVERED`). The GANs (their own
two-player `train_step`) are built small on TensorFlow and train two batches there and on JAX from the
same weights, images and random draws (`train_gan`, the worker's): both must log the same losses and
end with the same weights.
"""

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from dlcourse.models import get_model, list_models, model_entry
from dlcourse.models.registry import KERAS_BACKENDS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jax_backend_worker import train_gan  # noqa: E402  (the same two steps on both backends)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WORKER = PROJECT_ROOT / "tests" / "jax_backend_worker.py"
BATCH = 2
CLASSES = 3
ZOO = dict(input_shape=(32, 32, 3), classes=CLASSES)  # CIFAR size: the zoo's smallest input
NO_TOP = dict(input_shape=(32, 32, 3), include_top=False, pooling="avg")  # without the 4096-unit classifier
# The models checked on JAX, each at a small size (outputs compared with TensorFlow, one batch trained).
CHECKED = {
    "perceptron": dict(classifier_activation="sigmoid"),  # the step function has no gradient
    "mlp": dict(classes=CLASSES), "notes_cnn": dict(classes=CLASSES), "small_cnn": dict(classes=CLASSES),
    "alexnet": dict(NO_TOP, input_shape=(64, 64, 3)), "vgg11_bn": NO_TOP, "googlenet": ZOO, "resnet18": ZOO,
    "se_resnet50": ZOO, "densenet121": ZOO, "mobilenet": dict(ZOO, alpha=0.25), "mobilenet_v2": dict(ZOO, alpha=0.35),
    "vgg_small": dict(classes=CLASSES),
    "rnn_rows": dict(classes=CLASSES), "lstm_rows": dict(classes=CLASSES), "gru_rows": dict(classes=CLASSES),
    "attention_rows": dict(classes=CLASSES), "vit_tiny_digits": dict(classes=CLASSES),
    "deit_tiny_digits": dict(classes=CLASSES),
    "fcn8s_small": dict(input_shape=(32, 32, 3), classes=CLASSES), "unet_small": dict(input_shape=(32, 32, 3), classes=CLASSES),
    "yolov1_small": dict(input_shape=(32, 32, 3), classes=CLASSES),
    "faster_rcnn_small": dict(input_shape=(32, 32, 3), classes=CLASSES),
    "mask_rcnn_small": dict(input_shape=(32, 32, 3), classes=CLASSES),
    "autoencoder": {}, "deep_autoencoder": {}, "sparse_autoencoder": {}, "denoising_autoencoder": {},
    "conv_autoencoder": {}, "vae": {},
}
# What CI sweeps: one model of each kind of code at a few seconds of CPU each (dense, conv, recurrent,
# attention, distillation token, two detectors' and two generative models' own compute_loss). The zoo's
# train steps take 5-143 s of CPU each to compile on JAX (densenet121 the most), so the whole of CHECKED
# runs only with DLCOURSE_JAX_SWEEP=all (its result here: README's "On Keras' JAX backend").
CI_SWEEP = ("perceptron", "mlp", "notes_cnn", "lstm_rows", "attention_rows", "deit_tiny_digits", "yolov1_small",
            "mask_rcnn_small", "sparse_autoencoder", "vae")
SWEPT = list(CHECKED) if os.environ.get("DLCOURSE_JAX_SWEEP") == "all" else list(CI_SWEEP)
# Models too big to build twice in a test (13M-272M parameters), each checked through a smaller
# model made by the same builder and blocks; only their stage counts, widths or heads differ.
COVERED = {
    **{name: "vgg11_bn" for name in ("vgg11", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn")},
    **{name: "resnet18" for name in ("resnet34",)},
    **{name: "se_resnet50" for name in ("resnet50", "resnet101", "resnet152")},  # bottleneck blocks, without SE
    **{name: "densenet121" for name in ("densenet169", "densenet201")},
    **{name: "fcn8s_small" for name in ("fcn8s", "fcn16s", "fcn32s", "fcn16s_small", "fcn32s_small")},
    "unet": "unet_small",
    **{name: "yolov1_small" for name in ("yolov1", "fast_yolo")},  # the YOLOv1 model class and its loss
}
# The GANs, small, each trained by `train_gan` on both backends (all five: each player setup once)
GANS = {"gan": dict(hidden_units=(16, 16)), "dcgan": dict(filters=(16, 8), latent_dim=4),
        "cgan": dict(hidden_units=(16, 16), classes=3), "wgan_gp": dict(hidden_units=(16, 16), critic_steps=2),
        "cyclegan": dict(filters=(4,), discriminator_filters=4)}
GAN_IMAGES = 8  # two batches of 4
TF_ONLY = [name for name in list_models() if "jax" not in model_entry(name).backends]


def _targets(model, name, rng):
    """Training targets for one batch of the model's task."""
    task = model_entry(name).task
    if task == "generation":
        return {}
    if task == "detection":
        targets = {"boxes": np.tile(np.array([[[4.0, 4.0, 20.0, 20.0]]], "float32"), (BATCH, 1, 1)),
                   "classes": np.zeros((BATCH, 1), "int32")}
        if name.startswith("mask_rcnn"):  # one instance mask per box, at the image's size
            masks = np.zeros((BATCH, 1, *model.input_shape[1:3]), "float32")
            masks[:, :, 4:20, 4:20] = 1
            targets["masks"] = masks
        return targets
    outputs = model.output_shape
    if task == "segmentation":
        return {"y": rng.integers(0, outputs[-1], (BATCH, *outputs[1:3]))}
    if outputs[-1] == 1:
        return {"y": rng.integers(0, 2, (BATCH, 1)).astype("float32")}
    return {"y": rng.integers(0, outputs[-1], BATCH)}


def _flat(outputs):
    import keras

    if isinstance(outputs, dict):
        outputs = [outputs[k] for k in sorted(outputs)]
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [keras.ops.convert_to_numpy(o) for o in outputs]


def _jax_env(**extra):
    return {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2",
            "JAX_PLATFORMS": "cpu", **extra}


def _run_jax(args, tmp_path, timeout=600, **env):
    result = subprocess.run([sys.executable, *args], cwd=tmp_path, env=_jax_env(**env), capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


def prepare_sweep(tmp, names):
    """Builds `names` and the `GANS` on TensorFlow; writes their weights, inputs and targets and the
    worker's spec to `tmp`; trains the GANs (`train_gan`). Returns the TensorFlow outputs ``{name:
    [arrays]}`` and the GANs' ``{name: (row, weights before, weights after)}``."""
    import keras

    rng = np.random.default_rng(0)
    spec = {"checked": [], "gans": [], "report": str(tmp / "report.json"), "outputs": str(tmp / "jax_outputs.npz")}
    tf_outputs = {}
    for name in names:
        kwargs = CHECKED[name]
        model = get_model(name, **kwargs)
        x = rng.uniform(0, 1, (BATCH, *model.input_shape[1:])).astype("float32")
        weights, arrays = tmp / f"{name}.weights.h5", tmp / f"{name}.npz"
        model.save_weights(weights)
        np.savez(arrays, x=x, **_targets(model, name, rng))
        tf_outputs[name] = _flat(model(x, training=False))
        spec["checked"].append({"name": name, "kwargs": kwargs, "npz": str(arrays), "weights": str(weights)})
    tf_gans = {}
    for name, kwargs in GANS.items():
        keras.utils.set_random_seed(0)  # the same starting weights in every run
        model = get_model(name, **kwargs)
        arrays = {"x": rng.uniform(0, 1, (GAN_IMAGES, *model.image_shape)).astype("float32"),
                  "codes": rng.normal(size=(GAN_IMAGES // 2, getattr(model, "latent_dim", 1))).astype("float32"),
                  "mix": rng.uniform(0, 1, (GAN_IMAGES // 2, 1, 1, 1)).astype("float32")}
        if "classes" in kwargs:
            arrays["labels"] = (np.arange(GAN_IMAGES) % kwargs["classes"]).astype("int32")
        weights, npz = tmp / f"{name}.weights.h5", tmp / f"{name}.npz"
        model.save_weights(weights)
        np.savez(npz, **arrays)
        before = [w.numpy() for part in model.PARTS for w in getattr(model, part).weights]
        row, after = train_gan(model, arrays)
        tf_gans[name] = (row, before, after)
        spec["gans"].append({"name": name, "kwargs": kwargs, "npz": str(npz), "weights": str(weights)})
    (tmp / "spec.json").write_text(json.dumps(spec))
    return tf_outputs, tf_gans


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The models on TensorFlow, then on JAX in one subprocess: ``(report, tensorflow outputs, jax
    outputs, tensorflow GAN runs)``."""
    tmp = tmp_path_factory.mktemp("jax_sweep")
    tf_outputs, tf_gans = prepare_sweep(tmp, SWEPT)
    _run_jax([str(WORKER), str(tmp / "spec.json")], tmp, timeout=1800)
    report = json.loads((tmp / "report.json").read_text())
    return report, tf_outputs, dict(np.load(tmp / "jax_outputs.npz")), tf_gans


def test_registry_states_the_backends_of_every_model():
    for name in list_models():
        entry = model_entry(name)
        assert entry.backends and set(entry.backends) <= set(KERAS_BACKENDS) and "tensorflow" in entry.backends, name
        assert (entry.backend_reason is None) == (set(entry.backends) == set(KERAS_BACKENDS)), name
    assert TF_ONLY == []  # the GANs too: their train_step takes gradients through one helper per backend


def test_every_model_is_checked_covered_or_tensorflow_only():
    assert sorted([*CHECKED, *COVERED, *GANS, *TF_ONLY]) == list_models()  # each model once
    assert set(CI_SWEEP) <= set(CHECKED)
    for name, twin in COVERED.items():
        assert twin in CHECKED and model_entry(twin).module == model_entry(name).module, name
        assert model_entry(name).backends == model_entry(twin).backends, name


def test_a_tensorflow_only_model_is_refused_by_name_before_anything_is_built():
    entry = dataclasses.replace(model_entry("mlp"), backends=("tensorflow",),
                                backend_reason="its train_step takes gradients with tf.GradientTape")
    entry.check_backend("tensorflow")
    model_entry("wgan_gp").check_backend("jax")
    with pytest.raises(RuntimeError, match=r"mlp runs on the Keras backends \('tensorflow',\), not 'jax': .*GradientTape"):
        entry.check_backend("jax")


@pytest.mark.slow
def test_models_on_jax_match_tensorflow_and_train(sweep):
    report, tf_outputs, jax_outputs, _ = sweep
    assert report["backend"] == "jax"
    rows = report["models"]
    assert sorted(rows) == sorted([*SWEPT, *GANS])
    failed = {name: row["error"] for name, row in rows.items() if row["status"] == "failed"}
    assert not failed, failed
    for name in SWEPT:
        row = rows[name]
        assert row["status"] == "checked" and np.isfinite(row["loss"]) and row["weights_moved"] > 0, (name, row)
        assert len(tf_outputs[name]) == len([k for k in jax_outputs if k.startswith(f"{name}/")]), name
        for i, expected in enumerate(tf_outputs[name]):
            got = jax_outputs[f"{name}/{i}"]
            scale = max(1.0, float(np.max(np.abs(expected))))
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4 * scale, err_msg=name)


@pytest.mark.slow
def test_gans_train_on_jax_as_on_tensorflow(sweep):
    report, _, jax_outputs, tf_gans = sweep
    for name, (tf_row, before, tf_after) in tf_gans.items():
        row = report["models"][name]
        assert row["status"] == "checked", (name, row)
        assert row["iterations"] == tf_row["iterations"] == 2, name  # one optimiser step per generator update
        assert len(row["logs"]) == len(tf_row["logs"]) == 2, name
        for step, (tf_logs, jax_logs) in enumerate(zip(tf_row["logs"], row["logs"]), start=1):
            assert sorted(jax_logs) == sorted(tf_logs) and np.all(np.isfinite(list(jax_logs.values()))), name
            for key, value in tf_logs.items():  # the running means after each batch
                np.testing.assert_allclose(jax_logs[key], value, rtol=1e-5, atol=1e-6, err_msg=f"{name} {key} {step}")
        after = [jax_outputs[f"{name}/weights/{i}"] for i in range(len(tf_after))]
        assert max(float(np.max(np.abs(a - b))) for a, b in zip(after, before)) > 1e-4, name  # it trained
        for i, (got, expected) in enumerate(zip(after, tf_after)):
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5, err_msg=f"{name} weight {i}")


def test_keras_distribution_on_tensorflow_warns_instead_of_pretending(digits8):
    import keras

    from dlcourse.train.fit import KERAS_DISTRIBUTION_ON_TF, fit

    keras.distribution.set_distribution(keras.distribution.DataParallel())
    try:
        with pytest.warns(UserWarning, match="on the TensorFlow backend Keras ignores it"):
            fit("mlp", digits8, epochs=1, verbose=0)
    finally:
        keras.distribution.set_distribution(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # and none without a distribution set
        fit("mlp", digits8, epochs=1, verbose=0)
    assert "prototype" in KERAS_DISTRIBUTION_ON_TF


FIT_ON_JAX = textwrap.dedent("""
    import json, sys
    import jax, keras, numpy as np
    from dlcourse.data import load_dataset
    from dlcourse.train.fit import fit
    sys.path.insert(0, {tests!r})
    from conftest import stop_at_epoch

    out = {{"backend": keras.config.backend(), "devices": jax.device_count()}}
    data = load_dataset("digits")
    settings = dict(epochs=2, batch_size=64, verbose=0)
    try:  # killed as epoch 2 begins, then run again: it resumes from the checkpoint of epoch 1
        fit("notes_cnn", data, run_dir="run", callbacks=[stop_at_epoch(1)], **settings)
    except KeyboardInterrupt:
        pass
    resumed = fit("notes_cnn", data, run_dir="run", **settings)
    again = fit("notes_cnn", data, run_dir="run", **settings)
    out["fit"] = {{"status": [resumed.status, again.status], "initial_epoch": resumed.initial_epoch,
                   "epochs": len(resumed.history["loss"]), "accuracy": resumed.test["accuracy"],
                   "jit": resumed.jit_compile,
                   "recorded_backend": json.load(open("run/config.json"))["versions"]["backend"]}}

    # DataParallel over the two host devices: replicated variables, each batch split on its batch axis
    seen = []

    class ShardingSpy(keras.layers.Layer):
        def call(self, x):
            jax.debug.inspect_array_sharding(x, callback=lambda s: seen.append(s))
            return x

    def build():
        return keras.Sequential([keras.Input((8, 8, 1)), ShardingSpy(), keras.layers.Flatten(),
                                 keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10)])

    keras.distribution.set_distribution(keras.distribution.DataParallel())
    small = load_dataset("digits", image_size=8)
    result = fit(build, small, epochs=3, batch_size=64, verbose=0, learning_rate=1e-2)
    try:
        fit(build, small, epochs=1, batch_size=63, verbose=0)
    except ValueError as error:
        out["uneven_error"] = str(error)
    kernel = result.model.trainable_weights[0].value
    out["data_parallel"] = {{
        "mesh": list(keras.distribution.distribution().device_mesh.shape),
        "kernel_devices": len(kernel.sharding.device_set), "kernel_replicated": kernel.sharding.is_fully_replicated,
        "batch_shardings": sorted({{(len(s.device_set), s.is_fully_replicated,
                                    tuple(s.shard_shape((64, 8, 8, 1)))) for s in seen}}),
        "accuracy": result.test["accuracy"],
    }}
    # a GAN, data-parallel: WGAN-GP killed and resumed ends as the whole run (players, seed, optimiser moments)
    small = (small.x_train[:80], small.y_train[:80])  # under DataParallel: 8 for validation, 2 batches of 32
    gan = dict(epochs=2, batch_size=32, seed=1, verbose=0, model_args=dict(hidden_units=(16, 16), critic_steps=2))
    whole = fit("wgan_gp", small, run_dir="gan_whole", **gan)
    try:
        fit("wgan_gp", small, run_dir="gan_cut", callbacks=[stop_at_epoch(1)], **gan)
    except KeyboardInterrupt:
        pass
    resumed = fit("wgan_gp", small, run_dir="gan_cut", **gan)
    out["gan_resume"] = {{"status": resumed.status, "initial_epoch": resumed.initial_epoch,
                          "iterations": int(resumed.model.optimizer.iterations),
                          "max_difference": max(float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
                                                for a, b in zip(whole.model.variables, resumed.model.variables))}}
    from dlcourse.train.loop import train_loop
    try:  # the explicit GradientTape loop is TensorFlow's: refused by name on JAX
        train_loop(result.model, None)
    except RuntimeError as error:
        out["train_loop_error"] = str(error)
    json.dump(out, open("out.json", "w"))
""")


@pytest.mark.slow
def test_fit_on_jax_resumes_and_data_parallel_splits_batches(tmp_path):
    script = tmp_path / "fit_on_jax.py"
    script.write_text(FIT_ON_JAX.format(tests=str(PROJECT_ROOT / "tests")))
    _run_jax([str(script)], tmp_path, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["backend"] == "jax" and out["devices"] == 2
    run = out["fit"]
    assert run["status"] == ["resumed", "already finished"] and run["initial_epoch"] == 1 and run["epochs"] == 2
    assert run["jit"] is True and run["recorded_backend"] == "jax"
    assert run["accuracy"] > 0.8, run  # 10 classes: chance is 0.1
    parallel = out["data_parallel"]
    assert parallel["mesh"] == [2] and parallel["kernel_devices"] == 2 and parallel["kernel_replicated"]
    assert [2, False, [32, 8, 8, 1]] in parallel["batch_shardings"], parallel  # 64 images: 32 per device
    assert parallel["accuracy"] > 0.5, parallel
    assert out["uneven_error"] == ("data: keras.distribution splits every batch over 2 devices, so these must be "
                                   "multiples of 2: batch_size 63")
    gan = out["gan_resume"]
    assert gan["status"] == "resumed" and gan["initial_epoch"] == 1 and gan["iterations"] == 4, gan
    assert gan["max_difference"] <= 1e-6, gan
    assert "backend is 'jax'" in out["train_loop_error"] and "dlcourse.train.fit" in out["train_loop_error"]


def test_readme_states_what_was_checked():
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = " ".join(text[text.index("### On Keras' JAX backend"):text.index("## The training toolkit")].split())
    both = [name for name in list_models() if "jax" in model_entry(name).backends]
    assert f"All {len(both)} models written in Keras layers" in section
    assert f"{len(CHECKED)} models are built small on TensorFlow" in section
    assert f"The {len(COVERED)} big ones" in section
    assert f"The five GANs ({', '.join(f'`{n}`' for n in GANS)}) too" in section
    assert "the five GANs are refused" not in section and not TF_ONLY
