"""Where a run's backup keeps its last finished epoch (no TensorFlow here).

Each finished epoch is written whole into a hidden folder ``backup/.epoch-NNNNN.tmp`` and
then renamed to ``backup/epoch-NNNNN`` in one step, after which the older epochs are
removed. A process killed at any moment therefore leaves either the previous epoch's
folder or the new one complete, never a mixture: a resumed run reads the folder of the
highest epoch and ignores a ``.tmp`` folder (an epoch that was not finished writing).

An epoch folder holds:

``model.weights.h5``
    the weights and the optimizer state (`keras.Model.save_weights`);
``training_metadata.json``
    ``{"epoch": N, "batch": 0}``, as Keras' `BackupAndRestore` writes it;
``run_state.json`` and ``run_state.npz``
    the other callbacks' state and the random-seed state (`keras_models.backup`).
"""

from __future__ import annotations

import re
from pathlib import Path

WEIGHTS, METADATA, STATE, ARRAYS = "model.weights.h5", "training_metadata.json", "run_state.json", "run_state.npz"
FILES = (WEIGHTS, METADATA, STATE, ARRAYS)
_EPOCH = re.compile(r"epoch-(\d{5})")


def epoch_folder(backup: Path, epoch: int) -> Path:
    """The folder of finished epoch `epoch` (1 = the first epoch done)."""
    return Path(backup) / f"epoch-{epoch:05d}"


def epoch_folders(backup: Path) -> list[Path]:
    """The complete epoch folders of `backup`, oldest first."""
    backup = Path(backup)
    if not backup.is_dir():
        return []
    found = [p for p in backup.iterdir() if p.is_dir() and _EPOCH.fullmatch(p.name)]
    return sorted(found, key=lambda p: int(p.name.split("-")[1]))


def latest_epoch_folder(backup: Path) -> Path | None:
    """The last finished epoch's folder, or None when no epoch finished."""
    folders = epoch_folders(backup)
    return folders[-1] if folders else None
