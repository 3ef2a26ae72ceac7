"""The image experiment's name and the checked, split folder every image module shares
(below `api` and `experiment`, so neither imports the other to get them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from keras_models.images import folder as image_folder

EXPERIMENT = "image_classification"


@dataclass(frozen=True)
class ImageData:
    """A checked image folder and its split, shared by every model trained on it.

    Attributes:
        folder: the listed folder (`files` and their `labels`, (n,)).
        parts: (n,) part code of each file: 0 train, 1 val, 2 test, -1 unused (`split.assign`).
        counts: {part: {class: images}}.
        files: what the run's data is read from (the folder: its sha256 is checked on resume).
        cache: the decoded tf.data parts by image size, filled by
            `keras_models.images.experiment.splits_of` (so several runs decode once).
    """

    folder: image_folder.ImageFolder
    parts: np.ndarray
    counts: dict
    files: list[Path]
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def describe(self) -> dict:
        """JSON-ready description (config.json's "data")."""
        return {"folder": str(self.folder.root), "class_names": list(self.folder.class_names),
                "images": self.folder.counts(), "counts": self.counts}
