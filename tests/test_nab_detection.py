"""The NAB detection step on synthetic series with known anomalies: a spike, a level shift,
a slow drift and pure noise, under each error type, smoothing and threshold rule."""

from __future__ import annotations

import numpy as np
import pytest

from keras_models import UserError
from keras_models.nab.detection import Detection, detect, point_errors, runs, smooth, tidy, window_errors

N, W, TRAIN = 1200, 30, 600


def _windows(values: np.ndarray) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(values, W).copy()


def _case(kind: str, seed: int = 0):
    """(values (N,), reconstructions (N - W + 1, W), anomalous (first, last) or None): an
    autoencoder that learnt the normal pattern reconstructs the clean signal."""
    rng = np.random.default_rng(seed)
    t = np.arange(N)
    clean = 0.5 + 0.2 * np.sin(2 * np.pi * t / 100)
    values = clean + rng.normal(0, 0.01, N)
    anomaly = None
    if kind == "spike":
        values[800:804] += 0.6
        anomaly = (800, 803)
    elif kind == "level shift":
        values[900:] += 0.3
        anomaly = (900, N - 1)
    elif kind == "slow drift":
        values[800:] += np.linspace(0, 0.4, N - 800)
        anomaly = (800, N - 1)
    return values, _windows(clean), anomaly


RULES = ["mean-std:4", "percentile:99.9", "max-train", "dynamic", "dynamic-fixed:4"]


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("errors", ["window", "point"])
@pytest.mark.parametrize("kind", ["spike", "level shift", "slow drift"])
def test_every_rule_finds_the_anomaly(kind, errors, rule):
    values, reconstructions, (first, last) = _case(kind)
    segments = runs(detect(values, reconstructions, TRAIN, Detection(errors=errors, threshold=rule)).flags)
    assert any(a <= last + W and first <= b for a, b in segments), \
        f"{rule} on {errors} errors flagged {segments.tolist()}, not the {kind} at {first}..{last}"


@pytest.mark.parametrize("rule", ["mean-std:4", "max-train"])
@pytest.mark.parametrize("kind", ["spike", "level shift", "slow drift", "noise"])
def test_strict_rules_on_training_window_errors_flag_no_normal_data(kind, rule):
    values, reconstructions, anomaly = _case(kind)
    segments = runs(detect(values, reconstructions, TRAIN, Detection(threshold=rule)).flags)
    if anomaly is None:
        assert not len(segments), f"{rule} flagged pure noise: {segments.tolist()}"
    else:
        assert segments[:, 0].min() >= anomaly[0], f"{rule} flagged normal data: {segments.tolist()}"


def test_a_percentile_rule_flags_its_share_of_normal_data():
    """percentile:P flags about (100 - P) % of normal points: every noise burst is a detection."""
    values, reconstructions, _ = _case("noise")
    flags = detect(values, reconstructions, TRAIN, Detection(errors="point", threshold="percentile:99")).flags
    assert 0.003 <= flags[TRAIN:].mean() <= 0.03


@pytest.mark.parametrize("rule", ["dynamic", "dynamic-fixed:4"])
def test_moving_window_rules_pad_each_detection(rule):
    """Each run above a moving-window threshold grows by `padding` points on each side."""
    values, reconstructions, (first, last) = _case("spike")
    padding = 20
    segments = runs(detect(values, reconstructions, TRAIN,
                           Detection(errors="point", threshold=rule, padding=padding)).flags)
    spike = [(a, b) for a, b in segments if a <= last and first <= b]
    assert spike and spike[0][0] <= first - padding and spike[0][1] >= last + padding


def test_smoothing_lowers_what_the_dynamic_rule_finds_in_noise():
    """Hundman's criterion always finds a threshold with something above it: on raw noise
    it flags noise peaks; smoothing the errors first (Orion's default) cuts that down."""
    values, reconstructions, _ = _case("noise")
    raw = detect(values, reconstructions, TRAIN, Detection(errors="point", threshold="dynamic")).flags
    smoothed = detect(values, reconstructions, TRAIN,
                      Detection(errors="point", threshold="dynamic", smoothing="rolling:0.05")).flags
    assert raw.any() and smoothed.mean() < raw.mean()


def test_the_default_is_the_report_s_rule():
    """A window's MSE flags the point it ends on; the threshold is a percentile of the
    training windows' errors (windows that end before the test part)."""
    values, reconstructions, _ = _case("spike")
    found = detect(values, reconstructions, TRAIN, Detection())
    mse = np.mean((_windows(values) - reconstructions) ** 2, axis=1)
    threshold = np.percentile(mse[:TRAIN - W + 1], 99)
    assert found.threshold == pytest.approx(threshold)
    np.testing.assert_array_equal(np.flatnonzero(found.flags), np.flatnonzero(mse > threshold) + W - 1)


def test_point_errors_take_the_median_of_each_point_s_reconstructions():
    values = np.zeros(10)
    values[5] = 1.0
    reconstructions = np.zeros((8, 3))
    reconstructions[3, 2] = 1.0  # one of the three windows holding point 5 reconstructs it
    errors = point_errors(values, reconstructions)
    assert errors.shape == (10,) and errors[5] == 1.0 and errors.sum() == 1.0
    assert np.allclose(point_errors(values, _windows_of(values, 3)), 0)


def _windows_of(values, w):
    return np.lib.stride_tricks.sliding_window_view(values, w).copy()


def test_window_errors_sit_on_the_last_point_of_each_window():
    values = np.arange(10.0)
    errors = window_errors(values, _windows_of(values, 4) + 1)
    assert np.isnan(errors[:3]).all() and np.allclose(errors[3:], 1.0)


def test_smoothing_keeps_the_length_and_lowers_the_noise():
    rng = np.random.default_rng(1)
    errors = np.concatenate([[np.nan] * 5, rng.random(995)])
    for spec in ("ewma:0.05", "rolling:0.05"):
        smoothed = smooth(errors, spec)
        assert smoothed.shape == errors.shape and np.isnan(smoothed[:5]).all()
        assert np.nanstd(smoothed) < np.nanstd(errors) / 2
    assert smooth(errors, "none") is errors


def test_tidy_merges_gaps_then_drops_short_runs():
    flags = np.zeros(30, dtype=bool)
    flags[[2, 3, 6, 7, 20]] = True
    assert runs(tidy(flags, min_segment=1, merge_gap=2)).tolist() == [[2, 7], [20, 20]]
    assert runs(tidy(flags, min_segment=2, merge_gap=2)).tolist() == [[2, 7]]
    assert runs(tidy(flags, min_segment=1, merge_gap=0)).tolist() == [[2, 3], [6, 7], [20, 20]]


@pytest.mark.parametrize("settings, expected", [
    ({"errors": "overlap"}, "bad detection errors"),
    ({"smoothing": "ewma"}, "none, ewma:F or rolling:F"),
    ({"smoothing": "ewma:1.5"}, "none, ewma:F or rolling:F"),
    ({"threshold": "dynamic-fixed:-1"}, "dynamic or dynamic-fixed:K"),
    ({"threshold": "median"}, "dynamic or dynamic-fixed:K"),
])
def test_bad_detection_options_are_refused(settings, expected):
    with pytest.raises(UserError, match=expected):
        Detection(**settings)
