"""The AAMI beat classes and `BeatSet`, the container every heartbeat loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

#: Beat length in the Kachuee et al. (2018) form: 187 samples at 125 Hz.
BEAT_LENGTH = 187
BEAT_FS = 125

#: AAMI EC57 classes, in label order 0..4.
CLASS_NAMES = ("N", "S", "V", "F", "Q")

#: MIT-BIH beat annotation symbol -> AAMI class label.
AAMI_CLASSES = {
    **dict.fromkeys("NLRej", 0),  # normal, bundle branch blocks, escape beats
    **dict.fromkeys("AaJS", 1),   # supraventricular ectopic
    **dict.fromkeys("VE", 2),     # ventricular ectopic
    "F": 3,                       # fusion of ventricular and normal
    **dict.fromkeys("/fQ", 4),    # paced, fusion of paced and normal, unclassifiable
}


@dataclass(frozen=True, eq=False)
class BeatSet:
    """Beats with their AAMI labels and, when known, where they came from.

    Attributes:
        x: (n, 187) float32 beats, 125 Hz, values in [0, 1], zero-padded at the end.
        y: (n,) int64 AAMI class labels 0..4 (`CLASS_NAMES`).
        record: (n,) str MIT-BIH record id of each beat, or None when the source
            has none (Kaggle CSV, course parquet).
        sample: (n,) int64 position of each beat's R peak in its record, in samples
            at the record's own rate (360 Hz for MIT-BIH), or None.
        symbol: (n,) str MIT-BIH annotation symbol of each beat, or None.
        info: how the set was made (source, parameters, counts of dropped beats).
    """

    x: np.ndarray
    y: np.ndarray
    record: np.ndarray | None = None
    sample: np.ndarray | None = None
    symbol: np.ndarray | None = None
    info: dict = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, index: np.ndarray) -> BeatSet:
        """The beats at `index` (integer indices or a boolean mask), same info."""
        take = lambda a: None if a is None else a[index]  # noqa: E731
        return replace(self, x=self.x[index], y=self.y[index], record=take(self.record),
                       sample=take(self.sample), symbol=take(self.symbol))

    def class_counts(self) -> np.ndarray:
        """(5,) number of beats per AAMI class."""
        return class_counts(self.y)


def class_counts(y: np.ndarray) -> np.ndarray:
    """(5,) number of labels per AAMI class 0..4."""
    return np.bincount(np.asarray(y, dtype=np.int64), minlength=len(CLASS_NAMES))[: len(CLASS_NAMES)]


def format_counts(y: np.ndarray) -> str:
    """E.g. ``N 90,631 · S 2,781 · V 7,236 · F 803 · Q 8,043 = 109,494``."""
    counts = class_counts(y)
    parts = " · ".join(f"{name} {count:,}" for name, count in zip(CLASS_NAMES, counts))
    return f"{parts} = {int(counts.sum()):,}"
