"""Unit tests of the NAB pieces: loader checks, windows, thresholds, window scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import write_series, write_windows
from keras_models.errors import UserError
from keras_models.nab import data, scoring, windows
from keras_models.nab.thresholds import Threshold


def test_loader_reads_a_valid_series(series_csv):
    series = data.load_series(csv=series_csv)
    assert series.name == "synthetic_series"
    assert series.values.shape == (600,)
    assert series.frame["timestamp"].dtype.kind == "M"


def test_labels_are_matched_by_file_name(tmp_path, series_csv):
    labels = write_windows(tmp_path / "w.json", series_csv.name, [("2015-03-02 13:00:00", "2015-03-02 15:00:00")])
    assert data.load_windows("synthetic_series", labels) == [
        (pd.Timestamp("2015-03-02 13:00:00"), pd.Timestamp("2015-03-02 15:00:00"))]
    assert data.load_windows("other_series", labels) is None


def test_malformed_labels_file(tmp_path):
    bad = tmp_path / "w.json"
    bad.write_text("{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        data.load_windows("x", bad)


def test_windows_shapes_and_ends():
    x = windows.sliding_windows(np.arange(10.0), 4)
    assert x.shape == (7, 4, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(x[2, :, 0], [2, 3, 4, 5])


def test_split_is_chronological_and_scaler_sees_train_only():
    values = np.concatenate([np.linspace(0, 10, 70), np.full(15, 20.0), np.full(15, -10.0)])
    ws = windows.prepare(values, window=5, fractions=(0.7, 0.15, 0.15))
    assert ws.bounds == {"train": (0, 70), "val": (70, 85), "test": (85, 100)}
    assert ws.scaled[:70].min() == 0 and ws.scaled[:70].max() == 1
    assert ws.scaled[70] == pytest.approx(2.0)  # val is scaled with train's min/max: no leakage
    assert ws.windows("test").shape == (11, 5, 1)
    np.testing.assert_array_equal(ws.window_ends("test"), np.arange(89, 100))
    assert len(ws.windows("all")) == len(ws.window_ends("all")) == 96
    for part in ("train", "val", "test"):  # a part's windows are a slice of the whole series'
        np.testing.assert_array_equal(ws.windows("all")[ws.within_all(part)], ws.windows(part))
        np.testing.assert_array_equal(ws.window_ends("all")[ws.within_all(part)], ws.window_ends(part))


def test_too_short_series_names_the_part():
    with pytest.raises(UserError, match="the val part gets 15 rows"):
        windows.prepare(np.arange(100.0), window=30, fractions=(0.7, 0.15, 0.15))


@pytest.mark.parametrize("spec, expected", [
    ("max-train", 9.0), ("percentile:50", 4.5), ("percentile:100", 9.0), ("mean-std:0", 4.5),
    ("mean-std:1", 4.5 + np.std(np.arange(10.0))),
])
def test_threshold_rules(spec, expected):
    assert Threshold.parse(spec).value(np.arange(10.0)) == pytest.approx(expected)
    assert Threshold.parse(str(Threshold.parse(spec))) == Threshold.parse(spec)


@pytest.mark.parametrize("spec", ["", "max", "max-train:3", "percentile", "percentile:0", "percentile:101",
                                  "percentile:x", "mean-std:-1", "mean-std:nan", "std:2"])
def test_malformed_threshold_specs(spec):
    with pytest.raises(UserError, match="malformed --threshold"):
        Threshold.parse(spec)


def _t(hour: int) -> pd.Timestamp:
    return pd.Timestamp("2015-03-01") + pd.Timedelta(hours=hour)


def test_flagged_points_merge_into_segments():
    stamps = pd.DatetimeIndex([_t(h) for h in range(8)])
    flags = np.array([0, 1, 1, 0, 0, 1, 0, 1], dtype=bool)
    assert scoring.flagged_segments(flags, stamps) == [(_t(1), _t(2)), (_t(5), _t(5)), (_t(7), _t(7))]
    assert scoring.flagged_segments(np.zeros(8, bool), stamps) == []


def test_overlap_segment_rule():
    expected = [(_t(0), _t(2)), (_t(10), _t(12)), (_t(20), _t(22))]
    observed = [(_t(1), _t(1)), (_t(2), _t(3)), (_t(15), _t(16)), (_t(22), _t(30))]
    scores = scoring.overlap_segment_scores(expected, observed)
    # windows 1 and 3 are hit (tp 2), window 2 is missed (fn 1), one segment hits nothing (fp 1)
    assert (scores["tp"], scores["fn"], scores["fp"]) == (2, 1, 1)
    assert scores["precision"] == pytest.approx(2 / 3) and scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 / 3)


def test_scores_without_detections_or_windows_are_zero():
    assert scoring.overlap_segment_scores([], [])["f1"] == 0.0
    assert scoring.overlap_segment_scores([(_t(0), _t(1))], [])["recall"] == 0.0


def test_windows_within_a_time_range():
    ws = [(_t(0), _t(2)), (_t(10), _t(12))]
    assert scoring.windows_within(ws, _t(11), _t(30)) == [(_t(10), _t(12))]


@pytest.mark.slow
def test_real_aapl_series_matches_the_report(real_data, monkeypatch):
    from keras_models.nab import eda

    monkeypatch.setenv("KERAS_MODELS_DATA", str(real_data))
    series = data.load_series()
    stats = eda.summary_stats(series.frame)
    assert stats["rows"] == 15_902
    assert round(stats["mean"], 2) == 85.55 and round(stats["std"], 2) == 321.05
    assert (stats["min"], stats["25%"], stats["50%"], stats["75%"], stats["max"]) == (0, 29, 47, 76, 13_479)
    assert stats["missing_values"] == 0
    assert len(data.load_windows(series.name)) == 4


def test_synthetic_writer_is_valid(tmp_path):
    assert len(data.read_series_csv(write_series(tmp_path / "s.csv", n=100, spikes=(50,)))) == 100


def test_a_timestamp_going_back_is_refused_in_a_user_csv_and_kept_in_file_order_in_nab_s_own_files(tmp_path,
                                                                                                      capsys):
    path = write_series(tmp_path / "s.csv", n=100, spikes=(50,))
    lines = path.read_text().splitlines()
    lines[30] = lines[20].split(",")[0] + "," + lines[30].split(",")[1]  # an hour repeated, as in NAB's DST files
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError, match="timestamps must increase strictly; line 31 does not"):
        data.read_series_csv(path)
    frame = data.read_series_csv(path, nab_file=True)
    assert len(frame) == 100 and "goes back" in capsys.readouterr().err
