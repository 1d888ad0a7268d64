"""The JAX side of tests/test_backend_jax.py, run as one process with ``KERAS_BACKEND=jax``.

Keras fixes its backend when it is first imported, so the TensorFlow test process cannot build a JAX
model: it saves each model's weights and inputs, runs this script once for every model, and compares.

    KERAS_BACKEND=jax python tests/jax_backend_worker.py SPEC.json

SPEC.json: ``{"checked": [{"name", "kwargs", "npz", "weights"}], "gans": [{"name", "kwargs", "npz",
"weights"}], "report": path, "outputs": path}``. For each checked model: build it with the same
arguments, load the TensorFlow model's weights, run it forward on the saved inputs (outputs go to the
``outputs`` npz), then train one batch with the task's compile (jit-compiled, as `fit` does on JAX)
and record the loss and how far the weights moved. For each GAN: `train_gan`, the same function the
test runs on TensorFlow (its players' weights after training go to the ``outputs`` npz). The report
(JSON) holds one row per model.
"""

import json
import sys
import time

import numpy as np


def _targets(npz):
    """The training targets the parent saved: y, or {"boxes", "classes"[, "masks"]} for a detector, or none."""
    if "boxes" in npz:
        return {key: npz[key] for key in ("boxes", "classes", "masks") if key in npz}
    return npz["y"] if "y" in npz else None


def _flat(outputs):
    import keras

    if isinstance(outputs, dict):
        outputs = [outputs[k] for k in sorted(outputs)]
    if isinstance(outputs, (list, tuple)):
        return [keras.ops.convert_to_numpy(o) for o in outputs]
    return [keras.ops.convert_to_numpy(outputs)]


def check(case, outputs):
    import keras

    from dlcourse.models import get_model, model_entry
    from dlcourse.train.tasks import get_task

    name = case["name"]
    model = get_model(name, **case["kwargs"])
    model.load_weights(case["weights"])
    npz = np.load(case["npz"])
    x = npz["x"]
    for i, out in enumerate(_flat(model(x, training=False))):
        outputs[f"{name}/{i}"] = out
    before = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    get_task(model_entry(name).task).compile(model, keras.optimizers.SGD(0.01), jit_compile=True)
    y = _targets(npz)
    history = model.fit(x, y, batch_size=len(x), epochs=1, verbose=0, shuffle=False)
    moved = max(float(np.max(np.abs(keras.ops.convert_to_numpy(w) - b))) for w, b in zip(model.trainable_weights, before))
    return {"status": "checked", "loss": float(history.history["loss"][0]), "weights_moved": moved}


def train_gan(model, arrays):
    """Two steps of `fit` (batches of half the images) with Adam, the model's random draws replaced
    by the saved ``codes`` (and WGAN-GP's ``mix``, its mixing weights), so both backends see the same
    numbers; returns ``(logs after each batch, players' weights after)``."""
    import keras

    ops = keras.ops
    model.sample_codes = lambda count, seed=None: ops.convert_to_tensor(arrays["codes"][:count])
    model.mixing_weights = lambda count: ops.convert_to_tensor(arrays["mix"][:count])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=keras.config.backend() == "jax")
    logs = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs=None, seen=logs: seen.append({k: float(v) for k, v in logs.items()}))
    x = arrays["x"]
    model.fit(x, arrays["labels"] if "labels" in arrays else None, batch_size=len(x) // 2, epochs=1, verbose=0,
              shuffle=False, callbacks=[record])
    weights = [ops.convert_to_numpy(w) for part in model.PARTS for w in getattr(model, part).weights]
    return {"logs": logs, "iterations": int(model.optimizer.iterations)}, weights


def check_gan(case, outputs):
    from dlcourse.models import get_model

    model = get_model(case["name"], **case["kwargs"])
    model.load_weights(case["weights"])
    row, weights = train_gan(model, dict(np.load(case["npz"])))
    for i, w in enumerate(weights):
        outputs[f"{case['name']}/weights/{i}"] = w
    return {"status": "checked", **row}


def main(spec_path):
    import keras

    spec = json.loads(open(spec_path).read())
    report = {"backend": keras.config.backend(), "models": {}}
    outputs = {}
    for kind, run in (("checked", check), ("gans", check_gan)):
        for case in spec.get(kind, []):
            cpu = time.process_time()
            try:
                row = run(case, outputs)
            except Exception as error:  # noqa: BLE001  (reported, and the test fails on it)
                row = {"status": "failed", "error": f"{type(error).__name__}: {error}"[:2000]}
            report["models"][case["name"]] = {**row, "cpu_seconds": round(time.process_time() - cpu, 2)}
            print(case["name"], report["models"][case["name"]], flush=True)
    np.savez(spec["outputs"], **outputs)
    with open(spec["report"], "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
