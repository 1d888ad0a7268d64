"""The same model on Keras' two backends: training throughput of our ResNet-50 on JAX against TensorFlow.

Keras fixes its backend per process, so each measurement is a fresh process (``KERAS_BACKEND=...
python -m benchmarks.backends SIZE BATCH STEPS``), the two backends alternating. Each process builds
the model, compiles it as `fit` does on its backend (TensorFlow without XLA, faster on CPU; JAX always
compiles), runs one step to trace it, then times `STEPS` steps of `train_on_batch`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks.suite import REPO, register

MODEL = "resnet50"
BACKEND_SIZES = {True: dict(size=64, batch=8, steps=2, repeats=1), False: dict(size=64, batch=32, steps=3, repeats=2)}
_B = BACKEND_SIZES[False]


def images_per_second(size: int, batch: int, steps: int, model_name: str = MODEL, xla: bool | None = None) -> dict:
    """In this process's backend: a model's training images per second over `steps` steps after one
    traced step; `xla` None compiles as `fit` does (XLA on JAX, not on TensorFlow on a CPU)."""
    import keras

    from benchmarks.throughput import CLASSES, _batch
    from dlcourse.models import get_model

    x, y = _batch(size, batch)
    model = get_model(model_name, input_shape=(size, size, 3), classes=CLASSES)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  jit_compile=keras.config.backend() != "tensorflow" if xla is None else xla)
    model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return {"backend": keras.config.backend(), "images_per_second": steps * batch / (time.perf_counter() - start)}


def _measure(backend: str, s: dict, model_name: str = MODEL, xla: bool = False) -> float:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.backends", str(s["size"]), str(s["batch"]), str(s["steps"]), model_name,
         "xla" if xla or backend == "jax" else "graph"],
        capture_output=True, text=True, cwd=REPO,
        env={**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"KERAS_BACKEND={backend} failed: {done.stderr[-800:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["backend"] != backend:
        raise RuntimeError(f"asked for the {backend} backend, the process ran {result['backend']}")
    return result["images_per_second"]


@register("backends", f"Training throughput of our ResNet-50 on Keras' JAX backend against TensorFlow ({_B['size']}x"
          f"{_B['size']} images, batch {_B['batch']}, SGD, {_B['steps']} steps after a traced one; each a fresh "
          f"process, the backends alternating, median of {_B['repeats']})", "python -m benchmarks backends",
          backends=("tensorflow", "jax"))
def backends(quick: bool) -> dict:
    s = BACKEND_SIZES[quick]
    speeds = {"jax": [], "tensorflow": []}
    for repeat in range(s["repeats"]):
        for backend in ("tensorflow", "jax") if repeat % 2 == 0 else ("jax", "tensorflow"):
            speeds[backend].append(_measure(backend, s))
            print(f"  {backend:10s} {speeds[backend][-1]:8.1f} img/s", flush=True)
    jax_speed, tf_speed = (statistics.median(speeds[b]) for b in ("jax", "tensorflow"))
    row = {"what": f"{MODEL} at {s['size']}x{s['size']}, batch {s['batch']}: JAX vs TensorFlow",
           "ours": round(jax_speed, 2), "baseline": round(tf_speed, 2), "unit": "img/s",
           "ratio": round(jax_speed / tf_speed, 3), "higher_is_better": True}
    figure = (f"{MODEL} training: JAX {jax_speed:.1f} vs TensorFlow {tf_speed:.1f} img/s "
              f"(**{jax_speed / tf_speed:.2f}x**)")
    return {"rows": [row], "settings": s, "figure": figure}


XLA_MODELS = ("vgg16", "resnet50", "densenet121")
XLA_SIZES = {True: dict(size=32, batch=8, steps=2, models=XLA_MODELS[:1]), False: dict(size=32, batch=16, steps=10,
                                                                                     models=XLA_MODELS)}
_X = XLA_SIZES[False]


@register("xla_cpu", f"Why JAX trains slower than TensorFlow on a CPU: {', '.join(_X['models'])} at {_X['size']}x"
          f"{_X['size']}, batch {_X['batch']}, {_X['steps']} steps after a traced one, each in a fresh process: "
          "TensorFlow as `fit` runs it (graph, oneDNN where TensorFlow turns it on), TensorFlow with XLA "
          "(`jit_compile=True`), and JAX (always XLA)", "python -m benchmarks xla_cpu", backends=("tensorflow", "jax"))
def xla_cpu(quick: bool) -> dict:
    s = XLA_SIZES[quick]
    rows, parts = [], []
    for name in s["models"]:
        graph, xla, jax = _measure("tensorflow", s, name), _measure("tensorflow", s, name, xla=True), _measure("jax", s, name)
        print(f"  {name:12s} TensorFlow {graph:7.1f} · TensorFlow + XLA {xla:7.1f} · JAX {jax:7.1f} img/s", flush=True)
        for what, value in (("TensorFlow + XLA", xla), ("JAX", jax)):
            rows.append({"what": f"{name}: {what} vs TensorFlow", "ours": round(value, 1), "baseline": round(graph, 1),
                         "unit": "img/s", "ratio": round(value / graph, 3), "higher_is_better": True})
        parts.append(f"{name}: TensorFlow {graph:.1f} img/s, with XLA {xla:.1f} (**{xla / graph:.2f}x**), "
                     f"JAX {jax:.1f} (**{jax / graph:.2f}x**)")
    return {"rows": rows, "settings": s, "figure": " · ".join(parts)}


if __name__ == "__main__":
    size, batch, steps = (int(a) for a in sys.argv[1:4])
    name = sys.argv[4] if len(sys.argv) > 4 else MODEL
    xla = {"xla": True, "graph": False}[sys.argv[5]] if len(sys.argv) > 5 else None
    print(json.dumps(images_per_second(size, batch, steps, name, xla)))
