"""``dlcourse cv MODEL --data NAME --folds K``: K-fold cross-validation of a registered model."""

from __future__ import annotations

import json
import os

from dlcourse.cli.common import add_data_arguments, add_training_arguments, train_config_from_args


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "cv",
        help="K-fold cross-validation of a registered model",
        description="Cross-validate MODEL: the training and validation images are pooled and split into K "
        "folds (stratified by class); each fold trains a freshly built model on the others and is scored "
        "on its own. Prints each fold's accuracy as it ends, then the mean and standard deviation. --dir "
        "keeps each finished fold (fold_K.json), folds.json and folds.png: run the same command again "
        "and only the unfinished folds train; other settings or data are refused.",
    )
    parser.add_argument("model", help="a registered model name (see `dlcourse models`)")
    add_data_arguments(parser, default="digits")
    add_training_arguments(parser)
    parser.add_argument("--folds", type=int, default=5, help="K (default: 5)")
    parser.add_argument("--no-stratify", action="store_true", help="plain KFold instead of StratifiedKFold")
    parser.add_argument("--dir", default=None,
                        help="where the finished folds, folds.json and folds.png go; rerun to finish (default: none kept)")
    parser.set_defaults(run=run)


def _print_fold(fold, metrics, trained):
    note = "" if trained else " (finished earlier, read back)"
    print(f"fold {fold + 1}: accuracy {metrics['accuracy']:.4f}, loss {metrics['loss']:.4f}{note}", flush=True)


def run(args) -> int:
    import dataclasses

    from dlcourse.cli.common import load_data_from_args
    from dlcourse.models import model_entry
    from dlcourse.validation import check_folds, cross_validate, plot_folds

    model_entry(args.model)
    check_folds(args.folds, 2**63)  # k < 2 fails before any data is loaded; k > n once it is
    config = dataclasses.replace(train_config_from_args(args), tensorboard=False, verbose=0)
    data = load_data_from_args(args)
    print(f"{args.folds}-fold cross-validation of {args.model} on {data.name} {data.input_shape}", flush=True)
    data_arguments = {"data": args.data, "limit": args.limit, "image_size": args.image_size}
    result = cross_validate(args.model, data, args.folds, stratified=not args.no_stratify, config=config,
                            directory=args.dir, report=_print_fold, record={"data_arguments": data_arguments})
    print(f"mean accuracy {result.mean['accuracy']:.4f} ± {result.std['accuracy']:.4f} (std), "
          f"{result.seconds:.1f} s")
    if args.dir:
        with open(os.path.join(args.dir, "folds.json"), "w") as f:
            json.dump(dataclasses.asdict(result), f, indent=2)
        plot_folds(result, os.path.join(args.dir, "folds.png"), title=f"{args.model}: {args.folds}-fold CV")
    return 0
