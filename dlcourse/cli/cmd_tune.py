"""``dlcourse tune MODEL --data NAME --tuner {grid,random,bayesian,hyperband}``: a hyperparameter search."""

from __future__ import annotations

import os

from dlcourse.cli.common import add_data_arguments


def add_parser(subparsers):
    from dlcourse.tuning.config import OBJECTIVES, TUNERS, SearchConfig

    defaults = SearchConfig()
    parser = subparsers.add_parser(
        "tune",
        help="search a model's hyperparameters with keras-tuner",
        description="Search MODEL's hyperparameters (widths, depth, dropout, learning rate, optimiser, weight "
        "decay, batch size). DIR receives results.csv and results.json (one row per finished trial), "
        "objective_by_trial.png and keras-tuner's state; --resume continues an interrupted search without "
        "rerunning finished trials, and refuses other data, settings or search space. For a distributed search set KERASTUNER_TUNER_ID (chief, tuner0, "
        "tuner1, ...), KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT and run the same command in "
        "every process.",
    )
    parser.add_argument("model", help="notes_cnn, vgg_small, resnet_small or any registered model")
    add_data_arguments(parser, default="digits")
    parser.add_argument("--tuner", default=defaults.tuner, choices=TUNERS, help=f"(default: {defaults.tuner})")
    parser.add_argument("--max-trials", type=int, default=defaults.max_trials, help=f"(default: {defaults.max_trials})")
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help=f"epochs per trial (default: {defaults.epochs})")
    parser.add_argument("--objective", default=None, choices=OBJECTIVES,
                        help="what trials are ranked by (default: the model's task's: val_accuracy for classifiers)")
    parser.add_argument("--folds", type=int, default=None, help="score each trial by its K-fold mean instead of the validation split")
    parser.add_argument("--patience", type=int, default=defaults.early_stopping_patience,
                        help=f"early-stopping patience inside each trial; 0 switches it off (default: {defaults.early_stopping_patience})")
    parser.add_argument("--seed", type=int, default=defaults.seed, help=f"(default: {defaults.seed})")
    parser.add_argument("--dir", default=None, help="where the search's files go (default: runs/tune-MODEL-DATA-TUNER)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue the search already in DIR")
    group.add_argument("--overwrite", action="store_true", help="discard the search already in DIR")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dlcourse.cli.common import load_data_from_args
    from dlcourse.tuning import ARCHITECTURES, SearchConfig, search

    if args.model not in ARCHITECTURES:
        from dlcourse.models import model_entry

        model_entry(args.model)  # an unknown name fails here, before any data is loaded

    config = SearchConfig(  # bad settings fail here, before any data is loaded
        tuner=args.tuner, max_trials=args.max_trials, epochs=args.epochs, objective=args.objective,
        folds=args.folds, early_stopping_patience=args.patience or None, seed=args.seed,
    )
    data = load_data_from_args(args)
    directory = args.dir or os.path.join("runs", f"tune-{args.model}-{args.data}-{args.tuner}")
    print(f"Searching {args.model} on {data.name} {data.input_shape} with {args.tuner} search into {directory}", flush=True)
    # Recorded beside the search, so --resume refuses other data arguments (each difference named).
    data_arguments = {"data": args.data, "limit": args.limit, "image_size": args.image_size}
    result = search(args.model, data, config, directory=directory, resume=args.resume, overwrite=args.overwrite,
                    record={"data_arguments": data_arguments})
    if result.best:
        print(f"best {result.config.objective} {result.best['objective']:.4f} (trial {result.best['trial']}): "
              f"{result.best['hyperparameters']}")
        print(f"{len(result.rows)} trials in {result.seconds:.1f} s; table in {os.path.join(directory, 'results.csv')}")
    return 0
