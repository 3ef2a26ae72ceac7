"""Download a data set into the cache, verified, resumable and atomic.

`fetch("images")`:

1. does nothing when a complete copy is in ``$KERAS_MODELS_DATA``;
2. checks the files already in the cache (``<cache>/<folder>``) against their sha256; a
   file that fails is reported with the fix and never replaced;
3. downloads what is missing into ``<cache>/.partial/`` (each file, or the archive, as a
   ``.part`` file that a rerun resumes with HTTP Range requests), checks every file
   (extracted members are checked one by one into a temporary folder, a corrupted
   archive is deleted and refused), and only then moves the files into place.

A copy is therefore complete only when every file has been verified; an interrupted or
broken download never looks complete.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Callable

from tqdm.auto import tqdm

from keras_models import datapaths
from keras_models.datasets.download import VerificationFailed, download, human_size, sha256_of
from keras_models.datasets.registry import Dataset, FileSpec, get
from keras_models.datasets.locate import status
from keras_models.errors import UserError

PARTIAL = ".partial"  # folder of the cache holding downloads in progress
SHOWN = 3


def partial_root() -> Path:
    return datapaths.cache_root() / PARTIAL


def fetch(name: str | Dataset, *, progress: bool = True, log: Callable[[str], None] = print) -> Path:
    """Make data set `name` complete in the cache (unless it is complete in $KERAS_MODELS_DATA).

    Returns the folder of the complete copy. Raises `UserError` (one line): a cached file
    fails verification, a download failed or was interrupted (rerun to resume), or an
    archive or file is corrupted (refused, nothing kept).
    """
    dataset = get(name)
    state = status(dataset)
    local = next((c for c in state.copies if c.where != "cache" and c.complete), None)
    if local is not None:
        log(f"{dataset.name}: complete in {local.where} ({local.path}); nothing to download")
        return local.path
    target = state.cache.path
    staging = partial_root() / dataset.folder
    digests = _digests(dataset, target, staging, progress)
    _check_cached(dataset, target, digests)
    missing = [f for f in dataset.files if not (target / f.path).is_file()]
    if not missing:
        log(f"{dataset.name}: complete in the cache ({target}), {len(dataset.files):,} files verified")
        return target
    size = state.download_size() or dataset.source.download_size
    log(f"{dataset.name}: downloading {len(missing):,} file(s), about {human_size(size)}, from "
        f"{dataset.source.description}")
    if dataset.source.archive is not None:
        _from_archive(dataset, missing, staging, digests, progress)
    else:
        _from_files(dataset, missing, staging, digests, progress)
    _place(staging, target, missing)
    log(f"{dataset.name}: complete in the cache ({target}), {len(dataset.files):,} files verified")
    return target


# ----------------------------------------------------------------------------- digests


def parse_checksums(text: str) -> dict[str, str]:
    """``<sha256> <name>`` lines (``sha256sum`` output) -> {name: sha256}."""
    table = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            table[parts[1].lstrip("*")] = parts[0].lower()
    return table


def _digests(dataset: Dataset, target: Path, staging: Path, progress: bool) -> dict[str, str]:
    """{path: sha256} of every file: the registry's pins, and those of the source's own
    checksum list (read from the cache, or downloaded first and checked against its pin)."""
    digests = {f.path: f.sha256 for f in dataset.files if f.sha256}
    listing = dataset.source.checksums
    if listing is None:
        return digests
    path = target / listing.path
    if not path.is_file():
        path = staging / listing.path
        if not path.is_file():
            download(dataset.source.file_url(listing.path), path, sha256=listing.sha256, progress=progress)
    elif sha256_of(path) != listing.sha256:
        raise _bad_cache(dataset, target, [f"{listing.path} (sha256 differs from the pinned release checksum list)"])
    table = parse_checksums(path.read_text())
    unlisted = [f.path for f in dataset.files if f.path not in digests and f.path not in table]
    if unlisted:
        raise UserError(f"{dataset.name}: {listing.path} of the source lists no checksum for {unlisted[0]}; "
                        "the release changed: report this")
    return {**{f.path: table[f.path] for f in dataset.files if f.path in table}, **digests}


def _check_cached(dataset: Dataset, target: Path, digests: dict[str, str]) -> None:
    """`UserError` naming the cached files whose size or sha256 is not the pinned one."""
    bad = []
    for spec in dataset.files:
        path = target / spec.path
        if not path.is_file():
            continue
        if spec.size is not None and path.stat().st_size != spec.size:
            bad.append(f"{spec.path} ({path.stat().st_size:,} bytes, expected {spec.size:,})")
        elif digests.get(spec.path) and sha256_of(path) != digests[spec.path]:
            bad.append(f"{spec.path} (sha256 differs)")
    if bad:
        raise _bad_cache(dataset, target, bad)


def _bad_cache(dataset: Dataset, target: Path, bad: list[str]) -> UserError:
    more = f" and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
    return VerificationFailed(
        f"{dataset.name}: {len(bad)} file(s) in the cache {target} fail verification: {'; '.join(bad[:SHOWN])}{more}; "
        f"they are not replaced: delete them (or move {target} aside) and run {dataset.fetch_command} again")


# ----------------------------------------------------------------------------- downloads


def _from_files(dataset: Dataset, missing: list[FileSpec], staging: Path, digests: dict[str, str],
                progress: bool) -> None:
    """Download each missing file into `staging` (kept there verified, so a rerun skips it)."""
    todo = [f for f in missing if not (staging / f.path).is_file()]
    for spec in tqdm(todo, desc=dataset.name, unit="file", disable=not progress or len(todo) < 2):
        download(dataset.source.file_url(spec.path), staging / spec.path, sha256=digests.get(spec.path),
                 size=spec.size, progress=progress, desc=spec.path)


def archive_path(dataset: Dataset) -> Path:
    return partial_root() / f"{dataset.name}.{dataset.source.archive}"


def _from_archive(dataset: Dataset, missing: list[FileSpec], staging: Path, digests: dict[str, str],
                  progress: bool) -> None:
    """Download the archive (resumable), extract the missing files into a temporary folder,
    verify each, then move them into `staging`; the archive is deleted afterwards."""
    archive = archive_path(dataset)
    download(dataset.source.url, archive, progress=progress, desc=archive.name)
    partial_root().mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{dataset.name}.", suffix=".extract", dir=partial_root()))
    try:
        _extract(dataset, archive, missing, scratch, digests, progress)
        for spec in missing:
            (staging / spec.path).parent.mkdir(parents=True, exist_ok=True)
            os.replace(scratch / spec.path, staging / spec.path)
    except (VerificationFailed, OSError, EOFError, zlib.error, tarfile.TarError, zipfile.BadZipFile) as err:
        archive.unlink(missing_ok=True)
        reason = str(err) if isinstance(err, VerificationFailed) else f"{type(err).__name__}: {err}"
        raise VerificationFailed(f"{dataset.name}: the archive from {dataset.source.url} is corrupted ({reason}); "
                                 f"refused and deleted, nothing kept; run {dataset.fetch_command} again to download "
                                 "it anew") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    archive.unlink(missing_ok=True)


def member_path(name: str, dataset: Dataset) -> str | None:
    """The data set path of archive member `name` (None for members outside the data set)."""
    parts = name.split("/")[dataset.source.strip_components:]
    rel = "/".join(parts)
    root = dataset.source.member_root
    return rel[len(root):] if rel.startswith(root) and len(rel) > len(root) else None


def _extract(dataset: Dataset, archive: Path, missing: list[FileSpec], scratch: Path, digests: dict[str, str],
             progress: bool) -> None:
    wanted = {f.path: f for f in missing}
    done = set()
    bar = tqdm(total=len(wanted), desc=f"{dataset.name}: extract and verify", unit="file", disable=not progress,
               leave=False)
    with bar, _members(archive, dataset.source.archive) as members:
        for name, opener in members:
            rel = member_path(name, dataset)
            if rel not in wanted or rel in done:
                continue
            out = scratch / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            with opener() as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            _verify_member(out, wanted[rel], digests.get(rel))
            done.add(rel)
            bar.update(1)
    absent = [path for path in wanted if path not in done]
    if absent:
        raise VerificationFailed(f"{len(absent)} file(s) not in the archive, e.g. {dataset.source.member_root}{absent[0]}")


def _verify_member(path: Path, spec: FileSpec, sha256: str | None) -> None:
    if spec.size is not None and path.stat().st_size != spec.size:
        raise VerificationFailed(f"{spec.path} has {path.stat().st_size:,} bytes, expected {spec.size:,}")
    if sha256 is not None and sha256_of(path) != sha256:
        raise VerificationFailed(f"{spec.path} has the wrong sha256")


class _members:
    """Context manager yielding (member name, open function) for the regular files of an archive."""

    def __init__(self, archive: Path, kind: str):
        self.archive, self.kind = archive, kind

    def __enter__(self):
        if self.kind == "zip":
            self.handle = zipfile.ZipFile(self.archive)
            return ((info.filename, lambda info=info: self.handle.open(info))
                    for info in self.handle.infolist() if not info.is_dir())
        self.handle = tarfile.open(self.archive, mode="r:*")
        return ((member.name, lambda member=member: self.handle.extractfile(member))
                for member in self.handle if member.isfile())

    def __exit__(self, *exc):
        self.handle.close()


# ----------------------------------------------------------------------------- placing


def _place(staging: Path, target: Path, files: list[FileSpec]) -> None:
    """Move the verified files from `staging` into `target` (the whole folder at once when
    `target` does not exist yet); an existing file in `target` is never overwritten."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, target)
    else:
        for spec in files:
            dest = target / spec.path
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / spec.path, dest)
        shutil.rmtree(staging, ignore_errors=True)
    root = partial_root()
    for folder in [staging.parent, *staging.parent.parents]:  # drop the emptied .partial folders
        if folder == root.parent or not folder.is_dir() or any(folder.iterdir()):
            break
        folder.rmdir()
