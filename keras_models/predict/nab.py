"""NAB: a ``timestamp,value`` CSV -> every point's reconstruction error and anomaly flag.

The run's model, window, scaler (the train part's min and max), detection options and
threshold are used as recorded, so the run's own series gives back the run's own
anomalies (a moving-window threshold is found again on the new series). Under ``window``
errors a point is dated by the window that ends on it, and the first ``window - 1``
points have no error and no flag.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keras_models import finite
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
    from keras_models.nab.detection import detect
    from keras_models.nab.experiment import reconstruct
    from keras_models.nab.windows import fitted_scaler, scale, sliding_windows

    path = _one_input(config)
    if not path.is_file():
        raise UserError(f"{path}: no such file; give a timestamp,value CSV")
    frame = read_series_csv(path)
    recorded = nab.Config.from_dict(run.config, source=f"{run.path}/config.json")
    window = recorded.window
    if len(frame) < window:
        raise UserError(f"{path}: {len(frame)} rows, fewer than the run's window of {window}; give a longer series")
    windows_labelled, series = None, f"{path.parent.name}/{path.stem}"
    if config.labels is not None:  # read before the model (TensorFlow): a bad file costs nothing
        windows_labelled = load_windows(series, config.labels)
    scaler = fitted_scaler(**run.recorded("scaler", "its scaler"))
    with np.errstate(over="ignore"):
        values = scale(scaler, frame["value"].to_numpy())
    finite.check(values, f"{path} scaled by the run's scaler", recorded.precision, "give values in the range of "
                 "the series the run was trained on")
    reconstructions = reconstruct(run.model(), sliding_windows(values, window), recorded.eval_batch)  # its batches
    threshold = run.metrics["threshold"]["value"]  # None: a moving-window rule, found again on this series
    found = detect(values, reconstructions, 0, recorded.detection, threshold=threshold)
    errors, flags = found.errors, found.flags
    table = pd.DataFrame({"timestamp": frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                          "value": frame["value"], "reconstruction_error": errors, "anomaly": flags})
    rule = run.metrics["threshold"].get("rule", "?")
    summary = {"points": len(frame), "anomalies": int(flags.sum()),
               "threshold": f"{rule} over this series" if threshold is None else
               f"{float(threshold):.6g} ({rule}, from the run)"}
    if config.labels is not None:
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
