"""The ``dlcourse`` command. Each sub-command lives in its own ``cmd_<name>.py`` module here,
exposing ``add_parser(subparsers)``; the parser it adds sets ``run=function(args) -> int``.

Errors a user can fix (ValueError, TypeError, missing files) print one line, not a stack trace.

Example:
    $ dlcourse models
    $ dlcourse train notes_cnn --data digits --epochs 5
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlcourse", description="The deep-learning course's models, training and tuning tools."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{module_info.name}").add_parser(subparsers)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out
    try:
        return int(args.run(args) or 0)
    except (ValueError, TypeError, OSError) as error:
        print(f"dlcourse {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"dlcourse {args.command}: interrupted", file=sys.stderr)
        return 130
