"""``dlcourse train MODEL --data NAME``: train a registered model; run again to resume."""

from __future__ import annotations

import os

from dlcourse.cli.common import add_data_arguments, add_training_arguments, load_data_from_args, train_config_from_args


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="train a registered model on a data set",
        description="Train MODEL on a data set. The run directory receives the history, learning "
        "curves, TensorBoard logs and saved models; running the same command again after an "
        "interruption resumes from the last finished epoch.",
    )
    parser.add_argument("model", help="a registered model name (see `dlcourse models`)")
    add_data_arguments(parser, default="digits")
    add_training_arguments(parser)
    parser.add_argument("--run-dir", default=None, help="where the run's files go (default: runs/MODEL-DATA)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dlcourse.models import model_entry

    model_entry(args.model)  # an unknown name fails here, before any data is loaded
    config = train_config_from_args(args)
    data = load_data_from_args(args)
    from dlcourse.train.fit import fit

    run_dir = args.run_dir or os.path.join("runs", f"{args.model}-{args.data}")
    print(f"Training {args.model} on {data.name} ({len(data.x_train):,} training images from {data.source}) into {run_dir}")
    result = fit(args.model, data, config, run_dir=run_dir)
    print(f"test accuracy {result.test['accuracy']:.4f}, test loss {result.test['loss']:.4f}, "
          f"{result.seconds:.1f} s; files in {run_dir}")
    return 0
