"""The suite's other benchmarks: start-up time, time to 99% on MNIST, and the standalone scripts
(``benchmarks/bench_*.py``), each run in a fresh process with its printed table kept in the result."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.suite import REPO, Skipped, register

HERE = Path(__file__).resolve().parent


# ---------------------------------------------------------------------------------------------- start-up

STARTUP_COMMANDS = {
    "import dlcourse": ["-c", "import dlcourse"],
    "dlcourse --help": ["-m", "dlcourse", "--help"],
    "dlcourse models": ["-m", "dlcourse", "models"],
}


def _process_seconds(args, cwd):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    if done.returncode != 0:
        raise RuntimeError(f"python {' '.join(args)} failed: {done.stderr[-500:]}")
    return time.perf_counter() - start


@register("startup", "Start-up wall time of `import dlcourse`, `dlcourse --help` and `dlcourse models`, each a "
          "fresh process, against a bare `python -c pass` (median of 5, interleaved)", "python -m benchmarks startup",
          backends=("tensorflow", "jax"), script="bench_startup.py")
def startup(quick: bool) -> dict:
    import statistics
    import tempfile

    runs = 1 if quick else 5
    rows = []
    with tempfile.TemporaryDirectory() as cwd:  # nothing is written in the checkout
        for label, args in STARTUP_COMMANDS.items():
            times = {"ours": [], "bare": []}
            for repeat in range(runs):
                order = (("ours", args), ("bare", ["-c", "pass"]))
                for who, command in order if repeat % 2 == 0 else order[::-1]:
                    times[who].append(_process_seconds(command, cwd))
            ours, bare = statistics.median(times["ours"]), statistics.median(times["bare"])
            rows.append({"what": label, "ours": round(ours, 3), "baseline": round(bare, 3), "unit": "s",
                         "ratio": round(ours / bare, 2), "higher_is_better": False})
    figure = " · ".join(f"`{r['what']}` {r['ours']:.2f} s ({r['ratio']:.1f}x a bare interpreter's {r['baseline']:.2f} s)"
                        for r in rows)
    return {"rows": rows, "settings": {"runs": runs}, "figure": figure}


# ---------------------------------------------------------------------------------------------- MNIST recipes


@register("recipes", "Time to 99% MNIST test accuracy, the notes' CNN: `fit`'s default recipe vs Keras' defaults "
          "(Adam 1e-3, batch 128), median of 3 runs each, alternating", "nice -n 10 python -m benchmarks recipes",
          script="bench_recipes.py")
def recipes(quick: bool) -> dict:
    sys.path.insert(0, str(HERE))
    import bench_recipes as bench

    data = bench.mnist(limit=6000 if quick else None)
    if data is None:
        raise Skipped(f"MNIST not found ({bench.SHARED_DATA / 'mnist.npz'} or $DLCOURSE_DATA_DIR)")
    target = 0.9 if quick else 0.99
    runs = bench.compare(data, repeats=1 if quick else 3, target=target)
    table = bench.summary(runs)
    ours, keras_ = table[bench.OURS_NAME], table[bench.KERAS_NAME]
    ratio = ours[3] / keras_[3] if math.isfinite(ours[3]) else math.inf  # x / inf is 0.0: only Keras' missed
    finite = lambda value: value if math.isfinite(value) else None  # noqa: E731 (JSON has no infinity)
    rows = [{"what": f"seconds to {target:.0%} test accuracy", "ours": finite(round(ours[3], 1)),
             "baseline": finite(round(keras_[3], 1)), "unit": "s", "ratio": finite(round(ratio, 3)),
             "higher_is_better": False},
            {"what": "runs that reached it", "ours": f"{ours[0]}/{ours[1]}", "baseline": f"{keras_[0]}/{keras_[1]}"},
            {"what": "median epoch it was reached", "ours": finite(ours[2]), "baseline": finite(keras_[2])}]

    def said(seconds, epoch, reached, runs, runs_word=""):
        when = f"{seconds:.1f} s (epoch {epoch}" if math.isfinite(seconds) else "not reached in the median run ("
        return f"{when}, {reached}/{runs}{runs_word})"

    figure = (f"Keras' defaults {said(keras_[3], keras_[2], *keras_[:2], ' runs reached it')} · "
              f"`fit`'s default {said(ours[3], ours[2], *ours[:2])} · **{ratio:.2f}x the wall time**")
    by_epoch = {name: [clock.accuracies for clock in clocks] for name, clocks in runs.items()}  # test accuracy per run
    return {"rows": rows, "settings": {"images": len(data.x_train), "target": target}, "figure": figure,
            "accuracy_by_epoch": by_epoch,
            "goal": {"text": "at most 0.5x the wall time of Keras' defaults", "met": ratio <= 0.5,
                     "value": f"{ratio:.2f}x"}}


# ---------------------------------------------------------------------------------------------- precision


@register("precision", "Training throughput in float32 vs mixed bfloat16 (`--precision mixed_bfloat16`) on MNIST "
          "batches: the notes' CNN and small_cnn (batch 128), ResNet-18 (32x32, batch 32), median images/s over "
          "interleaved rounds; then the notes' CNN again with oneDNN off (TF_ENABLE_ONEDNN_OPTS=0), each setting "
          "in a fresh process", "python -m benchmarks precision", script="bench_precision.py")
def precision(quick: bool) -> dict:
    sys.path.insert(0, str(HERE))
    import bench_precision

    return bench_precision.result(quick)


# ---------------------------------------------------------------------------------------------- standalone scripts


def _script_benchmark(name, script, title, full_args, quick_args, table_lines, backends=("tensorflow",)):
    """Registers ``benchmarks/SCRIPT`` run in a fresh process; its last ``table_lines`` lines of output
    (the table it prints) become the figure."""
    command = " ".join(["python", f"benchmarks/{script}", *full_args]).strip()

    def run(quick: bool) -> dict:
        args = quick_args if quick else full_args
        done = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True, text=True, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"})
        if done.returncode != 0:
            raise RuntimeError(f"{script} failed:\n{done.stderr[-2000:]}")
        print(done.stdout, end="")
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        kept = [re.sub(r"\s{2,}", "  ", line.strip()) for line in lines[-table_lines:]]
        return {"rows": [], "output": done.stdout[-20000:], "settings": {"args": list(args)}, "figure": " · ".join(kept)}

    register(name, title, command, backends, script)(run)


_script_benchmark("compile", "bench_compile.py", "Training throughput of the notes' CNN on 20,000 MNIST images, "
                  "batch 128: `fit` with XLA chosen automatically, forced on, forced off, and `train_loop` (best of 3, "
                  "each run in a fresh process)", [], ["--limit", "2000", "--repeats", "1"], 5)
_script_benchmark("run_overhead", "bench_run_overhead.py", "What the run lifecycle costs: `fit` of the notes' CNN "
                  "on digits, 20 epochs, without and with a run directory (median of 3 fresh processes)",
                  ["--runs", "3"], ["--runs", "1"], 3)
_script_benchmark("detection", "bench_detection.py", "Inference time of the registered one-stage `yolov1_small` vs "
                  "two-stage `faster_rcnn_small` through their `detect()`, small_cnn P3, 8 shapes images of 64x64",
                  ["--repeats", "5"], ["--repeats", "1", "--batch", "2"], 3)
_script_benchmark("detection_train", "bench_detection.py", "`yolov1_small` (ResNet-18 P4, from scratch) trained "
                  "on 512 shapes images of 64x64 through `fit`, tested on 128 unseen images",
                  ["--train", "--image-size", "64", "--epochs", "15", "--train-size", "512", "--test-size", "128"],
                  ["--train", "--image-size", "32", "--epochs", "1", "--train-size", "16", "--test-size", "8"], 1)
_script_benchmark("search", "bench_search_strategies.py", "Grid vs random vs Bayesian search, `notes_cnn` space on "
                  "8x8 digits, 10 trials of at most 10 epochs each", ["--trials", "10", "--epochs", "10"],
                  ["--trials", "2", "--epochs", "1"], 4)
_script_benchmark("sequence", "bench_sequence.py", "Sequence and attention models on digits, trained as "
                  "`dlcourse train MODEL --data digits` does", ["--data", "digits"],
                  ["--data", "digits", "--models", "rnn_rows"], 7)
_script_benchmark("transfer", "bench_transfer.py", "Scratch vs feature extractor vs fine-tuning on digits 5-9 with "
                  "10 labels per class, over 5 seeds", [], [], 8)
_script_benchmark("vit_vs_resnet", "bench_vit_vs_resnet.py", "A small ViT vs a small ResNet on 8x8 digits, with "
                  "and without augmentation, and the ViT distilled from the ResNet", ["--seeds", "0", "1", "2",
                  "--epochs", "20"], ["--seeds", "0", "--epochs", "1"], 7)
_script_benchmark("generative", "bench_generative.py", "The README's generative-models table (autoencoders, VAEs, "
                  "GANs, CycleGAN)", [], ["ae"], 12)
_script_benchmark("segmentation", "bench_segmentation.py", "FCN-32s vs 16s vs 8s on shapes (mean and boundary IoU), "
                  "and unet_small's mean IoU against 10, 100 and 1,000 training images", [],
                  ["--fcn-size", "32", "--fcn-images", "32", "--epochs", "1", "--counts", "10", "--steps", "2"], 8)

_script_benchmark("quoted_times", "bench_quoted_times.py", "The times the docstrings and the command line's help "
                  "quote: `dlcourse doctor notes_cnn --data digits --quick` (fresh processes), the judge's training, "
                  "`vit_param_count('large')`, small_cnn's pretraining on digits 0-4", ["--runs", "3"], ["--runs", "1"], 2)


def _register_the_other_scripts():
    """A ``bench_*.py`` no benchmark above runs (a new one) is registered as it is: run without arguments,
    its last lines of output as the figure. Give it its own `_script_benchmark` line for quick arguments."""
    from benchmarks.suite import BENCHMARKS

    claimed = {b.script for b in BENCHMARKS.values()}
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if path.name not in claimed and name not in BENCHMARKS:
            _script_benchmark(name, path.name, f"`benchmarks/{path.name}` (run as it is)", [], [], 5)


_register_the_other_scripts()
