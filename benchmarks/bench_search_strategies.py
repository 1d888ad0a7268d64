"""Grid vs random vs Bayesian search (그리드 / 랜덤 탐색, 베이지안 최적화) on digits, same trial budget.

Prints, per strategy, the best validation accuracy and the wall time, with ratios to random search.
Shared CPUs make the times noisy: compare ratios, and run twice before believing a small gap.

Usage:
    python benchmarks/bench_search_strategies.py --trials 10 --epochs 10 [--plot assets/06_search_strategies.png]
"""

from __future__ import annotations

import argparse
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from dlcourse.data import load_dataset  # noqa: E402
from dlcourse.tuning import list_search_spaces, plot_objective_by_trial, search  # noqa: E402

STRATEGIES = ("grid", "random", "bayesian")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="notes_cnn", choices=list_search_spaces())
    parser.add_argument("--trials", type=int, default=10, help="trials per strategy (default: 10)")
    parser.add_argument("--epochs", type=int, default=10, help="most epochs per trial (default: 10)")
    parser.add_argument("--image-size", type=int, default=8, help="digits resized to this (default: 8, the originals)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=None, help="save the objective-by-trial plot here")
    args = parser.parse_args(argv)

    data = load_dataset("digits", image_size=args.image_size)
    results = {}
    with tempfile.TemporaryDirectory() as root:
        for strategy in STRATEGIES:
            results[strategy] = search(args.model, data, tuner=strategy, max_trials=args.trials, epochs=args.epochs,
                                       seed=args.seed, directory=os.path.join(root, strategy), report=None)
    base = results["random"]
    print(f"{args.model} on digits {data.input_shape}: {args.trials} trials x <= {args.epochs} epochs, "
          f"{len(data.x_train)} train / {len(data.x_val)} val images")
    print(f"{'strategy':<10} {'best val acc':>12} {'wall s':>8} {'acc / random':>13} {'time / random':>14}")
    for strategy, result in results.items():
        accuracy = result.best["objective"]
        print(f"{strategy:<10} {accuracy:>12.4f} {result.seconds:>8.1f} {accuracy / base.best['objective']:>13.3f} "
              f"{result.seconds / base.seconds:>14.2f}")
    if args.plot:
        plot_objective_by_trial({s: r.rows for s, r in results.items()}, args.plot,
                                title=f"{args.model} on digits: {args.trials} trials per strategy")
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
