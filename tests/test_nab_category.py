"""The category command on a synthetic NAB folder: one run per series, a table with mean
and pooled F1, reuse on a rerun, rescoring under other detection options, bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import run_cli, run_refused, write_series
from keras_models.nab import selection

#: spikes at rows 450 and 520 of 600 five-minute steps from 2015-03-01 00:00
SPIKE_WINDOWS = [["2015-03-02 13:00:00", "2015-03-02 14:00:00"], ["2015-03-02 19:00:00", "2015-03-02 20:00:00"]]


def _nab_root(root, labelled=("synth/a", "synth/b")):
    (root / "nab" / "data" / "synth").mkdir(parents=True)
    (root / "nab" / "labels").mkdir(parents=True)
    for seed, name in enumerate(("a", "b")):
        write_series(root / "nab" / "data" / "synth" / f"{name}.csv", seed=seed)
    windows = {f"{name}.csv": SPIKE_WINDOWS for name in labelled}
    (root / "nab" / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    return root


def _command(tmp_path, *extra):
    env = {"KERAS_MODELS_DATA": str(tmp_path / "data")}
    return run_cli("experiments.nab_autoencoder", "--version", "base", "--epochs", "2", "--no-tensorboard",
                   "--runs-dir", str(tmp_path / "runs"), *extra, cwd=tmp_path, env=env)


@pytest.mark.slow
def test_a_category_trains_one_run_per_series_then_reuses_and_rescores_them(tmp_path):
    _nab_root(tmp_path / "data")
    first = _command(tmp_path, "--series", "synth/*", "--run-id", "cat")
    assert first.returncode == 0, first.stderr[-3000:]
    runs = tmp_path / "runs" / "nab_autoencoder"
    assert sorted(p.name for p in runs.iterdir()) == ["cat-synth_a", "cat-synth_b"]
    folder = tmp_path / "runs" / "nab_category" / "cat" / "synth_all" / "window-none-percentile_99-min1-gap0"
    table = pd.read_csv(folder / "table.csv")
    assert table["series"].tolist() == ["synth/a", "synth/b"] and (table["windows"] == 2).all()
    summary = json.loads((folder / "summary.json").read_text())
    tp, fp, fn = (int(table[c].sum()) for c in ("tp", "fp", "fn"))
    assert summary["pooled"]["tp"] == tp and summary["pooled"]["f1"] == (2 * tp / (2 * tp + fp + fn) if tp else 0)
    assert abs(summary["mean_f1"] - table["f1"].mean()) < 1e-12
    assert "mean F1" in first.stdout and "pooled F1" in first.stdout

    before = {p: p.stat().st_mtime_ns for p in runs.glob("*/metrics.json")}
    again = _command(tmp_path, "--category", "synth", "--run-id", "cat", "--threshold", "dynamic",
                     "--errors", "point", "--smoothing", "rolling:0.02")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Epoch" not in again.stdout, "finished runs are reused, not trained again"
    assert {p: p.stat().st_mtime_ns for p in runs.glob("*/metrics.json")} == before
    rescored = json.loads((tmp_path / "runs" / "nab_category" / "cat" / "synth_all" / "point-rolling_0.02-dynamic-min1-gap0"
                           / "summary.json").read_text())
    assert rescored["detection"]["threshold"] == "dynamic" and rescored["series"] == 2

    choice = run_cli("experiments.nab_detection_choice", *sorted(runs.iterdir()), "--top", "5",
                     "--csv", tmp_path / "scores.csv", cwd=tmp_path, env={"KERAS_MODELS_DATA": str(tmp_path / "data")})
    assert choice.returncode == 0, choice.stderr[-3000:]
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert len(scores) == 2 * len(selection.grid()) and "pooled_f1" in choice.stdout


@pytest.mark.slow
def test_a_category_refuses_other_training_settings_in_its_folders(tmp_path):
    _nab_root(tmp_path / "data")
    assert _command(tmp_path, "--series", "synth/a", "--run-id", "one").returncode == 0
    (tmp_path / "runs" / "nab_autoencoder" / "one").rename(tmp_path / "runs" / "nab_autoencoder" / "cat-synth_a")
    refused = _command(tmp_path, "--series", "synth/*", "--run-id", "cat", "--window", "20")
    assert refused.returncode == 2 and "holds another run" in refused.stderr


def test_bad_category_input_ends_with_one_line(tmp_path):
    _nab_root(tmp_path / "data", labelled=("synth/a",))
    env = {"KERAS_MODELS_DATA": str(tmp_path / "data")}
    run_refused("experiments.nab_autoencoder", "--series", "nothing/*", expected="matches no NAB series",
                cwd=tmp_path, env=env)
    run_refused("experiments.nab_autoencoder", "--category", "synth", expected="no labelled windows for synth/b",
                cwd=tmp_path, env=env)
    run_refused("experiments.nab_autoencoder", "--category", "synth", "--series", "synth/a",
                expected="not both", cwd=tmp_path, env=env)
