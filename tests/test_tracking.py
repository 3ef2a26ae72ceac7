"""`--track mlflow`: a run in a real local MLflow store, a resumed run continuing it, and a
store that cannot be reached (one line, exit 2, before training)."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from conftest import run_cli, run_refused, tree, write_series
from test_resume import kill_after_epochs

mlflow = pytest.importorskip("mlflow", reason="the mlflow extra is not installed (pip install -e '.[mlflow]')")

NAB = ["--version", "v1", "--epochs", "3", "--no-tensorboard"]


def _client(runs_dir):
    # a client of its own: mlflow.set_tracking_uri would leak into the commands' environment
    return mlflow.MlflowClient(tracking_uri=f"sqlite:///{(runs_dir / 'mlflow.db').resolve()}")


def _runs(runs_dir, experiment="nab_autoencoder"):
    client = _client(runs_dir)
    return client.search_runs([client.get_experiment_by_name(experiment).experiment_id])


@pytest.mark.slow
def test_a_tracked_run_logs_params_every_epoch_and_the_final_metrics(tmp_path):
    csv = write_series(tmp_path / "series.csv", n=700)
    runs = tmp_path / "runs"
    result = run_cli("experiments.nab_autoencoder", *NAB, "--csv", csv, "--runs-dir", runs, "--run-id", "tracked",
                     "--track", "mlflow", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    folder = runs / "nab_autoencoder" / "tracked"
    (run,) = _runs(runs)
    assert run.info.run_name == "tracked" and run.info.status == "FINISHED"
    assert json.loads((folder / "tracking.json").read_text())["mlflow_run_id"] == run.info.run_id
    assert run.data.params["config.epochs"] == "3" and run.data.params["config.version"] == "v1"
    assert run.data.tags["model"] == "nab_v1" and run.data.tags["run_folder"] == str(folder)

    history = pd.read_csv(folder / "history.csv")
    logged = _client(runs).get_metric_history(run.info.run_id, "val_loss")
    assert [m.step for m in logged] == [0, 1, 2]
    assert [m.value for m in logged] == pytest.approx(history["val_loss"].tolist(), rel=1e-6)

    metrics = json.loads((folder / "metrics.json").read_text())
    assert run.data.metrics["final.test.loss"] == pytest.approx(metrics["test"]["loss"], rel=1e-9)
    assert run.data.metrics["final.test_anomalies.count"] == metrics["test_anomalies"]["count"]
    artifacts = {a.path for a in _client(runs).list_artifacts(run.info.run_id)}
    assert {"metrics.json", "model.keras", "plots", "saved_model"} <= artifacts


@pytest.mark.slow
def test_a_resumed_run_continues_its_mlflow_run(tmp_path):
    csv = write_series(tmp_path / "long.csv", n=3000, spikes=(2500,))
    runs = tmp_path / "runs"
    killed = runs / "nab_autoencoder" / "killed"
    kill_after_epochs([sys.executable, "-m", "experiments.nab_autoencoder", *NAB[:2], "--epochs", "6",
                       "--no-tensorboard", "--csv", str(csv), "--runs-dir", str(runs), "--run-id", "killed",
                       "--track", "mlflow"], killed / "history.csv", 2, tmp_path)
    assert not (killed / "metrics.json").exists(), "the run should have been killed mid-fit"
    resumed = run_cli("experiments.nab_autoencoder", "--resume", killed, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    (run,) = _runs(runs)
    assert run.info.status == "FINISHED"
    steps = [m.step for m in _client(runs).get_metric_history(run.info.run_id, "loss")]
    assert sorted(set(steps)) == list(range(6)), "one MLflow run holds every epoch, before and after the kill"


@pytest.mark.parametrize("env, expected", [
    ({"MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}, "cannot be reached"),
    ({"KERAS_MODELS_TRACK": "wandb"}, "KERAS_MODELS_TRACK='wandb'"),
])
def test_a_bad_store_stops_before_training(tmp_path, env, expected):
    csv = write_series(tmp_path / "series.csv", n=700)
    args = [*NAB, "--csv", csv, "--runs-dir", tmp_path / "runs"] + ([] if "KERAS_MODELS_TRACK" in env else
                                                                       ["--track", "mlflow"])
    run_refused("experiments.nab_autoencoder", *map(str, args), expected=expected, cwd=tmp_path, env=env)


@pytest.mark.slow
def test_a_tracked_search_has_one_nested_run_per_trial(tmp_path):
    csv = write_series(tmp_path / "series.csv", n=700)
    runs = tmp_path / "runs"
    result = run_cli("experiments.tune", "--model", "nab_base", "--csv", csv, "--trials", "2", "--epochs", "1",
                     "--no-tensorboard", "--runs-dir", runs, cwd=tmp_path, env={"KERAS_MODELS_TRACK": "mlflow"})
    assert result.returncode == 0, result.stderr[-3000:]
    found = _runs(runs, "tune")
    parents = [r for r in found if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in found if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 2
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parents[0].info.run_id}
    assert all(any(k.startswith("hp.") for k in r.data.params) for r in children)
    assert all(any(k.startswith("objective.") for k in r.data.metrics) for r in children)
    assert "final.test.loss" in parents[0].data.metrics, "the final model logs into the search's run"
