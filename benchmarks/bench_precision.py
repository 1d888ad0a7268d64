"""Training throughput in float32 vs mixed bfloat16, with TensorFlow's oneDNN on and off.

    python benchmarks/bench_precision.py            # or: python -m benchmarks precision
    python benchmarks/bench_precision.py --quick

Each configuration runs in a fresh process (oneDNN is fixed when TensorFlow is imported): there the
float32 and the bfloat16 model (built by `dlcourse.train.precision.build_in_precision`, so the
output layer computes in float32) train on the same MNIST batch with `train_on_batch`, the two
interleaved round by round; the figure is the median images/s and their ratio. With oneDNN off only
the notes' CNN is timed, with fewer steps: bfloat16 is many times slower there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# model -> (image size, batch): MNIST's 28x28 digits, zero-padded to 32x32 for ResNet-18
MODELS = {"notes_cnn": (28, 128), "small_cnn": (28, 128), "resnet18": (32, 32)}
SETTINGS = {  # (quick?, oneDNN?) -> models, steps per round, rounds
    (False, True): (("notes_cnn", "small_cnn", "resnet18"), 10, 7),
    (False, False): (("notes_cnn",), 2, 3),
    (True, True): (("notes_cnn",), 2, 2),
    (True, False): (("notes_cnn",), 1, 2),
}


def _batch(size, batch):
    import numpy as np

    sys.path.insert(0, str(HERE))
    from _common import load_benchmark_data

    data = load_benchmark_data("mnist", limit=batch)
    x, y = data.x_train[:batch], data.y_train[:batch]
    if x.shape[1] < size:  # digits fallback (8x8) or ResNet's 32x32: pad with zeros
        x = np.pad(x, ((0, 0), (0, size - x.shape[1]), (0, size - x.shape[2]), (0, 0)))
    return x[:, :size, :size].astype("float32"), y


def measure(models, steps, rounds) -> dict:
    """Images/s of float32 and mixed_bfloat16 training per model, interleaved (this process)."""
    import keras

    from dlcourse.models import get_model
    from dlcourse.train.precision import build_in_precision, cpu_has_bf16, onednn_enabled
    from dlcourse.train.tasks import get_task

    results = {"onednn": onednn_enabled(), "cpu_bf16": cpu_has_bf16(), "models": {}}
    for name in models:
        size, batch = MODELS[name]
        x, y = _batch(size, batch)
        trained = {}
        for precision in ("float32", "mixed_bfloat16"):
            model = build_in_precision(lambda: get_model(name, input_shape=x.shape[1:], classes=10), precision)
            model.compile(keras.optimizers.Adam(1e-3), get_task("classification").loss(model), jit_compile=False)
            model.train_on_batch(x, y)  # trace and warm up
            trained[precision] = model
        seconds = {p: [] for p in trained}
        for round_ in range(rounds):
            for precision in (list(trained) if round_ % 2 == 0 else list(trained)[::-1]):
                start = time.perf_counter()
                for _ in range(steps):
                    trained[precision].train_on_batch(x, y)
                seconds[precision].append(time.perf_counter() - start)
        results["models"][name] = {p: steps * batch / statistics.median(s) for p, s in seconds.items()}
        results["models"][name]["batch"], results["models"][name]["image_size"] = batch, size
        keras.backend.clear_session()
    return results


def _child(quick: bool, onednn: bool) -> dict:
    models, steps, rounds = SETTINGS[(quick, onednn)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    if not onednn:
        env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    done = subprocess.run([sys.executable, __file__, "--child", ",".join(models), str(steps), str(rounds)],
                          capture_output=True, text=True, env=env, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"bench_precision child failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def result(quick: bool = False) -> dict:
    """The suite's result: rows of bfloat16 vs float32 images/s, oneDNN on (default) and off."""
    rows, parts = [], []
    runs = {"on": _child(quick, True), "off": _child(quick, False)}
    for label, run in runs.items():
        for name, speeds in run["models"].items():
            ratio = speeds["mixed_bfloat16"] / speeds["float32"]
            rows.append({"what": f"{name} training, oneDNN {label} (reported: {run['onednn']})",
                         "ours": round(speeds["mixed_bfloat16"], 1), "baseline": round(speeds["float32"], 1),
                         "unit": "img/s", "ratio": round(ratio, 3)})
            parts.append(f"{name}, oneDNN {label}: float32 {speeds['float32']:,.0f} img/s, mixed_bfloat16 "
                         f"{speeds['mixed_bfloat16']:,.0f} (**{ratio:.2f}x**)")
    figure = " · ".join(parts) + ("" if runs["on"]["cpu_bf16"] else " · this CPU has no native bfloat16")
    settings = {f"onednn_{'on' if onednn else 'off'}": {"models": list(models), "steps": steps, "rounds": rounds}
                for (q, onednn), (models, steps, rounds) in SETTINGS.items() if q == quick}
    return {"rows": rows, "figure": figure, "settings": settings}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("MODELS", "STEPS", "ROUNDS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        models, steps, rounds = args.child
        print(json.dumps(measure(models.split(","), int(steps), int(rounds))))
        return
    out = result(args.quick)
    for row in out["rows"]:
        print(f"{row['what']}: float32 {row['baseline']:,.1f} img/s, mixed_bfloat16 {row['ours']:,.1f} img/s, "
              f"ratio {row['ratio']:.2f}")


if __name__ == "__main__":
    main()
