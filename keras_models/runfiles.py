"""The files of a run folder, read back through one validated reader per kind of file.

Every command that reads a run folder reads it here: ``--resume`` of each training
command and of ``experiments.tune``, ``experiments.predict``,
``experiments.nab_detection_choice``, ``experiments.reproduce`` (``--from-runs`` too) and
``nab.run_category`` reusing finished runs. A file that is missing, truncated, not of its
format, of the wrong JSON shape or changed after the run wrote it ends in one `UserError`
naming the file, what is wrong with it and the fix; never a traceback, and never a run
that goes on with settings it was not trained with. No TensorFlow, except `load_model`.

==================  =========================================================
config.json         `read_config` (digest, shape); `write_config` writes it
metrics.json        `read_metrics` (shape; per experiment, the keys readers need)
history.csv         `read_history` (a header with ``epoch``, numbers a row)
model.keras         `check_model` (a whole Keras archive), `load_model`
reconstructions.npy `read_reconstructions` (NAB: one row per window)
test_predictions.npz `read_predictions` (classifiers: test labels, predictions, probabilities)
audit.json          `read_audit`
tracking.json       `read_tracking`
backup/, tuner/     `check_resume_state` (what ``--resume`` reloads)
==================  =========================================================

config.json and config.sha256
    `write_config` writes the sha256 of config.json's bytes to config.sha256 (in the
    ``sha256sum`` format: ``sha256sum -c config.sha256`` checks it in the folder) before
    config.json appears, each file atomically, so a run folder's config.json never exists
    without its digest. `read_config` checks it wherever a config is read (resume,
    predict, detection choice, reports): a config.json changed after the run was
    created (``window`` or ``version`` edited by hand, say) is refused, because the run's
    weights, history and reconstructions belong to the configuration it was trained with;
    only ``--epochs`` may change on resume, given as a flag.

    Run folders made before digests were kept have no config.sha256. They are read as
    before, so nothing that worked breaks: their config.json must still be a JSON object
    of the right shape whose settings validate, but a hand edit that stays valid cannot be
    told from the original there. Deleting config.sha256 turns the check off the same
    way: it guards against mistakes and damage, not against a user set on defeating it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

from keras_models import backup_layout
from keras_models.errors import UserError
from keras_models.jsonshape import problem
from keras_models.runshapes import (AUDIT_SHAPE, BACKUP_JSON, CONFIG_SHAPE, DATA_SHAPES, METRICS_REQUIRED,
                                     METRICS_SHAPE, NAB, TRACKING_SHAPE)

CONFIG, DIGEST, METRICS, HISTORY = "config.json", "config.sha256", "metrics.json", "history.csv"
MODEL, RECONSTRUCTIONS, AUDIT, TRACKING = "model.keras", "reconstructions.npy", "audit.json", "tracking.json"
PREDICTIONS = "test_predictions.npz"
#: the fix for a damaged file of a run
RETRAIN = "restore it from a copy or train the run again"


# Generic readers -------------------------------------------------------------
def _need_file(path: Path, fix: str) -> Path:
    if not path.is_file():
        raise UserError(f"{path}: {'a folder, not a file' if path.is_dir() else 'missing'}; {fix}")
    return path


def _read_bytes(path: Path, fix: str) -> bytes:
    _need_file(path, fix)
    try:
        return path.read_bytes()
    except OSError as err:
        raise UserError(f"{path}: cannot be read ({err.strerror or err}); {fix}") from None


def _parse_json(path: Path, raw: bytes, fix: str):
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"{path}: damaged, not UTF-8 text; {fix}") from None
    except RecursionError:
        raise UserError(f"{path}: not as keras_models writes it (nested too deeply); {fix}") from None
    except json.JSONDecodeError as err:
        what = "empty" if not raw.strip() else f"damaged, not JSON ({err.msg} at line {err.lineno} column {err.colno})"
        raise UserError(f"{path}: {what}; {fix}") from None


def _check_shape(path: Path, value, shape, fix: str):
    found = problem(value, shape)
    if found:
        raise UserError(f"{path}: not as keras_models writes it ({found}); {fix}")
    return value


def read_json(path: Path, shape, fix: str = RETRAIN):
    """The JSON document at `path`, checked against `shape` (`keras_models.jsonshape`)."""
    path = Path(path)
    return _check_shape(path, _parse_json(path, _read_bytes(path, fix), fix), shape, fix)


# config.json -----------------------------------------------------------------
def write_config(run, record: dict) -> Path:
    """Write `record` as `run`'s config.json with its digest (see the module docstring):
    config.sha256 first, then config.json, each atomically. `run`: a `RunDir`."""
    staged = run.write_json(CONFIG + ".new", record)
    digest = hashlib.sha256(staged.read_bytes()).hexdigest()
    tmp = run.path / (DIGEST + ".tmp")
    tmp.write_text(f"{digest}  {CONFIG}\n")
    os.replace(tmp, run.path / DIGEST)
    os.replace(staged, run.path / CONFIG)
    return run.path / CONFIG


def _verify_digest(folder: Path, raw: bytes) -> None:
    path = folder / DIGEST
    if not path.exists():
        return  # a run folder made before digests were kept
    recorded = _read_bytes(path, "restore it from a copy (or delete it to read config.json unchecked)")
    words = recorded.decode("ascii", "replace").split()
    if not words or not re.fullmatch(r"[0-9a-f]{64}", words[0]):
        raise UserError(f"{path}: damaged, not a sha256 digest; restore it from a copy (or delete it to read "
                        "config.json unchecked)")
    if words[0] != hashlib.sha256(raw).hexdigest():
        raise UserError(f"{folder / CONFIG}: changed since the run was created (its sha256 differs from {DIGEST}); "
                        "a run keeps the settings it was trained with: restore the original config.json, or start "
                        "a new run to change them")


def read_config(folder: Path) -> dict:
    """A run's config.json: verified against config.sha256 (when the run has one), a JSON
    object with ``experiment`` and ``config``, and ``data`` as its experiment's readers need it."""
    folder = Path(folder)
    path = folder / CONFIG
    raw = _read_bytes(path, RETRAIN)
    record = _parse_json(path, raw, RETRAIN)
    _verify_digest(folder, raw)
    _check_shape(path, record, CONFIG_SHAPE, RETRAIN)
    data_shape = DATA_SHAPES.get(record["experiment"])
    if data_shape is not None:
        found = problem(record.get("data", {}), data_shape, "data")
        if found:
            raise UserError(f"{path}: not as keras_models writes it ({found}); {RETRAIN}")
    edited = _contradiction(record)
    if edited:
        raise UserError(f"{path}: {edited}, so it was edited after the run was created; restore the original "
                        "config.json, or start a new run to change it")
    return record


