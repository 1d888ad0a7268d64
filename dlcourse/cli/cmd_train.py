"""``dlcourse train MODEL --data NAME``: train a registered model; run again to resume or to see the result."""

from __future__ import annotations

import json
import os
import sys

from dlcourse.cli.common import (
    add_data_arguments,
    add_model_arguments,
    add_training_arguments,
    add_transfer_arguments,
    load_data_from_args,
    load_detection_data_from_args,
    parse_model_args,
    train_config_from_args,
)

# The data arguments a run records, so that ``--config RUN/config.json`` loads the same data again.
DATA_ARGUMENTS = ("data", "data_path", "image_size", "limit", "sha256")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="train a registered model on a data set",
        description="Train MODEL on a data set into a run directory (history.csv, learning curves, "
        "TensorBoard logs, best.keras, model.keras, metrics.json, config.json). Run the same command "
        "again: after an interruption it resumes from the last finished epoch with everything restored; "
        "after it finished it prints the stored result without training; with a larger --epochs it "
        "continues from the final state. Other settings on an existing run directory are refused "
        "(use --overwrite, which moves the old run to RUN_DIR/replaced/). A diverging run stops at the "
        "first NaN or infinite loss with exit status 1.",
    )
    parser.add_argument("model", nargs="?", default=None, help="a registered model name (see `dlcourse models`)")
    add_data_arguments(parser, default="digits")
    add_training_arguments(parser)
    add_model_arguments(parser)
    add_transfer_arguments(parser)
    parser.add_argument("--run-dir", default=None, help="where the run's files go (default: runs/MODEL-DATA)")
    parser.add_argument("--overwrite", action="store_true",
                        help="move an existing run in RUN_DIR to RUN_DIR/replaced/<time>/ and train afresh")
    parser.add_argument("--config", default=None, metavar="RUN/config.json",
                        help="replay a recorded run: its model, data and settings (other options are ignored "
                        "except --run-dir and --overwrite)")
    parser.set_defaults(run=run)


def _replay(args):
    """Model name, data arguments, model arguments and TrainConfig of a recorded run."""
    import dataclasses

    from dlcourse.train.config import TrainConfig

    if not os.path.isfile(args.config):
        raise ValueError(f"--config: no file at {args.config!r}")
    try:
        with open(args.config) as f:
            record = json.load(f)
        model, settings = record["model"], record["settings"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"--config: {args.config} is not a dlcourse run record ({error})") from None
    if "args" not in model:
        raise ValueError(f"--config: {args.config} records a model object ({model.get('class')}), not a "
                         "registered model; only runs of registered models can be replayed")
    name, model_args = model["name"], dict(model["args"])
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    config = TrainConfig(**{k: v for k, v in settings.items() if k in fields})
    for key, value in (record.get("data_load") or {"data": record["data"]["name"]}).items():
        setattr(args, key, value)
    model_args.pop("input_shape", None)
    model_args.pop("classes", None)
    return name, config, model_args


def run(args) -> int:
    from dlcourse.models import model_entry

    if args.config:
        name, config, model_args = _replay(args)
    else:
        if args.model is None:
            raise ValueError("give a MODEL name (see `dlcourse models`) or --config RUN/config.json")
        name = args.model
        config = train_config_from_args(args)
    entry = model_entry(name)  # an unknown name fails here, before any data is loaded
    if config.strategy == "multiworker":
        from dlcourse.train.multiworker import read_tf_config

        read_tf_config()  # a missing or malformed TF_CONFIG fails here, before any data is loaded
        from dlcourse.train.devices import resolve_strategy

        resolve_strategy("multiworker")  # before TensorFlow runs anything (fit gets this same strategy)
    if not args.config:
        model_args = parse_model_args(getattr(args, "model_arg", []), entry.builder)
    weights, transfer = getattr(args, "weights", None), getattr(args, "transfer", None)
    _check_transfer_arguments(name, weights, transfer, args)
    if getattr(entry, "task", None) == "detection":
        if transfer or weights:
            raise ValueError(f"--weights and --transfer are not supported for the detection model {name}")
        return _train_detection(name, config, model_args, args)
    data = load_data_from_args(args)
    from dlcourse.train import TrainingDiverged, fit

    model, record = name, {"data_load": {k: getattr(args, k) for k in DATA_ARGUMENTS if hasattr(args, k)}}
    if transfer:
        if model_args:
            raise ValueError("--model-arg cannot be combined with --transfer: the transferred model keeps "
                             "the backbone's own arguments")
        from dlcourse.transfer.train import transfer_model

        model, config = transfer_model(name, data, config, weights=weights, transfer=transfer,
                                       blocks=args.unfreeze_blocks)
        record["transfer"] = {"model": name, "weights": weights, "transfer": transfer, "blocks": args.unfreeze_blocks}
    elif weights:
        model_args = {**model_args, "weights": weights}

    run_dir = args.run_dir or os.path.join("runs", f"{name}-{args.data}")
    print(f"Training {name} on {data.name} ({len(data.x_train):,} training images from {data.source}) into {run_dir}",
          flush=True)
    try:
        result = fit(model, data, config, run_dir=run_dir, overwrite=args.overwrite,
                     model_args=model_args if isinstance(model, str) else None, record=record)
    except TrainingDiverged as error:
        print(f"dlcourse train: {error}. The best model before it is in {run_dir}/best.keras", file=sys.stderr)
        return 1
    scores = ", ".join(f"test {k} {v:.4f}" for k, v in result.test.items()) or ", ".join(
        f"{k.replace('_', ' ')} {v[-1]:.4f}" for k, v in result.history.items() if k.startswith("val_")
    )
    where = run_dir
    if config.strategy == "multiworker":
        from dlcourse.train.multiworker import is_chief

        where = run_dir if is_chief() else f"{run_dir} (written by the chief; this worker's copy was temporary)"
    print(f"{scores}{', ' if scores else ''}{result.seconds:.1f} s of training; files in {where}")
    return 0


