"""File manifests shipped with the package: ``path,size,sha256`` rows, gzip-compressed CSV.

The image set's manifest (``images_cnn_dataset.csv.gz`` beside this module) lists the
30,000 JPEGs of its source archive; `fetch` checks every extracted file against it.
It was made once from a verified copy of the folder with::

    python -m keras_models.datasets.manifest /path/to/images/cnn_dataset \
        keras_models/datasets/images_cnn_dataset.csv.gz
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import sys
from importlib import resources
from pathlib import Path

from keras_models.datasets.filespec import FileSpec

HEADER = ("path", "size", "sha256")


def _natural(path: str) -> list:
    """Sort key: dogs/2.jpg before dogs/10.jpg."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def make_manifest(folder: Path) -> list[FileSpec]:
    """Every file below `folder` (names starting with "." skipped), in natural order, with size and sha256."""
    folder = Path(folder)
    paths = sorted((p.relative_to(folder).as_posix() for p in folder.rglob("*")
                    if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)),
                   key=_natural)
    return [FileSpec(rel, hashlib.sha256((folder / rel).read_bytes()).hexdigest(), (folder / rel).stat().st_size)
            for rel in paths]


def write_manifest(files: list[FileSpec], out: Path) -> Path:
    """Write `files` as a gzip CSV (byte-identical for the same files: no time stamp inside)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows((f.path, f.size, f.sha256) for f in files)
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as fh:
        fh.write(text.getvalue().encode())
    return Path(out)


def read_manifest(name: str) -> tuple[FileSpec, ...]:
    """The files listed in the package resource `name` (beside this module)."""
    data = resources.files("keras_models.datasets").joinpath(name).read_bytes()
    rows = csv.reader(io.StringIO(gzip.decompress(data).decode()))
    if tuple(next(rows)) != HEADER:
        raise ValueError(f"{name}: not a manifest (expected the header {','.join(HEADER)})")
    return tuple(FileSpec(path, digest, int(size)) for path, size, digest in rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m keras_models.datasets.manifest FOLDER OUT.csv.gz")
    listed = make_manifest(Path(sys.argv[1]))
    print(f"{write_manifest(listed, Path(sys.argv[2]))}: {len(listed)} files, {sum(f.size for f in listed):,} bytes")