def _contradiction(record: dict) -> str:
    """Where config.json's settings contradict what it records of the model that was built
    ("" when they agree): a hand edit caught even in a run folder without config.sha256."""
    config, experiment, built = record["config"], record["experiment"], record.get("model")
    model = f"nab_{config['version']}" if experiment == NAB and "version" in config else \
        config.get("model") if experiment in ("heartbeat", "image_classification") else None
    if built is not None and model is not None and model != built:
        return f"its settings give the model {model!r} but the run trained {built!r}"
    window, built_window = config.get("window"), record.get("model_kwargs", {}).get("window")
    if experiment == NAB and built_window is not None and window != built_window:
        return f"config.window is {window!r} but the model was built for windows of {built_window}"
    return ""


# metrics.json ----------------------------------------------------------------
def read_metrics(folder: Path, experiment: str | None = None, required: tuple[str, ...] = ()) -> dict:
    """A finished run's metrics.json, checked against `METRICS_SHAPE`; `experiment`: the
    run's (from config.json), which metrics.json must name too where it names one;
    `required`: the keys the caller reads."""
    path = Path(folder) / METRICS
    metrics = read_json(path, METRICS_SHAPE)
    named = metrics.get("experiment", experiment)
    if experiment is not None and named != experiment:
        raise UserError(f"{path}: names experiment {named!r}, but config.json {experiment!r}: it is another run's "
                        f"metrics.json; {RETRAIN}")
    _require(path, metrics, required)
    return metrics


def _require(path: Path, document: dict, keys) -> None:
    missing = [key for key in keys if key not in document]
    if missing:
        raise UserError(f"{path}: not as keras_models writes it ({missing[0]} is missing); {RETRAIN}")


def read_finished(folder: Path) -> tuple[dict, dict]:
    """(config.json, metrics.json) of a finished run, each checked, and its model.keras
    checked to be a whole archive."""
    record = read_config(folder)
    # a search's final model records its family's experiment in metrics.json, the search "tune" in config.json
    experiment = record["experiment"]
    metrics = read_metrics(folder, None if experiment == "tune" else experiment)
    _require(Path(folder) / METRICS, metrics, METRICS_REQUIRED.get(metrics.get("experiment", experiment), ()))
    check_model(folder)
    return record, metrics


