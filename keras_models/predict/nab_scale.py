"""NAB: the scaler that maps a new series to the model's [0, 1] (``--scale``), and a
one-line warning when the run's own scaler does not suit the series.

A run's model learned on values scaled by a min-max scaler fitted on the run's training
part (its min and max, recorded in config.json ``data.scaler``).

- ``--scale run`` (default): that scaler. The run's own series gives back the run's
  own anomalies; right for the run's series and for series on the same scale.
- ``--scale series``: a min-max scaler fitted on the first part of the new series,
  exactly as training fitted the run's (`keras_models.nab.windows.prepare` with the
  run's ``--split`` and ``--window``): for a series on another scale, such as another
  Twitter volume than the one the run trained on.

`misfit` is the warning's rule; its constants say where the lines are drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keras_models.errors import UserError

#: under the run's scaler, a series whose range (max - min) is less than this fraction of
#: the run's training range fills only a sliver of [0, 1] (a squeezed series)
SQUEEZED = 0.10
#: a point lies outside the run's training range when it is past it by more than this
#: fraction of the range's width
MARGIN = 0.25
#: a series leaves the run's training range when more than this share of its points lie
#: outside: a few spikes past it are what the run is there to flag, not a wrong scale
OUTSIDE_SHARE = 0.01


def misfit(values: np.ndarray, data_min: float, data_max: float) -> str | None:
    """Why the run's scaler (training range `data_min`..`data_max`) does not suit `values`
    (n,), or None when it does. None too when the training range has no width."""
    width = data_max - data_min
    if not width > 0:
        return None
    values = np.asarray(values, dtype=np.float64)
    outside = float(np.mean((values < data_min - MARGIN * width) | (values > data_max + MARGIN * width)))
    trained = f"the range the run was trained on ({data_min:g} to {data_max:g})"
    if outside > OUTSIDE_SHARE:
        return (f"{outside:.0%} of its points lie outside {trained} by more than {MARGIN:.0%} of its width, "
                "so the run's scaler puts them far outside [0, 1]")
    spread = float(values.max() - values.min()) / width
    if spread < SQUEEZED:
        return (f"it spans {values.min():g} to {values.max():g}, {spread:.1%} of {trained}, so the run's scaler "
                f"squeezes it into {spread:.1%} of [0, 1] and its anomalies may go unflagged")
    return None


def series_scaler(values: np.ndarray, window: int, split: tuple, path: Path):
    """The min-max scaler of `values` (n,) fitted on its first part as training fitted the
    run's, and the number of rows that part holds: (MinMaxScaler, rows)."""
    from keras_models.nab.windows import prepare

    try:
        fitted = prepare(values, window, tuple(split), name=str(path))
    except UserError:
        raise UserError(f"{path}: {len(values)} rows, too short for --scale series, which splits it as the run's "
                        f"training did (--split {','.join(f'{f:g}' for f in split)}) and needs a window of "
                        f"{window} rows in each part; use --scale run") from None
    return fitted.scaler, fitted.bounds["train"][1]


def choose(scale: str, values: np.ndarray, recorded: dict, window: int, split: tuple, path: Path):
    """The scaler for `values` (n,) under ``--scale`` `scale`, given the run's `recorded`
    scaler ({data_min, data_max}), window and split: (scaler, what it is for the summary,
    a warning or None)."""
    from keras_models.nab.windows import fitted_scaler

    if scale == "series":
        scaler, rows = series_scaler(values, window, split, path)
        return (scaler, f"series: fitted on this series' first {split[0]:.0%} ({rows} rows): "
                        f"{scaler.data_min_[0]:g} to {scaler.data_max_[0]:g}", None)
    data_min, data_max = float(recorded["data_min"]), float(recorded["data_max"])
    why = misfit(values, data_min, data_max)
    warning = None if why is None else (
        f"{path.name}: {why}; --scale series fits the scaler on this series' first {split[0]:.0%} instead, "
        "as the run's training did on its own series")
    return fitted_scaler(data_min, data_max), f"run: the run's training range {data_min:g} to {data_max:g}", warning
