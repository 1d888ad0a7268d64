"""``dlcourse doctor MODEL --data NAME``: run the notes' training checklist and save its report."""

from __future__ import annotations

import os

import sys

from dlcourse.cli.common import add_data_arguments, load_data_from_args
from dlcourse.train.precision import PRECISIONS


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "doctor",
        help="run the training checklist on a model and data set, with a verdict per step",
        description="Run the course notes' training checklist: 1. initial loss near log(C); 2. overfit "
        "a tiny sample; 3. learning-rate range test; 4. short grid over rates and weight decays; 5. train "
        "longer and diagnose the learning curves. Prints the report and writes DIR/report.json and PNG plots.",
    )
    parser.add_argument("model", help="a registered model name (see `dlcourse models`)")
    add_data_arguments(parser, default="digits")
    parser.add_argument("--out", default=None, help="where report.json and the plots go (default: runs/doctor-MODEL-DATA)")
    parser.add_argument("--quick", action="store_true", help="small settings (measured: 21 s for notes_cnn on digits on an idle 2-core CPU, 35 s at load 5; "
                        "README, Measured)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of the final run (step 5)")
    parser.add_argument("--lr", type=float, default=None, help="skip the range test's suggestion and use this rate")
    parser.add_argument("--seed", type=int, default=0, help="(default: 0)")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto",
                        help="the precision you mean to train in (dlcourse train --precision): the doctor warns where "
                        "it would be slow here, e.g. bfloat16 without oneDNN or on a CPU without native bfloat16 "
                        "(the checklist itself trains in float32; default: auto)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dlcourse.checklist import ChecklistConfig, run_checklist
    from dlcourse.models import model_entry

    warn_about_precision(args.precision)
    model_entry(args.model)  # an unknown name fails here, before any data is loaded
    overrides = {"seed": args.seed, "learning_rate": args.lr}
    if args.epochs is not None:
        overrides["final_epochs"] = args.epochs
    config = ChecklistConfig.quick(**overrides) if args.quick else ChecklistConfig(**overrides)
    data = load_data_from_args(args)
    out = args.out or os.path.join("runs", f"doctor-{args.model}-{args.data}")
    print(f"Checking {args.model} on {data.name} ({len(data.x_train):,} training images){' (quick)' if args.quick else ''}")
    report = run_checklist(args.model, data, config, out_dir=out)
    print(report.format())
    print(f"Report and plots in {out}/ (report.json, lr_range.png, tiny_sample.png, learning_curves.png)")
    return 0 if report.verdict != "fail" else 1


def warn_about_precision(requested: str) -> str | None:
    """Print one warning line (stderr) where bfloat16 would be slow here; returns it."""
    from dlcourse.train.precision import precision_warning

    line = precision_warning(requested)
    if line:
        print(f"dlcourse doctor: warning: {line}", file=sys.stderr)
    return line