# history.csv -----------------------------------------------------------------
def _number(text: str) -> float | None:
    """A history value: None for an empty one (CSVLogger writes NA for a metric it lacks)."""
    return None if text in ("", "NA") else float(text)


def read_history(folder: Path) -> dict[str, list[float]]:
    """history.csv as {column: [value per epoch]} (empty and NA entries left out); {} when
    the run has none yet. Each line must be whole (the file ends with a newline) and have
    the header's number of values, all numbers, ``epoch`` a whole number."""
    path = Path(folder) / HISTORY
    if not path.exists():
        return {}
    raw = _read_bytes(path, RETRAIN)
    try:
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error):
        raise UserError(f"{path}: damaged, not CSV text; {RETRAIN}") from None
    if not rows:
        return {}
    if not raw.endswith(b"\n"):
        raise UserError(f"{path}: damaged, its last line is cut short (line {len(rows)}); {RETRAIN}")
    header = rows[0]
    if "epoch" not in header or len(set(header)) != len(header) or "" in header:
        raise UserError(f"{path}: damaged, its first line is not a header naming epoch and the metrics; {RETRAIN}")
    columns: dict[str, list[float]] = {name: [] for name in header}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise UserError(f"{path}: damaged, line {line} has {len(row)} values where the header names "
                            f"{len(header)}; {RETRAIN}")
        for name, text in zip(header, row):
            try:
                value = _number(text.strip())
            except ValueError:
                raise UserError(f"{path}: damaged, line {line} has {text[:20]!r} for {name}, not a number; "
                                f"{RETRAIN}") from None
            if name == "epoch" and (value is None or not 0 <= value < 1e9 or value != int(value)):
                raise UserError(f"{path}: damaged, line {line} has epoch {text[:20]!r}, not a whole number; "
                                f"{RETRAIN}")
            if value is not None:
                columns[name].append(value)
    return columns


# model.keras -----------------------------------------------------------------
def _archive_problem(path: Path, needed: tuple[str, ...]) -> str:
    """Why the zip archive at `path` is not whole ("" when it is)."""
    import zlib

    try:
        with zipfile.ZipFile(path) as archive:
            missing = [name for name in needed if name not in archive.namelist()]
            if missing:
                return f"{missing[0]} is missing from the archive"
            bad = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
        return f"not a whole zip archive ({err})"
    return f"{bad} in the archive fails its checksum" if bad else ""


def check_model(folder: Path) -> Path:
    """The path of the run's model.keras, checked to be a whole Keras archive."""
    path = _need_file(Path(folder) / MODEL, RETRAIN)
    found = _archive_problem(path, ("config.json", "model.weights.h5"))
    if found:
        raise UserError(f"{path}: damaged, {found}; {RETRAIN}")
    return path


def load_model(folder: Path):
    """The run's model.keras, loaded for prediction (not compiled); imports Keras."""
    path = check_model(folder)
    import keras

    import keras_models.layers  # noqa: F401 - registers the custom layers load_model needs
    import keras_models.models  # noqa: F401

    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as err:  # noqa: BLE001 - whatever Keras makes of a damaged archive: one line with its reason
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        raise UserError(f"{path}: cannot be loaded as a Keras model ({reason}); {RETRAIN}") from None


# reconstructions.npy -----------------------------------------------------------
def read_reconstructions(folder: Path, record: dict):
    """A NAB run's reconstructions.npy: finite floats of shape (rows - window + 1, window),
    one row per window of the series the run's config.json `record` describes."""
    import numpy as np

    window, rows = record["config"].get("window"), record.get("data", {}).get("rows")
    windows = None if rows is None or window is None else rows - window + 1
    path = _need_file(Path(folder) / RECONSTRUCTIONS, "runs trained before the detection options were added lack "
                                                     "it; train the run again")
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        reason = (str(err).splitlines() or [type(err).__name__])[0][:120]
        raise UserError(f"{path}: damaged, not a NumPy array file ({reason}); {RETRAIN}") from None
    if not isinstance(array, np.ndarray):
        array.close()
        raise UserError(f"{path}: damaged, an archive of arrays rather than one array; {RETRAIN}")
    if array.dtype.kind != "f" or array.ndim != 2 or array.shape != (windows or len(array), window):
        raise UserError(f"{path}: holds {array.dtype} values of shape {array.shape}, not the run's {windows} windows "
                        f"of {window} points; {RETRAIN}")
    if not np.isfinite(array).all():
        raise UserError(f"{path}: damaged, it holds NaN or infinite values; {RETRAIN}")
    return array


