"""Helpers of the hostile-input tests: a refused command's line, exit status and whether it
imported TensorFlow; folders that cannot be written (read-only, full)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

def command(module: str, *args, cwd: Path, env: dict | None = None, timeout: int = 300):
    """(exit status, stderr lines, TensorFlow imported?) of `python -m module args` run in
    `cwd` with no real data visible unless `env` gives it (a child of the tests' fork server,
    `conftest.run_command`: a fresh process for each command, without Python's start-up)."""
    from conftest import run_command

    result = run_command(module, *args, cwd=cwd, env=env, timeout=timeout)
    return result.returncode, result.stderr.splitlines(), result.tensorflow_imported


def assert_refused(module: str, *args, cwd: Path, expected: str, env: dict | None = None, tensorflow: bool = False,
                   separator: str = ";"):
    """The command ends with exit status 2 and the one stderr line ``error: PROBLEM; FIX``
    holding `expected`, before TensorFlow is imported (unless `tensorflow`); returns that line."""
    code, lines, imported = command(module, *args, cwd=cwd, env=env)
    assert code == 2, lines[-20:]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines[-20:]
    assert separator in lines[0], f"the line names the problem and the fix: {lines[0]}"
    assert imported == tensorflow, lines
    return lines[0]


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*"))


@contextlib.contextmanager
def _tmpfs(path: Path, options: str):
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def readonly_dir(tmp_path):
    """A folder nothing can be written into: a read-only tmpfs (as root, where permissions do not
    stop writes), else a folder without write permission; skipped when neither can be had."""
    folder = tmp_path / "readonly"
    if os.geteuid() == 0:
        with _tmpfs(folder, "size=64k,ro") as mounted:
            if not mounted:
                pytest.skip("running as root without the right to mount a read-only tmpfs")
            yield folder
        return
    folder.mkdir()
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


@pytest.fixture
def full_dir(tmp_path):
    """A folder on a full disk (a 256 KiB tmpfs filled up); skipped where tmpfs cannot be mounted."""
    folder = tmp_path / "full"
    with _tmpfs(folder, "size=256k") as mounted:
        if not mounted:
            pytest.skip("a full disk is simulated with a tmpfs, which this user cannot mount")
        with contextlib.suppress(OSError), open(folder / "filler", "wb", buffering=0) as stream:
            while True:
                stream.write(b"\0" * 65536)
        yield folder
