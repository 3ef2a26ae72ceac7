"""sha256 fingerprints of a run's data files, stored in config.json and checked on resume.

A folder (an image data set) is fingerprinted as one sha256 over its files' relative
paths and sha256, in sorted order. No TensorFlow.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from keras_models.datapaths import sha256_of
from keras_models.errors import UserError


def sha256(path: Path) -> str:
    """sha256 of a file, or of a folder's files (their relative paths and sha256, sorted)."""
    path = Path(path)
    if not path.is_dir():
        return sha256_of(path)
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{item.relative_to(path)}\0{sha256_of(item)}\n".encode())
    return digest.hexdigest()


def digests(paths) -> dict[str, str]:
    """{path: sha256} of every data file or folder (duplicates once)."""
    return {str(p): sha256(p) for p in dict.fromkeys(Path(p) for p in paths)}


def check_unchanged(recorded: dict, run_dir: Path) -> None:
    """`UserError` naming the first data file that is gone or differs from `recorded`."""
    for name, expected in recorded.items():
        path = Path(name)
        if not path.exists():
            raise UserError(f"--resume {run_dir}: its data file {path} is gone; put it back (the run trained on it) "
                            "or start a new run")
        if sha256(path) != expected:
            raise UserError(f"--resume {run_dir}: its data file {path} changed since the run started (sha256 differs); "
                            "restore the original or start a new run on the new data")
