"""Experiment tracking with MLflow (``--track mlflow``, or ``KERAS_MODELS_TRACK=mlflow`` once).

A tracked run is one MLflow run named after its run folder:

- params: the typed configuration, flattened (``config.epochs``, ``config.model`` ...);
- metrics: every epoch's history (step = epoch), through MLflow's own Keras 3 callback
  (`mlflow.keras.MlflowCallback`), then metrics.json's numbers as ``final.<path>``;
- artifacts: plots/, metrics.json, config.json, history.csv, model.keras, saved_model/;
- tags: experiment, model, seed, run folder, and the package's git commit when known.

The store is ``MLFLOW_TRACKING_URI`` when set (a server), else a SQLite file beside the
runs, ``<runs-dir>/mlflow.db``, with artifacts in ``<runs-dir>/mlartifacts`` (no server;
``mlflow ui --backend-store-uri sqlite:///runs/mlflow.db`` shows them). The MLflow run id
is kept in the run folder (``tracking.json``), so a resumed run continues the same MLflow
run. A store that cannot be reached stops the command before training, in one line.
"""

from __future__ import annotations

import json
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

from keras_models import checks, outputs, runfiles
from keras_models.errors import UserError
from keras_models.lazy import extra

TRACKERS = ("mlflow",)
#: the environment variable that turns tracking on for every command
ENV = "KERAS_MODELS_TRACK"
RECORD = "tracking.json"
#: a `track` value that is on whatever KERAS_MODELS_TRACK says
ENV_ON = TRACKERS[0]


def check(value):
    """`--track`: one of `TRACKERS`, or None."""
    return checks.optional(checks.one_of(*TRACKERS))(value)


def resolve(track: str | None) -> str | None:
    """`track`, else `KERAS_MODELS_TRACK` (checked), else None."""
    if track is not None:
        return track
    value = os.environ.get(ENV, "").strip()
    if not value or value.lower() in ("none", "off", "0"):
        return None
    if value not in TRACKERS:
        raise UserError(f"{ENV}={value!r}: expected one of {', '.join(TRACKERS)} (or unset it)")
    return value


def _mlflow():
    return extra("mlflow", "MLflow", "mlflow", "--track mlflow", " (or drop --track)")


def store_uri(runs_dir: Path) -> str:
    """``MLFLOW_TRACKING_URI``, else the SQLite file ``<runs_dir>/mlflow.db``."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{(Path(runs_dir) / 'mlflow.db').resolve()}"


def check_store(track: str | None, runs_dir: Path, uri: str | None = None) -> None:
    """Before any work (no MLflow, no TensorFlow): with tracking on, a SQLite store's file can
    be written (its folder writable, not full); else MLflow retries for minutes before failing."""
    if not resolve(track):
        return
    uri = uri or store_uri(runs_dir)
    if not uri.startswith("sqlite:///") or uri == "sqlite:///:memory:":
        return
    database = Path(uri[len("sqlite:///"):].split("?", 1)[0])  # sqlite:////abs/file.db, sqlite:///relative.db
    flag = "MLFLOW_TRACKING_URI (or --runs-dir)"
    outputs.check_file(database, flag)
    if database.is_file() and not os.access(database, os.W_OK):
        raise UserError(f"cannot write {database}: permission denied; give {flag} a writable place")


def recorded(run_dir: Path) -> dict:
    """The folder's tracking.json ({} when the run is not tracked yet)."""
    return runfiles.read_tracking(run_dir)


def connect(runs_dir: Path, experiment: str, uri: str | None = None) -> str:
    """Point MLflow at the store (`uri`, else `store_uri`) and its experiment; returns the
    experiment id.

    Raises:
        UserError: the store cannot be reached (checked once, without MLflow's retries).
    """
    check_store(ENV_ON, runs_dir, uri)
    mlflow = _mlflow()
    uri = uri or store_uri(runs_dir)
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    if uri.startswith("sqlite:"):
        Path(runs_dir).mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    try:
        found = mlflow.get_experiment_by_name(experiment)
        if found is not None:
            return found.experiment_id
        location = (Path(runs_dir) / "mlartifacts").resolve().as_uri() if uri.startswith("sqlite:") else None
        return mlflow.create_experiment(experiment, artifact_location=location)
    except Exception as err:  # noqa: BLE001 - MLflow raises many kinds for an unreachable store
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"MLflow tracking store {uri} cannot be reached ({first[:200]}); start the server, fix "
                        "MLFLOW_TRACKING_URI, or drop --track") from None


