"""Find a data file: explicit flag, then $KERAS_MODELS_DATA, then the data/ cache,
then a download with a pinned sha256.

Every data file is addressed by a path relative to a data root, a folder holding one
folder per data set (``nab/``, ``mitdb/``, ``ag_news/``, ``images/cnn_dataset/``, laid out
as `keras_models.datasets.registry` and docs/data.md describe), e.g.
``nab/data/realTweets/Twitter_volume_AAPL.csv``:

1. an explicit path (a command-line flag) wins and must exist;
2. ``$KERAS_MODELS_DATA/<relpath>`` if that variable is set and the file is there;
3. ``<cache>/<relpath>``, the download cache (``$KERAS_MODELS_CACHE``, default ``./data``);
4. a download of a pinned URL into the cache (`keras_models.datasets.download`: resumable,
   accepted only if its sha256 matches; skipped when $KERAS_MODELS_OFFLINE is set).

Whole data sets are downloaded by ``python -m experiments.data fetch NAME``; every
"not found" message here names that command.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from keras_models.datasets import registry
from keras_models.datasets.download import download as fetch_file
from keras_models.datasets.download import sha256_of as _sha256_of
from keras_models.errors import UserError

DATA_ENV = "KERAS_MODELS_DATA"
CACHE_ENV = "KERAS_MODELS_CACHE"
OFFLINE_ENV = "KERAS_MODELS_OFFLINE"  # set to 1 to never download (the test suite does)


@dataclass(frozen=True)
class Remote:
    """Where a file can be downloaded from, and the sha256 it must have."""

    url: str
    sha256: str


def data_root() -> Path | None:
    """The local copy named by $KERAS_MODELS_DATA, if set."""
    value = os.environ.get(DATA_ENV)
    return Path(value).expanduser() if value else None


def cache_root() -> Path:
    """The download cache: $KERAS_MODELS_CACHE, else ./data."""
    return Path(os.environ.get(CACHE_ENV, "data")).expanduser()


def sha256_of(path: Path) -> str:
    """The hex sha256 of the file at `path`."""
    return _sha256_of(path)


def fix(relpath: str, flag: str) -> str:
    """How to provide `relpath`: a local copy, the flag, or the fetch command of its data
    set (last, so that the message ends with the command to run)."""
    dataset = registry.for_relpath(relpath)
    if dataset is None:
        return f"set {DATA_ENV} to a data folder holding {relpath} or pass {flag}"
    return (f"set {DATA_ENV} to a data folder holding {dataset.folder}/ ({dataset.layout}; see docs/data.md), "
            f"pass {flag}, or download it into the cache: {dataset.fetch_command}")


def resolve(relpath: str, *, explicit: Path | None = None, remote: Remote | None = None,
            flag: str = "a path flag") -> Path:
    """Return a local path for `relpath`, downloading it if needed.

    Raises `UserError` naming every place looked at and the fix.
    """
    if explicit is not None:
        explicit = Path(explicit).expanduser()
        if not explicit.is_file():
            raise UserError(f"file not found: {explicit}; check the path given to {flag}")
        return explicit

    found, tried = look_up(relpath, Path.is_file)
    if found is not None:
        return found
    missing = f"{relpath} not found in {', '.join(tried)}"
    if remote is None:
        raise UserError(f"{missing} and it has no pinned download; {fix(relpath, flag)}")
    if os.environ.get(OFFLINE_ENV):
        raise UserError(f"{missing} and downloads are off (${OFFLINE_ENV} is set); {fix(relpath, flag)}")
    try:
        return download(remote, cache_root() / relpath)
    except UserError as err:
        raise UserError(f"{missing} and {err}; {fix(relpath, flag)}") from None


def look_up(relpath: str, exists) -> tuple[Path | None, list[str]]:
    """The first of $KERAS_MODELS_DATA/<relpath> and <cache>/<relpath> for which
    `exists(path)` holds (None if neither), and a description of the places tried.
    Every loader's local lookup goes through here."""
    tried = []
    root = data_root()
    if root is not None:
        candidate = root / relpath
        if exists(candidate):
            return candidate, tried
        tried.append(f"${DATA_ENV}/{relpath} ({candidate})")
    else:
        tried.append(f"${DATA_ENV} (unset)")
    cached = cache_root() / relpath
    if exists(cached):
        return cached, tried
    tried.append(f"the cache {cached}")
    return None, tried


def resolve_dir(relpath: str, *, explicit: Path | None = None, flag: str = "a folder flag") -> Path:
    """Return a local folder for `relpath`: `explicit` (must be a folder), else
    ``$KERAS_MODELS_DATA/<relpath>``, else ``<cache>/<relpath>``. Folders are never downloaded.

    Raises `UserError` naming every place looked at and the fix.
    """
    if explicit is not None:
        explicit = Path(explicit).expanduser()
        if not explicit.exists():
            raise UserError(f"folder not found: {explicit}; check the path given to {flag}")
        if not explicit.is_dir():
            raise UserError(f"{explicit} is a file, not a folder; give {flag} a folder")
        return explicit
    found, tried = look_up(relpath, Path.is_dir)
    if found is None:
        raise UserError(f"{relpath} not found in {', '.join(tried)}; {fix(relpath, flag)}")
    return found


def download(remote: Remote, target: Path) -> Path:
    """Download `remote` to `target` (`keras_models.datasets.download.download`: through
    ``<target>.part``, resumed when rerun, kept only if its sha256 matches the pin).

    Raises `UserError` (one line): the network failed (the partial file is kept for a
    resume), the URL is not http(s), or the sha256 differs (nothing kept).
    """
    if not remote.url.startswith(("http://", "https://")):
        raise UserError(f"cannot download {remote.url} (only http and https URLs are downloaded)")
    return fetch_file(remote.url, Path(target), sha256=remote.sha256)
