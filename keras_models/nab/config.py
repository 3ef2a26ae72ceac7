"""The NAB autoencoder experiment's configuration (report 003, Part II)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_models import checks
from keras_models.config import TrainConfig, option
from keras_models.nab import data, thresholds
from keras_models.nab import detection as detection_step

VERSIONS = ("base", "v1", "v2", "v3")
#: the fields of the detection step: changing them needs no training (`nab.rescore`)
DETECTION_FIELDS = ("errors", "smoothing", "threshold", "min_segment", "merge_gap")


def series_name(value) -> str:
    """A series name CATEGORY/NAME, or a glob of them such as ``realKnownCause/*`` (a
    `keras_models.checks` check)."""
    from keras_models.errors import UserError

    try:
        return data.check_series_name(checks.text(value))
    except UserError:
        raise checks.BadValue(f"expected CATEGORY/NAME (or a glob such as realKnownCause/*), e.g. "
                              f"{data.DEFAULT_SERIES}, got {value!r}") from None


@dataclass(frozen=True)
class Config(TrainConfig):
    """One autoencoder trained on one series, its threshold and its scoring.

    Windows of `window` steps, shape (batch, window, 1), scaled to [0, 1] by a MinMaxScaler
    fitted on the chronological training part. By default a window whose reconstruction
    MSE exceeds the threshold (a rule on training errors) flags the point it ends on;
    `errors`, `smoothing`, `threshold`, `min_segment` and `merge_gap` change the detection
    step (`keras_models.nab.detection`).
    """

    version: str = option("v3", checks.one_of(*VERSIONS), "autoencoder version", cli=False)
    series: str = option(data.DEFAULT_SERIES, series_name,
                         "NAB series CATEGORY/NAME, or a glob such as 'realKnownCause/*': one run per series "
                         "and a category table")
    csv: Path | None = option(None, checks.optional(checks.path), "a timestamp,value CSV to use instead of --series")
    labels: Path | None = option(None, checks.optional(checks.path),
                                 "NAB combined_windows.json (default: resolved like the data)")
    window: int = option(30, checks.integer(2, what="an integer >= 2"), "window length")
    split: tuple = option((0.7, 0.15, 0.15), checks.fractions(), "chronological TRAIN,VAL,TEST fractions",
                          metavar="TRAIN,VAL,TEST")
    errors: str = option("window", checks.one_of(*detection_step.ERRORS),
                         "what is thresholded: window (a window's MSE, on the point it ends on) or point (each "
                         "point's error from the median of its reconstructions over every window holding it)")
    smoothing: str = option("none", detection_step.smoothing_spec,
                            f"smoothing of the errors: {detection_step.SMOOTHING_HELP}")
    threshold: str = option(thresholds.DEFAULT, detection_step.threshold_spec,
                            f"anomaly threshold: on training errors {thresholds.SPEC_HELP}; or a moving window "
                            f"over the whole series (Orion, Hundman et al.): {detection_step.DYNAMIC_HELP}")
    min_segment: int = option(1, checks.positive_int, "drop flagged segments shorter than N points", metavar="N")
    merge_gap: int = option(0, checks.non_negative_int, "join flagged segments at most N points apart",
                            metavar="N")

    @property
    def detection(self) -> detection_step.Detection:
        """The detection step's options."""
        return detection_step.Detection(errors=self.errors, smoothing=self.smoothing, threshold=self.threshold,
                                   min_segment=self.min_segment, merge_gap=self.merge_gap)

    @property
    def model(self) -> str:
        return f"nab_{self.version}"
