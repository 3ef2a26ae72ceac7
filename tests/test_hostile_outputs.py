"""Every output target is checked before the work and written atomically: a read-only
folder, a path under a file, a full disk end in one line (exit 2, nothing written, no
TensorFlow), and a write that fails half-way leaves no partial file."""

from __future__ import annotations

import errno
import json
import os

import pytest
from conftest import write_series
from hostile_helpers import assert_refused, files_under, full_dir, readonly_dir  # noqa: F401 - fixtures

from keras_models import outputs
from keras_models.errors import UserError


# --- the helper every command uses ----------------------------------------------------------
def test_check_file_refuses_a_folder_a_path_under_a_file_and_an_existing_file_when_asked(tmp_path):
    (tmp_path / "plain").write_text("x")
    with pytest.raises(UserError, match="is a folder; give a file name"):
        outputs.check_file(tmp_path, "--out")
    with pytest.raises(UserError, match=r"--out .*plain/x\.csv: .*plain is a file, not a folder"):
        outputs.check_file(tmp_path / "plain" / "x.csv", "--out")
    with pytest.raises(UserError, match="exists and is never overwritten"):
        outputs.check_file(tmp_path / "plain", "--csv", replace=False)
    assert outputs.check_file(tmp_path / "new" / "deeper" / "x.csv", "--out") == tmp_path / "new" / "deeper" / "x.csv"
    assert files_under(tmp_path) == ["plain"], "a check creates nothing"


def test_check_folder_refuses_read_only_and_full_places(readonly_dir, full_dir):
    with pytest.raises(UserError, match="cannot write .*: the file system is read-only|permission denied"):
        outputs.check_folder(readonly_dir / "runs", "--runs-dir")
    with pytest.raises(UserError, match="cannot write .*: the disk is full"):
        outputs.check_file(full_dir / "out.csv", "--out")


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    with pytest.raises(UserError, match=r"cannot write .*table\.csv: the disk is full; .*nothing was written"):
        with outputs.atomic(target, "--out") as tmp:
            tmp.write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == "old\n" and files_under(tmp_path) == ["table.csv"]
    outputs.write_text(target, "new\n", "--out")
    assert target.read_text() == "new\n" and files_under(tmp_path) == ["table.csv"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask()), "the mode an ordinary write gives"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_real_full_disk_during_a_write_is_one_user_error_and_no_partial_file(tmp_path):
    import subprocess

    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("a real ENOSPC needs a tmpfs, which this user cannot mount")
    try:
        with pytest.raises(UserError, match="the disk is full"):
            outputs.write_text(folder / "big.csv", "x" * (1 << 20), "--out")
        assert files_under(folder) == []
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


# --- the commands -----------------------------------------------------------------------------
def test_reproduce_publish_to_read_only_or_impossible_places_is_refused_before_anything(tmp_path, readonly_dir):
    runs = tmp_path / "runs" / "heartbeat" / "r1"
    runs.mkdir(parents=True)
    for name in ("config.json", "metrics.json"):
        (runs / name).write_text("{}")
    (tmp_path / "afile").write_text("x")
    base = ("--from-runs", tmp_path / "runs", "--reports-dir", tmp_path / "reports")
    assert_refused("experiments.reproduce", *base, "--publish", readonly_dir / "r.md", cwd=tmp_path,
                   expected="cannot write")
    assert_refused("experiments.reproduce", *base, "--publish", tmp_path / "afile" / "r.md", cwd=tmp_path,
                   expected="afile is a file, not a folder")
    assert_refused("experiments.reproduce", "--from-runs", tmp_path / "runs", "--reports-dir", readonly_dir / "rep",
                   cwd=tmp_path, expected="cannot write")
    assert not (tmp_path / "reports").exists(), "no report folder left behind"


def test_reproduce_removes_its_report_folder_when_publishing_fails(tmp_path, monkeypatch):
    from keras_models import reports
    from keras_models.reports import markdown

    runs = tmp_path / "runs" / "heartbeat" / "r1"
    runs.mkdir(parents=True)
    for name in ("config.json", "metrics.json"):
        (runs / name).write_text("{}")

    def full(*args, **kwargs):
        raise outputs.os_error(OSError(errno.ENOSPC, "No space left on device"), tmp_path / "pub.md", "free space")

    monkeypatch.setattr(markdown, "publish", full)
    config = reports.Config(from_runs=tmp_path / "runs", reports_dir=tmp_path / "reports", report_id="r",
                            publish=tmp_path / "pub.md")
    with pytest.raises(UserError, match="the disk is full"):
        reports.reproduce(config)
    assert not (tmp_path / "reports" / "r").exists() and not (tmp_path / "pub.md").exists()


def test_nab_detection_choice_csv_in_a_read_only_folder_is_refused_before_scoring(tmp_path, readonly_dir):
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps({}))
    assert_refused("experiments.nab_detection_choice", run, "--csv", readonly_dir / "scores.csv", cwd=tmp_path,
                   expected="cannot write")


def test_predict_out_in_read_only_folder_under_a_file_or_on_a_full_disk_is_refused_before_the_model(
        tmp_path, readonly_dir, full_dir):
    run = tmp_path / "run"
    run.mkdir()
    csv = write_series(tmp_path / "s.csv")
    (tmp_path / "afile").write_text("x")
    for out, expected in ((readonly_dir / "p.csv", "cannot write"), (tmp_path / "afile" / "p.csv", "is a file"),
                          (full_dir / "p.csv", "the disk is full")):
        assert_refused("experiments.predict", run, csv, "--out", out, cwd=tmp_path, expected=expected)


def test_a_read_only_runs_dir_is_refused_before_the_data_and_tensorflow(tmp_path, readonly_dir):
    csv = write_series(tmp_path / "s.csv")
    line = assert_refused("experiments.nab_autoencoder", "--csv", csv, "--epochs", "1",
                          "--runs-dir", readonly_dir / "runs", cwd=tmp_path, expected="cannot write")
    assert "--runs-dir" in line


def test_an_mlflow_store_in_a_read_only_folder_is_refused_at_once(tmp_path, readonly_dir):
    pytest.importorskip("mlflow")
    csv = write_series(tmp_path / "s.csv")
    line = assert_refused("experiments.nab_autoencoder", "--csv", csv, "--epochs", "1", "--track", "mlflow",
                          "--runs-dir", tmp_path / "runs", cwd=tmp_path, expected="cannot write",
                          env={"MLFLOW_TRACKING_URI": f"sqlite:///{readonly_dir}/mlflow.db"})
    assert "MLFLOW_TRACKING_URI" in line
    assert not (tmp_path / "runs").exists()