# test_predictions.npz ----------------------------------------------------------
def _predictions_problem(arrays: dict) -> str:
    """What is wrong with the arrays of a test_predictions.npz ("" when nothing)."""
    import numpy as np

    missing = [key for key in ("y_true", "y_pred", "probabilities") if key not in arrays]
    if missing:
        return f"it lacks the array(s) {', '.join(missing)}"
    y_true, y_pred, probabilities = arrays["y_true"], arrays["y_pred"], arrays["probabilities"]
    if y_true.dtype.kind not in "iu" or y_pred.dtype.kind not in "iu" or probabilities.dtype.kind != "f":
        return (f"y_true {y_true.dtype}, y_pred {y_pred.dtype}, probabilities {probabilities.dtype}: expected integer "
                "labels and float probabilities")
    if probabilities.ndim != 2 or y_true.shape != y_pred.shape or y_true.shape != probabilities.shape[:1]:
        return (f"shapes y_true {y_true.shape}, y_pred {y_pred.shape}, probabilities {probabilities.shape} do not "
                "agree: expected (n,), (n,) and (n, classes)")
    if not np.isfinite(probabilities).all():
        return "its probabilities hold NaN or infinite values"
    classes = probabilities.shape[1]
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            return f"{name} holds labels outside 0..{classes - 1}"
    return ""


def read_predictions(folder: Path) -> dict | None:
    """A classifier run's test_predictions.npz as {"y_true": (n,) int, "y_pred": (n,) int,
    "probabilities": (n, classes) float}; None when the run has none (trained before runs
    kept their predictions)."""
    import numpy as np

    path = Path(folder) / PREDICTIONS
    if not os.path.lexists(path):
        return None
    _need_file(path, RETRAIN)
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("one array, not an archive of arrays")
        with archive:
            arrays = {key: archive[key] for key in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        reason = (str(err).splitlines() or [type(err).__name__])[0][:120]
        raise UserError(f"{path}: damaged, not a NumPy archive of arrays ({reason}); {RETRAIN}") from None
    found = _predictions_problem(arrays)
    if found:
        raise UserError(f"{path}: not as keras_models writes it ({found}); {RETRAIN}")
    return {key: arrays[key] for key in ("y_true", "y_pred", "probabilities")}


# audit.json, tracking.json ---------------------------------------------------
def read_audit(folder: Path) -> dict:
    """The parameter audit's audit.json: {"rows": [{"model": ..., ...}, ...]}."""
    return read_json(Path(folder) / AUDIT, AUDIT_SHAPE, "remove the folder and run the audit again")


def read_tracking(folder: Path) -> dict:
    """The run's tracking.json ({} when the run is not tracked)."""
    path = Path(folder) / TRACKING
    return read_json(path, TRACKING_SHAPE, "restore it from a copy, or delete it to track the rest of the run as a "
                                           "new MLflow run") if path.exists() else {}


# What --resume reloads -------------------------------------------------------
def check_resume_state(folder: Path) -> None:
    """Before a resume trains: history.csv, the backup/ state files and a search's tuner/
    files (each checked where present; config.json is `read_config`'s)."""
    folder = Path(folder)
    read_history(folder)
    backup = folder / "backup"
    restart = f"delete the folder {backup} to train the run again from its first epoch, or start a new run"
    latest = backup_layout.latest_epoch_folder(backup)  # None: no epoch finished (a .tmp folder is not whole)
    if latest is not None:
        _check_backup(latest, restart)
    tuner = folder / "tuner"
    for path in sorted(tuner.glob("*/oracle.json")) + sorted(tuner.glob("*/trial_*/trial.json")):
        read_json(path, dict, f"delete the folder {tuner} to search again from the first trial, or start a new run")


def _check_backup(latest: Path, restart: str) -> None:
    """The files of the last finished epoch's backup folder (`keras_models.backup_layout`)."""
    for name in backup_layout.FILES:
        if not (latest / name).is_file():
            raise UserError(f"{latest / name}: missing from the backup of a finished epoch; {restart}")
    for name, shape in BACKUP_JSON.items():
        read_json(latest / name, shape, restart)
    for name, check in ((backup_layout.ARRAYS, lambda p: _archive_problem(p, ())),
                        (backup_layout.WEIGHTS, _h5_problem)):
        found = check(latest / name)
        if found:
            raise UserError(f"{latest / name}: damaged, {found}; {restart}")


def _h5_problem(path: Path) -> str:
    import h5py

    try:
        with h5py.File(path, "r"):
            return ""
    except (OSError, ValueError) as err:
        return f"not a whole HDF5 file ({(str(err).splitlines() or ['unreadable'])[0][:120]})"
