"""NAB: a ``timestamp,value`` CSV -> every point's reconstruction error and anomaly flag.

The run's model, window, detection options and threshold are used as recorded, and by
default its scaler (the train part's min and max), so the run's own series gives back
the run's own anomalies (a moving-window threshold is found again on the new series).
``--scale series`` fits the scaler on the new series instead (`nab_scale`, which also
warns when the run's scaler does not suit the series). Under ``window`` errors a point
is dated by the window that ends on it, and the first ``window - 1`` points have no
error and no flag. NAB's labelled windows score the flags when the series has some
(``--labels``, or NAB's file found locally).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keras_models import datapaths, finite
from keras_models.errors import UserError
from keras_models.nab import EXPERIMENT
from keras_models.predict import nab_scale
from keras_models.predict.config import Config, Prediction
from keras_models.predict.finished import FinishedRun

__all__ = ["EXPERIMENT", "predict"]


def _one_input(config: Config) -> Path:
    if len(config.inputs) != 1 or config.inputs[0] == "-":
        raise UserError("a NAB run predicts on one timestamp,value CSV file; give exactly one path")
    return Path(config.inputs[0])


def labels_file(config: Config) -> Path | None:
    """`config.labels`, else NAB's combined_windows.json where the data is looked up
    locally ($KERAS_MODELS_DATA, the cache; never downloaded), else None."""
    from keras_models.nab.data import WINDOWS_FILE

    if config.labels is not None:
        return config.labels
    return datapaths.look_up(f"nab/{WINDOWS_FILE}", Path.is_file)[0]


def predict(run: FinishedRun, config: Config) -> Prediction:
    from keras_models import nab
    from keras_models.nab import plots, scoring
    from keras_models.nab.data import load_windows, read_series_csv
    from keras_models.nab.detection import detect
    from keras_models.nab.experiment import reconstruct
    from keras_models.nab.windows import scale, sliding_windows

    path = _one_input(config)
    if not path.is_file():
        raise UserError(f"{path}: no such file; give a timestamp,value CSV")
    frame = read_series_csv(path)
    recorded = nab.Config.from_dict(run.config, source=f"{run.path}/config.json")
    window = recorded.window
    if len(frame) < window:
        raise UserError(f"{path}: {len(frame)} rows, fewer than the run's window of {window}; give a longer series")
    windows_labelled, labels, series = None, labels_file(config), f"{path.parent.name}/{path.stem}"
    if labels is not None:  # read before the model (TensorFlow): a bad file costs nothing
        windows_labelled = load_windows(series, labels)
    raw = frame["value"].to_numpy()
    scaler, scaled_by, warning = nab_scale.choose(config.scale, raw, run.recorded("scaler", "its scaler"), window,
                                                  recorded.split, path)
    with np.errstate(over="ignore"):
        values = scale(scaler, raw)
    finite.check(values, f"{path} scaled by the {scaled_by.split(':')[0]} scaler", recorded.precision,
                 "give values in the range of the series the run was trained on, or try --scale series")
    reconstructions = reconstruct(run.model(), sliding_windows(values, window), recorded.eval_batch)  # its batches
    threshold = run.metrics["threshold"]["value"]  # None: a moving-window rule, found again on this series
    found = detect(values, reconstructions, 0, recorded.detection, threshold=threshold)
    errors, flags = found.errors, found.flags
    table = pd.DataFrame({"timestamp": frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                          "value": frame["value"], "reconstruction_error": errors, "anomaly": flags})
    rule = run.metrics["threshold"].get("rule", "?")
    summary = {"points": len(frame), "anomalies": int(flags.sum()), "scale": scaled_by,
               "threshold": f"{rule} over this series" if threshold is None else
               f"{float(threshold):.6g} ({rule}, from the run)"}
    if labels is not None:
        if windows_labelled is None:
            if config.labels is not None:
                summary["window_scores"] = f"{labels} has no windows for {series}"
        else:
            summary["labels"] = str(labels)
            stamps = pd.DatetimeIndex(frame["timestamp"])
            summary["window_scores"] = scoring.overlap_segment_scores(
                windows_labelled, scoring.flagged_segments(flags, stamps))

    def anomalies(target: Path) -> Path:
        return plots.plot_anomalies(frame, np.flatnonzero(flags), target,
                                    f"{run.name} on {path.name}: anomalies", windows=windows_labelled)

    return Prediction(table, summary, {"anomalies": anomalies}, [warning] if warning else [])
