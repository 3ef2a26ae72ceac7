"""Output targets: checked before the work, written atomically, a failed write in one line.

Every command checks each place it will write (`--out`, `--csv`, `--publish`, `--runs-dir`,
`--reports-dir`, the MLflow store) with `check_file` or `check_folder` before it reads
data or imports TensorFlow: a folder that is read-only, a path under a file, a folder
given for a file, a full disk each end as one `UserError` before anything is done. The
check writes and removes a probe file, since only a write tells (``os.access`` says yes
to root on a folder the permissions refuse, and nothing says whether a mount is
read-only but a write).

Files are then written with `write_text` or `atomic` (a temporary file beside the
target, renamed over it once complete): a reader never sees half a file, and a write
that fails (say, the disk fills: ENOSPC) removes the temporary file and ends as one
line naming the target, with no partial file left. No TensorFlow here.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from keras_models.errors import UserError

#: free space a command needs where it writes, checked before the work (a full disk stops at once)
MIN_FREE_BYTES = 1 << 20

_REASONS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
            errno.EPERM: "permission denied", errno.ENAMETOOLONG: "the name is too long",
            errno.ENOTDIR: "a part of the path is a file", errno.EEXIST: "a file of that name exists",
            errno.EISDIR: "it is a folder"}


def reason(err: OSError) -> str:
    """A few words for `err` (the disk is full, permission denied, ...)."""
    return _REASONS.get(err.errno, err.strerror or str(err))


def os_error(err: OSError, path: Path, fix: str) -> UserError:
    """`UserError` "cannot write PATH: REASON; FIX" for a failed write."""
    return UserError(f"cannot write {path}: {reason(err)}; {fix}")


def _existing_folder(path: Path, flag: str, target: Path) -> Path:
    """The nearest folder of `path` and its parents that exists (`UserError` naming `target`
    when a file stands where a folder must be)."""
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
        if os.path.lexists(candidate):
            raise UserError(f"{flag} {target}: {candidate} is a file, not a folder; give {flag} a path under a "
                            "folder")
    return Path(".")


def _probe(folder: Path, target: Path, flag: str) -> None:
    """Write and remove a probe file in `folder`; `UserError` naming `target` when that fails
    or the disk has less than `MIN_FREE_BYTES` free."""
    fix = f"give {flag} a writable place"
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".keras-models-probe-")
        os.close(handle)
        os.unlink(name)
    except OSError as err:
        raise os_error(err, target, fix) from None
    try:
        stats = os.statvfs(folder)
    except OSError:
        return
    if stats.f_bavail * stats.f_frsize < MIN_FREE_BYTES:
        raise UserError(f"cannot write {target}: the disk is full; free space or {fix}")


def check_folder(path: Path, flag: str) -> Path:
    """`path` is a folder the command can create (with its parents) or write into;
    `UserError` (one line) otherwise. Creates nothing."""
    path = Path(path)
    if os.path.lexists(path) and not path.is_dir():
        raise UserError(f"{flag} {path} is a file, not a folder; give {flag} a folder")
    _probe(_existing_folder(path, flag, path), path, flag)
    return path


def check_file(path: Path, flag: str, *, replace: bool = True) -> Path:
    """`path` is a file the command can write (its folder made if missing); `replace`
    False refuses an existing file. `UserError` (one line) otherwise. Creates nothing."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{flag} {path} is a folder; give a file name")
    if not replace and os.path.lexists(path):
        raise UserError(f"{flag} {path} exists and is never overwritten; give a new file name")
    _probe(_existing_folder(path.parent, flag, path), path, flag)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic(path: Path, flag: str = "the output"):
    """Yield a temporary path beside `path` (same suffix, so writers that go by it still
    work); when the block ends, rename it to `path`.

    A failure inside the block (an `OSError` such as ENOSPC becomes a `UserError` naming
    `path`) removes the temporary file and leaves `path` as it was. Missing folders of
    `path` are created."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
        os.close(handle)
        os.chmod(name, 0o666 & ~_umask())  # as an ordinary open() would make it, not mkstemp's 0600
    except OSError as err:
        raise os_error(err, path, f"give {flag} a writable place with free space") from None
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise os_error(err, path, f"free space or give {flag} another place; nothing was written") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str, flag: str = "the output") -> Path:
    """Write `text` to `path` atomically (see `atomic`); returns `path`."""
    with atomic(path, flag) as tmp:
        with open(tmp, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
    return Path(path)
