"""Score detections against NAB's labelled windows with Orion's overlapping-segment rule.

Detections are flagged points; consecutive flagged points form one detected segment.
A labelled window overlapped by any detected segment is a true positive, a window
overlapped by none a false negative, and a detected segment that overlaps no window a
false positive (Orion, ``orion.evaluation.contextual`` with ``_overlap_segment``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Segment = tuple[pd.Timestamp, pd.Timestamp]


def flagged_segments(flags: np.ndarray, timestamps: pd.DatetimeIndex) -> list[Segment]:
    """Runs of consecutive True in `flags` (n,) as (first, last) timestamps."""
    flags = np.asarray(flags, dtype=bool)
    if not flags.any():
        return []
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(timestamps[a], timestamps[b]) for a, b in zip(starts, stops)]


def _overlaps(a: Segment, b: Segment) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def windows_within(windows: list[Segment], start: pd.Timestamp, end: pd.Timestamp) -> list[Segment]:
    """The labelled windows that overlap [start, end]."""
    return [w for w in windows if _overlaps(w, (start, end))]


def overlap_segment_scores(expected: list[Segment], observed: list[Segment]) -> dict:
    """tp, fp, fn, precision, recall and F1 (0 where undefined) of `observed` against `expected`."""
    tp = sum(any(_overlaps(w, d) for d in observed) for w in expected)
    fn = len(expected) - tp
    fp = sum(not any(_overlaps(d, w) for w in expected) for d in observed)
    return {"windows": len(expected), "detected_segments": len(observed), **counts_scores(tp, fp, fn)}


def counts_scores(tp: int, fp: int, fn: int) -> dict:
    """tp, fp, fn with their precision, recall and F1 (0 where undefined); summed counts of
    several series give the pooled scores (Orion's aggregation of a dataset)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": int(tp), "fp": int(fp), "fn": int(fn), "precision": precision, "recall": recall, "f1": f1}
