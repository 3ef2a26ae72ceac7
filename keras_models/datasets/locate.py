"""Where each data set is on this machine, and what `fetch` would download.

A copy is looked for where the commands look (`keras_models.datapaths`): an explicit
folder (a command's path flag), then ``$KERAS_MODELS_DATA/<folder>``, then the cache
``<cache>/<folder>``. A copy is complete when every file the loaders read is there;
only `fetch` reads the files through (sha256), this module only looks at names and sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_models import datapaths
from keras_models.datasets.download import human_size
from keras_models.datasets.registry import Dataset, get

SHOWN = 3  # missing files named in a summary


@dataclass(frozen=True)
class Copy:
    """One place a data set was looked for.

    Attributes:
        where: "--path", "$KERAS_MODELS_DATA" or "cache".
        path: the data set's folder there.
        present: how many of the needed files are there.
        needed: how many files the loaders read.
        size: bytes of the files there (needed or not).
        missing: the needed files that are not there.
    """

    where: str
    path: Path
    present: int
    needed: int
    size: int
    missing: tuple[str, ...]

    @property
    def exists(self) -> bool:
        return self.path.is_dir()

    @property
    def complete(self) -> bool:
        return not self.missing

    def summary(self) -> str:
        if not self.exists:
            return f"{self.where}: no folder {self.path}"
        if self.complete:
            return f"{self.where}: complete, {self.needed:,} files, {human_size(self.size)} in {self.path}"
        shown = ", ".join(self.missing[:SHOWN]) + (f" and {len(self.missing) - SHOWN:,} more"
                                                    if len(self.missing) > SHOWN else "")
        return f"{self.where}: incomplete, {self.present:,} of {self.needed:,} files in {self.path} (missing {shown})"


@dataclass(frozen=True)
class Status:
    """A data set's copies in lookup order, the one the commands use, and what `fetch` would download."""

    dataset: Dataset
    copies: tuple[Copy, ...]

    @property
    def found(self) -> Copy | None:
        """The first complete copy in lookup order (None: the data set is missing)."""
        return next((c for c in self.copies if c.complete), None)

    @property
    def cache(self) -> Copy:
        return self.copies[-1]

    def download_size(self) -> int:
        """About how many bytes `fetch` would download (0 when a complete copy exists)."""
        if self.found is not None:
            return 0
        source, files = self.dataset.source, self.dataset.files
        if source.archive is not None:
            return source.download_size
        have = {f.path for f in files if (self.cache.path / f.path).is_file()}
        return round(source.download_size * (len(files) - len(have)) / len(files))

    def lines(self) -> list[str]:
        """The report `python -m experiments.data status` prints for this data set."""
        d = self.dataset
        head = f"{d.name} ({d.folder}/): "
        found = self.found
        if found is not None:
            where = "the cache" if found.where == "cache" else found.where
            head += f"complete in {where} {found.path} ({found.needed:,} files, {human_size(found.size)})"
        else:
            head += "MISSING" if not any(c.exists for c in self.copies) else "INCOMPLETE"
        lines = [head] + ["    " + c.summary() for c in self.copies if c is not found]
        if found is None:
            lines.append(f"    fetch would download about {human_size(self.download_size())} from "
                         f"{d.source.description}: {d.fetch_command}")
        return lines


def examine(where: str, folder: Path, dataset: Dataset) -> Copy:
    """Which of the data set's files are in `folder` (by name; sizes summed)."""
    folder = Path(folder)
    if not folder.is_dir():
        return Copy(where, folder, 0, len(dataset.needed), 0, tuple(f.path for f in dataset.needed))
    size, missing = 0, []
    for spec in dataset.files:
        path = folder / spec.path
        try:
            size += path.stat().st_size
        except OSError:
            if spec.needed:
                missing.append(spec.path)
    needed = len(dataset.needed)
    return Copy(where, folder, needed - len(missing), needed, size, tuple(missing))


def status(name: str | Dataset, explicit: Path | None = None) -> Status:
    """The copies of data set `name`: `explicit` (a folder given on the command line, if
    any), ``$KERAS_MODELS_DATA/<folder>`` (if set), ``<cache>/<folder>``."""
    dataset = get(name)
    places = []
    if explicit is not None:
        places.append(("--path", Path(explicit).expanduser()))
    root = datapaths.data_root()
    if root is not None:
        places.append((f"${datapaths.DATA_ENV}", root / dataset.folder))
    places.append(("cache", datapaths.cache_root() / dataset.folder))
    return Status(dataset, tuple(examine(where, folder, dataset) for where, folder in places))


def missing(names) -> list[Status]:
    """The statuses of the data sets among `names` that have no complete copy."""
    return [s for s in (status(n) for n in names) if s.found is None]
