"""Arguments shared by the sub-commands that load data and train."""

from __future__ import annotations

import dataclasses

from dlcourse.data import MAX_IMAGE_SIZE, list_datasets
from dlcourse.train.config import OPTIMIZERS, SCHEDULES, TrainConfig
from dlcourse.train.devices import STRATEGIES
from dlcourse.train.precision import PRECISIONS

_JIT = {"auto": "auto", "on": True, "off": False}


def add_data_arguments(parser, default: str | None = "digits"):
    names = list_datasets()
    parser.add_argument("--data", default=default, choices=names, metavar="NAME",
                        help=f"data set, one of: {', '.join(names)} (default: {default}); "
                        "folder reads your own images from --data-path DIR, one sub-folder per class")
    parser.add_argument("--data-path", default=None, metavar="PATH",
                        help="a local .npz file of the data set (offline use), or with --data folder the folder of images")
    parser.add_argument("--sha256", default=None, metavar="HEX",
                        help="the expected sha256 of the data's file (with --data folder: of its image manifest); "
                        "a mismatch stops before training")
    parser.add_argument("--image-size", type=int, default=None, metavar="SIZE",
                        help=f"resize images to SIZE x SIZE, at most {MAX_IMAGE_SIZE} (required with --data folder)")
    parser.add_argument("--limit", type=int, default=None, help="use at most this many training images")


def add_training_arguments(parser):
    defaults = TrainConfig()
    parser.add_argument("--epochs", type=int, default=None, help="passes over the training data (default: enough for about "
                        f"{defaults.min_steps} optimiser steps, at least {defaults.min_epochs} epochs)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, help=f"(default: {defaults.batch_size})")
    parser.add_argument("--optimizer", default=defaults.optimizer, help=f"one of {', '.join(OPTIMIZERS)} (default: {defaults.optimizer})")
    parser.add_argument("--lr", type=float, default=defaults.learning_rate, help=f"peak learning rate (default: {defaults.learning_rate})")
    parser.add_argument("--schedule", default=defaults.schedule, help=f"one of {', '.join(SCHEDULES)} (default: {defaults.schedule})")
    parser.add_argument("--jit", choices=sorted(_JIT), default="auto", help="XLA compilation: auto picks it on GPU/TPU only")
    parser.add_argument("--strategy", default=defaults.strategy, help=f"distribution strategy: one of {', '.join(STRATEGIES)} "
                        f"(default: {defaults.strategy}); multiworker reads the cluster from TF_CONFIG")
    parser.add_argument("--precision", choices=PRECISIONS, default=defaults.precision,
                        help="compute in float32, or mixed bfloat16/float16 with float32 weights (float16 with loss "
                        "scaling); auto picks bfloat16 where the hardware computes it natively (a CPU with "
                        f"avx512_bf16 or amx_bf16 under oneDNN, a TPU, an Ampere+ GPU) (default: {defaults.precision})")
    parser.add_argument("--seed", type=int, default=defaults.seed, help=f"(default: {defaults.seed})")
    parser.add_argument("--patience", type=int, default=defaults.early_stopping_patience,
                        help=f"early-stopping patience in epochs, 0 for none (default: {defaults.early_stopping_patience})")
    parser.add_argument("--no-tensorboard", action="store_true", help="do not write TensorBoard logs")


def add_transfer_arguments(parser):
    """``--weights PATH|imagenet``, ``--transfer feature|finetune`` and ``--unfreeze-blocks N``."""
    parser.add_argument("--weights", default=None, metavar="PATH|imagenet",
                        help="start from these weights: 'imagenet' or a .weights.h5 file (with --transfer: "
                        "of the backbone without its top, as dlcourse.transfer.pretrain saves it)")
    parser.add_argument("--transfer", default=None, choices=("feature", "finetune"),
                        help="transfer learning: 'feature' trains a new head on the frozen backbone; 'finetune' "
                        "then unfreezes the top --unfreeze-blocks blocks at a tenth of --lr (batch norm frozen)")
    parser.add_argument("--unfreeze-blocks", type=int, default=1, metavar="N",
                        help="with --transfer finetune: how many top blocks to unfreeze (default: 1)")


def add_model_arguments(parser):
    """``--model-arg KEY=VALUE`` (repeatable): extra arguments for the model's builder."""
    parser.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE", dest="model_arg",
                        help="an argument of the model's builder, e.g. --model-arg latent_dim=8 (repeatable; "
                        "VALUE is read as a Python literal: 8, 0.5, True, (32, 64), else as text)")


