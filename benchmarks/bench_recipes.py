"""Time to 99% test accuracy on MNIST: the notes' recipe against dlcourse's default, side by side.

The notes' recipe: Adam at Keras' defaults (1e-3), batch 128, up to 4 epochs. Ours: `TrainConfig()`,
Adam with warm-up and cosine decay to a peak of 4e-3, batch 256, a budget of 600 steps (3 epochs).
Both train the notes' CNN from the same seed; the clock stops while the test set is evaluated at
each epoch's end. Run: ``python benchmarks/bench_recipes.py [--repeats 2] [--target 0.99]``.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402

from _common import load_benchmark_data, median, print_table  # noqa: E402
from dlcourse.train.config import NOTES_RECIPE, TrainConfig  # noqa: E402
from dlcourse.train.fit import fit  # noqa: E402


class TimeToAccuracy(keras.callbacks.Callback):
    """Stops training once test accuracy reaches `target`; records training seconds until then."""

    def __init__(self, x_test, y_test, target):
        super().__init__()
        self.x_test, self.y_test, self.target = x_test, y_test, target
        self.train_seconds, self.reached_at, self.accuracies = 0.0, None, []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.train_seconds += time.perf_counter() - self.start
        accuracy = self.model.evaluate(self.x_test, self.y_test, batch_size=1000, verbose=0, return_dict=True)["accuracy"]
        self.accuracies.append(round(accuracy, 4))
        if self.reached_at is None and accuracy >= self.target:
            self.reached_at = epoch + 1
            self.model.stop_training = True


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--target", type=float, default=0.99)
    parser.add_argument("--data", default="mnist")
    args = parser.parse_args()
    data = load_benchmark_data(args.data)
    recipes = {"notes (Adam 1e-3, batch 128)": NOTES_RECIPE, "dlcourse default": TrainConfig()}
    results = {name: [] for name in recipes}
    for repeat in range(args.repeats):
        for name, config in recipes.items():  # alternate so both see the same machine load
            clock = TimeToAccuracy(data.x_test, data.y_test, args.target)
            fit("notes_cnn", data, config, callbacks=[clock], verbose=0, tensorboard=False,
                early_stopping_patience=None, seed=repeat)
            results[name].append(clock)
            print(f"repeat {repeat} {name}: test accuracy by epoch {clock.accuracies}, "
                  f"reached {args.target:.0%} at epoch {clock.reached_at}, {clock.train_seconds:.1f} s", flush=True)
    rows = []
    baseline = None
    for name, clocks in results.items():
        reached = [c for c in clocks if c.reached_at]
        seconds = median([c.train_seconds for c in reached]) if reached else float("nan")
        baseline = baseline or seconds
        epochs = median([c.reached_at for c in reached]) if reached else "-"
        rows.append((name, f"{len(reached)}/{len(clocks)}", epochs, f"{seconds:.1f}", f"{baseline / seconds:.2f}x"))
    print(f"\nTime to {args.target:.0%} test accuracy on {data.name} ({len(data.x_train):,} training images), median of runs that reached it")
    print_table(("recipe", "reached", "epochs", "seconds", "speed-up"), rows)


if __name__ == "__main__":
    main()