def _train_detection(name, config, model_args, args) -> int:
    """Train a detection model on boxes (``--data shapes``) and print its test VOC mAP@0.5 and COCO AP
    (and, for Mask R-CNN, which also trains on the instance masks, its mask AP)."""
    from dlcourse.models import model_entry

    instance_masks = model_entry(name).module == "detection.mask_rcnn"
    train, validation, test, count = load_detection_data_from_args(args, config.batch_size, config.seed,
                                                                   masks=instance_masks)
    from dlcourse.detection import coco_evaluate, voc_evaluate
    from dlcourse.train import TrainingDiverged, fit

    classes = len(test.class_names)
    model_args = {**model_args, "input_shape": (test.image_size, test.image_size, 3), "classes": classes}
    record = {"data_load": {k: getattr(args, k) for k in DATA_ARGUMENTS if hasattr(args, k)}}
    run_dir = args.run_dir or os.path.join("runs", f"{name}-{args.data}")
    print(f"Training {name} on {args.data} boxes ({count:,} training images of {test.image_size} px) into {run_dir}", flush=True)
    try:
        result = fit(name, train, config, run_dir=run_dir, overwrite=args.overwrite, validation_data=validation,
                     model_args=model_args, record=record)
    except TrainingDiverged as error:
        print(f"dlcourse train: {error}. The best model before it is in {run_dir}/best.keras", file=sys.stderr)
        return 1
    found = result.model.detect(test.images, score_threshold=0.05)
    scored = (list(test.boxes), list(test.classes), [f["boxes"] for f in found], [f["scores"] for f in found],
              [f["classes"] for f in found], classes)
    voc, coco = voc_evaluate(*scored), coco_evaluate(*scored)
    masks = ""
    if instance_masks:
        mask = coco_evaluate(*scored, gt_masks=list(test.masks), det_masks=[f["masks"] for f in found])
        masks = f", mask AP50 {mask['AP50']:.4f}, mask AP {mask['AP']:.4f}"
    print(f"test ({len(test)} images): VOC mAP@0.5 {voc['mAP']:.4f}, COCO AP50 {coco['AP50']:.4f}, AP {coco['AP']:.4f}"
          f"{masks}, {result.seconds:.1f} s of training; files in {run_dir}")
    return 0


def _check_transfer_arguments(name, weights, transfer, args):
    """Refuse bad --weights / --transfer combinations before any data is loaded."""
    if weights is not None and weights != "imagenet" and not os.path.isfile(weights):
        raise ValueError(f"--weights must be 'imagenet' or an existing .weights.h5 file; no file at {weights!r}")
    if transfer:
        from dlcourse.models import list_models

        if name not in list_models(backbone=True):
            raise ValueError(f"--transfer needs a backbone; {name} has no feature outputs. Backbones: "
                             f"{', '.join(list_models(backbone=True))}")
        from dlcourse.models import model_entry

        levels = len(model_entry(name).feature_outputs)
        if not 1 <= args.unfreeze_blocks <= levels:
            raise ValueError(f"--unfreeze-blocks must be from 1 to {levels} (the blocks of {name}); "
                             f"got {args.unfreeze_blocks}")
