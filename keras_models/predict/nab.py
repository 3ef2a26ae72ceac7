"""NAB: a ``timestamp,value`` CSV -> every point's reconstruction error and anomaly flag.

The run's model, window, scaler (the train part's min and max) and threshold are used as
recorded, so the run's own series gives back the run's own anomalies. A point is dated
by the window that ends on it; the first ``window - 1`` points have no error and no flag.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keras_models.errors import UserError
from keras_models.nab import EXPERIMENT
from keras_models.predict.api import Config, Prediction
from keras_models.predict.finished import FinishedRun

__all__ = ["EXPERIMENT", "predict"]


def _one_input(config: Config) -> Path:
    if len(config.inputs) != 1 or config.inputs[0] == "-":
        raise UserError("a NAB run predicts on one timestamp,value CSV file; give exactly one path")
    return Path(config.inputs[0])


def predict(run: FinishedRun, config: Config) -> Prediction:
    from keras_models import nab
    from keras_models.nab import plots, scoring
    from keras_models.nab.data import load_windows, read_series_csv
    from keras_models.nab.experiment import reconstruction_errors
    from keras_models.nab.windows import fitted_scaler, scale, sliding_windows

    path = _one_input(config)
    if not path.is_file():
        raise UserError(f"{path}: no such file; give a timestamp,value CSV")
    frame = read_series_csv(path)
    recorded = nab.Config.from_dict(run.config, source=f"{run.path}/config.json")
    window = recorded.window
    if len(frame) < window:
        raise UserError(f"{path}: {len(frame)} rows, fewer than the run's window of {window}; give a longer series")
    scaler = fitted_scaler(**run.recorded("scaler", "its scaler"))
    windows = sliding_windows(scale(scaler, frame["value"].to_numpy()), window)
    errors = np.full(len(frame), np.nan)
    errors[window - 1:] = reconstruction_errors(run.model(), windows, recorded.eval_batch)  # the run's batches
    threshold = float(run.metrics["threshold"]["value"])
    flags = np.nan_to_num(errors, nan=-np.inf) > threshold
    table = pd.DataFrame({"timestamp": frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                          "value": frame["value"], "reconstruction_error": errors, "anomaly": flags})
    summary = {"points": len(frame), "anomalies": int(flags.sum()),
               "threshold": f"{threshold:.6g} ({run.metrics['threshold'].get('rule', '?')}, from the run)"}
    windows_labelled = None
    if config.labels is not None:
        series = f"{path.parent.name}/{path.stem}"
        windows_labelled = load_windows(series, config.labels)
        if windows_labelled is None:
            summary["window_scores"] = f"{config.labels} has no windows for {series}"
        else:
            stamps = pd.DatetimeIndex(frame["timestamp"])
            summary["window_scores"] = scoring.overlap_segment_scores(
                windows_labelled, scoring.flagged_segments(flags, stamps))

    def anomalies(target: Path) -> Path:
        return plots.plot_anomalies(frame, np.flatnonzero(flags), target,
                                    f"{run.name} on {path.name}: anomalies", windows=windows_labelled)

    return Prediction(table, summary, {"anomalies": anomalies})
