"""Scratch vs feature extractor vs fine-tuning on digits 5-9 with 10 labels per class, over 5 seeds.

The backbone (`small_cnn`, 16x16x1) is pretrained once on digits 0-4 (`dlcourse.transfer.pretrain`);
each seed draws another 50 labelled target images and another initialisation of the head. Prints a
Markdown table (the README's) of test accuracy on all target test images, per seed and mean +- std.

    PYTHONPATH=. python benchmarks/bench_transfer.py
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

SEEDS = (0, 1, 2, 3, 4)
IMAGE_SIZE = 16
SOURCE_EPOCHS = 20
TARGET_EPOCHS = 40  # scratch and feature extractor; fine-tuning: half head-only, then half unfrozen
FINE_TUNE_RATE = 1e-4


def main() -> int:
    import keras

    from dlcourse.models import get_model
    from dlcourse.transfer import digits_transfer_split, feature_extractor, fine_tune, pretrain
    from dlcourse.transfer.core import compile_transfer

    source, _ = digits_transfer_split(IMAGE_SIZE)
    path = os.path.join(tempfile.mkdtemp(), "small_cnn.weights.h5")
    print("source:", pretrain("small_cnn", source, path, epochs=SOURCE_EPOCHS), file=sys.stderr)
    rows = []
    for seed in SEEDS:
        _, target = digits_transfer_split(IMAGE_SIZE, labels_per_class=10, seed=seed)
        fit = dict(x=target.x_train, y=target.y_train, batch_size=16, verbose=0)

        def score(model):
            return float(model.evaluate(target.x_test, target.y_test, verbose=0, return_dict=True)["accuracy"])

        keras.utils.set_random_seed(seed)
        scratch = compile_transfer(get_model("small_cnn", input_shape=target.input_shape, classes=5), 1e-3)
        scratch.fit(epochs=TARGET_EPOCHS, **fit)
        keras.utils.set_random_seed(seed)
        frozen = feature_extractor("small_cnn", 5, weights=path, input_shape=target.input_shape)
        frozen.fit(epochs=TARGET_EPOCHS, **fit)
        keras.utils.set_random_seed(seed)
        tuned = feature_extractor("small_cnn", 5, weights=path, input_shape=target.input_shape)
        tuned.fit(epochs=TARGET_EPOCHS // 2, **fit)
        fine_tune(tuned, blocks=3, learning_rate=FINE_TUNE_RATE)
        tuned.fit(epochs=TARGET_EPOCHS // 2, **fit)
        rows.append((seed, score(scratch), score(frozen), score(tuned)))
        print(rows[-1], file=sys.stderr, flush=True)
    table = np.array([r[1:] for r in rows])
    print("| seed | scratch | feature extractor | fine-tuned |\n|---|---|---|---|")
    for seed, *accuracies in rows:
        print(f"| {seed} | " + " | ".join(f"{a:.3f}" for a in accuracies) + " |")
    print("| mean +- std | " + " | ".join(f"{m:.3f} +- {s:.3f}" for m, s in zip(table.mean(0), table.std(0))) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
