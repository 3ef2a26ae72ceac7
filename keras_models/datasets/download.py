"""Resumable, verified HTTP downloads.

`download(url, target)` writes to ``<target>.part`` and asks the server only for the
bytes it lacks (an HTTP ``Range`` request) when that file is already there, so an
interrupted download resumes where it stopped. The finished file is checked (size, and
sha256 when one is given) and only then renamed to `target`: `target` never holds a
partial or unverified file. A file failing its check is deleted and refused.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.request
from pathlib import Path

from tqdm.auto import tqdm

from keras_models.errors import UserError

CHUNK = 1 << 16
TIMEOUT_S = 30
USER_AGENT = "keras_models-data-fetch"


class DownloadInterrupted(UserError):
    """The transfer stopped before the end; ``<target>.part`` is kept for a resume."""


class VerificationFailed(UserError):
    """A downloaded or extracted file does not match its pinned size or sha256; nothing was kept."""


def part_path(target: Path) -> Path:
    return Path(target).with_name(Path(target).name + ".part")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def human_size(n: float) -> str:
    """1234567 -> '1.2 MB' (decimal units)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def _reason(err: BaseException) -> str:
    return " ".join(str(getattr(err, "reason", None) or err or type(err).__name__).split())


def _open(url: str, offset: int):
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_S)


def _total(response, offset: int) -> tuple[int, int | None]:
    """(where the body starts, the file's full size or None) from a 200 or 206 response."""
    if response.status == 206:
        match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", response.headers.get("Content-Range", ""))
        if match and int(match.group(1)) == offset:
            return offset, None if match.group(2) == "*" else int(match.group(2))
        raise DownloadInterrupted(f"{response.url}: the server answered the resume request with an unexpected "
                                  f"range ({response.headers.get('Content-Range')}); delete "
                                  f"the .part file and run the same command again")
    length = response.headers.get("Content-Length")
    return 0, int(length) if length and length.isdigit() else None


def download(url: str, target: Path, *, sha256: str | None = None, size: int | None = None,
             progress: bool = True, desc: str | None = None) -> Path:
    """Download `url` to `target`, resuming ``<target>.part``; check size and sha256; rename.

    Raises:
        DownloadInterrupted: the network failed or the transfer stopped early (the
            ``.part`` file is kept: calling again resumes).
        VerificationFailed: the complete file has the wrong size or sha256 (deleted).
        UserError: the server refused the request (HTTP error).
    """
    target = Path(target)
    part = part_path(target)
    part.parent.mkdir(parents=True, exist_ok=True)
    offset = part.stat().st_size if part.exists() else 0
    if size is not None and offset > size:  # cannot be a prefix of the file: start again
        part.unlink()
        offset = 0
    expected = size
    if size is None or offset < size:
        expected = _fetch(url, part, offset, size, progress, desc or target.name)
    got = part.stat().st_size
    if expected is not None and got < expected:
        raise DownloadInterrupted(f"download of {url} stopped at {human_size(got)} of {human_size(expected)}; "
                                  f"run the same command again to resume ({part} is kept)")
    _verify(part, url, sha256, size)
    os.replace(part, target)
    return target


def _fetch(url: str, part: Path, offset: int, size: int | None, progress: bool, desc: str) -> int | None:
    """Append the missing bytes of `url` to `part`; return the file's full size if the server said it."""
    try:
        response = _open(url, offset)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # nothing left to send: the .part file is whole
            return offset
        raise UserError(f"download of {url} refused: HTTP {err.code} {err.reason}") from None
    except (OSError, ValueError, http.client.HTTPException) as err:
        raise DownloadInterrupted(f"download of {url} failed ({_reason(err)}); check the network and run the "
                                  "same command again") from None
    with response:
        start, total = _total(response, offset)
        total = total if total is not None else size
        mode = "ab" if start else "wb"
        try:
            with open(part, mode) as fh, tqdm(total=total, initial=start, unit="B", unit_scale=True, desc=desc,
                                              disable=not progress, leave=False) as bar:
                for block in iter(lambda: response.read(CHUNK), b""):
                    fh.write(block)
                    bar.update(len(block))
        except (OSError, http.client.HTTPException) as err:  # timeouts, resets, a chunked body cut short
            raise DownloadInterrupted(f"download of {url} stopped at {human_size(part.stat().st_size)} "
                                      f"({_reason(err)}); run the same command again to resume ({part} is kept)") from None
    return total


def _verify(path: Path, url: str, sha256: str | None, size: int | None) -> None:
    got_size = path.stat().st_size
    if size is not None and got_size != size:
        path.unlink()
        raise VerificationFailed(f"download of {url} has {got_size:,} bytes, expected {size:,}: refused, "
                                 "nothing was kept; run the same command again")
    if sha256 is not None:
        got = sha256_of(path)
        if got != sha256:
            path.unlink()
            raise VerificationFailed(f"download of {url} has sha256 {got}, expected {sha256}: the file changed "
                                     "upstream or the transfer broke; refused, nothing was kept")
