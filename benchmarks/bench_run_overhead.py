"""What the run lifecycle costs: `fit` of the notes' CNN on digits (20 epochs, early stopping off),
without and with a run directory, in this checkout and in a baseline checkout, side by side.

Each measurement is a fresh process (the checkout first on PYTHONPATH) that warms up with one epoch
and prints `FitResult.seconds` (training only: not the import, not the data loading); the checkouts
alternate, so a busy machine slows both alike. The run directory adds, per epoch, the checkpoint of
every variable, the history file and (on improvement) ``best.keras``.
Run: ``python benchmarks/bench_run_overhead.py [--runs 3] [--baseline adbaeba]``.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median, print_table  # noqa: E402
from bench_startup import REPO, checkout_of, environment  # noqa: E402

CHILD = """
import os, sys, tempfile
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from dlcourse.data import load_dataset
from dlcourse.train.fit import fit
data = load_dataset("digits")
settings = dict(epochs=20, verbose=0, tensorboard=False, early_stopping_patience=None)
fit("notes_cnn", data, epochs=1, verbose=0, tensorboard=False)
run_dir = tempfile.mkdtemp() if sys.argv[1] == "dir" else None
print("SECONDS", fit("notes_cnn", data, run_dir=run_dir, **settings).seconds)
"""
VARIANTS = {"no run directory": "none", "run directory": "dir"}


def fit_seconds(checkout: Path, variant: str, cwd: str) -> float:
    result = subprocess.run([sys.executable, "-c", CHILD, variant], capture_output=True, text=True,
                            env=environment(checkout), cwd=cwd)
    lines = [line for line in result.stdout.splitlines() if line.startswith("SECONDS")]
    if result.returncode != 0 or not lines:
        raise SystemExit(f"{checkout}: the fit failed:\n{result.stderr[-2000:]}")
    return float(lines[-1].split()[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per variant and checkout (default: 3)")
    parser.add_argument("--baseline", default=None, help="a git ref of this repository or another checkout's folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        checkouts = {"this checkout": REPO}
        if args.baseline:
            checkouts["baseline"] = checkout_of(args.baseline, Path(tmp))
        times = {(label, v): [] for label in checkouts for v in VARIANTS}
        for _ in range(args.runs):
            for variant, flag in VARIANTS.items():
                for label, checkout in checkouts.items():
                    times[label, variant].append(fit_seconds(checkout, flag, tmp))
    print(f"fit of notes_cnn on digits, 20 epochs: median training seconds of {args.runs} fresh processes")
    header = ["variant", "this checkout (s)"] + ([f"baseline {args.baseline} (s)", "this / baseline"] if args.baseline else [])
    rows = []
    for variant in VARIANTS:
        ours = median(times["this checkout", variant])
        row = [variant, f"{ours:.2f}"]
        if args.baseline:
            theirs = median(times["baseline", variant])
            row += [f"{theirs:.2f}", f"{ours / theirs:.2f}"]
        rows.append(row)
    print_table(header, rows)


if __name__ == "__main__":
    main()
