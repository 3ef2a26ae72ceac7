"""Where the beats come from: a Kaggle/parquet file pair, or the raw MIT-BIH records.

`from_files` and `from_mitdb` return a `HeartbeatData`: the train/val/test `BeatSet`s
(x (n, 187) float32 in [0, 1], y (n,) AAMI labels 0..4), a description of the source
for config.json, and the files read (their sha256 go into config.json, so that a
resumed run notices changed data). Every problem is a `UserError`; nothing here
imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_models import datapaths
from keras_models.heartbeat import beats, files, splits
from keras_models.heartbeat.beatset import BeatSet, format_counts


@dataclass(frozen=True)
class HeartbeatData:
    """Loaded beats.

    Attributes:
        parts: {"train", "val", "test"} -> `BeatSet` with x (n_part, 187).
        source: JSON-ready description of where they came from.
        files: the data files read: the two beat files, or the .hea/.dat/.atr files of
            the MIT-BIH records (the beat cache when the records are not there).
    """

    parts: dict[str, BeatSet]
    source: dict
    files: tuple[Path, ...]


def from_files(train_file: Path, test_file: Path, val_fraction: float, seed: int) -> HeartbeatData:
    """Beats of a Kaggle CSV or course parquet pair (already split into train and test);
    validation is `val_fraction` of the training file (stratified, seeded)."""
    train_file = files.check_beat_file(train_file, "--train-file")  # both checked before either is read
    test_file = files.check_beat_file(test_file, "--test-file")
    train, test = files.read_beats_file(train_file, "--train-file"), files.read_beats_file(test_file, "--test-file")
    keep, take = splits.stratified_indices(train.y, val_fraction, seed)
    parts = {"train": train.subset(keep), "val": train.subset(take), "test": test}
    return HeartbeatData(parts, {"train_file": str(train_file), "test_file": str(test_file)}, (train_file, test_file))


def mitdb_folder(path: Path | None) -> Path | None:
    """The folder of the MIT-BIH records: `path` (which must be one), else the local copy
    ($KERAS_MODELS_DATA/mitdb, then the cache's); None when there is none (the beat cache,
    or a download, then provides the beats)."""
    if path is not None:
        return beats.mitdb_dir(path)
    return datapaths.look_up(beats.MITDB_FOLDER, Path.is_dir)[0]


def from_mitdb(folder: Path | None, variant: str, split: str, val_fraction: float, test_fraction: float,
               seed: int) -> HeartbeatData:
    """Beats of the 48 MIT-BIH records (`beats.load_mitdb_beats`, cached), split by `split`
    ("intra" or "inter", `splits.split_beats`)."""
    folder = mitdb_folder(folder)
    if folder is not None:
        beats.check_records(folder, beats.MITDB_RECORDS)
    beatset = beats.load_mitdb_beats(folder, variant=variant)
    print(f"beats ({variant}): {format_counts(beatset.y)}")
    parts = splits.split_beats(beatset, split, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed)
    folder = folder or Path(beatset.info["folder"])  # downloaded, or built from there into the cache
    read = beats.record_files(folder, beatset.info.get("records", beats.MITDB_RECORDS))
    if not all(path.is_file() for path in read):  # the records are gone: the cache is all there is
        read = [Path(beatset.info["cache"])]
    return HeartbeatData(parts, {"mitdb": str(folder), "beats": variant}, tuple(read))
