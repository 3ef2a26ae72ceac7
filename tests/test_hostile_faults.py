"""Faults during the work end in one line: a disk that fills during training stops it
cleanly before a checkpoint is written (the run stays resumable), a checkpoint write
that fails anyway (ENOSPC) is one `UserError`, and HDF5 prints nothing of its own."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from conftest import write_series

from keras_models.errors import UserError


def _config(tmp_path, **changes):
    from keras_models import nab

    csv = write_series(tmp_path / "s.csv", n=400, spikes=(300,))
    return nab.Config(**{"version": "base", "epochs": 3, "csv": csv, "runs_dir": tmp_path / "runs", "run_id": "r",
                         "tensorboard": False, **changes})


@pytest.mark.slow
def test_a_disk_that_fills_during_training_stops_it_in_one_line_and_the_run_resumes(tmp_path, monkeypatch, capsys):
    from keras_models import disk_guard, nab

    real, calls = disk_guard.free_bytes, []

    def filling(folder):  # room at the start and after epoch 1, none after epoch 2
        calls.append(folder)
        return real(folder) if len(calls) < 3 else 4096

    monkeypatch.setattr(disk_guard, "free_bytes", filling)
    with pytest.raises(UserError, match=r"cannot write .*runs/nab_autoencoder/r: the disk is full \(0\.0 MiB free, "
                                        r"a checkpoint needs about .* MiB\); training stopped before writing it: free "
                                        r"space, then continue the run with `python -m experiments.nab_autoencoder "
                                        r"--resume .*/r`"):
        nab.run(_config(tmp_path))
    run = tmp_path / "runs" / "nab_autoencoder" / "r"
    assert not (run / "metrics.json").exists() and (run / "backup").is_dir()
    assert "HDF5-DIAG" not in capsys.readouterr().err
    monkeypatch.setattr(disk_guard, "free_bytes", real)
    result = nab.resume(run)
    assert result.metrics["epochs_run"] == 3 and result.metrics["resumed"] is True


def test_no_room_for_the_checkpoints_stops_training_before_the_first_epoch(tmp_path, monkeypatch):
    from keras_models import disk_guard, nab

    monkeypatch.setattr(disk_guard, "free_bytes", lambda folder: 4096)
    with pytest.raises(UserError, match=r"the disk is full \(0\.0 MiB free, a checkpoint needs about"):
        nab.run(_config(tmp_path, epochs=1))
    assert not (tmp_path / "runs" / "nab_autoencoder" / "r" / "history.csv").exists()


def test_a_checkpoint_write_that_fails_with_enospc_is_one_user_error(tmp_path, monkeypatch):
    from keras_models import backup, nab

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup.RunBackup, "_save_model", full)
    with pytest.raises(UserError, match=r"cannot write .*/r: the disk is full; free space or fix the folder, then "
                                        r"continue the run with `python -m experiments.nab_autoencoder --resume"):
        nab.run(_config(tmp_path, epochs=1))


def test_hdf5_error_printing_is_silenced(tmp_path, capfd):
    import h5py

    from keras_models.disk_guard import silence_hdf5

    silence_hdf5()
    with pytest.raises(OSError):
        h5py.File(Path(tmp_path) / "missing" / "x.h5", "r")
    assert "HDF5-DIAG" not in capfd.readouterr().err
