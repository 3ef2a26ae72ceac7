"""`RunBackup`: Keras' `BackupAndRestore` plus everything else a resumed run needs.

`BackupAndRestore` saves the weights, the optimizer and the epoch. A run killed and
resumed would still end differently from an uninterrupted one, because it forgets:

* EarlyStopping's wait count, best value, best epoch and best weights, and whether it
  had already stopped the run;
* ModelCheckpoint's and ReduceLROnPlateau's best values (and the latter's counters);
* the dropout layers' random-seed state (not part of the weights).

`RunBackup` saves these with the weights at the end of every epoch, each epoch into a
folder of its own that appears whole or not at all (`keras_models.backup_layout`: a
process or machine that dies mid-write leaves the previous epoch intact), and restores
them at the start of `fit`, after the other callbacks have reset themselves. Put it last in the
callback list. The order of the batches is the data pipeline's business
(`keras_models.batches`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import keras
import numpy as np

from keras_models import backup_layout as layout

#: per callback class: the attributes that carry its state from epoch to epoch
STATE = {
    keras.callbacks.EarlyStopping: ("wait", "best", "best_epoch", "stopped_epoch"),
    keras.callbacks.ModelCheckpoint: ("best",),
    keras.callbacks.ReduceLROnPlateau: ("wait", "best", "cooldown_counter"),
}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


class RunBackup(keras.callbacks.BackupAndRestore):
    """`BackupAndRestore` that also backs up the state of `others` and the seed generators,
    one whole folder per finished epoch (`keras_models.backup_layout`).

    Args:
        backup_dir: the run's backup folder (removed by the runner once the run finished).
        others: the run's other callbacks.
    """

    def __init__(self, backup_dir: str, others: list):
        super().__init__(backup_dir, delete_checkpoint=False)
        self.others = others

    def _stateful(self):
        for callback in self.others:
            for kind, names in STATE.items():
                if isinstance(callback, kind):
                    yield callback, names

    def _seed_variables(self) -> list:
        weights = {id(v) for v in self.model.weights}
        return [v for v in self.model.variables if id(v) not in weights]

    def _save_model(self):
        """Write the finished epoch into a hidden folder, then rename it into place in one step."""
        backup = Path(self.backup_dir)
        final = layout.epoch_folder(backup, self._current_epoch)
        tmp = backup / f".{final.name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        state = {"epoch": self._current_epoch, "callbacks": [
            {name: _plain(getattr(callback, name, None)) for name in names} for callback, names in self._stateful()]}
        arrays = {f"seed_{i}": np.asarray(v) for i, v in enumerate(self._seed_variables())}
        for callback, _ in self._stateful():
            best = getattr(callback, "best_weights", None)
            if best is not None:
                arrays.update({f"best_{i}": w for i, w in enumerate(best)})
        np.savez(tmp / layout.ARRAYS, **arrays)
        (tmp / layout.STATE).write_text(json.dumps(state))
        self.model.save_weights(str(tmp / layout.WEIGHTS))
        (tmp / layout.METADATA).write_text(json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        for older in layout.epoch_folders(backup):
            if older != final:
                shutil.rmtree(older, ignore_errors=True)

    def _load_model(self):
        latest = layout.latest_epoch_folder(Path(self.backup_dir))
        if latest is None:
            return  # no epoch finished: train from the first
        self._weights_path = str(latest / layout.WEIGHTS)
        self._training_metadata_path = str(latest / layout.METADATA)
        super()._load_model()
        if getattr(self.model, "_initial_epoch", None) is None:
            return
        state = json.loads((latest / layout.STATE).read_text())
        arrays = np.load(latest / layout.ARRAYS)
        for (callback, names), values in zip(self._stateful(), state["callbacks"]):
            for name in names:
                setattr(callback, name, values[name])
            if hasattr(callback, "best_weights") and "best_0" in arrays:
                callback.best_weights = [arrays[f"best_{i}"] for i in range(len(self.model.weights))]
            if isinstance(callback, keras.callbacks.EarlyStopping) and callback.stopped_epoch > 0:
                self.model._initial_epoch = self.params["epochs"]  # it had stopped the run: train no more
        for i, variable in enumerate(self._seed_variables()):
            variable.assign(arrays[f"seed_{i}"])
