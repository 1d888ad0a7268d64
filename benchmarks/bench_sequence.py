"""Sequence and attention models on digits (or MNIST), trained as `dlcourse train MODEL --data NAME` does.

Each model is trained with the default `TrainConfig` (800 optimiser steps of batch 128, warm-up +
cosine, Adam 6e-3) from seed 0, the same call the CLI makes; prints test accuracy, parameters and training seconds
(`FitResult.seconds`). Run: ``python benchmarks/bench_sequence.py [--data digits] [--seeds 0]``.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import load_benchmark_data, print_table  # noqa: E402
from dlcourse.train import fit  # noqa: E402

MODELS = ("rnn_rows", "lstm_rows", "gru_rows", "attention_rows", "vit_tiny_digits")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="digits")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    args = parser.parse_args()
    data = load_benchmark_data(args.data)
    rows = []
    for name in args.models:
        for seed in args.seeds:
            result = fit(name, data, seed=seed, verbose=0, tensorboard=False)
            rows.append((name, seed, f"{result.test['accuracy']:.4f}", f"{result.model.count_params():,}",
                         f"{result.seconds:.1f}"))
            print(*rows[-1], flush=True)
    print_table(("model", "seed", "test accuracy", "parameters", "seconds"), rows)


if __name__ == "__main__":
    main()
