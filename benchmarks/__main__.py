"""``python -m benchmarks [NAMES...] [--quick] [--json OUT] [--update-readme]``: see `benchmarks.suite`."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks.suite import main  # noqa: E402

raise SystemExit(main())
