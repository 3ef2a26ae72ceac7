"""Hostile values and combinations: refused in one line (exit 2) before TensorFlow, never
accepted silently; numbers finite in the dtype the model computes in."""

from __future__ import annotations

import json
import zipfile
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, write_series, write_windows
from hostile_helpers import assert_refused, command

from keras_models import checks, finite
from keras_models.errors import UserError

NAB = "experiments.nab_autoencoder"


# --- class 5: values and combinations ---------------------------------------------------------
def test_the_words_null_and_none_are_values_not_a_missing_flag():
    for check in (checks.optional(checks.path), checks.optional(checks.text)):
        assert check(None) is None
        assert str(check("null")) == "null" and str(check("none")) == "none"
    with pytest.raises(checks.BadValue):
        checks.optional(checks.positive_int)("none")


def test_reproduce_from_runs_null_names_a_folder_called_null(tmp_path):
    assert_refused("experiments.reproduce", "--from-runs", "null", cwd=tmp_path,
                   expected="--from-runs null: no such folder")


def test_reproduce_from_runs_on_a_folder_of_junk_finds_no_finished_runs(tmp_path):
    (tmp_path / "junk" / "a" / "b").mkdir(parents=True)
    (tmp_path / "junk" / "a" / "b" / "notes.txt").write_text("x")
    assert_refused("experiments.reproduce", "--from-runs", tmp_path / "junk", "--reports-dir", tmp_path / "reports",
                   cwd=tmp_path, expected="no finished runs found there")
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("args, expected", [
    (["--category", "realKnownCause", "--csv", "S"], "--category realKnownCause trains every NAB series"),
    (["--series", "realKnownCause/*", "--csv", "S"], "--series 'realKnownCause/*' trains every NAB series"),
    (["--category", ""], "expected an NAB category name"),
    (["--category", "realKnownCause/x"], "expected an NAB category name"),
    (["--distribute", "mirrored", "--devices", "cpu:2000"], "cpu:0..cpu:63"),
], ids=["category-and-csv", "glob-and-csv", "empty-category", "category-with-slash", "devices-cpu-2000"])
def test_contradicting_or_unbounded_nab_flags_are_refused(tmp_path, args, expected):
    csv = write_series(tmp_path / "s.csv")
    args = [str(csv) if a == "S" else a for a in args]
    assert_refused(NAB, *args, "--epochs", "1", "--runs-dir", tmp_path / "runs", cwd=tmp_path, expected=expected)
    assert not (tmp_path / "runs").exists()


def test_tune_workers_are_bounded(tmp_path):
    assert_refused("experiments.tune", "--model", "nab_base", "--workers", "1000000000", "--runs-dir",
                   tmp_path / "runs", cwd=tmp_path, expected="--workers: expected an integer in 0..64")


def test_a_labels_file_without_windows_for_the_series_is_refused(tmp_path):
    csv = write_series(tmp_path / "s.csv")
    labels = write_windows(tmp_path / "w.json", "other.csv", [("2015-03-01 00:00:00", "2015-03-01 01:00:00")])
    assert_refused(NAB, "--csv", csv, "--labels", labels, "--epochs", "1", "--runs-dir", tmp_path / "runs",
                   cwd=tmp_path, expected="has no windows for s")


def test_a_labels_file_of_the_wrong_shape_is_refused_even_when_the_series_is_not_in_it(tmp_path):
    from keras_models.nab.data import load_windows

    labels = tmp_path / "w.json"
    labels.write_text(json.dumps({"x/other.csv": "not a list", "x/s.csv": [["2015-03-01", "2015-03-02"]]}))
    with pytest.raises(UserError, match="the windows of x/other.csv are a JSON str"):
        load_windows("x/s", labels)


# --- class 6: finite in the compute dtype --------------------------------------------------------
def test_finiteness_is_judged_in_the_compute_dtype():
    assert not finite.bad([1.0, 3e38]).any()
    assert finite.bad([1e300, np.inf, np.nan, -1e39]).all()
    assert finite.bad([70000.0], "mixed_float16").all() and not finite.bad([70000.0], "mixed_bfloat16").any()
    with pytest.raises(UserError, match=r"the test inputs: 1 value\(s\) not finite or beyond float16's range"):
        finite.check_arrays({"the test inputs": np.array([[1.0], [1e5]])}, "mixed_float16")


def test_a_nab_csv_holding_1e300_is_refused_on_reading(tmp_path):
    from keras_models.nab.data import read_series_csv

    csv = write_series(tmp_path / "s.csv")
    frame = pd.read_csv(csv)
    frame.loc[5, "value"] = 1e300
    frame.to_csv(csv, index=False)
    with pytest.raises(UserError, match=r"value '1e\+300' on line 7 is beyond float32's range"):
        read_series_csv(csv)
    assert_refused(NAB, "--csv", csv, "--epochs", "1", "--runs-dir", tmp_path / "runs", cwd=tmp_path,
                   expected="beyond float32's range")


