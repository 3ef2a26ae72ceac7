"""Command-line data options shared by the NAB commands (training and tuning).

`add_data_flags` adds them to a parser; `load_data` checks them, reads the series and
its labelled windows, and returns the windowed split. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from keras_models import cli
from keras_models.nab import data, thresholds, windows
from keras_models.nab.windows import WindowedSeries


def add_data_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("series")
    group.add_argument("--series", default=data.DEFAULT_SERIES, help=f"NAB series (default {data.DEFAULT_SERIES})")
    group.add_argument("--csv", type=Path, default=None, help="a timestamp,value CSV to use instead of --series")
    group.add_argument("--labels", type=Path, default=None,
                       help="NAB combined_windows.json (default: resolved like the data)")
    group.add_argument("--window", type=cli.positive_int, default=30, help="window length (default 30)")
    group.add_argument("--split", type=cli.fractions, default=(0.7, 0.15, 0.15),
                       help="chronological TRAIN,VAL,TEST fractions (default 0.7,0.15,0.15)")
    group.add_argument("--threshold", default=thresholds.DEFAULT,
                       help=f"anomaly threshold on training errors: {thresholds.SPEC_HELP} (default {thresholds.DEFAULT})")


@dataclass(frozen=True)
class NabData:
    """A loaded series: the raw `series`, its labelled windows (or None), the windowed
    split (windows of shape (m, window, 1) per part) and the threshold rule."""

    series: data.Series
    labels: list | None
    windowed: WindowedSeries
    threshold: thresholds.Threshold


def load_data(args: argparse.Namespace) -> NabData:
    """Check the flags, then read and window the series (`UserError` on bad input)."""
    threshold = thresholds.Threshold.parse(args.threshold)
    series = data.load_series(args.series, args.csv)
    labels = data.load_windows(args.csv.stem if args.csv else series.name, args.labels) \
        if args.csv is None or args.labels is not None else None
    windowed = windows.prepare(series.values, args.window, tuple(args.split), name=str(series.path))
    return NabData(series, labels, windowed, threshold)
