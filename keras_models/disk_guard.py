"""Stop training cleanly, in one line, before a checkpoint would fill the disk.

A checkpoint written onto a full disk fails inside h5py: HDF5 prints dozens of
"No space left on device" diagnostics, and the half-written file can crash the process.
`DiskGuard` (the first callback of every run) checks before each epoch's checkpoints that
the run folder's disk has room for them (`needed_bytes`: the best model, the two backup
copies and a margin) and otherwise ends training with a `UserError` that says how to
continue the run once space is freed. `silence_hdf5` turns off HDF5's own error printing,
so a write that fails anyway (another process filled the disk meanwhile) ends as the one
line of `RunDir.writing`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import keras
import numpy as np

from keras_models.errors import UserError

#: room kept free beyond the checkpoints' size (history, logs, plots, the final export's start)
MARGIN_BYTES = 16 << 20
#: copies of the model's state one epoch writes: ModelCheckpoint's best model and the backup's two
COPIES = 3


def state_bytes(model) -> int:
    """Bytes of the model's variables and its optimizer's (what a checkpoint holds)."""
    variables = list(model.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "variables", None) is not None:
        variables += list(optimizer.variables)
    return sum(math.prod(int(d or 1) for d in v.shape) * _itemsize(v) for v in variables)


def _itemsize(variable) -> int:
    try:
        return np.dtype(keras.backend.standardize_dtype(variable.dtype)).itemsize
    except TypeError:  # bfloat16 and other dtypes NumPy does not name
        return 4


def needed_bytes(model) -> int:
    return COPIES * state_bytes(model) + MARGIN_BYTES


def free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def check_room(run_dir: Path, needed: int, experiment: str) -> None:
    """`UserError` (how to resume) when `run_dir`'s disk has less than `needed` bytes free."""
    free = free_bytes(run_dir)
    if free < needed:
        raise UserError(f"cannot write {run_dir}: the disk is full ({free / 2**20:.1f} MiB free, a checkpoint needs "
                        f"about {needed / 2**20:.1f} MiB); training stopped before writing it: free space, then "
                        f"continue the run with `python -m experiments.{experiment} --resume {run_dir}`")


def silence_hdf5() -> None:
    """Turn off HDF5's printing of its error stack (h5py still raises the error)."""
    try:
        from h5py import _errors
    except ImportError:  # pragma: no cover - h5py comes with Keras' saving
        return
    _errors.silence_errors()


class DiskGuard(keras.callbacks.Callback):
    """Checks the room for the epoch's checkpoints at the start of training and at the
    end of every epoch, before the other callbacks write (put it first)."""

    def __init__(self, run_dir: Path, experiment: str):
        super().__init__()
        self.run_dir, self.experiment = Path(run_dir), experiment

    def _check(self):
        check_room(self.run_dir, needed_bytes(self.model), self.experiment)

    def on_train_begin(self, logs=None):
        silence_hdf5()
        self._check()

    def on_epoch_end(self, epoch, logs=None):
        self._check()
