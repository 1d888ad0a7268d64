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
        "on its own. Prints per-fold accuracy, the mean and standard deviation; --dir keeps folds.json "
        "and folds.png.",
    )
    parser.add_argument("model", help="a registered model name (see `dlcourse models`)")
    add_data_arguments(parser, default="digits")
    add_training_arguments(parser)
    parser.add_argument("--folds", type=int, default=5, help="K (default: 5)")
    parser.add_argument("--no-stratify", action="store_true", help="plain KFold instead of StratifiedKFold")
    parser.add_argument("--dir", default=None, help="where folds.json and folds.png go (default: none kept)")
    parser.set_defaults(run=run)


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
    result = cross_validate(args.model, data, args.folds, stratified=not args.no_stratify, config=config)
    for i, fold in enumerate(result.folds, start=1):
        print(f"fold {i}: accuracy {fold['accuracy']:.4f}, loss {fold['loss']:.4f}")
    print(f"mean accuracy {result.mean['accuracy']:.4f} ± {result.std['accuracy']:.4f} (std), "
          f"{result.seconds:.1f} s")
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
        with open(os.path.join(args.dir, "folds.json"), "w") as f:
            json.dump(dataclasses.asdict(result), f, indent=2)
        plot_folds(result, os.path.join(args.dir, "folds.png"), title=f"{args.model}: {args.folds}-fold CV")
    return 0

