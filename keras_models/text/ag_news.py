"""AG News (Zhang et al. 2015): find, read, check and split the data.

A CSV folder in the ``ag_news_csv`` layout holds ``train.csv`` (120,000 rows) and
``test.csv`` (7,600 rows): no header, columns class (1-4), title, description. A text is
``title + " " + description``; a label is class - 1 (0 World, 1 Sports, 2 Business,
3 Sci/Tech).

Where the files come from, local copies first, so that nothing is downloaded when a
copy is at hand:

1. ``--data-dir DIR`` (it must hold the files the protocol needs);
2. ``$KERAS_MODELS_DATA/ag_news/``, then the cache ``data/ag_news/`` (`keras_models.datapaths`);
   ``python -m experiments.data fetch ag_news`` puts them there;
3. tfds ``ag_news_subset`` (`keras_models.text.tfds_source`): a prepared copy, or a
   download when the network answers; offline it fails at once, naming the missing
   file(s) and the fix.

Protocols:
    full:  train.csv -> train and validation (stratified, seeded); test.csv -> test.
    small: test.csv only -> a stratified 80 % (train and validation) and 20 % test.
           Not comparable with the report, which trained on 120,000 rows.

Nothing here imports TensorFlow (except the tfds fallback, when it is reached).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_models import datapaths
from keras_models.errors import UserError
from keras_models.text import tfds_source
from keras_models.text.textset import CLASS_NAMES, TextSet, join_text

__all__ = ["CLASS_NAMES", "PROTOCOLS", "Splits", "TextSet", "join_text", "load", "read_csv"]

FOLDER = "ag_news"
PROTOCOLS = {"full": ("train.csv", "test.csv"), "small": ("test.csv",)}
SMALL_TEST_FRACTION = 0.2
LAYOUT = "the ag_news_csv layout: train.csv and test.csv, no header, columns class (1-4), title, description"
NOTES = {
    "full": "protocol full: train.csv (train + validation) and test.csv (test), as in the report",
    "small": "protocol small: trained on a stratified 80 % of test.csv (7,600 rows) and evaluated on the "
             "other 20 %; NOT comparable with the report's numbers (120,000 train rows, 7,600 test rows)",
}


@dataclass(frozen=True)
class Splits:
    """The protocol's train, validation and test sets, and where they came from."""

    protocol: str
    train: TextSet
    val: TextSet
    test: TextSet
    sources: dict[str, str]
    val_fraction: float
    seed: int

    @property
    def note(self) -> str:
        return NOTES[self.protocol]

    def describe(self) -> dict:
        """JSON-ready description for config.json and metrics.json."""
        return {
            "protocol": self.protocol, "note": self.note, "sources": self.sources,
            "val_fraction": self.val_fraction, "seed": self.seed, "class_names": list(CLASS_NAMES),
            "rows": {part: len(s.labels) for part, s in self.parts().items()},
            "class_counts": {part: s.class_counts() for part, s in self.parts().items()},
        }

    def parts(self) -> dict[str, TextSet]:
        return {"train": self.train, "val": self.val, "test": self.test}


def read_csv(path: Path) -> TextSet:
    """Read one ``ag_news_csv`` file, checking every row (UserError names the first bad one)."""
    texts, labels = [], []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            for row in reader:
                if row:
                    label, text = _check_row(path, reader.line_num, row)
                    labels.append(label)
                    texts.append(text)
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); expected {LAYOUT}") from None
    except csv.Error as err:
        raise UserError(f"{path}: malformed CSV ({err}); expected {LAYOUT}") from None
    if not labels:
        raise UserError(f"{path}: no rows; expected {LAYOUT}")
    return TextSet(np.array(texts, dtype=object), np.array(labels, dtype=np.int64))


def _check_row(path: Path, line: int, row: list[str]) -> tuple[int, str]:
    """(label 0..3, title + " " + description) of one CSV row."""
    if len(row) != 3:
        raise UserError(f"{path} line {line}: {len(row)} columns, expected 3 (class 1-4, title, description; no header)")
    if row[0].strip() not in ("1", "2", "3", "4"):
        header = " (the files have no header row)" if line == 1 else ""
        raise UserError(f"{path} line {line}: class {row[0]!r} is not one of 1, 2, 3, 4{header}")
    text = join_text(row[1], row[2])
    if not text:
        raise UserError(f"{path} line {line}: empty text (title and description are both empty)")
    return int(row[0]) - 1, text