def flatten(obj, prefix: str = "") -> dict:
    """{"a": {"b": 1}} -> {"a.b": 1}; lists stay values."""
    if not isinstance(obj, dict):
        return {prefix: obj}
    out = {}
    for key, value in obj.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def git_commit() -> str | None:
    """The package's git commit, when it runs from a git checkout."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                                text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


@contextmanager
def tracked(track: str | None, run_dir: Path, *, experiment: str, model: str, config: dict, seed: int,
            runs_dir: Path, nested: bool = False):
    """An MLflow run around a training run (None when tracking is off); continues the MLflow
    run recorded in the folder's tracking.json, else starts one and records it there."""
    if track is None:
        yield None
        return
    mlflow = _mlflow()
    record = Path(run_dir) / RECORD
    before = recorded(run_dir)
    previous = before.get("mlflow_run_id")
    active = mlflow.active_run()
    if previous is not None and active is not None and active.info.run_id == previous:
        yield active  # a search's final model, inside the search's run
        return
    experiment_id = connect(runs_dir, experiment, before.get("tracking_uri"))  # a resumed run: its own store
    with mlflow.start_run(run_id=previous, experiment_id=None if previous else experiment_id,
                          run_name=None if previous else Path(run_dir).name, nested=nested) as active:
        if previous is None:
            record.write_text(json.dumps({"tracker": track, "tracking_uri": mlflow.get_tracking_uri(),
                                          "mlflow_run_id": active.info.run_id}, indent=2) + "\n")
            tags = {"experiment": experiment, "model": model, "seed": str(seed), "run_folder": str(run_dir)}
            commit = git_commit()
            if commit:
                tags["git_commit"] = commit
            mlflow.set_tags(tags)
            mlflow.log_params({f"config.{k}": v for k, v in flatten(config).items()})
        yield active


@contextmanager
def trial(values: dict, name: str):
    """A nested MLflow run for one trial of a tracked search (None when no search run is active)."""
    try:
        import mlflow
    except ImportError:
        yield None
        return
    parent = mlflow.active_run()
    if parent is None:
        yield None
        return
    with mlflow.start_run(run_name=name, nested=True, experiment_id=parent.info.experiment_id) as run:
        mlflow.log_params({f"hp.{k}": v for k, v in values.items()})
        yield run


def callback():
    """MLflow's Keras 3 callback: every epoch's metrics, step = the epoch."""
    return _mlflow().keras.MlflowCallback(log_every_epoch=True)


def log_objective(history, objective: tuple[str, str]) -> None:
    """The trial's best value of the search objective, as ``objective.<name>``."""
    name, direction = objective
    values = [v for v in history.history.get(name, []) if v is not None]
    if values:
        _mlflow().log_metric(f"objective.{name}", float(max(values) if direction == "max" else min(values)))


def log_results(run_dir: Path, metrics: dict) -> None:
    """metrics.json's numbers as ``final.<path>`` metrics, and the run's files as artifacts."""
    mlflow = _mlflow()
    numbers = {f"final.{k}": float(v) for k, v in flatten(metrics).items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
    mlflow.log_metrics({k.replace("/", "_"): v for k, v in numbers.items()})
    run_dir = Path(run_dir)
    for name in ("metrics.json", "config.json", "history.csv", "model.keras"):
        if (run_dir / name).is_file():
            mlflow.log_artifact(str(run_dir / name))
    for folder in ("plots", "saved_model"):
        if (run_dir / folder).is_dir():
            mlflow.log_artifacts(str(run_dir / folder), artifact_path=folder)