def test_a_heartbeat_beat_holding_1e300_is_refused_on_reading(tmp_path):
    from keras_models.heartbeat.files import read_beats_csv

    beats = np.zeros((3, 188))
    beats[1, 10] = 1e300
    path = tmp_path / "beats.csv"
    pd.DataFrame(beats).to_csv(path, header=False, index=False)
    with pytest.raises(UserError, match=r"beyond float32's range.*first 1e\+300"):
        read_beats_csv(path, labelled=None)


# --- class 7: refused before TensorFlow ------------------------------------------------------------
def test_tune_space_with_an_infinite_learning_rate_is_refused_before_tensorflow_and_any_folder(tmp_path):
    assert_refused("experiments.tune", "--model", "nab_base", "--trials", "1", "--epochs", "1", "--space",
                   "learning_rate=inf", "--runs-dir", tmp_path / "runs", cwd=tmp_path,
                   expected="search-space key 'learning_rate': inf is not a finite number")
    assert not (tmp_path / "runs").exists()


def test_a_gpu_that_the_driver_does_not_show_is_refused_before_tensorflow(tmp_path, monkeypatch):
    from keras_models import distribute

    monkeypatch.setattr(distribute, "visible_gpus", lambda: 1)
    with pytest.raises(UserError, match=r"GPU:1 not found; this machine shows 1 GPU\(s\), gpu:0..gpu:0"):
        distribute.check_devices(type("C", (), {"distribute": "mirrored", "devices": ("GPU:1",)})())
    monkeypatch.undo()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    if distribute.visible_gpus() is None:
        pytest.skip("a GPU driver only TensorFlow can count (ROCm, say)")
    csv = write_series(tmp_path / "s.csv")
    assert_refused(NAB, "--csv", csv, "--epochs", "1", "--distribute", "mirrored", "--devices", "gpu:0",
                   "--runs-dir", tmp_path / "runs", cwd=tmp_path, env={"CUDA_VISIBLE_DEVICES": ""},
                   expected="--devices: GPU:0 not found; this machine shows no GPU")


def test_the_second_of_two_commands_with_the_same_run_id_is_refused_before_tensorflow(tmp_path):
    """The first command reserves its run folder when it checks it (an exclusive mkdir)."""
    csv = write_series(tmp_path / "s.csv")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom keras_models.rundir import check_new_run\n"
         f"check_new_run({str(tmp_path / 'runs')!r}, 'nab_autoencoder', 'same')\nprint('reserved', flush=True)\n"
         "sys.stdin.readline()"], cwd=REPO, env={"PYTHONPATH": str(REPO)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "reserved"
        assert_refused(NAB, "--csv", csv, "--epochs", "1", "--run-id", "same", "--runs-dir", tmp_path / "runs",
                       cwd=tmp_path, expected="already exists and runs are never overwritten", separator=":")
    finally:
        holder.communicate("\n", timeout=30)
    assert not (tmp_path / "runs" / "nab_autoencoder" / "same").exists(), "an unclaimed reservation is released"


def test_a_reserved_run_folder_is_claimed_by_the_run_and_released_on_an_error(tmp_path):
    from keras_models import rundir

    rundir.check_new_run(tmp_path / "runs", "exp", "one")
    rundir.check_new_run(tmp_path / "runs", "exp", "one")  # the same process may check again
    assert rundir.RunDir.create(tmp_path / "runs", "exp", "one").path == tmp_path / "runs" / "exp" / "one"
    rundir.check_new_run(tmp_path / "runs2", "exp", "two")
    rundir.release_unclaimed()
    assert not (tmp_path / "runs2").exists()
    assert (tmp_path / "runs" / "exp" / "one").is_dir()


def test_predict_of_an_image_run_on_a_csv_or_a_folder_of_non_images_is_refused_before_tensorflow(tmp_path):
    run = tmp_path / "runs" / "image_classification" / "r"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"experiment": "image_classification", "model": "vgg",
                                                  "model_kwargs": {}, "config": {}, "data": {}}))
    (run / "metrics.json").write_text("{}")
    with zipfile.ZipFile(run / "model.keras", "w") as archive:  # a whole archive, not loaded before the inputs
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", "not read before the inputs")
    csv = write_series(tmp_path / "s.csv")
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    (fakes / "a.jpg").write_text("not an image")
    for given in (csv, fakes):
        assert_refused("experiments.predict", run, given, cwd=tmp_path, expected="is an image this run can read")


def test_garbage_efficientnet_weights_are_refused_naming_the_file(tmp_path):
    from keras_models.models.images import check_weights_file

    garbage = tmp_path / "efficientnetb0_notop.h5"
    garbage.write_bytes(b"\0garbage" * 100)
    with pytest.raises(UserError, match=f"--weights {garbage}: not an HDF5 weights file"):
        check_weights_file(garbage)


def test_a_huge_attention_key_dim_is_refused_before_tensorflow(tmp_path):
    assert_refused("experiments.attention_reference", "--key-dim", "100000000", "--runs-dir", tmp_path / "runs",
                   cwd=tmp_path, expected="is wider than 65536")


def test_every_refusal_above_leaves_tensorflow_unimported(tmp_path):
    """`command` reports the import; a refused flag never imports it."""
    code, lines, imported = command(NAB, "--epochs", "0", cwd=tmp_path)
    assert code == 2 and len(lines) == 1 and not imported
