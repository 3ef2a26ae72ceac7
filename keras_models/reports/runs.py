"""The planned runs' folders: what is finished, what is interrupted, what is still to run.

A planned run lives in ``<runs-dir>/<experiment>/reproduce-<budget>-<key>/``:

- finished: metrics.json is there (audit.json for the parameter audit) and config.json
  records the planned configuration: it is reused;
- interrupted: config.json without metrics.json: it is resumed (`family.resume`);
- missing: it is trained.

A folder of that name trained with another configuration is never overwritten: the
command stops with one line before anything runs. Each run trains in its own process
(`python -m keras_models.reports.worker`), a fresh TensorFlow as a user's command would
have, with its Keras progress bar on the console.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from keras_models import runfiles
from keras_models.errors import UserError
from keras_models.reports.plan import AUDIT_EXPERIMENT, PlannedRun, comparable_settings
from keras_models.rundir import RunDir
from keras_models.tuning.config import EXPERIMENT as TUNE_EXPERIMENT

FINISHED, INTERRUPTED, MISSING, FAILED = "finished", "interrupted", "missing", "failed"


@dataclass
class RunState:
    """A planned run and what its folder holds.

    Attributes:
        status: `FINISHED`, `INTERRUPTED`, `MISSING` or `FAILED` (its process failed).
        metrics: a finished run's metrics.json, with ``history`` ({column: [value per
            epoch]}) from history.csv; the audit's rows by model name.
        detail: why it failed.
    """

    run: PlannedRun
    folder: Path
    status: str
    metrics: dict = field(default_factory=dict)
    detail: str = ""


def _first_difference(recorded: dict, planned: dict, defaults: dict) -> str:
    """The first setting that differs; an option the run folder does not record (added to the
    package after it was trained) counts as equal when the plan leaves it at its default."""
    for key in sorted(set(recorded) | set(planned)):
        if key not in recorded and key in defaults and planned.get(key) == defaults[key]:
            continue
        if recorded.get(key) != planned.get(key):
            return f"{key} is {recorded.get(key)!r} there, {planned.get(key)!r} in the plan"
    return ""


def inspect(run: PlannedRun, runs_dir: Path) -> RunState:
    """The state of `run`'s folder under `runs_dir`.

    Raises:
        UserError: the folder holds a run of another configuration, or no run at all.
    """
    folder = run.folder(runs_dir)
    if run.experiment == AUDIT_EXPERIMENT:
        audit = folder / "audit.json"
        if audit.is_file():
            return RunState(run, folder, FINISHED, {row["model"]: row for row in runfiles.read_audit(folder)["rows"]})
        if folder.exists():
            raise UserError(f"{folder} holds no audit.json: an audit that did not finish; remove the folder and "
                            "run again")
        return RunState(run, folder, MISSING)
    if not folder.exists():
        return RunState(run, folder, MISSING)
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise UserError(f"{folder} exists but holds no config.json, so it is no run of the plan; move it away "
                        "(or give another --runs-dir) and run again")
    recorded = comparable_settings(RunDir(folder).read_config().get("config") or {})
    difference = _first_difference(recorded, run.settings(), run.defaults())
    if difference:
        raise UserError(f"{folder} was trained with another configuration ({difference}); runs are never "
                        "overwritten: move that folder away or give another --runs-dir")
    metrics_path = folder / "metrics.json"
    if not metrics_path.is_file():
        return RunState(run, folder, INTERRUPTED)
    # a search's final model names its family's experiment in metrics.json
    named = None if run.experiment == TUNE_EXPERIMENT else run.experiment
    return RunState(run, folder, FINISHED, {**runfiles.read_metrics(folder, named),
                                            "history": runfiles.read_history(folder)})


def worker_command(state: RunState, runs_dir: Path) -> list[str]:
    """The command training (or resuming) a run in its own process."""
    run = state.run
    command = [sys.executable, "-m", "keras_models.reports.worker", run.experiment]
    if run.experiment == AUDIT_EXPERIMENT:
        return command + ["audit", json.dumps({"runs_dir": str(runs_dir), "run_id": run.run_id})]
    if state.status == INTERRUPTED:
        return command + ["resume", str(state.folder)]
    return command + ["new", json.dumps(run.config.to_dict())]


def execute(state: RunState, runs_dir: Path, env: dict | None = None) -> RunState:
    """Train or resume the run in a child process; its new state (`FAILED` with the exit status
    if the child failed); `env` is added to the child's environment. Ctrl-C reaches the child too, which keeps its folder for a resume."""
    verb = "resuming" if state.status == INTERRUPTED else "training"
    print(f"\n=== {verb} {state.run.key} -> {state.folder}", flush=True)
    child = subprocess.Popen(worker_command(state, runs_dir), env={**os.environ, **env} if env else None)
    try:
        returncode = child.wait()
    except KeyboardInterrupt:
        _stop(child)
        raise
    if returncode in (130, -signal.SIGINT):
        raise KeyboardInterrupt
    if returncode != 0:
        return RunState(state.run, state.folder, FAILED, detail=f"its process ended with exit status {returncode}")
    return inspect(state.run, runs_dir)


def _stop(child: subprocess.Popen, grace: float = 10.0, stop_timeout: float = 120.0) -> None:
    """Let the child end on its own Ctrl-C (a terminal sends it to both); if only this process
    got it, pass it on. The child then keeps its run folder for a resume. A child that still
    runs `stop_timeout` seconds later is terminated (its last finished epoch stays in its
    backup), so the command never hangs on it."""
    try:
        child.wait(timeout=grace)
        return
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=stop_timeout)
    except subprocess.TimeoutExpired:
        print(f"the run's process did not stop within {stop_timeout:.0f} s of Ctrl-C; terminating it",
              file=sys.stderr, flush=True)
        child.terminate()
        child.wait()


def value(state: RunState, path: str):
    """The value at the dotted `path` of a finished run's metrics (integers index lists)."""
    node = state.metrics
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node
