"""The detection step: reconstruction errors -> per-point errors -> smoothing -> threshold
-> flagged segments. Every step is an option (`Detection`), chosen by data, not hard-coded.

* ``errors``: ``window`` (a window's reconstruction MSE flags the point it ends on: the
  report's rule and this package's default) or ``point`` (each point's error is
  |x_t - median of its reconstructions over all windows that contain it|, Orion's
  ``reconstruction_errors`` with ``rec_error_type="point"``).
* ``smoothing``: ``none``, ``ewma:F`` (exponentially weighted mean with a span of F times
  the series length, Orion's ``regression_errors``) or ``rolling:F`` (centred moving mean
  over F times the length, at most 200 points, Orion's ``reconstruction_errors``).
* ``threshold``: a rule on the training part's errors (`keras_models.nab.thresholds`:
  ``max-train``, ``percentile:P``, ``mean-std:K``), or a moving-window rule over the whole
  error series, after Hundman et al. 2018 and Orion's ``find_anomalies``:
  ``dynamic`` (per window, mean + z std with z chosen by the mean/std reduction
  criterion) or ``dynamic-fixed:K`` (per window, mean + K std). Both pad each run above
  the threshold, prune runs whose peak is not ``min_percent`` above the next lower one,
  and merge what the overlapping windows found.
* ``min_segment`` drops flagged runs shorter than N points; ``merge_gap`` first joins runs
  separated by at most N unflagged points.

Arrays: ``values`` (n,) is the scaled series; ``reconstructions`` (n - w + 1, w) are the
model's outputs for every window of w points; errors and flags are (n,), NaN / False
where a point has no error (the first w - 1 points under ``window``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from keras_models import checks
from keras_models.errors import UserError
from keras_models.nab.thresholds import SPEC_HELP, Threshold

ERRORS = ("window", "point")
SMOOTHING_HELP = "none, ewma:F or rolling:F (F: a fraction of the series length, 0 < F < 1)"
DYNAMIC_HELP = "dynamic or dynamic-fixed:K (K >= 0)"
THRESHOLD_HELP = f"{SPEC_HELP}, {DYNAMIC_HELP}"


def smoothing_spec(value) -> str:
    """Check: ``none``, ``ewma:F`` or ``rolling:F`` with 0 < F < 1 (normalised text)."""
    text = str(value).strip()
    if text == "none":
        return text
    kind, _, fraction = text.partition(":")
    if kind in ("ewma", "rolling") and fraction:
        try:
            return f"{kind}:{checks.number(0, 1, low_open=True, high_open=True)(fraction):g}"
        except checks.BadValue:
            pass
    raise checks.BadValue(f"expected {SMOOTHING_HELP}, got {value!r}")


def threshold_spec(value) -> str:
    """Check: a training-error rule (`Threshold`) or ``dynamic`` / ``dynamic-fixed:K``."""
    text = str(value).strip()
    if text == "dynamic":
        return text
    kind, _, k = text.partition(":")
    if kind == "dynamic-fixed" and k:
        try:
            return f"dynamic-fixed:{checks.non_negative_number(k):g}"
        except checks.BadValue:
            pass
    try:
        return Threshold.check(text)
    except checks.BadValue:
        raise checks.BadValue(f"expected {THRESHOLD_HELP}, got {value!r}") from None


@dataclass(frozen=True)
class Detection:
    """The detection options (see the module docstring); the defaults are the report's rule."""

    errors: str = "window"
    smoothing: str = "none"
    threshold: str = "percentile:99"
    min_segment: int = 1
    merge_gap: int = 0
    #: the moving window of the dynamic rules, as fractions of the series and of the window
    window_portion: float = 0.33
    step_portion: float = 0.1
    #: points added before and after each run above a dynamic threshold; pruning's minimum separation
    padding: int = 50
    min_percent: float = 0.1

    def __post_init__(self):
        if self.errors not in ERRORS:
            raise UserError(f"bad detection errors {self.errors!r}: use one of {', '.join(ERRORS)}")
        for name, check in (("smoothing", smoothing_spec), ("threshold", threshold_spec)):
            try:
                object.__setattr__(self, name, check(getattr(self, name)))
            except checks.BadValue as err:
                raise UserError(f"bad detection {name}: {err}") from None

    @property
    def slug(self) -> str:
        """A folder name for these options, e.g. ``window-none-percentile_99-min1-gap0``."""
        text = f"{self.errors}-{self.smoothing}-{self.threshold}-min{self.min_segment}-gap{self.merge_gap}"
        return text.replace(":", "_")

    @property
    def dynamic(self) -> bool:
        return self.threshold.startswith("dynamic")


