"""A run directory (실행 기록): a record that training only ever adds to.

What is in it, and who writes it:

- ``config.json``: the model, the task, the data (name, sizes, sha256 of its arrays), every setting,
  and the versions of dlcourse, TensorFlow and Keras, written once before training starts;
- ``checkpoints/epoch-NNNN.npz``: after every epoch, every model and optimiser variable (batch-norm
  statistics and dropout's random state included) and the trainer's state (history, best value, early
  stopping's counter), written atomically; the two newest are kept;
- ``history.csv``: one row per finished epoch, rewritten atomically from the newest checkpoint;
- ``best.keras``: the model at the best monitored epoch; ``model.keras`` and ``metrics.json`` at the end;
- ``run.lock``: held while a process trains here, released by the kernel when the process dies.

Nothing is overwritten that training did not write in the same run: ``overwrite=True`` moves the old
run into ``replaced/<time>/`` first.

Example:
    >>> run = RunDirectory("runs/demo-record")
    >>> with run.lock():
    ...     run.read_record() is None
    True
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import shutil
import time

import numpy as np

LOCK_FILE = "run.lock"
RECORD_FILE = "config.json"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.csv"
CHECKPOINT_DIR = "checkpoints"
REPLACED_DIR = "replaced"
KEEP_CHECKPOINTS = 2
# Settings that change how a run is shown, not what it computes: they may differ on resume.
COSMETIC_SETTINGS = ("verbose", "tensorboard")


class RunDirectoryError(ValueError):
    """The run directory cannot be used as asked (in use, or made with other settings)."""


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the message says where and what to try."""

    def __init__(self, epoch: int, step: int, name: str, value: float, learning_rate: float | None):
        self.epoch, self.step, self.name, self.value = epoch, step, name, value
        hint = f"; try a lower --lr (now {learning_rate:g})" if learning_rate else ""
        super().__init__(f"diverged at epoch {epoch}, step {step}: {name} is {value}{hint}")


def atomic_write(path: str, data: bytes | str) -> None:
    """Write `data` to `path` so that a reader (or a kill) sees the old file or the new, never half."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """One line per value that differs between two records (nested dicts compared key by key)."""
    lines = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "(absent)"), new.get(key, "(absent)")
        if isinstance(a, dict) and isinstance(b, dict):
            lines += differences(a, b, f"{prefix}{key}.")
        elif a != b:
            lines.append(f"{prefix}{key}: {a!r} then, {b!r} now")
    return lines


class RunDirectory:
    """One run's folder: its lock, record, checkpoints and history (see the module docstring)."""

    def __init__(self, path):
        self.path = os.fspath(path)

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    @contextlib.contextmanager
    def lock(self):
        """Hold the run's lock; a second process gets `RunDirectoryError` at once."""
        import fcntl

        os.makedirs(self.path, exist_ok=True)
        handle = open(self.file(LOCK_FILE), "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunDirectoryError(
                f"run directory {self.path} is in use by {holder}; wait for it to finish or "
                "choose another run directory"
            ) from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"process {os.getpid()}")
            handle.flush()
            yield self
        finally:
            handle.close()  # closing releases the lock; a killed process releases it too

    # The record and the final metrics ---------------------------------------------------------
    def _read_json(self, name: str) -> dict | None:
        path = self.file(name)
        if not os.path.isfile(path):
            return None
        with open(path) as f:
            return json.load(f)

    def read_record(self) -> dict | None:
        return self._read_json(RECORD_FILE)

    def write_record(self, record: dict) -> None:
        atomic_write(self.file(RECORD_FILE), json.dumps(record, indent=2))

    def read_metrics(self) -> dict | None:
        return self._read_json(METRICS_FILE)

    def write_metrics(self, metrics: dict) -> None:
        atomic_write(self.file(METRICS_FILE), json.dumps(metrics, indent=2))

    def archive(self) -> str | None:
        """Move everything of the old run into ``replaced/<time>/``; returns that folder."""
        entries = [e for e in os.listdir(self.path) if e not in (LOCK_FILE, REPLACED_DIR)] if os.path.isdir(self.path) else []
        if not entries:
            return None
        base = os.path.join(self.path, REPLACED_DIR, time.strftime("%Y%m%d-%H%M%S"))
        target, suffix = base, 1
        while os.path.exists(target):
            target, suffix = f"{base}-{suffix}", suffix + 1
        os.makedirs(target)
        for entry in entries:
            shutil.move(self.file(entry), os.path.join(target, entry))
        return target

    # Checkpoints ------------------------------------------------------------------------------
    def save_checkpoint(self, epochs_done: int, model_values: list, optimizer_values: list, state: dict) -> None:
        """Save the state after `epochs_done` epochs atomically; keep the newest two."""
        folder = self.file(CHECKPOINT_DIR)
        os.makedirs(folder, exist_ok=True)
        arrays = {f"model_{i}": np.asarray(v) for i, v in enumerate(model_values)}
        arrays.update({f"optimizer_{i}": np.asarray(v) for i, v in enumerate(optimizer_values)})
        arrays["state"] = np.array(json.dumps({**state, "epochs_done": epochs_done}))
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        atomic_write(os.path.join(folder, f"epoch-{epochs_done:04d}.npz"), buffer.getvalue())
        for old in self._checkpoints()[KEEP_CHECKPOINTS:]:
            os.remove(old)

    def _checkpoints(self) -> list[str]:
        folder = self.file(CHECKPOINT_DIR)
        if not os.path.isdir(folder):
            return []
        names = sorted((n for n in os.listdir(folder) if n.startswith("epoch-") and n.endswith(".npz")), reverse=True)
        return [os.path.join(folder, n) for n in names]

    def load_checkpoint(self):
        """The newest readable checkpoint as ``(model_values, optimizer_values, state)``, or None.

        A corrupt newest file (a kill while the disk was writing) falls back to the one before."""
        for path in self._checkpoints():
            try:
                with np.load(path, allow_pickle=False) as f:
                    state = json.loads(str(f["state"]))
                    model_values = [f[f"model_{i}"] for i in range(sum(k.startswith("model_") for k in f.files))]
                    optimizer_values = [
                        f[f"optimizer_{i}"] for i in range(sum(k.startswith("optimizer_") for k in f.files))
                    ]
                return model_values, optimizer_values, state
            except Exception as error:  # noqa: BLE001  (any unreadable file: use the one before)
                print(f"warning: skipping unreadable checkpoint {path} ({type(error).__name__})")
        return None

    # History ----------------------------------------------------------------------------------
    def write_history(self, rows: list[dict]) -> None:
        """Rewrite ``history.csv`` from `rows` (``{"epoch": e, metric: value, ...}``) atomically."""
        if not rows:
            return
        keys = ["epoch"] + sorted({k for row in rows for k in row if k != "epoch"})
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        atomic_write(self.file(HISTORY_FILE), out.getvalue())

    def read_history(self) -> list[dict]:
        path = self.file(HISTORY_FILE)
        if not os.path.isfile(path):
            return []
        with open(path, newline="") as f:
            return [
                {k: int(v) if k == "epoch" else float(v) for k, v in row.items() if v != ""}
                for row in csv.DictReader(f)
            ]


def history_columns(rows: list[dict]) -> dict:
    """``{"loss": [...], "val_loss": [...]}`` from history rows, as Keras' History has it."""
    columns: dict = {}
    for row in rows:
        for key, value in row.items():
            if key != "epoch":
                columns.setdefault(key, []).append(value)
    return columns


def is_finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return True
