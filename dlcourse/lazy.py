"""Lazy exports (PEP 562): a package names its public functions without importing their modules.

`import dlcourse` and the CLI's argument parsing must not import TensorFlow or Keras, so each
sub-package lists its public names in a table (name -> module) and imports a module the first time
one of its names is read. This is that mechanism, written once.
"""

from __future__ import annotations

import importlib
import sys


def lazy_exports(package: str, table: dict, eager=()):
    """``(__getattr__, __dir__, __all__)`` for `package`, whose names in `table` load on first use.

    Args:
        package: the package's ``__name__``.
        table: public name -> the module (relative to `package`) that defines it.
        eager: the names the package defines itself, also listed in ``__all__``.

    Example:
        >>> getattr_, dir_, all_ = lazy_exports("dlcourse", {"check_choice": "checks"})
        >>> getattr_("check_choice").__module__
        'dlcourse.checks'
    """

    def __getattr__(name):
        if name in table:
            return getattr(importlib.import_module(f"{package}.{table[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__, sorted({*eager, *table}, key=str.lower)
