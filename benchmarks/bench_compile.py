"""Training throughput of the notes' CNN: `fit` with the automatic compilation choice, with XLA
forced on and off, and the explicit `train_loop`, side by side, as ratios to the fastest.

Each measurement runs in a fresh process (no run inherits another's XLA caches or thread pools),
trains one warm-up epoch (tracing and compiling), then `--epochs` timed epochs; the variants are
interleaved over `--repeats` rounds and the best images/s of each is reported: on this shared 2-core
machine a run sometimes gets about half the CPU, and the best run is the one least disturbed.
Run: ``python benchmarks/bench_compile.py [--limit 20000] [--repeats 3]``.
"""

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402

from _common import load_benchmark_data, print_table  # noqa: E402
from dlcourse.models import notes_cnn  # noqa: E402
from dlcourse.train.devices import resolve_jit_compile, resolve_strategy  # noqa: E402
from dlcourse.train.loop import train_loop  # noqa: E402

BATCH_SIZE = 128


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def fit_variant(jit_compile):
    def run(data, epochs):
        """Seconds of the epochs after the first (which traces and compiles)."""
        model = notes_cnn(input_shape=data.input_shape)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=jit_compile)
        timer = EpochTimer()
        model.fit(data.dataset("train", BATCH_SIZE, seed=0), epochs=1 + epochs, verbose=0, callbacks=[timer],
                  shuffle=False)  # the tf.data pipeline shuffles
        return sum(timer.seconds[1:])

    return run


def loop_variant(data, epochs):
    model = notes_cnn(input_shape=data.input_shape)
    history = train_loop(model, data.dataset("train", BATCH_SIZE, seed=0), epochs=1 + epochs,
                         optimizer=keras.optimizers.Adam())
    return sum(history["seconds"][1:])


VARIANTS = {
    "auto": lambda auto: (f"fit, automatic choice (XLA {'on' if auto else 'off'})", fit_variant(auto)),
    "xla_on": lambda auto: ("fit, XLA forced on", fit_variant(True)),
    "xla_off": lambda auto: ("fit, XLA forced off", fit_variant(False)),
    "loop": lambda auto: ("train_loop (tf.function)", loop_variant),
}


def measure(key, data_name, limit, epochs):
    """Images/s of one variant, in the (fresh) process that calls it; returns ``(label, images/s, data)``
    where ``data`` says which images were used (MNIST falls back to digits when it cannot be had)."""
    data = load_benchmark_data(data_name, limit=limit)
    auto = resolve_jit_compile("auto", resolve_strategy("auto"))
    label, run = VARIANTS[key](auto)
    return label, len(data.x_train) * epochs / run(data, epochs), f"{data.name} ({len(data.x_train):,} images"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default="mnist")
    args = parser.parse_args()
    rates = {}
    context = multiprocessing.get_context("spawn")
    for _ in range(args.repeats):
        for key in VARIANTS:
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                label, rate, used = pool.submit(measure, key, args.data, args.limit, args.epochs).result()
            rates.setdefault(label, []).append(rate)
            print(f"{label}: {rate:,.0f} images/s", flush=True)
    fastest = max(max(r) for r in rates.values())
    rows = [(name, f"{max(r):,.0f}", f"{max(r) / fastest:.2f}") for name, r in rates.items()]
    print(f"\nnotes_cnn training throughput on {used}, batch {BATCH_SIZE}), "
          f"best of {args.repeats}, each run in a fresh process")
    print_table(("variant", "images/s", "ratio to fastest"), rows)


if __name__ == "__main__":
    main()
