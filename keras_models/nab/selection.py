"""Choosing the detection options on development series, from finished runs (no training).

Every finished run keeps its reconstructions, so each combination of `GRID` is scored on
the same trained models: per series window TP/FP/FN, then over the series the pooled F1
(summed counts, Orion's aggregation) and the mean F1. The rule used for the defaults
(README, "Detection options"): the highest pooled F1 on realKnownCause and AAPL, ties
broken by mean F1; held-out series are scored once, afterwards, with the choice.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from keras_models.nab.detection import Detection
from keras_models.nab.scoring import counts_scores

#: the options tried: error type x smoothing x threshold rule x merge gap
GRID = {
    "errors": ("window", "point"),
    "smoothing": ("none", "ewma:0.01", "rolling:0.01"),
    "threshold": ("percentile:99", "percentile:99.9", "mean-std:3", "mean-std:4", "max-train", "dynamic",
                  "dynamic-fixed:4"),
    "merge_gap": (0, 30),
}


def grid(options: dict = GRID) -> list[Detection]:
    """Every combination of `options` as a `Detection`."""
    names = list(options)
    return [Detection(**dict(zip(names, values))) for values in itertools.product(*options.values())]


def finished_runs(run_dirs: list[Path]) -> list[tuple[Path, object, np.ndarray]]:
    """(folder, `nab.Config`, reconstructions (m, window)) of each run, each checked before
    any data is read: a finished NAB run (`keras_models.runfiles`) whose series has labelled
    windows to score against.

    Raises:
        UserError: a folder that is no finished run, a run of another experiment, a run
            without labelled windows (trained on ``--csv`` without ``--labels``), or a damaged file.
    """
    from keras_models import runfiles
    from keras_models.errors import UserError
    from keras_models.nab.api import EXPERIMENT
    from keras_models.nab.config import Config

    runs = []
    for run_dir in map(Path, run_dirs):
        if not (run_dir / runfiles.METRICS).is_file():
            raise UserError(f"{run_dir}: not a finished run (no metrics.json); give finished NAB run folders")
        record = runfiles.read_config(run_dir)
        if record["experiment"] != EXPERIMENT:
            raise UserError(f"{run_dir}: a run of {record['experiment']!r}, not a NAB run ({EXPERIMENT}); give "
                            "finished NAB run folders")
        if runfiles.read_metrics(run_dir, EXPERIMENT, required=("window_scores",))["window_scores"] is None:
            raise UserError(f"{run_dir}: its series has no labelled windows (trained on --csv without --labels), so "
                            "detection options cannot be scored on it; give runs of labelled NAB series")
        config = Config.from_dict(record["config"], source=str(run_dir / runfiles.CONFIG))
        runs.append((run_dir, config, runfiles.read_reconstructions(run_dir, record)))
    return runs


def score_grid(run_dirs: list[Path], detections: list[Detection]) -> pd.DataFrame:
    """One row per (run, detection): the series, the options and the whole-series window
    counts; every run is checked first (`finished_runs`), then each run's data is loaded once."""
    from tqdm import tqdm

    from keras_models.nab.api import load
    from keras_models.nab.experiment import Detector

    rows = []
    for _, config, reconstructions in tqdm(finished_runs(run_dirs), desc="series", unit="run"):
        loaded = load(config)
        for detection in detections:
            detector = Detector(loaded.series, loaded.windowed, loaded.labels, detection, config.eval_batch)
            scores = detector.score(reconstructions, config.model)["window_scores"]["whole_series"]
            rows.append({"series": config.series, "detection": detection.slug, "tp": scores["tp"],
                         "fp": scores["fp"], "fn": scores["fn"], "f1": scores["f1"]})
    return pd.DataFrame(rows)


def rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Per detection over all series: pooled F1, mean F1 and the counts, best first."""
    summed = scores.groupby("detection")[["tp", "fp", "fn"]].sum()
    table = summed.assign(pooled_f1=[counts_scores(*row)["f1"] for row in summed.itertuples(index=False)],
                          mean_f1=scores.groupby("detection")["f1"].mean())
    return table.sort_values(["pooled_f1", "mean_f1"], ascending=False).reset_index()
