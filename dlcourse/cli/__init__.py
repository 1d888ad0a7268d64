"""The ``dlcourse`` command. Each sub-command lives in its own ``cmd_<name>.py`` module here,
exposing ``add_parser(subparsers)``; the parser it adds sets ``run=function(args) -> int``.

Building the parser imports no TensorFlow or Keras (``dlcourse --help`` answers at once); a
command imports them when it runs. Errors a user can fix (ValueError, TypeError, missing files)
print one line, not a stack trace.

Example:
    $ dlcourse models
    $ dlcourse train notes_cnn --data digits --epochs 5
"""

from __future__ import annotations

import argparse
import importlib
import importlib.abc
import importlib.util
import os
import pkgutil
import re
import sys
import tempfile

from dlcourse import __version__

# Lines TensorFlow's native code writes to the process's stderr while it is imported and finds its
# devices, whatever TF_CPP_MIN_LOG_LEVEL says: absl logs before absl is initialised, and on a
# machine without a GPU the CUDA stub and cuInit say so. None of them concerns a CPU machine's user.
NATIVE_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|cudart_stub\.cc:\d+\] Could not find cuda drivers"
    r"|cpu_feature_guard\.cc:\d+\]|^To enable the following instructions:.*rebuild TensorFlow"
    r"|port\.cc:\d+\] oneDNN custom operations are on"  # on CPUs where TensorFlow turns oneDNN on
)
# cuInit failing is news on a machine with an NVIDIA driver (a broken install), noise without one.
NO_GPU_NOISE = re.compile(r"cuda_platform\.cc:\d+\] failed call to cuInit")
NVIDIA_DRIVER = "/proc/driver/nvidia"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlcourse", description="The deep-learning course's models, training and tuning tools."
    )
    parser.add_argument("--version", action="version", version=f"dlcourse {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{module_info.name}").add_parser(subparsers)
    return parser


def _is_noise(line: str) -> bool:
    return bool(NATIVE_NOISE.search(line) or (NO_GPU_NOISE.search(line) and not os.path.exists(NVIDIA_DRIVER)))


def _import_filtering_native_stderr(loader, module):
    """Import TensorFlow with file descriptor 2 caught, find its devices, then write back what is not noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as caught:
        os.dup2(caught.fileno(), 2)
        try:
            loader.exec_module(module)
            module.config.list_physical_devices()  # where the CUDA runtime reports, once per process
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode(errors="replace").splitlines(keepends=True)
                    if not _is_noise(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``tensorflow`` (once, whoever asks first) with its native start-up noise removed."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # from here on the ordinary finders answer
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = module.__loader__ = self.loader
        _import_filtering_native_stderr(self.loader, module)


def quiet_tensorflow_import():
    """Make the first ``import tensorflow`` of this process drop `NATIVE_NOISE` from stderr."""
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietTensorFlowImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowImport())


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    quiet_tensorflow_import()
    try:
        return int(args.run(args) or 0)
    except (ValueError, TypeError, OSError) as error:
        print(f"dlcourse {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"dlcourse {args.command}: interrupted", file=sys.stderr)
        return 130
