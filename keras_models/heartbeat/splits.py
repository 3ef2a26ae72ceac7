"""Train/val/test splits of a `BeatSet`, and the 1D and 2D views the models take.

Three splits:

``"intra"`` (intra-patient)
    Beats drawn at random, stratified by class and seeded: beats of one patient land
    in train and test alike, so scores are optimistic (the usual Kaggle setting).
    Validation and test are `val_fraction` and `test_fraction` of the whole set.
``"kaggle"`` (intra-patient, in the proportions of the Kaggle CSVs)
    The split of Kachuee et al.'s beats behind the Kaggle "ECG Heartbeat
    Categorization" files (mitbih_train.csv 87,554 beats, mitbih_test.csv 21,892):
    test = 21,892/109,446 of the beats, stratified by class and seeded (Kaggle's test
    file holds 20.0 % of every class), and validation = `val_fraction` of the rest,
    as a run given the two CSV files carves it from mitbih_train.csv. It is the
    protocol of the figures published on those files (Kachuee et al. 2018 and the
    notebooks that reuse them); the Kaggle files' own rows are not reproduced, only
    their proportions (`KAGGLE_COUNTS`).
``"inter"`` (inter-patient, de Chazal et al. 2004)
    Train/val from the 22 DS1 records, test from the 22 DS2 records; the paced records
    102, 104, 107 and 217 are left out. No test patient is seen in training: the
    honest estimate. Validation is carved from DS1 beats (stratified, seeded), so it
    shares patients with training; it serves model selection, never as the estimate.

Views: beats (n, 187) are zero-padded at the end to 192 samples, then shaped
(n, 192, 1) for the 1D models or (n, 16, 12, 1) (row-major) for the 2D models.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.model_selection import train_test_split

from keras_models.errors import UserError
from keras_models.heartbeat.beatset import CLASS_NAMES, BeatSet, class_counts

SPLITS = ("intra", "inter", "kaggle")
VIEWS = ("1d", "2d")
PARTS = ("train", "val", "test")

#: de Chazal, O'Dwyer & Reilly (2004), IEEE TBME 51(7): training and test record sets.
DS1 = tuple(str(r) for r in (101, 106, 108, 109, 112, 114, 115, 116, 118, 119, 122, 124,
                             201, 203, 205, 207, 208, 209, 215, 220, 223, 230))
DS2 = tuple(str(r) for r in (100, 103, 105, 111, 113, 117, 121, 123, 200, 202, 210, 212,
                             213, 214, 219, 221, 222, 228, 231, 232, 233, 234))
#: Records with paced beats, excluded from both DS1 and DS2.
PACED = ("102", "104", "107", "217")

#: Beats per class (N, S, V, F, Q) in the Kaggle files mitbih_train.csv and mitbih_test.csv.
KAGGLE_COUNTS = {"train": (72_471, 2_223, 5_788, 641, 6_431), "test": (18_118, 556, 1_448, 162, 1_608)}
#: Kaggle's test share: 21,892 of 109,446 beats.
KAGGLE_TEST_FRACTION = sum(KAGGLE_COUNTS["test"]) / (sum(KAGGLE_COUNTS["train"]) + sum(KAGGLE_COUNTS["test"]))

VIEW_LENGTH = 192
VIEW_2D = (16, 12)


def check_split(kind: str) -> str:
    if kind not in SPLITS:
        raise UserError(f"unknown split {kind!r}; choose one of: {', '.join(SPLITS)}")
    return kind


def stratified_indices(y: np.ndarray, fraction: float, seed: int, what: str = "beats") -> tuple[np.ndarray, np.ndarray]:
    """Split ``arange(len(y))`` into (kept, taken) with `fraction` of each class taken."""
    _check_fraction(fraction, "fraction")
    index = np.arange(len(y))
    try:
        kept, taken = train_test_split(index, test_size=fraction, stratify=y, random_state=seed)
    except ValueError as err:
        counts = ", ".join(f"{CLASS_NAMES[c]} {n}" for c, n in enumerate(class_counts(y)) if n)
        raise UserError(f"cannot take a stratified {fraction:g} of {len(y)} {what} ({counts}): {err}; "
                        "every class needs at least 2 beats and each part at least one per class") from None
    return np.sort(kept), np.sort(taken)


def stratified_subset(beats: BeatSet, n: int, seed: int) -> BeatSet:
    """A seeded, class-stratified subset of `n` beats (all of them when `n` >= len(beats))."""
    if n >= len(beats):
        return beats
    _, taken = stratified_indices(beats.y, n / len(beats), seed)
    return beats.subset(taken)


def intra_patient_split(beats: BeatSet, *, val_fraction: float = 0.1, test_fraction: float = 0.2,
                        seed: int = 0) -> dict[str, BeatSet]:
    """Random split stratified by class; fractions are of the whole set.

    Returns:
        {"train": .., "val": .., "test": ..}, each a `BeatSet` (x (n_part, 187)).
    """
    _check_fraction(val_fraction, "val_fraction")
    _check_fraction(test_fraction, "test_fraction")
    if val_fraction + test_fraction >= 1:
        raise UserError(f"val_fraction {val_fraction:g} + test_fraction {test_fraction:g} leave no training "
                        "beats; make their sum less than 1")
    rest, test = stratified_indices(beats.y, test_fraction, seed)
    train, val = stratified_indices(beats.y[rest], val_fraction / (1 - test_fraction), seed)
    parts = {"train": rest[train], "val": rest[val], "test": test}
    return {name: _part(beats, index, "intra", name, seed) for name, index in parts.items()}


def inter_patient_split(beats: BeatSet, *, val_fraction: float = 0.1, seed: int = 0) -> dict[str, BeatSet]:
    """de Chazal's DS1 -> train/val (stratified, seeded), DS2 -> test; paced records dropped.

    Beats of records in neither DS1 nor DS2 (the paced ones, any others) are left out.

    Returns:
        {"train": .., "val": .., "test": ..}, each a `BeatSet`.
    """
    if beats.record is None:
        raise UserError("the inter-patient split needs each beat's record id, which this beat set lacks "
                        "(Kaggle CSV and parquet files carry none); build the beats from the raw MIT-BIH "
                        "records or use the intra-patient split")
    ds1 = np.flatnonzero(np.isin(beats.record, DS1))
    ds2 = np.flatnonzero(np.isin(beats.record, DS2))
    for name, index, records in (("DS1", ds1, DS1), ("DS2", ds2, DS2)):
        if len(index) == 0:
            raise UserError(f"no beats from the {name} records ({', '.join(records)}); "
                            "build the beat set from all 48 MIT-BIH records")
    train, val = stratified_indices(beats.y[ds1], val_fraction, seed, what="DS1 beats")
    parts = {"train": ds1[train], "val": ds1[val], "test": ds2}
    return {name: _part(beats, index, "inter", name, seed) for name, index in parts.items()}


def kaggle_split(beats: BeatSet, *, val_fraction: float = 0.1, seed: int = 0) -> dict[str, BeatSet]:
    """Kaggle's proportions: `KAGGLE_TEST_FRACTION` of each class to test (stratified,
    seeded), then `val_fraction` of the remaining beats to validation, the rest to train.

    Returns:
        {"train": .., "val": .., "test": ..}, each a `BeatSet` (x (n_part, 187)).
    """
    _check_fraction(val_fraction, "val_fraction")
    rest, test = stratified_indices(beats.y, KAGGLE_TEST_FRACTION, seed)
    train, val = stratified_indices(beats.y[rest], val_fraction, seed, what="training beats")
    parts = {"train": rest[train], "val": rest[val], "test": test}
    return {name: _part(beats, index, "kaggle", name, seed) for name, index in parts.items()}


def split_beats(beats: BeatSet, kind: str = "inter", *, val_fraction: float = 0.1, test_fraction: float = 0.2,
                seed: int = 0) -> dict[str, BeatSet]:
    """`inter_patient_split`, `intra_patient_split` or `kaggle_split` by name
    (`test_fraction` is intra only)."""
    if check_split(kind) == "inter":
        return inter_patient_split(beats, val_fraction=val_fraction, seed=seed)
    if kind == "kaggle":
        return kaggle_split(beats, val_fraction=val_fraction, seed=seed)
    return intra_patient_split(beats, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed)


def pad_beats(x: np.ndarray, length: int = VIEW_LENGTH) -> np.ndarray:
    """(n, k) -> (n, length) float32, zeros appended (k <= length)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] > length:
        raise UserError(f"beats of shape {x.shape} cannot be padded to {length} samples; expected (n, k <= {length})")
    return np.pad(x, ((0, 0), (0, length - x.shape[1])))


def to_1d(x: np.ndarray) -> np.ndarray:
    """(n, 187) -> (n, 192, 1) float32."""
    return pad_beats(x)[..., None]


def to_2d(x: np.ndarray) -> np.ndarray:
    """(n, 187) -> (n, 16, 12, 1) float32: padded to 192, then row-major 16 rows of 12."""
    return pad_beats(x).reshape(-1, *VIEW_2D, 1)


def to_view(x: np.ndarray, view: str) -> np.ndarray:
    """`to_1d` or `to_2d` by name ("1d" or "2d")."""
    if view not in VIEWS:
        raise UserError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    return to_1d(x) if view == "1d" else to_2d(x)


def _part(beats: BeatSet, index: np.ndarray, kind: str, name: str, seed: int) -> BeatSet:
    part = beats.subset(index)
    return replace(part, info={**beats.info, "split": kind, "part": name, "seed": seed})


def _check_fraction(value: float, name: str) -> None:
    if not 0 < value < 1:
        raise UserError(f"{name} {value:g} is outside (0, 1); give a fraction such as 0.1")
