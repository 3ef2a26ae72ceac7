"""Read ready-made beat files: the Kaggle CSVs and the course parquet files.

- Kaggle "ECG Heartbeat Categorization" (Kachuee et al. 2018): ``mitbih_train.csv``
  (87,554 beats) and ``mitbih_test.csv`` (21,892), no header, 188 columns: 187 beat
  values then the label (written as a float, e.g. ``2.000000000000000000e+00``).
- Course parquet: ``heart_big_train.parq`` / ``heart_big_test.parq``, 187 value
  columns (any names) plus a ``target`` column.

Both give a `BeatSet` without record ids (these files carry none), so only the
intra-patient split applies to them. Every problem raises `UserError` naming the
file, the first bad row or column, and the fix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keras_models import datapaths, finite
from keras_models.errors import UserError
from keras_models.heartbeat.beatset import BEAT_LENGTH, CLASS_NAMES, BeatSet

TARGET = "target"
KAGGLE_FILES = {"train": "mitbih_train.csv", "test": "mitbih_test.csv"}
PARQUET_FILES = {"train": "heart_big_train.parq", "test": "heart_big_test.parq"}
PARQUET_SUFFIXES = (".parq", ".parquet")


def read_kaggle_csv(path: Path | str) -> BeatSet:
    """Read a Kaggle ``mitbih_*.csv``: x (n, 187) float32, y (n,) int64."""
    return read_beats_csv(path, labelled=True)


def read_beats_csv(path: Path | str, labelled: bool | None = True) -> BeatSet:
    """Beats in the Kaggle layout (no header, 187 values a row, then the label): x (n, 187)
    float32, y (n,) int64. `labelled` None takes 187 columns (y all -1) or 188."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, header=None, low_memory=False)
    except FileNotFoundError:
        raise UserError(f"file not found: {path}; check the path of the Kaggle mitbih CSV") from None
    except OSError as err:  # a folder, no permission, ...
        raise UserError(f"{path}: cannot read it ({err.strerror or err}); give a readable Kaggle mitbih CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not a readable CSV ({str(err).splitlines()[0]}); expected "
                        f"{BEAT_LENGTH} beat values and a label per row, no header") from None
    widths = {True: (BEAT_LENGTH + 1,), False: (BEAT_LENGTH,), None: (BEAT_LENGTH, BEAT_LENGTH + 1)}[labelled]
    if frame.shape[1] not in widths:
        expected = " or ".join(map(str, widths))
        raise UserError(f"{path}: {frame.shape[1]} columns, expected {expected} ({BEAT_LENGTH} beat values"
                        f"{', then the label' if labelled is not False else ''}); is this a Kaggle mitbih CSV?")
    values = _numeric(frame, path, name=lambda c: f"column {int(c) + 1}")
    if frame.shape[1] == BEAT_LENGTH:
        return BeatSet(x=values.astype(np.float32), y=np.full(len(values), -1, dtype=np.int64),
                       info={"source": str(path), "variant": "file"})
    return _beatset(values[:, :BEAT_LENGTH], values[:, BEAT_LENGTH], path, label_name="the last column")


def read_parquet(path: Path | str) -> BeatSet:
    """Read a course ``heart_big_*.parq``: 187 value columns + ``target`` -> x (n, 187), y (n,)."""
    path = Path(path)
    try:
        frame = pd.read_parquet(path)
    except FileNotFoundError:
        raise UserError(f"file not found: {path}; check the path of the heart_big parquet file") from None
    except Exception as err:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
        raise UserError(f"{path}: not a readable parquet file ({str(err).splitlines()[0]}); "
                        f"expected {BEAT_LENGTH} value columns and '{TARGET}'") from None
    if TARGET not in frame.columns:
        raise UserError(f"{path}: no '{TARGET}' column (columns: {_preview(frame.columns)}); "
                        f"the label column must be named '{TARGET}'")
    features = [c for c in frame.columns if c != TARGET]
    if len(features) != BEAT_LENGTH:
        raise UserError(f"{path}: {len(features)} value columns besides '{TARGET}', expected {BEAT_LENGTH}")
    values = _numeric(frame[features + [TARGET]], path, name=lambda c: f"column {c!r}")
    return _beatset(values[:, :BEAT_LENGTH], values[:, BEAT_LENGTH], path, label_name=f"'{TARGET}'")


