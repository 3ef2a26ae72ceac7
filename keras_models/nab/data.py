"""Load an NAB series and its labelled anomaly windows, with strict input checks.

Files are addressed as in the NAB repository (``data/<category>/<name>.csv`` and
``labels/combined_windows.json``) under the ``nab/`` folder of a data root, and
resolved by `keras_models.datapaths.resolve`: ``--csv``/``--labels`` flags, then
``$KERAS_MODELS_DATA/nab/...``, then ``data/nab/...``, then NAB's GitHub raw files
at a pinned commit, checked against the sha256 below.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from keras_models import datapaths, finite
from keras_models.errors import UserError

DEFAULT_SERIES = "realTweets/Twitter_volume_AAPL"
NAB_COMMIT = "ea702d75cc2258d9d7dd35ca8e5e2539d71f3140"
NAB_RAW_URL = f"https://raw.githubusercontent.com/numenta/NAB/{NAB_COMMIT}/"
WINDOWS_FILE = "labels/combined_windows.json"

#: sha256 of NAB's files at NAB_COMMIT (NAB is MIT-licensed).
NAB_SHA256 = {
    "data/realKnownCause/ambient_temperature_system_failure.csv": "230b68ccca20f59d562afd5d24ad52939c9b784386bed0054018358bf9120581",
    "data/realKnownCause/cpu_utilization_asg_misconfiguration.csv": "58ba65dc0737cfbac11b51514476d50c438d44011232144bb8d93f392df58f9f",
    "data/realKnownCause/ec2_request_latency_system_failure.csv": "98378580aa80157e057c61d59d81daddccc6c65a2c0c800e3f01f603b8215c3f",
    "data/realKnownCause/machine_temperature_system_failure.csv": "92bf5b87fc7f9bba8ca0b7ec63ccaac8cb4a1371a258e8c29a10ae9c018d82a4",
    "data/realKnownCause/nyc_taxi.csv": "d8fa6f7f0734bf5c8be12c52a94e20a82664c397d9dec4449156bd453d32856d",
    "data/realKnownCause/rogue_agent_key_hold.csv": "47b110baa8e3636574c1033dda1cce780873647fab58223d159d4fee6f180e86",
    "data/realKnownCause/rogue_agent_key_updown.csv": "9797cfef477c13306f7a33874ab4d6cf700f8f2c7e5825a2a5bc02004370909a",
    "data/realTweets/Twitter_volume_AAPL.csv": "826f5cf404c2890784a7824f7102fd00cb134a4948e12e44ec320d095cbbc217",
    "data/realTweets/Twitter_volume_AMZN.csv": "234f5e63f19a62720dfb7ccfd6ecc8349b94d93b33ef8aafbdb17edda0b654f3",
    "data/realTweets/Twitter_volume_CRM.csv": "e7133bf26479623d58fc7367107aea1cd7df6020420dece48b0eee4d26cdb28a",
    "data/realTweets/Twitter_volume_CVS.csv": "f0bdc89cba3dd2265b47069187c750eeae18ef48f76f86067ee26ea1af9c3114",
    "data/realTweets/Twitter_volume_FB.csv": "a7096bd646759486bda6796b5600cd33a4590f0842bf274ea7acba001b3ba591",
    "data/realTweets/Twitter_volume_GOOG.csv": "3a39cc23d1ff6a0f234b55298d0c46c21d2e94ddb81a0dad9e1e46e3aaa9ec90",
    "data/realTweets/Twitter_volume_IBM.csv": "4309bd56d28ddcbdc168e207da9717395fa2e9f74dba41fa768e0f7da8a116fa",
    "data/realTweets/Twitter_volume_KO.csv": "f3aa8157043c6569911031535bd1f7a73b428b5a2d95238d79b9d5b88ceebbd2",
    "data/realTweets/Twitter_volume_PFE.csv": "18d2804d6a5dae63fe711baaba9242dce38a32bfade3dcdee1d8a7c1a866e41b",
    "data/realTweets/Twitter_volume_UPS.csv": "be50f06bbb9d020f37653c8c5cf19af63f77aa0019d8cf10849d91f4af455af4",
    "labels/combined_labels.json": "98724014c162fcfd4be605683517f194051a54e98756c53667bd33ddbc644d9b",
    "labels/combined_windows.json": "1e1fbc4601321aad8d0f8b3784c8134299379f68f6c1f7777565f8ffd57ab6b1",
}


def _remote(relpath: str) -> datapaths.Remote | None:
    digest = NAB_SHA256.get(relpath)
    return datapaths.Remote(NAB_RAW_URL + relpath, digest) if digest else None


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
