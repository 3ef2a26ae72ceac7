"""The one seeded, stratified train/val/test split of an image folder, shared by every model.

Within each class the images are put in a seeded random order; the first
``round(test_fraction * n)`` go to test, the next ``round(val_fraction * n)`` to
validation and the rest to training. It depends only on the folder's file list, the
fractions and the split seed (not on the model or the training seed).

``max_per_class`` keeps a stratified subset of that same split (for smoke runs): each
part keeps the first images of its own share, so a subset's test images are a subset of
the full split's test images.
"""

from __future__ import annotations

import numpy as np

from keras_models.errors import UserError

PARTS = ("train", "val", "test")
UNUSED = -1  # part code of images left out by max_per_class


def _sizes(n: int, fractions: tuple[float, float, float]) -> tuple[int, int, int]:
    """(train, val, test) sizes of a class of n images; val and test get at least one."""
    test = max(1, round(fractions[2] * n))
    val = max(1, round(fractions[1] * n))
    return n - val - test, val, test


def assign(labels: np.ndarray, fractions: tuple[float, float, float], seed: int,
           class_names: tuple[str, ...], max_per_class: int | None = None) -> np.ndarray:
    """The part of every image: 0 train, 1 val, 2 test, -1 unused.

    Args:
        labels: (n,) integer labels.
        fractions: (train, val, test) fractions summing to 1.
        max_per_class: use at most this many images of each class.

    Returns:
        (n,) int array of part codes (indices into `PARTS`, or `UNUSED`).
    """
    parts = np.full(len(labels), UNUSED, dtype=np.int64)
    rng = np.random.default_rng(seed)
    for k, name in enumerate(class_names):
        index = np.flatnonzero(labels == k)
        train, val, test = _sizes(len(index), fractions)
        if train < 1:
            raise UserError(f"class {name!r} has {len(index)} image(s): too few for a train/val/test split; "
                            "each class needs at least 3")
        order = index[rng.permutation(len(index))]
        full = {"test": order[:test], "val": order[test:test + val], "train": order[test + val:]}
        if max_per_class is not None and max_per_class < len(index):
            keep = dict(zip(PARTS, _sizes(max_per_class, fractions)))
            full = {part: chosen[:keep[part]] for part, chosen in full.items()}
        for code, part in enumerate(PARTS):
            parts[full[part]] = code
    return parts


def describe(parts: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """{part: {class: count}} for the three parts."""
    return {part: {name: int(((parts == code) & (labels == k)).sum()) for k, name in enumerate(class_names)}
            for code, part in enumerate(PARTS)}
