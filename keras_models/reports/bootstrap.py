"""Paired bootstrap of classifier runs' saved test predictions: how sure a verdict is.

One run's test metric is one draw: on the heartbeat test split (~21,900 beats, of them
161 F and 556 S) a macro recall moves by ~0.03 between resamples of the same predictions.
So a claim "A better than B on M" is judged on the interval of M(A) - M(B) over
`Rule.resamples` resamples of the test indices, the SAME indices for every run of the
claim (they must share the test split: equal ``y_true``), and a documented number is set
against the interval of our value. The percentile interval at `Rule.confidence`; the
resamples come from `Rule.seed`, so a report is repeatable.

The metrics (`METRICS`, keyed by their path in metrics.json) are computed from one
confusion matrix a resample (``numpy.bincount`` of ``true * k + predicted`` at the
resampled indices), as `keras_models.classification.classification_metrics` computes
them with scikit-learn (macro averages over every class, 0 where a class has no
example): 1,000 resamples of 21,899 beats take well under a second a run.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Rule:
    """How intervals are drawn: `resamples` seeded resamples (`seed`), a percentile interval at `confidence`."""

    resamples: int = 1_000
    confidence: float = 0.95
    seed: int = 0
    #: resamples drawn at once (memory: chunk x n indices)
    chunk: int = 100

    def describe(self) -> str:
        return (f"paired bootstrap of the saved test predictions, {self.resamples:,} resamples (seed {self.seed}), "
                f"{100 * self.confidence:g} % percentile intervals")


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    return np.divide(numerator, denominator, out=np.zeros(numerator.shape), where=denominator > 0)


def accuracy(confusion: np.ndarray) -> np.ndarray:
    """(r, k, k) confusion matrices (rows true, columns predicted) -> (r,) accuracies."""
    return np.trace(confusion, axis1=1, axis2=2) / confusion.sum(axis=(1, 2))


def recall_macro(confusion: np.ndarray) -> np.ndarray:
    return _ratio(np.diagonal(confusion, axis1=1, axis2=2), confusion.sum(axis=2)).mean(axis=1)


def precision_macro(confusion: np.ndarray) -> np.ndarray:
    return _ratio(np.diagonal(confusion, axis1=1, axis2=2), confusion.sum(axis=1)).mean(axis=1)


def f1_macro(confusion: np.ndarray) -> np.ndarray:
    diagonal = np.diagonal(confusion, axis1=1, axis2=2)
    return _ratio(2 * diagonal, confusion.sum(axis=2) + confusion.sum(axis=1)).mean(axis=1)


#: the metrics.json paths whose values the bootstrap can redraw, and how
METRICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "test_metrics.accuracy": accuracy, "test_metrics.recall_macro": recall_macro,
    "test_metrics.precision_macro": precision_macro, "test_metrics.f1_macro": f1_macro}


@dataclass(frozen=True)
class Interval:
    """`low`..`high`: the percentile interval of a bootstrapped quantity whose value on the whole test split is `point`."""

    point: float
    low: float
    high: float

    def __neg__(self) -> Interval:
        return Interval(-self.point, -self.high, -self.low)

    def text(self, scale: float = 1.0, digits: int = 4, sign: bool = True) -> str:
        form = f"{'+' if sign else ''}.{digits}f"
        return f"[{format(scale * self.low, form)}, {format(scale * self.high, form)}]"


@dataclass(frozen=True)
class Samples:
    """A metric of m runs on the same resamples: `draws` (resamples, m), `points` (m,) on the whole split."""

    draws: np.ndarray
    points: np.ndarray
    rule: Rule

    def _interval(self, point: float, draws: np.ndarray) -> Interval:
        tail = 100 * (1 - self.rule.confidence) / 2
        low, high = np.percentile(draws, [tail, 100 - tail])
        return Interval(float(point), float(low), float(high))

    def value(self, i: int) -> Interval:
        """Run i's metric and its interval."""
        return self._interval(self.points[i], self.draws[:, i])

    def difference(self, i: int, j: int) -> Interval:
        """Run i's metric minus run j's, on the same resamples."""
        return self._interval(self.points[i] - self.points[j], self.draws[:, i] - self.draws[:, j])


def resampled_indices(n: int, rule: Rule) -> Iterator[np.ndarray]:
    """The rule's resamples of range(n), `rule.chunk` at a time: (chunk, n) indices drawn with replacement."""
    rng = np.random.default_rng(rule.seed)
    for start in range(0, rule.resamples, rule.chunk):
        yield rng.integers(0, n, size=(min(rule.chunk, rule.resamples - start), n))


def confusions(codes: np.ndarray, indices: np.ndarray, classes: int) -> np.ndarray:
    """(r, k, k) confusion matrices of the resamples `indices` (r, n), from `codes` = true * k + predicted (n,)."""
    r = indices.shape[0]
    offsets = (np.arange(r) * classes * classes)[:, None]
    counts = np.bincount((codes[indices] + offsets).ravel(), minlength=r * classes * classes)
    return counts.reshape(r, classes, classes)


def sample(metric: str, y_true: np.ndarray, predictions: Sequence[np.ndarray], classes: int, rule: Rule) -> Samples:
    """`metric` (a key of `METRICS`) of each run's `predictions` (n,) against the shared `y_true` (n,),
    on `rule.resamples` resamples of the test indices, the same for every run."""
    compute = METRICS[metric]
    y_true = np.asarray(y_true, dtype=np.int64)
    codes = [y_true * classes + np.asarray(p, dtype=np.int64) for p in predictions]
    whole = np.arange(len(y_true))[None, :]
    points = np.array([compute(confusions(c, whole, classes))[0] for c in codes])
    draws = [np.stack([compute(confusions(c, indices, classes)) for c in codes], axis=1)
             for indices in resampled_indices(len(y_true), rule)]
    return Samples(np.concatenate(draws), points, rule)
