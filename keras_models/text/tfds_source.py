"""AG News from tfds ``ag_news_subset``: the fallback after every local CSV copy.

Offline, tfds retries for about 200 s before failing (SPEC §6). This module asks tfds
only when it can answer: a prepared copy exists in the tfds data folder
($TFDS_DATA_DIR, default ~/tensorflow_datasets), or downloads are allowed
($KERAS_MODELS_OFFLINE unset) and tfds' download host answers within a few seconds.
Otherwise it raises `UserError` at once, naming the fix.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from keras_models import datapaths
from keras_models.errors import UserError
from keras_models.text.ag_news import TextSet, join_text

NAME = "ag_news_subset"
SPLITS = {"train.csv": "train", "test.csv": "test"}
#: What tensorflow-datasets 4.9 downloads for ag_news_subset (its _DOWNLOAD_URL).
DOWNLOAD_URL = "https://drive.google.com/uc?export=download&id=0Bz8a_Dbh9QhbUDNpeUdjb0wxRms"
PROBE_TIMEOUT_S = 5
FIX = ("fix: put the ag_news_csv files (train.csv, test.csv) in $KERAS_MODELS_DATA/ag_news/ or pass --data-dir DIR "
       "(--protocol small needs test.csv only), or download them into the cache: python -m experiments.data fetch ag_news")


def data_dir() -> Path:
    """The tfds data folder ($TFDS_DATA_DIR, default ~/tensorflow_datasets)."""
    return Path(os.environ.get("TFDS_DATA_DIR", "~/tensorflow_datasets")).expanduser()


def prepared() -> bool:
    """True when a prepared ag_news_subset copy is in the tfds data folder."""
    return any((data_dir() / NAME).glob("*/dataset_info.json"))


def unreachable() -> str | None:
    """Why tfds could not download now (None when it could)."""
    if os.environ.get(datapaths.OFFLINE_ENV):
        return f"downloads are off (${datapaths.OFFLINE_ENV} is set)"
    try:
        with urllib.request.urlopen(urllib.request.Request(DOWNLOAD_URL, method="HEAD"), timeout=PROBE_TIMEOUT_S):
            return None
    except urllib.error.HTTPError:
        return None  # the host answered; tfds handles the rest
    except OSError as err:
        return f"its download host does not answer ({getattr(err, 'reason', err)})"


def load(names: tuple[str, ...], missing: str) -> tuple[dict, dict[str, str]]:
    """The tfds splits standing for the CSV files `names`: ({name: TextSet}, {name: source}).

    Args:
        missing: what was not found locally, for the error message.
    """
    have_copy = prepared()
    if not have_copy:
        reason = unreachable()
        if reason is not None:
            raise UserError(f"{missing}, and tfds {NAME} has no prepared copy in {data_dir()} and {reason}; {FIX}")
    import tensorflow_datasets as tfds

    sets = {name: as_text_set(tfds.load(NAME, split=SPLITS[name], download=not have_copy)) for name in names}
    return sets, {name: f"tfds:{NAME}/{SPLITS[name]}" for name in names}


def as_text_set(dataset):
    """A tfds ag_news_subset split ({title, description, label 0-3}) as a `TextSet`."""
    texts, labels = [], []
    for example in dataset.as_numpy_iterator():
        texts.append(join_text(example["title"].decode(), example["description"].decode()))
        labels.append(int(example["label"]))
    return TextSet(np.array(texts, dtype=object), np.array(labels, dtype=np.int64))
