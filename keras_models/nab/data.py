"""Load an NAB series and its labelled anomaly windows, with strict input checks.

Files are addressed as in the NAB repository (``data/<category>/<name>.csv`` and
``labels/combined_windows.json``) under the ``nab/`` folder of a data root, and
resolved by `keras_models.datapaths.resolve`: ``--csv``/``--labels`` flags, then
``$KERAS_MODELS_DATA/nab/...``, then ``data/nab/...``, then NAB's GitHub raw files
at a pinned commit, checked against the sha256 of `keras_models.datasets.registry`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keras_models import datapaths, finite
from keras_models.datasets import registry
from keras_models.errors import UserError

DEFAULT_SERIES = "realTweets/Twitter_volume_AAPL"
WINDOWS_FILE = "labels/combined_windows.json"
#: NAB's commit, raw-file URL and the sha256 of its files (MIT-licensed): in the data registry
NAB_COMMIT, NAB_RAW_URL, NAB_SHA256 = registry.NAB_COMMIT, registry.NAB_RAW_URL, registry.NAB_SHA256
GLOB_CHARACTERS = "*?["


def _remote(relpath: str) -> datapaths.Remote | None:
    digest = NAB_SHA256.get(relpath)
    return datapaths.Remote(NAB_RAW_URL + relpath, digest) if digest else None


def is_pattern(series: str) -> bool:
    """Whether `series` is a glob (``realKnownCause/*``) naming several series."""
    return any(c in series for c in GLOB_CHARACTERS)


def check_series_name(series: str) -> str:
    """Validate a series name such as ``realTweets/Twitter_volume_AAPL``."""
    parts = series.removesuffix(".csv").split("/")
    if len(parts) != 2 or not all(parts):
        raise UserError(f"bad --series {series!r}: expected CATEGORY/NAME, e.g. {DEFAULT_SERIES}")
    return "/".join(parts)


@dataclass(frozen=True)
class Series:
    """A univariate series: ``frame`` has columns ``timestamp`` (datetime64) and ``value`` (float64)."""

    name: str
    path: Path
    frame: pd.DataFrame

    @property
    def values(self) -> np.ndarray:
        """Shape (n,)."""
        return self.frame["value"].to_numpy(dtype=np.float64)

    @property
    def timestamps(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.frame["timestamp"])


def load_series(series: str = DEFAULT_SERIES, csv: Path | None = None) -> Series:
    """Load an NAB series by name, or any ``timestamp,value`` CSV given as `csv`."""
    series = check_series_name(series)
    relpath = f"data/{series}.csv"
    path = datapaths.resolve(f"nab/{relpath}", explicit=csv, remote=_remote(relpath), flag="--csv")
    name = series if csv is None else Path(csv).stem
    return Series(name=name, path=path, frame=read_series_csv(path, nab_file=csv is None))


def read_series_csv(path: Path, nab_file: bool = False) -> pd.DataFrame:
    """Read and check a ``timestamp,value`` CSV; `UserError` names the first problem.

    Timestamps must increase strictly, except in NAB's own files (`nab_file`): two of them
    repeat an hour where a clock went back (ec2_request_latency_system_failure,
    machine_temperature_system_failure). NAB's detectors read those rows in file order, and
    so does this package; a note says so."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not a readable CSV ({str(err).splitlines()[0]}); expected columns timestamp,value") from None
    if list(frame.columns) != ["timestamp", "value"]:
        raise UserError(f"{path}: columns are {list(frame.columns)}, expected exactly ['timestamp', 'value']")
    if frame.empty:
        raise UserError(f"{path}: no rows under the header; expected timestamp,value rows")
    line = lambda i: int(i) + 2  # noqa: E731 - file line of row i (header is line 1)
    blank = frame["value"].str.strip().isin(["", "nan", "NaN", "NA", "null"])
    if blank.any():
        first = np.flatnonzero(blank.to_numpy())[0]
        raise UserError(f"{path}: {int(blank.sum())} missing/NaN value(s), first on line {line(first)}; "
                        "fill or drop them before training")
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        first = np.flatnonzero(bad.to_numpy())[0]
        raise UserError(f"{path}: non-numeric value {frame['value'].iloc[first]!r} on line {line(first)}; "
                        "the value column must hold numbers")
    huge = finite.bad(values.to_numpy(dtype=float))
    if huge.any():  # finite in float64, not in the float32 the model computes in
        first = np.flatnonzero(huge)[0]
        raise UserError(f"{path}: value {frame['value'].iloc[first]!r} on line {line(first)} is "
                        f"{finite.range_text()}; rescale the series or drop those rows")
    stamps = pd.to_datetime(frame["timestamp"], errors="coerce", format="mixed")
    if stamps.isna().any():
        first = np.flatnonzero(stamps.isna().to_numpy())[0]
        raise UserError(f"{path}: unreadable timestamp {frame['timestamp'].iloc[first]!r} on line {line(first)}; "
                        "use e.g. 2015-02-26 21:42:53")
    if not stamps.is_monotonic_increasing or stamps.duplicated().any():
        first = int(np.flatnonzero(~(stamps.diff().iloc[1:] > pd.Timedelta(0)).to_numpy())[0]) + 1
        if not nab_file:
            raise UserError(f"{path}: timestamps must increase strictly; line {line(first)} does not; sort the file")
        repeated = int((stamps.diff().iloc[1:] <= pd.Timedelta(0)).sum())
        print(f"note: {Path(path).name}: the timestamp on line {line(first)} goes back ({repeated} such row(s)); "
              "NAB's own file, read in file order as NAB does", file=sys.stderr)
    return pd.DataFrame({"timestamp": stamps, "value": values.astype(np.float64)})


def labels_path(labels: Path | None = None) -> Path:
    """The labelled-windows file: `labels`, else NAB's combined_windows.json resolved like the data."""
    return datapaths.resolve(f"nab/{WINDOWS_FILE}", explicit=labels, remote=_remote(WINDOWS_FILE), flag="--labels")


def load_windows(series_name: str, labels: Path | None = None) -> list[tuple[pd.Timestamp, pd.Timestamp]] | None:
    """NAB's labelled anomaly windows for `series_name`, or None if it has none.

    Args:
        series_name: e.g. realTweets/Twitter_volume_AAPL.
        labels: an explicit combined_windows.json (else resolved like the data).
    """
    path = labels_path(labels)
    expected = "expected NAB's combined_windows.json: an object of series file -> [[start, end], ...]"
    try:
        table = json.loads(Path(path).read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(f"{path}: not valid JSON ({str(err).splitlines()[0]}); {expected}") from None
    if not isinstance(table, dict):
        raise UserError(f"{path}: holds a JSON {type(table).__name__}; {expected}")
    every = {key: [_window(path, key, item, expected) for item in _windows_list(path, key, windows, expected)]
             for key, windows in table.items()}  # the whole file is checked, not only this series' entry
    keys = [k for k in every if k == f"{series_name}.csv" or Path(k).stem == Path(series_name).name]
    if len(keys) != 1:
        return None
    return every[keys[0]]


def no_windows_message(labels: Path, series_name: str) -> str:
    """What `--labels FILE` without windows for the series says (the run is refused, not trained unscored)."""
    return (f"--labels {labels} has no windows for {series_name} (its keys are series files such as "
            f"{DEFAULT_SERIES}.csv); give the labels of this series, or leave --labels out to train unscored")


def _windows_list(path: Path, key: str, windows, expected: str) -> list:
    if not isinstance(windows, list):
        raise UserError(f"{path}: the windows of {key} are a JSON {type(windows).__name__}; {expected}")
    return windows


def _window(path: Path, key: str, item, expected: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """One [start, end] pair of timestamps; `UserError` naming the series and the value otherwise."""
    if not isinstance(item, list) or len(item) != 2 or not all(isinstance(t, str) for t in item):
        raise UserError(f"{path}: window {item!r} of {key} is not a [start, end] pair of timestamps; {expected}")
    try:
        start, end = (pd.Timestamp(t) for t in item)
    except ValueError:
        raise UserError(f"{path}: window {item!r} of {key} has an unreadable timestamp; "
                        "use e.g. 2015-02-26 21:42:53") from None
    if start is pd.NaT or end is pd.NaT or start > end:
        raise UserError(f"{path}: window {item!r} of {key} must have start <= end; {expected}")
    return start, end
