"""`RunRecorder`: the one callback that keeps a run's state, so that a resumed run continues exactly.

It does what Keras' EarlyStopping, ModelCheckpoint(save_best_only), TerminateOnNaN, CSVLogger and
BackupAndRestore do together, with one state that is saved after every epoch and restored on resume:
the history, the best monitored value and its epoch, and early stopping's counter. (Keras' own
callbacks reset that state in ``on_train_begin``, so after a resume ``best.keras`` stopped being the
best epoch and patience started again.)

Example:
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> recorder = RunRecorder(None, monitor="loss", patience=2)
    >>> _ = model.fit(np.ones((8, 2)), np.ones(8), epochs=3, verbose=0, callbacks=[recorder])
    >>> [row["epoch"] for row in recorder.rows]
    [0, 1, 2]
"""

from __future__ import annotations

import math
import os

import keras

from dlcourse.train.rundir import TrainingDiverged, is_finite

BEST_FILE = "best.keras"


class RunRecorder(keras.callbacks.Callback):
    """Early stopping (restoring the best weights at the end), the best-model file, the divergence
    check and the per-epoch checkpoint of a run.

    Args:
        run: a `RunDirectory`, or None to keep nothing on disk.
        monitor: the logged quantity that decides the best epoch (``"val_loss"``).
        mode: ``"min"`` or ``"max"``: whether lower or higher `monitor` is better.
        patience: epochs without improvement before stopping; None never stops early (and keeps
            the final weights rather than the best).
        state: the state of a resumed run (from `state()`), or None for a new run.
        learning_rate: the configured peak rate, quoted when training diverges.
    """

    def __init__(self, run, *, monitor: str, mode: str = "min", patience: int | None = None,
                 state: dict | None = None, learning_rate: float | None = None):
        super().__init__()
        state = state or {}
        self.run = run
        self.monitor, self.mode, self.patience = monitor, mode, patience
        self.learning_rate = learning_rate
        self.rows = list(state.get("history", []))
        self.best = state.get("best")
        self.best_epoch = state.get("best_epoch")
        self.wait = state.get("wait", 0)
        self.best_weights = None
        self.stopped_early = False
        self.diverged: TrainingDiverged | None = None
        self._epoch = 0

    def state(self) -> dict:
        """What a resumed run needs to continue as if never stopped."""
        return {"history": self.rows, "best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        return value < self.best if self.mode == "min" else value > self.best

    def _diverge(self, step: int, name: str, value: float) -> None:
        if self.diverged is None:
            self.diverged = TrainingDiverged(self._epoch + 1, step, name, value, self.learning_rate)
        self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not is_finite(loss):
            self._diverge(batch + 1, "loss", float(loss))

    def on_epoch_end(self, epoch, logs=None):
        if self.diverged is not None:
            return
        logs = {k: float(v) for k, v in (logs or {}).items()}
        bad = [k for k, v in logs.items() if not math.isfinite(v)]
        if bad:
            self._diverge(self.params.get("steps") or 0, bad[0], logs[bad[0]])
            return
        self.rows.append({"epoch": epoch, **logs})
        value = logs.get(self.monitor)
        if value is not None and self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.patience is not None:
                self.best_weights = self.model.get_weights()
            if self.run is not None:
                save_model(self.model, self.run.file(BEST_FILE))
        else:
            self.wait += 1
            if self.patience is not None and self.wait >= self.patience:
                self.model.stop_training = True
                self.stopped_early = True
        if self.run is not None:
            self.run.save_checkpoint(
                epoch + 1,
                [v.numpy() for v in self.model.variables],
                [v.numpy() for v in self.model.optimizer.variables],
                self.state(),
            )
            self.run.write_history(self.rows)

    def on_train_end(self, logs=None):
        if self.diverged is not None or self.patience is None or self.best_epoch is None:
            return
        weights = self.best_weights
        if weights is None and self.run is not None and os.path.isfile(self.run.file(BEST_FILE)):
            weights = keras.saving.load_model(self.run.file(BEST_FILE), compile=False).get_weights()
        if weights is not None:
            self.model.set_weights(weights)


def save_model(model, path: str) -> None:
    """``model.save(path)`` through a temporary file, so a kill never leaves half a model."""
    tmp = f"{path[:-len('.keras')]}.tmp-{os.getpid()}.keras"
    model.save(tmp)
    os.replace(tmp, path)