# Set by the training command itself from the data, the weights and the transfer options.
_RESERVED_MODEL_ARGS = ("input_shape", "classes", "weights")


def parse_model_args(pairs, builder) -> dict:
    """``["latent_dim=8", ...]`` as builder keyword arguments, each checked against `builder`'s signature.

    Example:
        >>> def vae(input_shape=None, latent_dim=2, classes=None): ...
        >>> parse_model_args(["latent_dim=8"], vae)
        {'latent_dim': 8}
    """
    import ast
    import inspect

    parameters = inspect.signature(builder).parameters
    allowed = [name for name, p in parameters.items()
               if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name not in _RESERVED_MODEL_ARGS]
    takes_any = any(p.kind == p.VAR_KEYWORD for p in parameters.values())
    model_args = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ValueError(f"--model-arg must be KEY=VALUE; got {pair!r}")
        if key in _RESERVED_MODEL_ARGS:
            raise ValueError(f"--model-arg {key} is set from the data and the --weights/--transfer options; "
                             f"allowed keys: {', '.join(allowed) or 'none'}")
        if key not in allowed and not takes_any:
            raise ValueError(f"--model-arg {key!r} is not an argument of {builder.__name__}; "
                             f"allowed keys: {', '.join(allowed) or 'none'}")
        try:
            model_args[key] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            model_args[key] = text.strip()
    return model_args


def train_config_from_args(args) -> TrainConfig:
    return dataclasses.replace(
        TrainConfig(),
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        learning_rate=args.lr,
        schedule=args.schedule,
        jit_compile=_JIT[args.jit],
        strategy=args.strategy,
        precision=args.precision,
        seed=args.seed,
        early_stopping_patience=args.patience or None,
        tensorboard=not args.no_tensorboard,
        verbose=2,
    )


def load_data_from_args(args, **overrides):
    from dlcourse.data import load_dataset

    if args.data == "folder" and args.data_path is None:
        raise ValueError("--data folder needs --data-path DIR (a folder with one sub-folder per class)")
    if args.data == "folder" and args.image_size is None:
        raise ValueError("--data folder needs --image-size SIZE (images are resized to SIZE x SIZE)")
    return load_dataset(args.data, path=args.data_path, image_size=args.image_size, limit=args.limit,
                        sha256=getattr(args, "sha256", None), **overrides)


DETECTION_DATA = ("shapes",)  # the data sets with boxes that `dlcourse train` feeds to detection models
DETECTION_VALIDATION = 0.1  # the part of the training images held out for validation


def load_detection_data_from_args(args, batch_size: int, seed: int = 0, masks: bool = False):
    """Detection batches for ``dlcourse train``: ``(train, validation, test, training_images)`` with
    `train` and `validation` tf.data of ``(images, {"boxes", "classes"[, "masks"]})`` (the training
    images flipped left-right at random, boxes and masks with them), `test` the held-out `Shapes`."""
    from dlcourse.checks import check_positive_int
    from dlcourse.data.shapes import SHAPES_TRAIN, load_shapes

    if args.data not in DETECTION_DATA:
        raise ValueError(f"--data must be one of {DETECTION_DATA} for a detection model (it needs boxes); "
                         f"got {args.data!r}")
    if args.data_path is not None or getattr(args, "sha256", None) is not None:
        raise ValueError("--data-path and --sha256 do not apply to --data shapes (it is drawn, not read)")
    size = 64 if args.image_size is None else check_positive_int("--image-size", args.image_size)
    count = SHAPES_TRAIN if args.limit is None else check_positive_int("--limit", args.limit)
    if count < 2:
        raise ValueError(f"--limit must be at least 2 for detection (a training and a validation image); got {count}")
    train, test = load_shapes(image_size=size, train_size=count, seed=seed)
    held = max(1, round(DETECTION_VALIDATION * count))
    validation, train = train.subset(slice(0, held)), train.subset(slice(held, None))
    return (train.detection_dataset(batch_size, seed=seed, flip=True, masks=masks),
            validation.detection_dataset(batch_size, shuffle=False, masks=masks), test, len(train))
