"""AG News' labelled texts (`TextSet`) and how a row becomes a text, shared by the CSV
reader (`ag_news`) and the tfds fallback (`tfds_source`), which both import it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CLASS_NAMES = ("World", "Sports", "Business", "Sci/Tech")


@dataclass(frozen=True)
class TextSet:
    """Labelled texts.

    Attributes:
        texts: (n,) object array of str.
        labels: (n,) int64 in 0..3.
    """

    texts: np.ndarray
    labels: np.ndarray

    def subset(self, index: np.ndarray) -> "TextSet":
        return TextSet(self.texts[index], self.labels[index])

    def class_counts(self) -> list[int]:
        return np.bincount(self.labels, minlength=len(CLASS_NAMES)).tolist()


def join_text(title: str, description: str) -> str:
    """The model's input text: title, a space, description (outer spaces dropped)."""
    return f"{title.strip()} {description.strip()}".strip()
