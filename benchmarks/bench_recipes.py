"""Time to 99% test accuracy on MNIST: Keras' default recipe against dlcourse's default, side by side.

Keras' defaults (`KERAS_DEFAULT_RECIPE`): Adam at its default rate 1e-3, constant, batch 128, up to 10
epochs. Ours: `TrainConfig()`, Adam with warm-up and cosine decay to a peak of 6e-3, batch 128, a
budget of 800 steps (2 epochs). Both train the notes' CNN from the same seed, alternating, and stop
at the first epoch whose test accuracy reaches the target; the clock stops while the test set is
evaluated at each epoch's end. Both use batches of 128, so an epoch costs the same in each and the
ratio of wall times is close to the ratio of epochs, on any CPU. A run that never reaches the target
counts as infinitely slow in the median (leaving it out would flatter the recipe that missed).
MNIST comes from $DLCOURSE_DATA_DIR or ../shared/data/mnist.npz beside the project; without it the
benchmark is skipped.
Run: ``python -m benchmarks recipes`` (or ``python benchmarks/bench_recipes.py [--repeats 3] [--target 0.99]``).
"""

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SHARED_DATA, median, print_table  # noqa: E402

KERAS_NAME, OURS_NAME = "Keras' defaults (Adam 1e-3, batch 128)", "dlcourse default"


def time_to_accuracy_callback(x_test, y_test, target):
    """A Keras callback that stops training once test accuracy reaches `target`, timing training only."""
    import keras

    class TimeToAccuracy(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train_seconds, self.reached_at, self.accuracies = 0.0, None, []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.train_seconds += time.perf_counter() - self.start
            accuracy = self.model.evaluate(x_test, y_test, batch_size=1000, verbose=0, return_dict=True)["accuracy"]
            self.accuracies.append(round(accuracy, 4))
            if self.reached_at is None and accuracy >= target:
                self.reached_at = epoch + 1
                self.model.stop_training = True

    return TimeToAccuracy()


def mnist(limit=None):
    """MNIST as `ImageData`, or None when the file is not here (no download, no fallback)."""
    from dlcourse.data import DATA_DIR_ENV, DatasetUnavailable, load_dataset

    if not os.environ.get(DATA_DIR_ENV) and not (SHARED_DATA / "mnist.npz").is_file():
        return None
    if not os.environ.get(DATA_DIR_ENV):
        os.environ[DATA_DIR_ENV] = str(SHARED_DATA)
    try:
        return load_dataset("mnist", limit=limit)
    except DatasetUnavailable:
        return None


def compare(data, repeats=3, target=0.99):
    """Trains both recipes `repeats` times, alternating; returns ``{recipe name: [clock, ...]}``."""
    from dlcourse.train.config import KERAS_DEFAULT_RECIPE, TrainConfig
    from dlcourse.train.fit import fit

    recipes = {KERAS_NAME: KERAS_DEFAULT_RECIPE, OURS_NAME: TrainConfig()}
    results = {name: [] for name in recipes}
    for repeat in range(repeats):
        for name, config in recipes.items():  # alternate so both see the same machine load
            clock = time_to_accuracy_callback(data.x_test, data.y_test, target)
            fit("notes_cnn", data, config, callbacks=[clock], verbose=0, tensorboard=False,
                early_stopping_patience=None, seed=repeat)
            results[name].append(clock)
            print(f"repeat {repeat} {name}: test accuracy by epoch {clock.accuracies}, "
                  f"reached {target:.0%} at epoch {clock.reached_at}, {clock.train_seconds:.1f} s", flush=True)
    return results


def summary(results):
    """``{name: (runs that reached, runs, median epochs, median seconds)}`` over all runs: a run that
    never reached the target counts as infinitely slow (it is not left out, which would flatter the
    recipe that misses), so the median is infinite when half or more of the runs missed."""
    out = {}
    for name, clocks in results.items():
        seconds = median([c.train_seconds if c.reached_at else math.inf for c in clocks])
        epochs = median([c.reached_at or math.inf for c in clocks])
        out[name] = (sum(bool(c.reached_at) for c in clocks), len(clocks), epochs, seconds)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target", type=float, default=0.99)
    args = parser.parse_args()
    data = mnist()
    if data is None:
        print(f"MNIST not found ({SHARED_DATA / 'mnist.npz'} or $DLCOURSE_DATA_DIR): skipped")
        return 0
    table = summary(compare(data, args.repeats, args.target))
    base = table[KERAS_NAME][3]
    print(f"\nTime to {args.target:.0%} test accuracy on {data.name} ({len(data.x_train):,} training images), "
          "median of all runs (a run that missed counts as infinitely slow)")
    print_table(("recipe", "reached", "epochs", "seconds", "time / Keras' defaults"),
                [(n, f"{r}/{t}", e if math.isfinite(e) else "-", f"{s:.1f}" if math.isfinite(s) else "-",
                  f"{s / base:.2f}" if math.isfinite(base) and math.isfinite(s) else "-")
                 for n, (r, t, e, s) in table.items()])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
