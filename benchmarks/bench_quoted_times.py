"""The times the docstrings and the command line's help quote, measured (tests assert no timing; a
quoted time is this script's recorded figure, README "Measured", tied to the text by
tests/test_readme_numbers.py).

- ``dlcourse doctor notes_cnn --data digits --quick``: wall time of `--runs` fresh processes (Python,
  TensorFlow and the data included) and the checklist's own ``report.json`` seconds;
- in one process, after the imports: training the sample-quality judge (`dlcourse.generative`),
  `vit_param_count("large")` (one encoder block built), and pretraining `small_cnn` on digits 0-4 for
  20 epochs at 16x16 (`dlcourse.transfer.pretrain`, the recipe of benchmarks/bench_transfer.py).

Run: ``python benchmarks/bench_quoted_times.py [--runs 3]``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCTOR = ["doctor", "notes_cnn", "--data", "digits", "--quick"]


def doctor_times(runs):
    """(wall seconds, checklist seconds) of each fresh `dlcourse doctor ... --quick` process."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            code = "import sys; from dlcourse.cli import main; sys.exit(main(sys.argv[1:]))"
            env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code, *DOCTOR, "--out", out], check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - start
            times.append((wall, json.loads((Path(out) / "report.json").read_text())["seconds"]))
    return times


def in_process_times():
    sys.path.insert(0, str(REPO))
    os.environ["DLCOURSE_CACHE_DIR"] = tempfile.mkdtemp()   # the judge is trained, not read from a cache
    from dlcourse.generative.judge import train_judge
    from dlcourse.models.sequence.vit import vit_param_count
    from dlcourse.transfer import digits_transfer_split, pretrain

    start = time.perf_counter()
    train_judge()
    judge = time.perf_counter() - start
    start = time.perf_counter()
    vit_param_count("large")
    vit = time.perf_counter() - start
    source, _ = digits_transfer_split(image_size=16, labels_per_class=10)
    start = time.perf_counter()
    pretrain("small_cnn", source, os.path.join(tempfile.mkdtemp(), "small_cnn.weights.h5"), epochs=20)
    return judge, vit, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    doctor = doctor_times(args.runs)
    judge, vit, pretrain = in_process_times()
    walls, checklists = [w for w, _ in doctor], [c for _, c in doctor]
    print(f"dlcourse {' '.join(DOCTOR)}: {statistics.median(walls):.0f} s wall time in the median "
          f"({', '.join(f'{w:.1f}' for w in sorted(walls))} s), the checklist itself {statistics.median(checklists):.0f} s "
          f"({', '.join(f'{c:.1f}' for c in sorted(checklists))} s)")
    print(f"the judge's training {judge:.1f} s · vit_param_count('large') {vit:.2f} s · small_cnn pretrained on "
          f"digits 0-4, 20 epochs at 16x16: {pretrain:.1f} s")


if __name__ == "__main__":
    main()
