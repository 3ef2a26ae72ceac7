"""A killed run resumes to exactly the metrics of an uninterrupted one, and refuses to
resume on changed data or with changed flags."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from conftest import REPO, run_cli, run_refused, write_series

# every test kills a training process: the slow tier
pytestmark = pytest.mark.slow

#: what legitimately differs between a resumed run and an uninterrupted one
VOLATILE = {"run_id", "resumed", "fit_seconds_this_session", "wall_seconds_this_session"}


def kill_after_epochs(command: list[str], history, epochs: int, cwd) -> None:
    """Start `command`, SIGKILL it once `history` holds `epochs` rows."""
    env = {"PYTHONPATH": str(REPO), "KERAS_MODELS_CACHE": str(cwd / "cache"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and process.poll() is None:
            if history.exists() and len(history.read_text().splitlines()) > epochs:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()


def kill_and_resume(flags: list[str], runs, cwd):
    """Run `experiments.nab_autoencoder flags --run-id killed`, kill it after 2 epochs, resume
    it to the end; its run folder."""
    killed = runs / "nab_autoencoder" / "killed"
    kill_after_epochs([sys.executable, "-m", "experiments.nab_autoencoder", *flags, "--run-id", "killed"],
                      killed / "history.csv", 2, cwd)
    assert not (killed / "metrics.json").exists(), "the run should have been killed mid-fit"
    resumed = run_cli("experiments.nab_autoencoder", "--resume", killed, cwd=cwd)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    return killed


def comparable(run) -> dict:
    metrics = json.loads((run / "metrics.json").read_text())
    return {k: v for k, v in metrics.items() if k not in VOLATILE}


def test_killed_run_with_patience_resumes_to_the_uninterrupted_metrics(tmp_path):
    csv = write_series(tmp_path / "long.csv", n=3000, spikes=(2500,))
    runs = tmp_path / "runs"
    flags = ["--version", "v1", "--csv", str(csv), "--epochs", "8", "--patience", "2", "--no-tensorboard",
             "--runs-dir", str(runs)]
    whole = run_cli("experiments.nab_autoencoder", *flags, "--run-id", "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr[-3000:]

    killed = kill_and_resume(flags, runs, tmp_path)
    assert comparable(killed) == comparable(runs / "nab_autoencoder" / "whole")
    pd.testing.assert_frame_equal(pd.read_csv(killed / "history.csv"),
                                  pd.read_csv(runs / "nab_autoencoder" / "whole" / "history.csv"))
    assert json.loads((killed / "metrics.json").read_text())["resumed"] is True


def _interrupted_run(tmp_path, csv):
    """A run folder with config.json and no metrics.json, as a killed run leaves it."""
    runs = tmp_path / "runs"
    killed = runs / "nab_autoencoder" / "killed"
    kill_after_epochs([sys.executable, "-m", "experiments.nab_autoencoder", "--version", "base", "--csv", str(csv),
                       "--epochs", "50", "--no-tensorboard", "--run-id", "killed", "--runs-dir", str(runs)],
                      killed / "history.csv", 1, tmp_path)
    assert (killed / "config.json").exists() and not (killed / "metrics.json").exists()
    return killed


def test_resume_refuses_changed_data_and_extra_flags(tmp_path):
    csv = write_series(tmp_path / "s.csv", n=400, spikes=(350,))
    killed = _interrupted_run(tmp_path, csv)

    line = run_refused("experiments.nab_autoencoder", "--resume", killed, "--window", "20",
                       expected="--window cannot be given with --resume", cwd=tmp_path)
    print(line)
    write_series(csv, n=400, spikes=(300,))  # same shape, other values
    line = run_refused("experiments.nab_autoencoder", "--resume", killed,
                       expected=f"its data file {csv} changed", cwd=tmp_path)
    assert "changed since the run started" in line
    print(line)


def test_resume_revalidates_a_hand_edited_config(tmp_path):
    csv = write_series(tmp_path / "s.csv", n=400, spikes=(350,))
    killed = _interrupted_run(tmp_path, csv)
    config = json.loads((killed / "config.json").read_text())
    config["config"]["epochs"] = 0
    (killed / "config.json").write_text(json.dumps(config))
    run_refused("experiments.nab_autoencoder", "--resume", killed, cwd=tmp_path,
                expected=f"{killed / 'config.json'}: changed since the run was created")
    (killed / "config.sha256").unlink()  # a run folder made before digests were kept: validated again
    line = run_refused("experiments.nab_autoencoder", "--resume", killed,
                       expected="bad epochs (--epochs): expected a positive integer, got 0", cwd=tmp_path)
    assert "config.json" in line
    config["config"]["windw"] = 3
    config["config"]["epochs"] = 5
    (killed / "config.json").write_text(json.dumps(config))
    run_refused("experiments.nab_autoencoder", "--resume", killed, expected="unknown setting(s) 'windw'", cwd=tmp_path)
