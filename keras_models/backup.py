"""`RunBackup`: Keras' `BackupAndRestore` plus everything else a resumed run needs.

`BackupAndRestore` saves the weights, the optimizer and the epoch. A run killed and
resumed would still end differently from an uninterrupted one, because it forgets:

* EarlyStopping's wait count, best value, best epoch and best weights, and whether it
  had already stopped the run;
* ModelCheckpoint's and ReduceLROnPlateau's best values (and the latter's counters);
* the dropout layers' random-seed state (not part of the weights).

`RunBackup` saves these beside the backup at the end of every epoch (before the epoch
number, so a backup never claims an epoch whose state is missing) and restores them at
the start of `fit`, after the other callbacks have reset themselves. Put it last in the
callback list. The order of the batches is the data pipeline's business
(`keras_models.batches`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np

#: per callback class: the attributes that carry its state from epoch to epoch
STATE = {
    keras.callbacks.EarlyStopping: ("wait", "best", "best_epoch", "stopped_epoch"),
    keras.callbacks.ModelCheckpoint: ("best",),
    keras.callbacks.ReduceLROnPlateau: ("wait", "best", "cooldown_counter"),
}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


class RunBackup(keras.callbacks.BackupAndRestore):
    """`BackupAndRestore` that also backs up the state of `others` and the seed generators.

    Args:
        backup_dir: the run's backup folder (removed by the runner once the run finished).
        others: the run's other callbacks.
    """

    def __init__(self, backup_dir: str, others: list):
        super().__init__(backup_dir, double_checkpoint=True, delete_checkpoint=False)
        self.others = others
        self._state_path = Path(backup_dir) / "run_state.json"
        self._arrays_path = Path(backup_dir) / "run_state.npz"

    def _stateful(self):
        for callback in self.others:
            for kind, names in STATE.items():
                if isinstance(callback, kind):
                    yield callback, names

    def _seed_variables(self) -> list:
        weights = {id(v) for v in self.model.weights}
        return [v for v in self.model.variables if id(v) not in weights]

    def _save_model(self):
        Path(self.backup_dir).mkdir(parents=True, exist_ok=True)
        state = {"epoch": self._current_epoch, "callbacks": [
            {name: _plain(getattr(callback, name, None)) for name in names} for callback, names in self._stateful()]}
        arrays = {f"seed_{i}": np.asarray(v) for i, v in enumerate(self._seed_variables())}
        for callback, _ in self._stateful():
            best = getattr(callback, "best_weights", None)
            if best is not None:
                arrays.update({f"best_{i}": w for i, w in enumerate(best)})
        _atomic(self._arrays_path, lambda tmp: np.savez(tmp, **arrays), suffix=".npz")
        _atomic(self._state_path, lambda tmp: Path(tmp).write_text(json.dumps(state)))
        super()._save_model()  # weights, optimizer, then the epoch number last

    def _load_model(self):
        super()._load_model()
        if not self._state_path.exists() or getattr(self.model, "_initial_epoch", None) is None:
            return
        state = json.loads(self._state_path.read_text())
        if state["epoch"] != self.model._initial_epoch:
            return  # killed between the two writes: the epoch's own state is gone
        arrays = np.load(self._arrays_path)
        for (callback, names), values in zip(self._stateful(), state["callbacks"]):
            for name in names:
                setattr(callback, name, values[name])
            if hasattr(callback, "best_weights") and "best_0" in arrays:
                callback.best_weights = [arrays[f"best_{i}"] for i in range(len(self.model.weights))]
            if isinstance(callback, keras.callbacks.EarlyStopping) and callback.stopped_epoch > 0:
                self.model._initial_epoch = self.params["epochs"]  # it had stopped the run: train no more
        for i, variable in enumerate(self._seed_variables()):
            variable.assign(arrays[f"seed_{i}"])


def _atomic(path: Path, write, suffix: str = "") -> None:
    tmp = path.with_name(path.name + ".tmp" + suffix)
    write(str(tmp))
    os.replace(tmp, path)
