"""One file of a data set: its path, digest and size (shared by the registry and the manifest reader)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileSpec:
    """One file of a data set.

    Attributes:
        path: POSIX path inside the data set's folder, e.g. ``data/realTweets/Twitter_volume_AAPL.csv``.
        sha256: hex digest it must have; None when the source's own checksum list
            (`Source.checksums`) gives it at download time.
        size: bytes, when known.
        needed: False for files the loaders do not read (checksum lists, record lists):
            fetched and verified, but a copy without them still counts as complete.
    """

    path: str
    sha256: str | None = None
    size: int | None = None
    needed: bool = True