def point_errors(values: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """|x_t - median reconstruction of x_t| over the windows holding t: (n,), (m, w) -> (n,)."""
    m, w = reconstructions.shape
    n = m + w - 1
    by_point = np.full((n, w), np.nan)
    starts = np.arange(m)
    for offset in range(w):  # window i holds point i + offset at its position `offset`
        by_point[starts + offset, offset] = reconstructions[:, offset]
    return np.abs(np.asarray(values, dtype=np.float64)[:n] - np.nanmedian(by_point, axis=1))


def window_errors(values: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """Each window's MSE placed on the point it ends on: (n,), (m, w) -> (n,), NaN before w - 1."""
    m, w = reconstructions.shape
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(values, dtype=np.float64), w)[:m]
    errors = np.full(m + w - 1, np.nan)
    errors[w - 1:] = np.mean((windows - reconstructions) ** 2, axis=1)
    return errors


def smooth(errors: np.ndarray, spec: str) -> np.ndarray:
    """`errors` (n,) smoothed by `spec` (NaN entries stay NaN)."""
    if spec == "none":
        return errors
    kind, fraction = spec.split(":")
    valid = ~np.isnan(errors)
    series = pd.Series(errors[valid])
    span = max(1, int(len(series) * float(fraction)))
    if kind == "ewma":
        smoothed = series.ewm(span=span).mean()
    else:
        span = min(span, 200)
        smoothed = series.rolling(span, center=True, min_periods=max(1, span // 2)).mean()
    out = errors.copy()
    out[valid] = smoothed.to_numpy()
    return out


def runs(flags: np.ndarray) -> np.ndarray:
    """(k, 2) first and last index of each run of True in `flags` (n,)."""
    edges = np.diff(np.concatenate([[0], np.asarray(flags, dtype=np.int8), [0]]))
    return np.stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1], axis=1)


def _z_cost(z: float, errors: np.ndarray, mean: float, std: float) -> float:
    """Hundman et al.'s criterion, negated for a minimiser: the relative drop of the mean and
    std when the errors above mean + z std are removed, per error above and per run squared."""
    epsilon = mean + z * std
    below = errors[errors <= epsilon]
    above = errors > epsilon
    count, sequences = int(above.sum()), len(runs(above))
    if not len(below) or count == 0:
        return np.inf
    gain = (mean - below.mean()) / mean + (std - below.std()) / std
    return -gain / (count + sequences ** 2)


def _dynamic_threshold(errors: np.ndarray, z_range: tuple[int, int] = (0, 10)) -> float:
    """mean + z std, z minimising `_z_cost` from each integer start in `z_range`."""
    from scipy.optimize import fmin

    mean, std = errors.mean(), errors.std()
    if std == 0:
        return float(mean)
    best_z, best_cost = float(z_range[0]), np.inf
    with np.errstate(invalid="ignore"):  # the simplex meets infinite costs where nothing is above
        for start in range(*z_range):
            z, cost = fmin(_z_cost, start, args=(errors, mean, std), full_output=True, disp=False)[:2]
            if cost < best_cost:
                best_z, best_cost = float(z[0]), cost
    return float(mean + best_z * std)


def _window_anomalies(errors: np.ndarray, detection: Detection) -> list[tuple[int, int]]:
    """The pruned, padded runs above the window's threshold, as (first, last) indices."""
    if detection.threshold == "dynamic":
        threshold = _dynamic_threshold(errors)
    else:
        threshold = errors.mean() + float(detection.threshold.split(":")[1]) * errors.std()
    above = errors > threshold
    if not above.any():
        return []
    padded = above.copy()
    for index in np.flatnonzero(above):
        padded[max(0, index - detection.padding):index + detection.padding + 1] = True
    found = runs(padded)
    peaks = np.array([errors[a:b + 1].max() for a, b in found])
    below = errors[~padded].max() if (~padded).any() else 0.0
    # Prune: sorted by peak, keep runs down to the last one standing min_percent above the next.
    order = np.argsort(-peaks)
    ladder = np.append(peaks[order], below)
    keep = 0
    for rank in range(len(order)):
        if ladder[rank] > 0 and (ladder[rank] - ladder[rank + 1]) / ladder[rank] >= detection.min_percent:
            keep = rank + 1
    return [tuple(found[i]) for i in order[:keep]]


def dynamic_flags(errors: np.ndarray, detection: Detection) -> np.ndarray:
    """Flags (n,) of the moving-window rule over the valid (non-NaN) errors."""
    flags = np.zeros(len(errors), dtype=bool)
    valid = np.flatnonzero(~np.isnan(errors))
    if not len(valid):
        return flags
    values = errors[valid]
    size = max(1, int(np.ceil(len(values) * detection.window_portion)))
    step = max(1, int(np.ceil(size * detection.step_portion)))
    for start in range(0, max(1, len(values) - size + step), step):
        window = values[start:start + size]
        for first, last in _window_anomalies(window, detection):
            flags[valid[start + first]:valid[start + last] + 1] = True
    return flags


def tidy(flags: np.ndarray, min_segment: int, merge_gap: int) -> np.ndarray:
    """Join runs separated by at most `merge_gap` points, then drop runs shorter than `min_segment`."""
    flags = np.asarray(flags, dtype=bool).copy()
    found = runs(flags)
    for (_, last), (first, _) in zip(found[:-1], found[1:]):
        if first - last - 1 <= merge_gap:
            flags[last:first] = True
    for first, last in runs(flags):
        if last - first + 1 < min_segment:
            flags[first:last + 1] = False
    return flags


@dataclass(frozen=True)
class Detected:
    """What `detect` found: the errors it thresholded (n,), the threshold (None for the
    moving-window rules, whose threshold changes along the series) and the flags (n,)."""

    errors: np.ndarray
    threshold: float | None
    flags: np.ndarray


def detect(values: np.ndarray, reconstructions: np.ndarray, train_rows: int, detection: Detection,
           threshold: float | None = None) -> Detected:
    """Flag the points of `values` (n,) from the `reconstructions` (m, w) of its windows.
    Training-error rules read the errors of points before `train_rows`, unless `threshold`
    gives the value (a finished run applied to new data)."""
    make = point_errors if detection.errors == "point" else window_errors
    errors = smooth(make(values, reconstructions), detection.smoothing)
    if detection.dynamic:
        flags, threshold = dynamic_flags(errors, detection), None
    else:
        if threshold is None:
            train = errors[:train_rows]
            threshold = Threshold.parse(detection.threshold).value(train[~np.isnan(train)])
        flags = np.nan_to_num(errors, nan=-np.inf) > threshold
    return Detected(errors, threshold, tidy(flags, detection.min_segment, detection.merge_gap))
