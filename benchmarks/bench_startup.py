"""Start-up wall time: ``import dlcourse``, ``dlcourse --help`` and ``dlcourse models``, each in a
fresh Python process, median of `--runs` runs; with ``--baseline`` the same commands on another
checkout (a git ref of this repository, or the path of another checkout) side by side, with ratios.

The runs of both checkouts are interleaved, so a busy machine slows both alike. Each process gets
the checkout first on PYTHONPATH and runs from an empty temporary folder (nothing is written in
the checkouts). Run: ``python benchmarks/bench_startup.py [--runs 5] [--baseline e0b3db6]``.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median, print_table  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
COMMANDS = {
    "import dlcourse": ["-c", "import dlcourse"],
    "dlcourse --help": ["-m", "dlcourse", "--help"],
    "dlcourse models": ["-m", "dlcourse", "models"],
}


def checkout_of(baseline: str, workdir: Path) -> Path:
    """`baseline` itself when it is a folder holding a dlcourse package; else ``git archive`` of that ref."""
    path = Path(baseline).expanduser()
    if (path / "dlcourse" / "__init__.py").is_file():
        return path.resolve()
    target = workdir / "baseline"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", baseline], capture_output=True, check=False)
    if archive.returncode != 0:
        raise SystemExit(f"--baseline {baseline!r} is neither a checkout folder nor a git ref of {REPO}: "
                         f"{archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def environment(checkout: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(checkout)}


def check_imports_from(checkout: Path, cwd: Path):
    out = subprocess.run([sys.executable, "-c", "import dlcourse; print(dlcourse.__file__)"], capture_output=True,
                         text=True, env=environment(checkout), cwd=cwd, check=True).stdout.strip()
    if not Path(out).resolve().is_relative_to(checkout):
        raise SystemExit(f"{checkout}: Python imports dlcourse from {out} instead")


def seconds(checkout: Path, args: list, cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=environment(checkout),
                            cwd=cwd)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{checkout}: python {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per command and checkout (default: 5)")
    parser.add_argument("--baseline", default=None, help="a git ref of this repository or another checkout's folder")
    parser.add_argument("--commands", nargs="+", choices=list(COMMANDS), default=list(COMMANDS),
                        metavar="COMMAND", help=f"which to time (default: all of {list(COMMANDS)})")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        cwd = workdir / "cwd"
        cwd.mkdir()
        checkouts = {"this checkout": REPO}
        if args.baseline:
            checkouts["baseline"] = checkout_of(args.baseline, workdir)
        for checkout in checkouts.values():
            check_imports_from(checkout, cwd)
        times = {(label, command): [] for label in checkouts for command in args.commands}
        for command in args.commands:
            for run in range(args.runs):
                for label, checkout in checkouts.items():  # interleaved: load affects both alike
                    times[label, command].append(seconds(checkout, COMMANDS[command], cwd))
                    shutil.rmtree(cwd)
                    cwd.mkdir()
            print(f"timed {command}", file=sys.stderr, flush=True)

    print(f"Median wall time of {args.runs} fresh processes each ({sys.executable}, {os.cpu_count()} CPUs)")
    header = ["command", "this checkout (s)"]
    if args.baseline:
        header += [f"baseline {args.baseline} (s)", "baseline / this"]
    rows = []
    for command in args.commands:
        ours = median(times["this checkout", command])
        row = [command, f"{ours:.2f}"]
        if args.baseline:
            theirs = median(times["baseline", command])
            row += [f"{theirs:.2f}", f"{theirs / ours:.1f}x"]
        rows.append(row)
    print_table(header, rows)


if __name__ == "__main__":
    main()
