"""``dlcourse lr-find MODEL --data NAME``: the learning-rate finder, its suggestions and its plot."""

from __future__ import annotations

import os

from dlcourse.cli.common import add_data_arguments, load_data_from_args


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "lr-find",
        help="find a learning rate: the loss as the rate grows each mini-batch",
        description="Train a fresh MODEL one mini-batch per learning rate, from --lr-min to --lr-max "
        "exponentially, until the loss diverges; print the suggested rates and save the plot (loss vs rate). "
        "The same function as the checklist's step 3 (dlcourse.interpret.lr_find).",
    )
    parser.add_argument("model", help="a registered model name (see `dlcourse models`)")
    add_data_arguments(parser, default="digits")
    parser.add_argument("--lr-min", type=float, default=1e-7, help="the first rate (default: 1e-7)")
    parser.add_argument("--lr-max", type=float, default=10.0, help="the last rate (default: 10)")
    parser.add_argument("--steps", type=int, default=100, help="mini-batches at most (default: 100)")
    parser.add_argument("--batch-size", type=int, default=32, help="(default: 32)")
    parser.add_argument("--seed", type=int, default=0, help="(default: 0)")
    parser.add_argument("--out", default=None, help="the plot's path (default: runs/lr-find-MODEL-DATA.png)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dlcourse.interpret.lr_finder import _check_range
    from dlcourse.models import model_entry

    model_entry(args.model)  # an unknown name fails here, before any data is loaded
    _check_range(args.lr_min, args.lr_max)
    data = load_data_from_args(args)
    import keras

    from dlcourse.interpret import lr_find
    from dlcourse.models import get_model

    keras.utils.set_random_seed(args.seed)
    model = get_model(args.model, input_shape=data.input_shape, classes=data.num_classes)
    result = lr_find(model, data, lr_min=args.lr_min, lr_max=args.lr_max, steps=args.steps,
                     batch_size=args.batch_size, seed=args.seed)
    if not result.lr:
        print("dlcourse lr-find: the loss was not finite from the first step; look at the data and the model")
        return 1
    out = args.out or os.path.join("runs", f"lr-find-{args.model}-{args.data}.png")
    result.plot(out)
    for name, rate in result.suggestions.items():
        print(f"{name}: {rate:.3g}")
    print(f"{len(result.lr)} steps from {result.lr[0]:.3g} to {result.lr[-1]:.3g}"
          f"{' (the loss diverged)' if result.diverged else ''}; plot in {out}")
    return 0
