"""The AG News experiment's name and the loaded splits every text module shares (below
`api` and `experiment`, so neither imports the other to get them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_models.text import ag_news

EXPERIMENT = "ag_news_transformer"


@dataclass(frozen=True)
class AgNewsData:
    """The protocol's splits (texts (n,) str, labels (n,) int 0..3) and the CSV files read
    (absolute paths; empty when the data came from tfds)."""

    splits: ag_news.Splits
    files: list[Path]

    @property
    def note(self) -> str:
        return self.splits.note
