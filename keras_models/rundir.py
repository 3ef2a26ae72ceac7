"""Run folders: `runs/<experiment>/<run-id>/`, created once and never overwritten.

A run folder holds::

    config.json      the arguments and data description (written first)
    config.sha256    config.json's digest, checked wherever it is read (`keras_models.runfiles`)
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

import atexit
import json
import math
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from keras_models import checks, outputs, runfiles
from keras_models.errors import UserError
from keras_models.outputs import os_error as _os_error

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: longest --run-id accepted: file systems allow 255 bytes a name, and generated ids add suffixes
MAX_RUN_ID = 120


def run_id(value):
    """A run folder name: letters, digits, '.', '_' and '-', at most `MAX_RUN_ID` characters."""
    if not isinstance(value, str) or not _RUN_ID.match(value) or len(value) > MAX_RUN_ID:
        raise checks.BadValue(f"expected a run folder name of letters, digits, '.', '_' and '-' "
                              f"(at most {MAX_RUN_ID} characters, no '/' or spaces), got {value!r}")
    return value


_check_run_id = run_id  # `check_new_run` names its argument run_id


#: run folders named by --run-id that this process made (empty) when it checked them, to claim later
_RESERVED: dict[Path, list[Path]] = {}


def release_unclaimed() -> None:
    """At exit, or when a command stops with an error: remove the reserved folders never
    claimed (and the parents made for them), if empty."""
    for path, made in list(_RESERVED.items()):
        for folder in (path, *made):
            try:
                folder.rmdir()
            except OSError:
                break
    _RESERVED.clear()


def _reserve(path: Path) -> None:
    """Make the run folder `path` now (exclusively), so that of two commands started together
    with the same --run-id the second is refused at once, before it loads data or TensorFlow."""
    key = Path(os.path.abspath(path))
    if key in _RESERVED:
        return
    made = [p for p in key.parents if not p.exists()]  # nearest first
    try:
        key.parent.mkdir(parents=True, exist_ok=True)
        key.mkdir()
    except FileExistsError:
        raise UserError(f"run folder {path} already exists (another command may have just made it) and runs are "
                        "never overwritten; choose another --run-id") from None
    except OSError as err:
        raise _os_error(err, path, "give --runs-dir a writable folder (or a shorter --run-id)") from None
    if not _RESERVED:
        atexit.register(release_unclaimed)
    _RESERVED[key] = made


def _claim(path: Path) -> bool:
    """True (and no longer reserved) if this process reserved the run folder `path`."""
    return _RESERVED.pop(Path(os.path.abspath(path)), None) is not None


def check_new_run(runs_root: Path, experiment: str, run_id: str | None, resumable: bool = True) -> None:
    """Fail early (before any work) if an explicit `run_id` names an existing folder, or the
    runs folder cannot hold run folders (a file, read-only, a full disk). `resumable`: the
    command has `--resume`. A free `run_id` is reserved: its empty folder is made now and
    claimed by `RunDir.create` (removed at exit if the command stops before).

    The error is worded for a Python caller (``run_id=``) and, as `UserError.command`, for
    a command (``--run-id``); neither sends a finished run to ``--resume``.
    """
    runs_root = Path(runs_root)
    if run_id is not None:
        try:
            _check_run_id(run_id)
        except checks.BadValue as err:
            raise UserError(f"bad --run-id: {err}") from None
    for parent in (runs_root, runs_root / experiment):
        if parent.exists() and not parent.is_dir():
            raise UserError(f"--runs-dir: {parent} is a file, not a folder; give --runs-dir a folder")
    outputs.check_folder(runs_root, "--runs-dir")
    if run_id is None:
        return
    path = runs_root / experiment / run_id
    if Path(os.path.abspath(path)) in _RESERVED:
        return
    if not path.exists():
        _reserve(path)
        return
    run = RunDir(path)
    interrupted = resumable and run.config_path.is_file() and not run.metrics_path.exists()
    finished = run.metrics_path.exists()
    what = "a finished run" if finished else "an interrupted run" if interrupted else "a folder"
    raise UserError(
        f"run_id {run_id!r} is taken: {path} already exists ({what}; runs are never overwritten); pass another "
        "run_id, or run_id=None for a fresh one" + (f", or continue that run with resume({str(path)!r})"
                                                    if interrupted else ""),
        command=f"run folder {path} already exists and runs are never overwritten: choose another --run-id"
                + (f", or continue it with --resume {path}" if interrupted
                   else ", or leave --run-id out for a time-stamped one" if finished else ""))


@dataclass(frozen=True)
class RunDir:
    """One run's folder. Create with `RunDir.create` or `RunDir.open_for_resume`."""

    path: Path

    @classmethod
    def create(cls, runs_root: Path, experiment: str, run_id: str | None = None, tag: str = "",
               resumable: bool = True) -> "RunDir":
        """Make a new, empty run folder; an existing one is never reused."""
        parent = Path(runs_root) / experiment
        check_new_run(runs_root, experiment, run_id, resumable)
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise _os_error(err, parent, "give --runs-dir a writable folder") from None
        if run_id is not None:
            candidates = [run_id]
        else:
            stem = time.strftime("%Y%m%d-%H%M%S") + (f"-{tag}" if tag else "")
            candidates = [stem] + [f"{stem}-{i}" for i in range(2, 1000)]
        if run_id is not None and _claim(parent / run_id):
            return cls(parent / run_id)
        for name in candidates:
            try:
                (parent / name).mkdir()
            except FileExistsError:
                continue
            except OSError as err:
                raise _os_error(err, parent / name, "give --runs-dir a writable folder (or a shorter --run-id)") from None
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
        recorded = run.read_config()
        if recorded.get("experiment") != experiment:
            raise UserError(
                f"--resume {path}: that run belongs to experiment {recorded.get('experiment')!r}, not {experiment!r}"
            )
        if run.metrics_path.exists():
            done = (f"that run already finished (its results are in {run.metrics_path}), so there is nothing to "
                    "continue; to train again")
            raise UserError(f"resume({str(path)!r}): {done}, call run(config) with another run_id or run_id=None",
                            command=f"--resume {path}: {done}, give the same flags without --resume "
                                    "(and without its --run-id)")
        runfiles.check_resume_state(path)
        return run

    @classmethod
    def open_finished(cls, path: Path, flag: str = "RUN_DIR") -> "RunDir":
        """Open a finished run: config.json, metrics.json and model.keras (for `experiments.predict`)."""
        path = Path(path)
        run = cls(path)
        if not path.is_dir():
            raise UserError(f"{flag} {path}: no such run folder; give a finished run's folder "
                            "(runs/<experiment>/<run-id>)")
        if not run.config_path.is_file():
            raise UserError(f"{flag} {path}: no config.json there, so it is not a run folder")
        if not run.metrics_path.is_file():
            raise UserError(f"{flag} {path}: the run has not finished (no metrics.json); finish it with "
                            "--resume, or give a finished run")
        if not run.model_path.is_file():
            raise UserError(f"{flag} {path}: no model.keras there; give a finished run's folder")
        return run

    def read_config(self) -> dict:
        """The run's config.json, checked (`keras_models.runfiles.read_config`: digest, shape)."""
        return runfiles.read_config(self.path)

    @contextmanager
    def writing(self):
        """Turn a failed write into one line: what failed, and that `--resume` continues the run.

        A run folder that holds nothing but config.json (nothing trained yet) is removed.
        """
        try:
            yield self
        except OSError as err:
            kept = [p for p in self.path.iterdir() if not p.name.startswith("config.")] if self.path.is_dir() else []
            if not kept:
                shutil.rmtree(self.path, ignore_errors=True)
                raise _os_error(err, self.path, "free space or fix the folder, then run again; nothing was kept") from None
            experiment = self.path.parent.name
            raise _os_error(err, self.path, f"free space or fix the folder, then continue the run with "
                                            f"`python -m experiments.{experiment} --resume {self.path}`") from None

    def remove_backup(self) -> None:
        shutil.rmtree(self.backup_path, ignore_errors=True)

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
        tmp.write_text(json.dumps(_finite(obj), indent=2, default=_json_default, allow_nan=False) + "\n")
        os.replace(tmp, target)
        return target


def write_comparison(runs_root: Path, experiment: str, table: str, description: dict, rows: list[dict],
                     tag: str = "comparison") -> RunDir:
    """A new `runs/<experiment>/<time>-<tag>/` folder holding a table across runs:
    comparison.md (`table`, as printed) and comparison.json (`description` and `rows`)."""
    out = RunDir.create(runs_root, experiment, tag=tag)
    with out.writing():
        (out.path / "comparison.md").write_text(table + "\n")
        out.write_json("comparison.json", {**description, "rows": rows})
    print(f"wrote {out.path / 'comparison.md'}")
    return out


def _finite(obj):
    """`obj` with NaN and infinities replaced by None: metrics.json stays valid JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, str):
        return _finite(obj.tolist())
    return obj


def _json_default(obj):
    """JSON for NumPy scalars/arrays, paths and timestamps."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)
