"""The NAB commands end to end on synthetic data (and a short run on the real series)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from conftest import REPO, run_cli, run_here, write_series, write_windows
from keras_models.graph import can_draw

RUN_FILES = ["config.json", "history.csv", "metrics.json", "model.keras", "saved_model/saved_model.pb",
             "plots/loss.png", "plots/test_error_threshold.png", "plots/test_anomalies.png",
             "plots/series_anomalies.png"]


def _only_run(root):
    runs = [p for p in (root / "nab_autoencoder").iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def test_one_version_writes_a_complete_run_folder(tmp_path, series_csv):
    labels = write_windows(tmp_path / "windows.json", series_csv.name,
                           [("2015-03-02 13:00:00", "2015-03-02 14:30:00"), ("2015-03-01 02:00:00", "2015-03-01 03:00:00")])
    result = run_cli("experiments.nab_autoencoder", "--version", "base", "--csv", series_csv, "--labels", labels,
                     "--epochs", "2", "--threshold", "percentile:99", "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = _only_run(tmp_path / "runs")
    for name in RUN_FILES:
        assert (run / name).exists(), name
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["params"]["trainable"] == 588 and metrics["epochs_run"] == 2
    assert {"train", "val", "test"} <= set(metrics) and metrics["test"]["loss"] > 0
    assert metrics["threshold"]["rule"] == "percentile:99"
    assert metrics["test_anomalies"]["count"] == len(metrics["test_anomalies"]["timestamps"])
    whole = metrics["window_scores"]["whole_series"]
    assert whole["windows"] == 2 and whole["tp"] + whole["fn"] == 2
    assert metrics["export"]["saved_model_max_abs_diff"] <= 1e-6
    assert len(pd.read_csv(run / "history.csv")) == 2
    config = json.loads((run / "config.json").read_text())
    assert config["config"]["version"] == "base" and config["data"]["split_rows"]["train"] == [0, 420]


@pytest.mark.slow
def test_all_versions_write_a_comparison_table(tmp_path):
    csv = write_series(tmp_path / "s.csv", n=300, spikes=(250,))
    result = run_cli("experiments.nab_autoencoder", "--version", "all", "--csv", csv, "--epochs", "1",
                     "--window", "10", "--no-tensorboard", "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    folders = sorted(p.name for p in (tmp_path / "runs" / "nab_autoencoder").iterdir())
    assert len(folders) == 5
    comparison = next((tmp_path / "runs" / "nab_autoencoder").glob("*comparison*"))
    rows = json.loads((comparison / "comparison.json").read_text())["rows"]
    assert [r["version"] for r in rows] == ["base", "v1", "v2", "v3"]
    assert [r["params"] for r in rows] == [588, 1356, 1356, 4193]
    assert "| v3 | 4,193 |" in (comparison / "comparison.md").read_text()


@pytest.mark.slow
def test_killed_run_resumes_without_starting_over(tmp_path):
    csv = write_series(tmp_path / "long.csv", n=4000, spikes=(3500,))
    runs = tmp_path / "runs"
    env = {"PYTHONPATH": str(REPO), "KERAS_MODELS_CACHE": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "experiments.nab_autoencoder", "--version", "v3", "--csv", str(csv),
               "--epochs", "6", "--run-id", "killed", "--runs-dir", str(runs)]
    history = runs / "nab_autoencoder" / "killed" / "history.csv"
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and process.poll() is None:
            if history.exists() and len(history.read_text().splitlines()) >= 3:  # header + 2 epochs
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    before = pd.read_csv(history)
    assert 2 <= len(before) < 6, "the run should have been killed mid-fit"
    assert not (history.parent / "metrics.json").exists()

    result = run_cli("experiments.nab_autoencoder", "--resume", history.parent, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    first_epoch = int(re.search(r"Epoch (\d+)/6", result.stdout).group(1))
    assert first_epoch >= len(before), f"resumed at epoch {first_epoch}: it started over"
    after = pd.read_csv(history)
    assert after["epoch"].tolist() == list(range(6))
    kept = len(before) if first_epoch > len(before) else len(before) - 1
    pd.testing.assert_frame_equal(after.iloc[:kept], before.iloc[:kept])
    metrics = json.loads((history.parent / "metrics.json").read_text())
    assert metrics["epochs_run"] == 6 and metrics["resumed"] is True
    assert not (history.parent / "backup").exists()


def test_param_audit_prints_the_built_counts(tmp_path):
    result = run_here("experiments.param_audit", "--no-graph", "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    for number in ["1,057,824", "1,058,824", "| 588 |", "| 1,356 |", "| 4,193 |"]:
        assert number in result.stdout, number
    audit = json.loads(next((tmp_path / "runs" / "param_audit").glob("*/audit.json")).read_text())["rows"]
    assert {r["model"]: r["built_trainable"] for r in audit}["cnn2d_resnet"] == 1_084_421


@pytest.mark.skipif(not can_draw(), reason="pydot or Graphviz's `dot` is missing: install graphviz to draw graphs")
def test_param_audit_draws_the_part1_graph(tmp_path):
    result = run_here("experiments.param_audit", "--model", "part1_autoencoder", "--runs-dir", tmp_path / "runs",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    graph = next((tmp_path / "runs" / "param_audit").glob("*/plots/part1_autoencoder_graph.png"))
    assert graph.stat().st_size > 1000


@pytest.mark.skipif(can_draw(), reason="Graphviz is installed: the graph is drawn (the test above)")
def test_param_audit_without_graphviz_says_what_to_install(tmp_path):
    result = run_here("experiments.param_audit", "--model", "part1_autoencoder", "--runs-dir", tmp_path / "runs",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "graph skipped: install pydot and Graphviz" in result.stdout


@pytest.mark.slow
def test_eda_on_the_real_series(tmp_path, real_data):
    result = run_cli("experiments.nab_eda", "--runs-dir", tmp_path / "runs", cwd=tmp_path,
                     env={"KERAS_MODELS_DATA": str(real_data)})
    assert result.returncode == 0, result.stderr
    for text in ["rows            15,902", "mean            85.55", "std             321.05", "max             13,479.00"]:
        assert text in result.stdout, text
    out = next((tmp_path / "runs" / "nab_eda").iterdir())
    assert sorted(p.name for p in (out / "plots").iterdir()) == ["monthly_seasonal.png", "polar_daily.png",
                                                                 "time_series.png"]


@pytest.mark.slow
def test_short_run_on_the_real_series_scores_nab_windows(tmp_path, real_data):
    result = run_cli("experiments.nab_autoencoder", "--version", "base", "--epochs", "1", "--no-tensorboard",
                     "--threshold", "percentile:99", "--runs-dir", tmp_path / "runs", cwd=tmp_path,
                     env={"KERAS_MODELS_DATA": str(real_data)})
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((_only_run(tmp_path / "runs") / "metrics.json").read_text())
    assert metrics["window_scores"]["whole_series"]["windows"] == 4
    assert metrics["window_scores"]["test_split"]["windows"] == 0  # AAPL's windows all lie in March
