"""The NAB autoencoder experiment: one `runner.Job` per version, detection and scoring.

Every version reads windows of shape (batch, window, 1) scaled to [0, 1] and is
trained to reconstruct them (Adam, MSE). The detection step (`keras_models.nab.detection`)
turns the reconstructions into flagged points; by default a window's MSE above the
threshold (computed on training errors) flags the point it ends on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_models import runner
from keras_models.nab import detection, plots, scoring
from keras_models.nab.loaded import EXPERIMENT, NabData
from keras_models.nab.config import Config
from keras_models.nab.data import Series
from keras_models.nab.detection import Detection
from keras_models.nab.windows import WindowedSeries



def reconstruct(model, windows: np.ndarray, batch_size: int) -> np.ndarray:
    """The model's reconstruction of every window: (m, window, 1) -> (m, window)."""
    return model.predict(windows, batch_size=max(batch_size, 1024), verbose=0)[..., 0]


#: the run-folder file holding every window's reconstruction (m, window), for `nab.rescore`
RECONSTRUCTIONS = "reconstructions.npy"


@dataclass
class Detector:
    """Everything the evaluation step needs besides the model."""

    series: Series
    windowed: WindowedSeries
    labels: list[scoring.Segment] | None
    detection: Detection
    batch_size: int
    labels_given: bool = False

    def evaluate(self, model, run) -> dict:
        """Reconstructions, anomalies, window scores and the result plots (a `Job.evaluate` hook).
        The reconstructions are kept in the run folder, so other detection options can be
        scored without training again (`nab.rescore`)."""
        reconstructions = reconstruct(model, self.windowed.windows("all"), self.batch_size)
        np.save(run.path / RECONSTRUCTIONS, reconstructions.astype(np.float32))
        return self.score(reconstructions, model.name, run)

    def score(self, reconstructions: np.ndarray, model_name: str, run=None) -> dict:
        """Detect with `self.detection` on the reconstructions (m, window) and score; plots
        into `run`'s folder when given."""
        stamps = self.series.timestamps
        found = detection.detect(self.windowed.scaled, reconstructions, self.windowed.bounds["train"][1],
                                 self.detection)
        test_start, test_stop = self.windowed.bounds["test"]
        # the test split's own points: under `window` errors, those that end a window inside it
        first_test = test_start + (self.windowed.window - 1 if self.detection.errors == "window" else 0)
        test_rows = first_test + np.flatnonzero(found.flags[first_test:test_stop])
        all_rows = np.flatnonzero(found.flags)
        if run is not None:
            title = f"{model_name} on {self.series.name}"
            rule = f"{self.detection.threshold}, {self.detection.errors} errors, smoothing {self.detection.smoothing}"
            plots.plot_errors(stamps[first_test:test_stop], found.errors[first_test:test_stop], found.threshold,
                              run.plot("test_error_threshold"), f"{title}: test reconstruction error ({rule})",
                              label=f"reconstruction error ({self.detection.errors})",
                              flags=found.flags[first_test:test_stop])
            plots.plot_anomalies(self.series.frame.iloc[test_start:test_stop], test_rows - test_start,
                                 run.plot("test_anomalies"), f"{title}: anomalies in the test split")
            plots.plot_anomalies(self.series.frame, all_rows, run.plot("series_anomalies"),
                                 f"{title}: anomalies over the whole series", windows=self.labels,
                                 test_start=stamps[test_start])

        metrics = {
            "threshold": {"rule": self.detection.threshold, "value": found.threshold},
            "detection": dataclasses.asdict(self.detection),
            "test_anomalies": {"count": int(len(test_rows)),
                               "timestamps": [str(stamps[r]) for r in test_rows]},
            "series_anomalies": {"count": int(len(all_rows)),
                                 "timestamps": [str(stamps[r]) for r in all_rows]},
        }
        if self.labels is None:
            metrics["window_scores"] = None
            metrics["window_scores_note"] = (
                f"the labels file has no windows for {self.series.name}: nothing to score against"
                if self.labels_given else f"no NAB labels for {self.series.name} (pass --labels FILE to score)")
            return metrics
        test_windows = scoring.windows_within(self.labels, stamps[test_start], stamps[test_stop - 1])
        metrics["window_scores"] = {
            "whole_series": scoring.overlap_segment_scores(self.labels,
                                                           scoring.flagged_segments(found.flags, stamps)),
            "test_split": scoring.overlap_segment_scores(
                test_windows, scoring.flagged_segments(found.flags[test_start:test_stop],
                                                       stamps[test_start:test_stop])),
        }
        return metrics


def make_job(config: Config, loaded: NabData, resume: Path | None = None) -> runner.Job:
    """The runner job that trains `config.version` on the loaded series' windows."""
    windowed = loaded.windowed
    splits = {part: runner.Split(windowed.windows(part), windowed.windows(part)) for part in ("train", "val", "test")}
    detector = Detector(loaded.series, windowed, loaded.labels, config.detection, config.eval_batch,
                        loaded.labels_given)
    return runner.Job(
        experiment=EXPERIMENT,
        model=config.model,
        config=config,
        loss=lambda: {"loss": "mse"},
        model_kwargs={"window": windowed.window},
        evaluate=detector.evaluate,
        data={
            "series": loaded.series.name,
            "path": str(loaded.series.path),
            "rows": int(len(windowed.scaled)),
            "split_rows": windowed.bounds,
            # the train part's min and max: what `experiments.predict` scales new values with
            "scaler": {"data_min": float(windowed.scaler.data_min_[0]), "data_max": float(windowed.scaler.data_max_[0])},
            "windows": {part: int(len(s.x)) for part, s in splits.items()},
            "labelled_windows": None if loaded.labels is None else [[str(a), str(b)] for a, b in loaded.labels],
        },
        data_files=loaded.files,
        tag=f"{config.version}-s{config.seed}",
        resume=resume,
        **splits,
    )


def comparison_row(version: str, result: runner.Result) -> dict:
    """One row of the versions table."""
    metrics = result.metrics
    scores = metrics.get("window_scores") or {}
    whole, test = scores.get("whole_series") or {}, scores.get("test_split") or {}
    return {
        "version": version,
        "params": metrics["params"]["trainable"],
        "epochs": metrics["epochs_run"],
        "train_loss": metrics.get("train", {}).get("loss"),
        "val_loss": metrics["val"]["loss"],
        "test_loss": metrics["test"]["loss"],
        "threshold": metrics["threshold"]["value"],
        "test_anomalies": metrics["test_anomalies"]["count"],
        "series_anomalies": metrics["series_anomalies"]["count"],
        "window_f1": whole.get("f1"),
        "window_tp/fp/fn": f"{whole['tp']}/{whole['fp']}/{whole['fn']}" if whole else None,
        "test_window_f1": test.get("f1") if test.get("windows") else None,
        "wall_s": metrics["wall_seconds_this_session"],
        "run": metrics["run_id"],
    }
