"""``python -m dlcourse`` runs the command-line interface."""

import sys

from dlcourse.cli import main

sys.exit(main())
