"""Find a data file: explicit flag, then $KERAS_MODELS_DATA, then the data/ cache,
then a download with a pinned sha256.

Every data set is addressed by a path relative to a data root laid out like
`shared/data` (e.g. ``nab/data/realTweets/Twitter_volume_AAPL.csv``):

1. an explicit path (a command-line flag) wins and must exist;
2. ``$KERAS_MODELS_DATA/<relpath>`` if that variable is set and the file is there;
3. ``<cache>/<relpath>``, the download cache (``$KERAS_MODELS_CACHE``, default ``./data``);
4. a download of a pinned URL into the cache with `pooch.retrieve`, accepted only if
   its sha256 matches (skipped when $KERAS_MODELS_OFFLINE is set).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pooch

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
    return pooch.file_hash(str(path), alg="sha256")


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
    fix = f"set {DATA_ENV} to a folder laid out like shared/data or pass {flag}"
    if remote is None:
        raise UserError(f"{missing} and it has no pinned download; {fix}")
    if os.environ.get(OFFLINE_ENV):
        raise UserError(f"{missing} and downloads are off (${OFFLINE_ENV} is set); {fix}")
    try:
        return download(remote, cache_root() / relpath)
    except OSError as err:
        reason = " ".join(str(getattr(err, "reason", None) or err).split())  # one line
        raise UserError(f"{missing} and its download from {remote.url} failed ({reason}); {fix}") from None


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
        raise UserError(f"{relpath} not found in {', '.join(tried)}; "
                        f"set {DATA_ENV} to a folder laid out like shared/data or pass {flag}")
    return found


def download(remote: Remote, target: Path) -> Path:
    """Download `remote` to `target` with `pooch.retrieve`, keeping it only if its
    sha256 matches the pin (pooch downloads to a temporary file beside `target` and
    deletes it on a mismatch).

    Network failures propagate as `OSError` (requests' exceptions are ones); a bad
    URL or a hash mismatch raises `UserError`.
    """
    target = Path(target)
    try:
        downloader = pooch.downloaders.choose_downloader(remote.url, progressbar=True)
    except ValueError as err:
        raise UserError(f"cannot download {remote.url} ({err}); "
                        f"use a local copy: set {DATA_ENV} to a folder laid out like shared/data") from None
    try:
        pooch.retrieve(remote.url, known_hash=f"sha256:{remote.sha256}", fname=target.name,
                       path=target.parent, downloader=downloader, progressbar=True)
    except ValueError as err:  # the only ValueError left is pooch's hash check
        got = re.search(r"but got ([0-9a-fA-F]+)", str(err))
        raise UserError(
            f"download of {remote.url} has sha256 {got.group(1) if got else '(another)'}, expected {remote.sha256}: "
            "the file changed upstream or the transfer broke; nothing was kept in the cache, "
            f"try again or use a local copy ({DATA_ENV})"
        ) from None
    return target
