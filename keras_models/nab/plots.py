"""NAB figures: the report's three EDA plots and the detector's two result plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keras_models.plots import figure, plt, save

Segment = tuple[pd.Timestamp, pd.Timestamp]


def _shade_windows(ax, windows: list[Segment] | None) -> None:
    for i, (start, end) in enumerate(windows or []):
        ax.axvspan(start, end, color="tab:green", alpha=0.15, label="NAB labelled window" if i == 0 else None)


def plot_series(frame: pd.DataFrame, path: Path, title: str) -> Path:
    """The whole series over time (dotted line, as in the report)."""
    fig, ax = figure(11, 4)
    ax.plot(frame["timestamp"], frame["value"], linestyle=":", linewidth=0.8, marker=".", markersize=1.5)
    ax.set_title(title)
    ax.set_xlabel("time")
    ax.set_ylabel("value")
    ax.grid(alpha=0.3)
    return save(fig, path)


def plot_monthly(frame: pd.DataFrame, path: Path, title: str) -> Path:
    """Seasonal plot by month: daily mean against day of month, one line per month."""
    daily = frame.set_index("timestamp")["value"].resample("D").mean().dropna()
    fig, ax = figure()
    for month, part in daily.groupby(daily.index.to_period("M")):
        ax.plot(part.index.day, part.to_numpy(), marker="o", markersize=3,
                label=f"{month.strftime('%b %Y')} (mean {part.mean():.1f})")
    ax.set_xlabel("day of month")
    ax.set_ylabel("daily mean value")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return save(fig, path)


def plot_polar_daily(frame: pd.DataFrame, path: Path, title: str) -> Path:
    """Polar seasonal plot of the daily cycle: angle = time of day, radius = value."""
    stamps = pd.DatetimeIndex(frame["timestamp"])
    hours = stamps.hour + stamps.minute / 60 + stamps.second / 3600
    theta = 2 * np.pi * hours / 24
    hourly = frame.groupby(stamps.hour)["value"].mean()
    fig = plt.figure(figsize=(6.5, 6.5))
    ax = fig.add_subplot(projection="polar")
    ax.scatter(theta, frame["value"], s=2, alpha=0.3, label="observations")
    ring = np.append(hourly.index.to_numpy(), hourly.index[0] + 24)
    ax.plot(2 * np.pi * (ring + 0.5) / 24, np.append(hourly.to_numpy(), hourly.iloc[0]), color="tab:red",
            linewidth=2, label="hourly mean")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    ax.set_xticks(2 * np.pi * np.arange(0, 24, 3) / 24, [f"{h:02d}:00" for h in range(0, 24, 3)])
    ax.set_rscale("symlog")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    return save(fig, path)


def plot_errors(stamps: pd.DatetimeIndex, errors: np.ndarray, threshold: float | None, path: Path, title: str,
                windows: list[Segment] | None = None, label: str = "reconstruction error (MSE per window)",
                flags: np.ndarray | None = None) -> Path:
    """Reconstruction errors (n,) at `stamps` (n,) against the threshold (None: a moving-window
    rule, whose flagged points (n,) are marked instead)."""
    fig, ax = figure(11, 4)
    ax.plot(stamps, errors, linewidth=0.8, label=label)
    if threshold is not None:
        ax.axhline(threshold, color="tab:red", linestyle="--", label=f"threshold {threshold:.3g}")
    if flags is not None and flags.any():
        ax.scatter(stamps[flags], errors[flags], marker=".", color="tab:red", s=8, zorder=3, label="flagged")
    _shade_windows(ax, windows)
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel("time")
    ax.set_ylabel("error")
    ax.legend()
    ax.grid(alpha=0.3)
    return save(fig, path)


def plot_anomalies(frame: pd.DataFrame, anomaly_rows: np.ndarray, path: Path, title: str,
                   windows: list[Segment] | None = None, test_start: pd.Timestamp | None = None) -> Path:
    """The series (original scale) with detected anomalies marked by red crosses."""
    fig, ax = figure(11, 4)
    ax.plot(frame["timestamp"], frame["value"], linewidth=0.7, label="value")
    points = frame.iloc[anomaly_rows]
    ax.scatter(points["timestamp"], points["value"], marker="x", color="tab:red", s=30, zorder=3,
               label=f"detected anomaly ({len(points)})")
    _shade_windows(ax, windows)
    if test_start is not None:
        ax.axvline(test_start, color="black", linestyle=":", label="test split starts")
    ax.set_title(title)
    ax.set_xlabel("time")
    ax.set_ylabel("value")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return save(fig, path)
