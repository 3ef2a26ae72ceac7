"""Run folders: `runs/<experiment>/<run-id>/`, created once and never overwritten.

A run folder holds::

    config.json      the arguments and data description (written first)
    history.csv      one row per epoch (Keras CSVLogger)
    metrics.json     final numbers; written last, so its presence marks a finished run
    plots/*.png      figures
    model.keras      the trained model
    saved_model/     the TensorFlow SavedModel export (`model.export`)
    backup/          BackupAndRestore state while training (removed when done)
    checkpoints/     ModelCheckpoint's best model
    logs/            TensorBoard event files
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from keras_models.errors import UserError

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_run_id(run_id: str) -> None:
    if not _RUN_ID.match(run_id):
        raise UserError(
            f"bad --run-id {run_id!r}: use letters, digits, '.', '_' and '-' only (no '/' or spaces)"
        )


def check_new_run(runs_root: Path, experiment: str, run_id: str | None) -> None:
    """Fail early (before any work) if an explicit `run_id` names an existing run."""
    if run_id is None:
        return
    _check_run_id(run_id)
    path = Path(runs_root) / experiment / run_id
    if path.exists():
        raise UserError(
            f"run folder {path} already exists and runs are never overwritten: "
            "choose another --run-id, or continue it with --resume"
        )


@dataclass(frozen=True)
class RunDir:
    """One run's folder. Create with `RunDir.create` or `RunDir.open_for_resume`."""

    path: Path

    @classmethod
    def create(cls, runs_root: Path, experiment: str, run_id: str | None = None, tag: str = "") -> "RunDir":
        """Make a new, empty run folder; an existing one is never reused."""
        parent = Path(runs_root) / experiment
        parent.mkdir(parents=True, exist_ok=True)
        if run_id is not None:
            check_new_run(runs_root, experiment, run_id)
            candidates = [run_id]
        else:
            stem = time.strftime("%Y%m%d-%H%M%S") + (f"-{tag}" if tag else "")
            candidates = [stem] + [f"{stem}-{i}" for i in range(2, 1000)]
        for name in candidates:
            try:
                (parent / name).mkdir()
            except FileExistsError:
                continue
            return cls(parent / name)
        raise UserError(f"run folder {parent / candidates[0]} already exists: choose another --run-id")

    @classmethod
    def open_for_resume(cls, path: Path, experiment: str) -> "RunDir":
        """Open an interrupted run: it must have config.json and no metrics.json."""
        path = Path(path)
        run = cls(path)
        if not path.is_dir():
            raise UserError(f"--resume {path}: no such run folder; give the folder of an interrupted run")
        if not run.config_path.is_file():
            raise UserError(f"--resume {path}: no config.json there, so it is not a run folder")
        try:
            recorded = json.loads(run.config_path.read_text())
        except json.JSONDecodeError as err:
            raise UserError(f"--resume {path}: config.json is not valid JSON ({err})") from None
        if recorded.get("experiment") != experiment:
            raise UserError(
                f"--resume {path}: that run belongs to experiment {recorded.get('experiment')!r}, not {experiment!r}"
            )
        if run.metrics_path.exists():
            raise UserError(f"--resume {path}: that run already finished (metrics.json exists); start a new run")
        return run

    # Paths -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.path.name

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.json"

    @property
    def history_path(self) -> Path:
        return self.path / "history.csv"

    @property
    def model_path(self) -> Path:
        return self.path / "model.keras"

    @property
    def saved_model_path(self) -> Path:
        return self.path / "saved_model"

    @property
    def backup_path(self) -> Path:
        return self.path / "backup"

    @property
    def checkpoint_path(self) -> Path:
        return self.path / "checkpoints" / "best.keras"

    @property
    def logs_path(self) -> Path:
        return self.path / "logs"

    def plot(self, name: str) -> Path:
        """Path of `plots/<name>.png` (the folder is created)."""
        plots = self.path / "plots"
        plots.mkdir(exist_ok=True)
        return plots / f"{name}.png"

    def write_json(self, name: str, obj: dict) -> Path:
        """Write `obj` as pretty JSON, atomically (a reader never sees half a file)."""
        target = self.path / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(obj, indent=2, default=_json_default) + "\n")
        os.replace(tmp, target)
        return target


def write_comparison(runs_root: Path, experiment: str, table: str, description: dict, rows: list[dict],
                     tag: str = "comparison") -> RunDir:
    """A new `runs/<experiment>/<time>-<tag>/` folder holding a table across runs:
    comparison.md (`table`, as printed) and comparison.json (`description` and `rows`)."""
    out = RunDir.create(runs_root, experiment, tag=tag)
    (out.path / "comparison.md").write_text(table + "\n")
    out.write_json("comparison.json", {**description, "rows": rows})
    print(f"wrote {out.path / 'comparison.md'}")
    return out


def _json_default(obj):
    """JSON for NumPy scalars/arrays, paths and timestamps."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)
