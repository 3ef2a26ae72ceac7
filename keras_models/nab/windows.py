"""Chronological train/val/test split, [0, 1] scaling fitted on train, sliding windows.

Window ``i`` of a part covers points ``i .. i+window-1`` of that part and is dated
by its last point, so a detection is never dated before the data that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import MinMaxScaler

from keras_models.errors import UserError

PARTS = ("train", "val", "test")


def sliding_windows(values: np.ndarray, window: int) -> np.ndarray:
    """(n,) -> (n - window + 1, window, 1) float32, stride 1."""
    view = np.lib.stride_tricks.sliding_window_view(np.asarray(values, dtype=np.float32), window)
    return np.ascontiguousarray(view)[..., None]


@dataclass(frozen=True)
class WindowedSeries:
    """A series split in time, scaled by a MinMaxScaler fitted on the train part only.

    Attributes:
        scaled: (n,) the whole series, scaled.
        bounds: part -> (start, stop) row range in the series.
        window: window length.
        scaler: the fitted `sklearn.preprocessing.MinMaxScaler`.
    """

    scaled: np.ndarray
    bounds: dict[str, tuple[int, int]]
    window: int
    scaler: MinMaxScaler

    def windows(self, part: str) -> np.ndarray:
        """(m, window, 1) windows of `part` ("train", "val", "test", or "all")."""
        start, stop = self.bounds[part] if part != "all" else (0, len(self.scaled))
        return sliding_windows(self.scaled[start:stop], self.window)

    def within_all(self, part: str) -> slice:
        """Where the windows of `part` sit among the windows of "all": the same windows,
        since both are cut from the one scaled series with stride 1."""
        start, stop = self.bounds[part]
        return slice(start, stop - self.window + 1)

    def window_ends(self, part: str) -> np.ndarray:
        """(m,) series row of each window's last point."""
        start, stop = self.bounds[part] if part != "all" else (0, len(self.scaled))
        return np.arange(start + self.window - 1, stop)


def split_bounds(n: int, fractions: tuple[float, float, float]) -> dict[str, tuple[int, int]]:
    """Row ranges of a chronological split of n rows."""
    n_train = int(round(n * fractions[0]))
    n_val = int(round(n * fractions[1]))
    return {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n)}


def prepare(values: np.ndarray, window: int, fractions: tuple[float, float, float], name: str = "series") -> WindowedSeries:
    """Split `values` (n,) in time, fit the scaler on train, and check every part holds a window."""
    values = np.asarray(values, dtype=np.float64)
    bounds = split_bounds(len(values), fractions)
    for part, (start, stop) in bounds.items():
        if stop - start < window:
            raise UserError(
                f"{name} has {len(values)} rows: too short for --window {window} with --split "
                f"{','.join(f'{f:g}' for f in fractions)} (the {part} part gets {stop - start} rows, fewer than "
                f"{window}); use a longer series or a smaller --window"
            )
    start, stop = bounds["train"]
    scaler = MinMaxScaler().fit(values[start:stop, None])
    return WindowedSeries(scaled=scale(scaler, values), bounds=bounds, window=window, scaler=scaler)


def scale(scaler: MinMaxScaler, values: np.ndarray) -> np.ndarray:
    """(n,) values -> (n,) float32 scaled by the fitted `scaler`."""
    return scaler.transform(np.asarray(values, dtype=np.float64)[:, None])[:, 0].astype(np.float32)


def fitted_scaler(data_min: float, data_max: float) -> MinMaxScaler:
    """The scaler a run fitted, rebuilt from the train part's min and max it recorded."""
    return MinMaxScaler().fit(np.array([[data_min], [data_max]], dtype=np.float64))
