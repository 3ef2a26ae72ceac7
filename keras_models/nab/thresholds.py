"""Anomaly thresholds on reconstruction errors, chosen by a short text spec.

* ``max-train``: the largest training error (the keras-io example's rule);
* ``percentile:P``: the P-th percentile of training errors, 0 < P <= 100;
* ``mean-std:K``: mean + K standard deviations of training errors, K >= 0 (Orion's style).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keras_models import checks
from keras_models.errors import UserError

SPEC_HELP = "max-train, percentile:P (0 < P <= 100) or mean-std:K (K >= 0)"

#: The default rule. On AAPL, `max-train` lets the per-time-step dense versions flag
#: nothing (they reconstruct every value, spikes included, and a training spike sets the
#: maximum); the 99th percentile gives anomaly counts of the report's order (README).
DEFAULT = "percentile:99"
#: the parameter of each parametrised rule (finite numbers only)
PARAMETERS = {"percentile": checks.number(0, 100, low_open=True), "mean-std": checks.non_negative_number}


@dataclass(frozen=True)
class Threshold:
    kind: str
    param: float | None = None

    @classmethod
    def parse(cls, spec: str) -> "Threshold":
        kind, _, text = str(spec).partition(":")
        if kind == "max-train" and not text:
            return cls("max-train")
        if kind in PARAMETERS and text:
            try:
                return cls(kind, PARAMETERS[kind](text))
            except checks.BadValue:
                pass
        raise UserError(f"malformed --threshold {spec!r}: use {SPEC_HELP}")

    @classmethod
    def check(cls, spec) -> str:
        """A `keras_models.checks` check: the normalised text of a valid spec."""
        try:
            return str(cls.parse(spec))
        except UserError:
            raise checks.BadValue(f"expected {SPEC_HELP}, got {spec!r}") from None

    def __str__(self) -> str:
        return self.kind if self.param is None else f"{self.kind}:{self.param:g}"

    def value(self, train_errors: np.ndarray) -> float:
        """The threshold for training errors of shape (m,)."""
        errors = np.asarray(train_errors, dtype=np.float64)
        if self.kind == "max-train":
            return float(errors.max())
        if self.kind == "percentile":
            return float(np.percentile(errors, self.param))
        return float(errors.mean() + self.param * errors.std())