def check_beat_file(path: Path | str, flag: str = "the beat file path") -> Path:
    """`path` if it names a beat file of a known type that is there (nothing is read);
    `UserError` naming `flag` (where the path came from) otherwise."""
    path = Path(path).expanduser()
    kinds = f"a Kaggle mitbih .csv or a course {'/'.join(PARQUET_SUFFIXES)} file"
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a beat file; give {flag} {kinds}")
    if path.suffix.lower() not in (".csv", *PARQUET_SUFFIXES):
        raise UserError(f"{path}: unknown beat file type {path.suffix!r}; give {kinds}")
    if not path.is_file():
        raise UserError(f"file not found: {path}; check the path given to {flag}")
    return path


def read_beats_file(path: Path | str, flag: str = "the beat file path") -> BeatSet:
    """Read a Kaggle CSV (``.csv``) or a course parquet file (``.parq``/``.parquet``)."""
    path = check_beat_file(path, flag)
    return read_kaggle_csv(path) if path.suffix.lower() == ".csv" else read_parquet(path)


def load_beat_files(kind: str = "kaggle", train: Path | None = None,
                    test: Path | None = None) -> dict[str, BeatSet]:
    """The train and test files of `kind` ("kaggle" or "parquet") as {"train": .., "test": ..}.

    Each file is found like every data file (`keras_models.datapaths.resolve`): the
    explicit path, else ``$KERAS_MODELS_DATA/heartbeat/<name>``, else ``data/heartbeat/<name>``.
    Neither set has a public download without an account, so there is none.
    """
    names = {"kaggle": KAGGLE_FILES, "parquet": PARQUET_FILES}.get(kind)
    if names is None:
        raise UserError(f"unknown beat file kind {kind!r}; choose kaggle or parquet")
    explicit = {"train": train, "test": test}
    return {
        part: read_beats_file(datapaths.resolve(f"heartbeat/{name}", explicit=explicit[part],
                                                flag=f"--{part}-file"))
        for part, name in names.items()
    }


def _numeric(frame: pd.DataFrame, path: Path, name) -> np.ndarray:
    """(n, columns) float64 of `frame`; `UserError` at the first non-numeric or NaN cell.

    Rows in messages count from 1 (the CSV line); `name` names a column.
    """
    if frame.empty:
        raise UserError(f"{path}: no rows; expected one beat per row")
    frame = frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            coerced = pd.to_numeric(frame[column], errors="coerce")
            bad = (coerced.isna() & frame[column].notna()).to_numpy()
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise UserError(f"{path}: non-numeric value {frame[column].iloc[row]!r} in {name(column)}, "
                                f"row {row + 1}; every cell must be a number")
            frame[column] = coerced
    values = frame.to_numpy(dtype=np.float64)
    bad = finite.bad(values)  # finite in the float32 the model computes in, not only in float64
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise UserError(f"{path}: {int(bad.sum())} missing/NaN/infinite cell(s) or cell(s) {finite.range_text()}, "
                        f"first {values[row, col]:g} in {name(frame.columns[col])}, row {row + 1}; fill, rescale or "
                        "drop those rows")
    return values


def _beatset(x: np.ndarray, labels: np.ndarray, path: Path, label_name: str) -> BeatSet:
    bad = (labels != np.round(labels)) | (labels < 0) | (labels > len(CLASS_NAMES) - 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise UserError(f"{path}: label {labels[row]:g} in {label_name}, row {row + 1}; "
                        f"labels must be whole numbers 0..{len(CLASS_NAMES) - 1} "
                        f"({', '.join(f'{i}={c}' for i, c in enumerate(CLASS_NAMES))})")
    return BeatSet(x=x.astype(np.float32), y=labels.astype(np.int64),
                   info={"source": str(path), "variant": "file"})


def _preview(columns, limit: int = 5) -> str:
    names = [str(c) for c in columns]
    return ", ".join(names[:limit]) + (f", ... ({len(names)} in all)" if len(names) > limit else "")
