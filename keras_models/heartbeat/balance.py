"""Counter the class imbalance of the TRAINING split (never val or test).

``none``
    Nothing.
``class-weights``
    No resampling; a per-class loss weight n / (n_classes * n_c), sklearn's
    ``compute_class_weight("balanced")``, for ``model.fit(class_weight=...)``;
    tempered by a power p (``class_weight_power``): w_c^p, renormalised so that the
    weighted beats still sum to n (p = 1: the balanced weights; p = 0.5: their square
    root, F's weight 27 -> 5 on the intra-patient training split; p = 0: none).
``oversample-semi``
    Random oversampling (imbalanced-learn ``RandomOverSampler``) of every minority
    class halfway to the majority count on a log scale: to the geometric mean
    ``round(sqrt(n_c * n_max))``. Each class's imbalance ratio n_max / n_c becomes its
    square root (F 803 vs N 90,631 in all of MIT-BIH: 113:1 -> 11:1), a milder cure
    than ``oversample-full`` that repeats each rare beat about sqrt(113) ~ 11 times
    instead of 113. (The arithmetic halfway point would lift every minority class to at
    least half the majority count: nearly as many copies as full oversampling.)
``oversample-full``
    Random oversampling of every class to the majority count.
``smote``
    imbalanced-learn ``SMOTE``: synthetic minority beats interpolated between a beat
    and one of its k = 5 nearest neighbours of the same class, every class to the
    majority count (k shrinks when a class has 5 beats or fewer).

Resampled beats are appended after the original ones, class by class: shuffle when
training (``model.fit`` does by default). Every method is seeded.
"""

from __future__ import annotations

import numpy as np

from keras_models.errors import UserError
from keras_models.heartbeat.beatset import CLASS_NAMES

BALANCE_METHODS = ("none", "class-weights", "oversample-semi", "oversample-full", "smote")
SMOTE_NEIGHBOURS = 5


def check_balance(method: str) -> str:
    """`method` if it is a known balance method, else `UserError` listing them."""
    if method not in BALANCE_METHODS:
        raise UserError(f"unknown --balance {method!r}; choose one of: {', '.join(BALANCE_METHODS)}")
    return method


def class_weights(y: np.ndarray, power: float = 1.0) -> dict[int, float]:
    """{label: weight} for the labels present in `y`: sklearn's "balanced" formula
    n / (n_classes * n_c) raised to `power`, then scaled so that sum_c n_c w_c = n
    (the mean weight of a beat stays 1; `power` 1 leaves the balanced weights as they are)."""
    from sklearn.utils.class_weight import compute_class_weight

    classes, counts = np.unique(y, return_counts=True)
    weights = compute_class_weight("balanced", classes=classes, y=y) ** power
    weights = weights * len(y) / float(np.dot(counts, weights))
    return {int(c): float(w) for c, w in zip(classes, weights)}


def semi_targets(y: np.ndarray) -> dict[int, int]:
    """{label: target count} of ``oversample-semi``: round(sqrt(n_c * n_max)), never fewer than n_c."""
    classes, counts = np.unique(y, return_counts=True)
    n_max = counts.max()
    return {int(c): max(int(n), int(round(np.sqrt(float(n) * n_max)))) for c, n in zip(classes, counts)}


def balance(x: np.ndarray, y: np.ndarray, method: str = "none", seed: int = 0,
            class_weight_power: float = 1.0) -> tuple[np.ndarray, np.ndarray, dict[int, float] | None]:
    """Apply `method` to a training split.

    Args:
        x: (n, ...) training beats, e.g. (n, 187); any trailing shape is kept.
        y: (n,) labels 0..4.
        method: one of `BALANCE_METHODS`.
        seed: random state of the samplers.
        class_weight_power: the tempering power of "class-weights" (`class_weights`).

    Returns:
        (x', y', class_weight): x' (n', ...) and y' (n',), with n' >= n for the
        oversamplers; class_weight is a {label: weight} dict for "class-weights",
        else None.
    """
    check_balance(method)
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise UserError(f"{len(x)} beats but {len(y)} labels; give one label per beat")
    if method == "none":
        return x, y, None
    if method == "class-weights":
        return x, y, class_weights(y, class_weight_power)
    return (*_resample(x, y, method, seed), None)


def _resample(x: np.ndarray, y: np.ndarray, method: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    if len(np.unique(y)) < 2:
        raise UserError(f"--balance {method} needs at least 2 classes in the training split, it has "
                        f"{len(np.unique(y))}; use --balance none")
    if method == "oversample-full":
        sampler = RandomOverSampler(sampling_strategy="not majority", random_state=seed)
    elif method == "oversample-semi":
        sampler = RandomOverSampler(sampling_strategy=semi_targets(y), random_state=seed)
    else:
        smallest = int(np.unique(y, return_counts=True)[1].min())
        if smallest < 2:
            rare = [CLASS_NAMES[c] for c, n in zip(*np.unique(y, return_counts=True)) if n < 2]
            raise UserError(f"SMOTE needs at least 2 training beats per class; class(es) {', '.join(rare)} "
                            "have 1; use --balance oversample-full or more data")
        sampler = SMOTE(k_neighbors=min(SMOTE_NEIGHBOURS, smallest - 1), random_state=seed)
    flat = x.reshape(len(x), -1)
    x_res, y_res = sampler.fit_resample(flat, y)
    return np.asarray(x_res, dtype=x.dtype).reshape(-1, *x.shape[1:]), np.asarray(y_res, dtype=y.dtype)
