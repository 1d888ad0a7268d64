"""Training throughput of the zoo's models against their keras.applications twins, side by side:
now the suite's ``zoo`` benchmark (all ten twins; ``benchmarks/throughput.py``). This script is kept
so the old command still works.

Usage:
    python benchmarks/bench_zoo_vs_keras.py [--quick]     # same as: python -m benchmarks zoo [--quick]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.suite import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(["zoo", *sys.argv[1:]]))
