"""``dlcourse bench [NAMES...] [--quick] [--json OUT] [--update-readme]``: the benchmark suite.

A thin alias of ``python -m benchmarks`` (the suite lives in the source checkout's ``benchmarks/``,
not in the installed package); ``dlcourse bench --help`` lists its options.

Example:
    $ dlcourse bench startup --quick
"""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


def add_parser(subparsers):
    parser = subparsers.add_parser("bench", help="run the benchmark suite (source checkout only)",
                                   description="The benchmark suite, as `python -m benchmarks` (from a source "
                                               "checkout). With no NAME: list the benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (none: list them)")
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats (a smoke test)")
    parser.add_argument("--json", default=None, metavar="OUT", help="also write this run's results here")
    parser.add_argument("--update-readme", action="store_true",
                        help="regenerate the README's performance table from benchmarks/results/")
    parser.set_defaults(run=run)


def run(args) -> int:
    if not (CHECKOUT / "benchmarks" / "suite.py").is_file():
        raise FileNotFoundError(f"the benchmark suite is part of the source checkout (benchmarks/ beside dlcourse/), "
                                f"not of the installed package; not found under {CHECKOUT}")
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    from benchmarks.suite import main

    argv = [*args.names, *(["--quick"] if args.quick else []), *(["--json", args.json] if args.json else []),
            *(["--update-readme"] if args.update_readme else [])]
    try:
        return main(argv)
    except SystemExit as done:  # argparse's --help and usage errors
        return done.code if isinstance(done.code, int) else 2
