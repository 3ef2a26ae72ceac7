"""The NAB experiment's name and the loaded series every NAB module shares (below `api`
and `experiment`, so neither imports the other to get them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_models.nab import data, windows

EXPERIMENT = "nab_autoencoder"


@dataclass(frozen=True)
class NabData:
    """A loaded series: the raw `series`, its labelled windows (None: no labels), the
    windowed split (windows of shape (m, window, 1) per part) and the files read."""

    series: data.Series
    labels: list | None
    windowed: windows.WindowedSeries
    files: list[Path]
    labels_given: bool = False
