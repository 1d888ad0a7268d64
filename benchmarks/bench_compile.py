"""Training throughput of the notes' CNN: `fit` with the automatic compilation choice, with XLA
forced on and off, and the explicit `train_loop`, side by side, as ratios to the fastest.

Each variant trains one warm-up epoch (tracing and compiling), then `--epochs` timed epochs; the
variants are interleaved over `--repeats` rounds and the median images/s is reported.
Run: ``python benchmarks/bench_compile.py [--limit 20000] [--repeats 3]``.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402

from _common import load_benchmark_data, median, print_table  # noqa: E402
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
        model.fit(data.dataset("train", BATCH_SIZE, seed=0), epochs=1 + epochs, verbose=0, callbacks=[timer])
        return sum(timer.seconds[1:])

    return run


def loop_variant(data, epochs):
    model = notes_cnn(input_shape=data.input_shape)
    history = train_loop(model, data.dataset("train", BATCH_SIZE, seed=0), epochs=1 + epochs,
                         optimizer=keras.optimizers.Adam())
    return sum(history["seconds"][1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default="mnist")
    args = parser.parse_args()
    data = load_benchmark_data(args.data, limit=args.limit)
    auto = resolve_jit_compile("auto", resolve_strategy("auto"))
    variants = {
        f"fit, automatic choice (XLA {'on' if auto else 'off'})": fit_variant(auto),
        "fit, XLA forced on": fit_variant(True),
        "fit, XLA forced off": fit_variant(False),
        "train_loop (tf.function)": loop_variant,
    }
    rates = {name: [] for name in variants}
    images = len(data.x_train) * args.epochs
    for _ in range(args.repeats):
        for name, run in variants.items():
            rates[name].append(images / run(data, args.epochs))
            print(f"{name}: {rates[name][-1]:,.0f} images/s", flush=True)
    best = max(median(r) for r in rates.values())
    rows = [(name, f"{median(r):,.0f}", f"{median(r) / best:.2f}") for name, r in rates.items()]
    print(f"\nnotes_cnn training throughput on {data.name} ({len(data.x_train):,} images, batch {BATCH_SIZE}), median of {args.repeats}")
    print_table(("variant", "images/s", "ratio to fastest"), rows)


if __name__ == "__main__":
    main()
