"""Helpers of the hostile-input tests: a refused command's line, exit status and whether it
imported TensorFlow; folders that cannot be written (read-only, full)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: runs `module.main` under `keras_models.cli.main` and reports whether TensorFlow was imported
_WRAPPER = """
import importlib, sys
from keras_models import cli
module = importlib.import_module({module!r})
try:
    cli.main(module.main, {argv!r})
    code = 0
except SystemExit as stop:
    code = stop.code
print("TF-IMPORTED" if "tensorflow" in sys.modules else "TF-NOT-IMPORTED", file=sys.stderr)
sys.exit(code)
"""


def command(module: str, *args, cwd: Path, env: dict | None = None, timeout: int = 300):
    """(exit status, stderr lines but the TensorFlow marker, TensorFlow imported?) of
    `python -m module args` run in `cwd` with no real data visible unless `env` gives it."""
    full_env = {k: v for k, v in os.environ.items() if k != "KERAS_MODELS_DATA"}
    full_env.update({"PYTHONPATH": str(REPO), "KERAS_MODELS_CACHE": str(Path(cwd) / "cache"),
                     "PYTHONUNBUFFERED": "1", **(env or {})})
    out = subprocess.run([sys.executable, "-c", _WRAPPER.format(module=module, argv=[str(a) for a in args])],
                         cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
    lines = out.stderr.splitlines()
    imported = "TF-IMPORTED" in lines
    lines = [line for line in lines if line not in ("TF-IMPORTED", "TF-NOT-IMPORTED")]
    return out.returncode, lines, imported


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
