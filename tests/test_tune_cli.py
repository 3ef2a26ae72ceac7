"""The tuning command end to end, on synthetic data: a heartbeat search, kill and resume,
and Keras Tuner's distributed mode (a chief and two workers on 127.0.0.1)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, run_cli, write_series
from test_heartbeat_cli import write_kaggle

# every test trains searches end to end (one kills and resumes one): the slow tier
pytestmark = pytest.mark.slow

MODULE = "experiments.tune"
FINAL_FILES = ["config.json", "trials.md", "trials.json", "best_hyperparameters.json", "history.csv", "metrics.json",
               "model.keras", "saved_model/saved_model.pb", "tuner/search/oracle.json"]


def _only_run(runs):
    folders = [p for p in (runs / "tune").iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def _statuses(run) -> dict[str, str]:
    """{trial id: status} from Keras Tuner's trial files (a file being written is skipped)."""
    found = {}
    for path in (run / "tuner" / "search").glob("trial_*/trial.json"):
        try:
            trial = json.loads(path.read_text())
        except (json.JSONDecodeError, OSError):
            continue
        found[trial["trial_id"]] = trial["status"]
    return found


def test_heartbeat_search_writes_table_best_config_and_final_model(tmp_path):
    train, test = write_kaggle(tmp_path / "train.csv", 20), write_kaggle(tmp_path / "test.csv", 4, seed=1)
    result = run_cli(MODULE, "--model", "cnn2d_resnet", "--train-file", train, "--test-file", test, "--trials", "2",
                     "--epochs", "2", "--space", "hidden=8", "--space", "num_blocks=1", "--no-tensorboard",
                     "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = _only_run(tmp_path / "runs")
    for name in FINAL_FILES:
        assert (run / name).exists(), name
    rows = json.loads((run / "trials.json").read_text())["trials"]
    assert [r["trial"] for r in rows] == ["0", "1"] and all(r["status"] == "COMPLETED" for r in rows)
    assert {"batch_size", "optimizer", "learning_rate", "schedule", "balance", "hidden", "val_f1_macro"} <= set(rows[0])
    best = json.loads((run / "best_hyperparameters.json").read_text())
    assert best["objective"]["name"] == "val_f1_macro" and best["hyperparameters"]["hidden"] == 8
    assert best["objective"]["value"] == max(r["val_f1_macro"] for r in rows)
    metrics = json.loads((run / "metrics.json").read_text())
    assert "val" not in metrics, "the final model trains on train+val: no validation split is left"
    assert metrics["epochs_run"] == best["epochs"] and metrics["search"]["best"] == best
    assert sum(map(sum, metrics["test_metrics"]["confusion_matrix"])) == 20, "the whole test split, once"
    assert metrics["export"]["saved_model_max_abs_diff"] <= 1e-5
    assert "| trial | status | batch_size |" in result.stdout and "final model on the test split" in result.stdout
    config = json.loads((run / "config.json").read_text())
    assert config["search_space"]["hidden"] == {"kind": "fixed", "value": 8}
    assert config["data"]["counts"]["val"] == {"N": 2, "S": 2, "V": 2, "F": 2, "Q": 2}


def test_killed_search_resumes_without_repeating_finished_trials(tmp_path):
    csv = write_series(tmp_path / "long.csv", n=2500, spikes=(2200,))
    runs, trials = tmp_path / "runs", 4
    command = [sys.executable, "-m", MODULE, "--model", "nab_base", "--csv", str(csv), "--trials", str(trials),
               "--epochs", "2", "--no-tensorboard", "--run-id", "killed", "--runs-dir", str(runs)]
    run = runs / "tune" / "killed"
    env = {"PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "KERAS_MODELS_OFFLINE": "1"}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and process.poll() is None:
            if list(_statuses(run).values()).count("COMPLETED") >= 2:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    before = _statuses(run)
    finished = sorted(t for t, s in before.items() if s == "COMPLETED")
    assert 2 <= len(finished) < trials, f"the search should have been killed mid-way: {before}"
    kept = {t: (run / "tuner" / "search" / f"trial_{t}" / "trial.json").read_bytes() for t in finished}

    result = run_cli(MODULE, "--resume", run, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("] fitting {") == trials - len(finished), "only the unfinished trials ran again"
    for t, content in kept.items():
        assert (run / "tuner" / "search" / f"trial_{t}" / "trial.json").read_bytes() == content, f"trial {t} re-run"
    rows = json.loads((run / "trials.json").read_text())["trials"]
    assert len(rows) == trials and all(r["status"] == "COMPLETED" for r in rows)
    assert len({json.dumps({k: r[k] for k in ("batch_size", "optimizer", "learning_rate", "schedule")})
                for r in rows}) == trials, "no configuration was tried twice"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["search"]["search_resumed"] is True and metrics["search"]["completed"] == trials
    assert metrics["search"]["search_seconds_this_session"] > 0, "the report adds the search's time to the run's"


def test_chief_and_two_workers_finish_a_search_together(tmp_path):
    csv = write_series(tmp_path / "s.csv", n=600)
    trials = 3
    result = run_cli(MODULE, "--model", "nab_base", "--csv", csv, "--trials", str(trials), "--epochs", "1",
                     "--workers", "2", "--timeout", "240", "--no-tensorboard", "--runs-dir", tmp_path / "runs",
                     cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "distributed search: chief and 2 worker(s) on 127.0.0.1:" in result.stdout
    run = _only_run(tmp_path / "runs")
    fitted = []
    for worker in ("tuner0", "tuner1"):
        log = (run / "workers" / f"{worker}.log").read_text()
        assert f"worker {worker} done" in log, log[-2000:]
        fitted += [line for line in log.splitlines() if line.startswith(f"[{worker}] fitting ")]
    assert len(fitted) == trials, "the workers ran every trial, none twice"
    assert len({line.split(" fitting ")[1] for line in fitted}) == trials
    rows = json.loads((run / "trials.json").read_text())["trials"]
    assert len(rows) == trials and all(r["status"] == "COMPLETED" for r in rows)
    assert "] fitting {" not in result.stdout, "the chief serves the oracle and trains only the final model"
    assert all(r["ran on"].split(" on ")[0] in ("tuner0", "tuner1") for r in rows), "the table names each trial's worker"
    assert "ran on" in (run / "trials.md").read_text()
    assert (run / "metrics.json").exists() and (run / "saved_model" / "saved_model.pb").exists()


def test_text_and_image_models_are_tuned_too(tmp_path):
    """`--model ag_news_best` and `--model vit`: one trial each on tiny synthetic data."""
    from conftest import write_ag_news, write_image_folder

    texts = write_ag_news(tmp_path / "ag_news_csv", rows_per_class=10)
    result = run_cli(MODULE, "--model", "ag_news_best", "--data-dir", texts, "--trials", "1", "--epochs", "1",
                     "--space", "batch_size=16", "--vocab-size", "200", "--no-tensorboard", "--run-id", "text",
                     "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "runs" / "tune" / "text" / "metrics.json").read_text())
    assert metrics["model"] == "ag_news_best" and metrics["search"]["completed"] == 1
    assert {"embed_dim", "num_heads", "ff_dim"} <= set(metrics["search"]["best"]["hyperparameters"])

    images = write_image_folder(tmp_path / "images", per_class=10)
    result = run_cli(MODULE, "--model", "vit", "--data", images, "--trials", "1", "--epochs", "1",
                     "--space", "batch_size=32", "--space", "patch_size=8", "--space", "projection_dim=64",
                     "--space", "transformer_layers=2", "--no-tensorboard", "--run-id", "image",
                     "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "runs" / "tune" / "image" / "metrics.json").read_text())
    assert metrics["model"] == "vit" and metrics["search"]["completed"] == 1
    assert sum(map(sum, metrics["test_metrics"]["confusion_matrix"])) > 0
