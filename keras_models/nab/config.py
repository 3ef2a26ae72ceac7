"""The NAB autoencoder experiment's configuration (report 003, Part II)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_models import checks
from keras_models.config import TrainConfig, option
from keras_models.nab import data, thresholds

VERSIONS = ("base", "v1", "v2", "v3")


def series_name(value) -> str:
    """A series name CATEGORY/NAME (a `keras_models.checks` check)."""
    from keras_models.errors import UserError

    try:
        return data.check_series_name(checks.text(value))
    except UserError:
        raise checks.BadValue(f"expected CATEGORY/NAME, e.g. {data.DEFAULT_SERIES}, got {value!r}") from None


@dataclass(frozen=True)
class Config(TrainConfig):
    """One autoencoder trained on one series, its threshold and its scoring.

    Windows of `window` steps, shape (batch, window, 1), scaled to [0, 1] by a MinMaxScaler
    fitted on the chronological training part; a window whose reconstruction MSE
    exceeds the threshold (a rule on training errors) flags the point it ends on.
    """

    version: str = option("v3", checks.one_of(*VERSIONS), "autoencoder version", cli=False)
    series: str = option(data.DEFAULT_SERIES, series_name, "NAB series CATEGORY/NAME")
    csv: Path | None = option(None, checks.optional(checks.path), "a timestamp,value CSV to use instead of --series")
    labels: Path | None = option(None, checks.optional(checks.path),
                                 "NAB combined_windows.json (default: resolved like the data)")
    window: int = option(30, checks.integer(2, what="an integer >= 2"), "window length")
    split: tuple = option((0.7, 0.15, 0.15), checks.fractions(), "chronological TRAIN,VAL,TEST fractions",
                          metavar="TRAIN,VAL,TEST")
    threshold: str = option(thresholds.DEFAULT, thresholds.Threshold.check,
                            f"anomaly threshold on training errors: {thresholds.SPEC_HELP}")

    @property
    def model(self) -> str:
        return f"nab_{self.version}"