def local_files(names: tuple[str, ...], data_dir: Path | None) -> tuple[dict[str, Path] | None, str]:
    """Paths of `names` from `data_dir` (all must be there), else from the first of
    $KERAS_MODELS_DATA/ag_news and the cache that holds them all; else None and a line
    naming the missing file(s) and the places looked at."""
    if data_dir is not None:
        data_dir = Path(data_dir).expanduser()
        if not data_dir.is_dir():
            raise UserError(f"--data-dir {data_dir}: no such folder; give a folder in {LAYOUT}")
        missing = [name for name in names if not (data_dir / name).is_file()]
        if missing:
            raise UserError(f"--data-dir {data_dir}: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                            f"missing; the folder must be in {LAYOUT}")
        return {name: data_dir / name for name in names}, ""
    lacking: dict[Path, list[str]] = {}

    def holds_all(folder: Path) -> bool:
        lacking[folder] = [name for name in names if not (folder / name).is_file()]
        return not lacking[folder]

    folder, tried = datapaths.look_up(FOLDER, holds_all)
    if folder is not None:
        return {name: folder / name for name in names}, ""
    return None, not_found(names, lacking, tried)


def not_found(names: tuple[str, ...], lacking: dict[Path, list[str]], tried: list[str]) -> str:
    """What is missing: the file(s) of `names` in none of the folders looked at, or, when
    each is somewhere, which folder lacks which (the files must be in one folder)."""
    nowhere = [name for name in names if all(name in missing for missing in lacking.values())]
    if nowhere:
        return f"AG News {' and '.join(nowhere)} not found in {', '.join(tried)}"
    return (f"AG News {' and '.join(names)} are not in one folder: "
            + ", ".join(f"{folder} lacks {' and '.join(missing)}" for folder, missing in lacking.items()))


def load_sets(protocol: str, data_dir: Path | None = None) -> tuple[dict[str, TextSet], dict[str, str]]:
    """The CSV files the protocol needs, read and checked: ({file name: TextSet}, {file name: source})."""
    names = PROTOCOLS[protocol]
    paths, missing = local_files(names, data_dir)
    if paths is not None:
        return {name: read_csv(path) for name, path in paths.items()}, {n: str(p) for n, p in paths.items()}
    return tfds_source.load(names, missing)


def stratified_split(data: TextSet, fraction: float, seed: int, what: str) -> tuple[TextSet, TextSet]:
    """(kept, taken): `fraction` of each class taken at random (seeded)."""
    from sklearn.model_selection import train_test_split  # slow to import: only once the data is read

    index = np.arange(len(data.labels))
    try:
        kept, taken = train_test_split(index, test_size=fraction, stratify=data.labels, random_state=seed)
    except ValueError as err:
        raise UserError(f"cannot take a stratified {fraction:g} of the {len(index)} rows of {what} "
                        f"(class counts {data.class_counts()}): {str(err).splitlines()[0]}; give more rows per class") from None
    return data.subset(np.sort(kept)), data.subset(np.sort(taken))


def load(protocol: str = "full", data_dir: Path | None = None, *, val_fraction: float = 0.1,
         seed: int = 0) -> Splits:
    """Read the protocol's files and split them (see the module docstring)."""
    if protocol not in PROTOCOLS:
        raise UserError(f"unknown protocol {protocol!r}; choose one of: {', '.join(PROTOCOLS)}")
    sets, sources = load_sets(protocol, data_dir)
    if protocol == "full":
        pool, test = sets["train.csv"], sets["test.csv"]
    else:
        pool, test = stratified_split(sets["test.csv"], SMALL_TEST_FRACTION, seed, "test.csv")
    train, val = stratified_split(pool, val_fraction, seed, "the training rows")
    return Splits(protocol, train, val, test, sources, val_fraction, seed)
