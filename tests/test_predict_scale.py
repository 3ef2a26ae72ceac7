"""`experiments.predict --scale` on NAB runs: the warning rule, and a scaler fitted on the
new series' first part as training fitted the run's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import write_series
from keras_models import nab, predict
from keras_models.errors import UserError
from keras_models.predict import nab_scale


@pytest.mark.parametrize("values, expected", [
    (np.linspace(0, 1000, 500), None),                                  # the training range itself
    (np.r_[np.linspace(0, 1000, 500), [5000, 6000]], None),             # two spikes past it: to be flagged
    (np.linspace(-40, 1030, 500), None),                                # past it, within the margin
    (np.linspace(0, 3000, 500), "outside the range the run was trained on"),
    (np.linspace(0, 35, 500), "3.5% of the range"),                      # the GOOG-on-AAPL case
    (np.full(500, 7.0), "0.0% of the range"),
])
def test_misfit_warns_on_a_series_far_outside_or_squeezed_inside(values, expected):
    why = nab_scale.misfit(values, 0.0, 1000.0)
    assert why is None if expected is None else expected in why
    assert nab_scale.misfit(values, 5.0, 5.0) is None, "a constant training part: nothing to compare with"


def test_series_scaler_is_fitted_on_the_first_part_only():
    values = np.r_[np.linspace(10, 20, 70), np.linspace(0, 500, 30)]  # the tail leaves the first part's range
    scaler, rows = nab_scale.series_scaler(values, 5, (0.7, 0.15, 0.15), "s.csv")
    assert rows == 70 and (scaler.data_min_[0], scaler.data_max_[0]) == (10, 20)
    with pytest.raises(UserError, match="too short for --scale series.*use --scale run"):
        nab_scale.series_scaler(values[:30], 5, (0.7, 0.15, 0.15), "s.csv")


def test_choose_names_the_scaler_and_warns_in_one_line_under_run_only():
    values = np.r_[np.linspace(0, 30, 70), np.linspace(0, 35, 30)]
    run_scaler = {"data_min": 0.0, "data_max": 1000.0}
    scaler, scaled_by, warning = nab_scale.choose("run", values, run_scaler, 5, (0.7, 0.15, 0.15), Path("d/S.csv"))
    assert scaler.data_max_[0] == 1000 and scaled_by == "run: the run's training range 0 to 1000"
    assert warning.startswith("S.csv: it spans 0 to 35, 3.5% of") and "\n" not in warning
    assert "--scale series fits the scaler on this series' first 70%" in warning
    scaler, scaled_by, warning = nab_scale.choose("series", values, run_scaler, 5, (0.7, 0.15, 0.15), Path("S.csv"))
    assert warning is None and scaled_by == "series: fitted on this series' first 70% (70 rows): 0 to 30"


@pytest.fixture(scope="module")
def nab_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    series = write_series(root / "Synthetic.csv", n=400, spikes=(330, 370))
    result = nab.run(nab.Config(version="v3", csv=series, epochs=1, runs_dir=root / "runs", run_id="nab",
                                tensorboard=False, window=10))
    return result.run_dir, series


@pytest.mark.slow  # trains a run (about 20 s)
def test_another_scale_warns_under_run_and_gives_the_runs_anomalies_under_series(nab_run, tmp_path, capsys):
    run_dir, series = nab_run
    own = predict.predict(predict.Config(run_dir=run_dir, inputs=(str(series),)))
    assert own.warnings == [] and own.summary["scale"].startswith("run: ")
    frame = pd.read_csv(series)
    frame["value"] = frame["value"] / 200 + 40  # the same shape, in a sliver of the run's training range
    other = tmp_path / "Other.csv"
    frame.to_csv(other, index=False)
    config = predict.Config(run_dir=run_dir, inputs=(str(other),), format="json", out=tmp_path / "p.json")
    squeezed = predict.predict(config)
    assert len(squeezed.warnings) == 1 and "--scale series" in squeezed.warnings[0]
    predict.write(squeezed, config)
    assert capsys.readouterr().err.count("warning: Other.csv: it spans") == 1
    assert json.loads((tmp_path / "p.json").read_text())["warnings"] == squeezed.warnings
    rescaled = predict.predict(predict.Config(run_dir=run_dir, inputs=(str(other),), scale="series"))
    assert rescaled.warnings == [] and rescaled.summary["scale"].startswith("series: fitted on this series' first 70%")
    assert (rescaled.table["anomaly"] == own.table["anomaly"]).all() and own.summary["anomalies"] > 0
