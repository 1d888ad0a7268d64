"""Training throughput of the zoo's models against their keras.applications twins, side by side.

For each pair, both models are built at the same small input size, compiled the same way and
trained on the same random batches; both are traced and warmed first, then the timed runs alternate
(ours, keras, keras, ours ...) so that load on a shared machine, and going first, hit both alike.
Reports the median images/s of each and the ratio ours/keras.

Usage:
    python benchmarks/bench_zoo_vs_keras.py            # 64x64, batch 16, 10 steps x 6 repetitions
    python benchmarks/bench_zoo_vs_keras.py --quick    # 32x32, batch 16, 3 steps x 2 repetitions
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from dlcourse.models import get_model, model_entry  # noqa: E402

MODELS = ("vgg16", "resnet50", "mobilenet_v2")
CLASSES = 10


def _compiled(build):
    model = build()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", jit_compile=False)
    return model


def _images_per_second(model, x, y, steps):
    model.train_on_batch(x, y)  # first call traces; not timed
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return steps * len(x) / (time.perf_counter() - start)


def bench(name, size, batch, steps, repeats):
    config = dict(include_top=True, weights=None, input_shape=(size, size, 3), classes=CLASSES)
    twin = getattr(keras.applications, model_entry(name).keras_twin)
    models = {"ours": _compiled(lambda: get_model(name, **config)), "keras": _compiled(lambda: twin(**config))}
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (batch, size, size, 3)).astype("float32")
    y = rng.integers(0, CLASSES, batch)
    rates = {"ours": [], "keras": []}
    for who, model in models.items():  # trace and warm both before any timing
        _images_per_second(model, x, y, 1)
    for repeat in range(repeats):
        order = ("ours", "keras") if repeat % 2 == 0 else ("keras", "ours")  # neither always goes first
        for who in order:
            rates[who].append(_images_per_second(models[who], x, y, steps))
    ours, theirs = statistics.median(rates["ours"]), statistics.median(rates["keras"])
    return ours, theirs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="32x32 images, batch 16, 3 steps x 2 repetitions")
    parser.add_argument("--size", type=int, default=None, help="input height and width (default 64)")
    args = parser.parse_args(argv)
    size = args.size or (32 if args.quick else 64)
    batch, steps, repeats = (16, 3, 2) if args.quick else (16, 10, 6)
    print(f"training throughput, {size}x{size} images, batch {batch}, {steps} steps x {repeats} alternating runs")
    print(f"{'model':14s} {'ours img/s':>11s} {'keras img/s':>12s} {'ours/keras':>11s}")
    for name in MODELS:
        ours, theirs = bench(name, size, batch, steps, repeats)
        print(f"{name:14s} {ours:11.1f} {theirs:12.1f} {ours / theirs:11.3f}", flush=True)
        keras.backend.clear_session()


if __name__ == "__main__":
    main()
