"""Shared fixtures: synthetic series, the real-data folder (or a clear skip), CLI runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]

# No test may use the network: data comes from synthetic files or ../shared/data.
os.environ["KERAS_MODELS_OFFLINE"] = "1"


def shared_data_dir() -> Path:
    """$KERAS_MODELS_DATA, else ../shared/data beside the repository."""
    return Path(os.environ.get("KERAS_MODELS_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture
def shared_data() -> Path:
    """The real data folder; the test is skipped (with the reason) when it is absent."""
    root = shared_data_dir()
    if not (root / "nab").is_dir():
        pytest.skip(f"real data not found at {root}: set KERAS_MODELS_DATA to a folder laid out like shared/data")
    return root


@pytest.fixture
def shared_images() -> Path:
    """The real 3-class image folder; the test is skipped (with the reason) when it is absent."""
    folder = shared_data_dir() / "images" / "cnn_dataset"
    if not folder.is_dir():
        pytest.skip(f"real images not found at {folder}: set KERAS_MODELS_DATA to a folder laid out like shared/data")
    return folder


def write_series(path: Path, n: int = 600, spikes: tuple[int, ...] = (450, 520), seed: int = 0) -> Path:
    """A synthetic 5-minute `timestamp,value` series: a daily-ish cycle, noise and spikes."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 50 + 20 * np.sin(2 * np.pi * t / 48) + rng.normal(0, 2, n)
    values[list(spikes)] += 400
    stamps = pd.date_range("2015-03-01 00:00:00", periods=n, freq="5min")
    pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%d %H:%M:%S"), "value": values.round(2)}).to_csv(path, index=False)
    return path


def write_windows(path: Path, series_file: str, windows: list[tuple[str, str]]) -> Path:
    """A combined_windows.json with `windows` for the series file name `series_file`."""
    path.write_text(json.dumps({f"synthetic/{series_file}": [list(w) for w in windows]}))
    return path


@pytest.fixture
def series_csv(tmp_path) -> Path:
    return write_series(tmp_path / "synthetic_series.csv")


def run_cli(module: str, *args: str, cwd: Path, env: dict | None = None, timeout: int = 600,
            input: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m module args` in `cwd` (`input` on its standard input) with no real data
    visible unless `env` gives it."""
    full_env = {k: v for k, v in os.environ.items() if k != "KERAS_MODELS_DATA"}
    full_env.update({"PYTHONPATH": str(REPO), "KERAS_MODELS_CACHE": str(cwd / "cache"), "PYTHONUNBUFFERED": "1"})
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, input=input)


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """{relative path: (size, mtime_ns)} of every file under root."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


AG_NEWS_WORDS = (
    ("minister", "election", "troops", "embassy", "parliament"),
    ("striker", "coach", "league", "playoff", "tournament"),
    ("shares", "profit", "merger", "investors", "earnings"),
    ("software", "chip", "internet", "satellite", "browser"),
)


def write_ag_news(folder: Path, rows_per_class: int = 20, files: tuple[str, ...] = ("train.csv", "test.csv"),
                  seed: int = 0) -> Path:
    """A synthetic folder in the ag_news_csv layout: class (1-4), title, description; no header.

    Each class draws its words from its own small list, so a tiny model can learn it.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(files):
        rows = []
        for label, words in enumerate(AG_NEWS_WORDS, 1):
            for _ in range(rows_per_class * (1 if i else 2)):
                title = " ".join(rng.choice(words, 3))
                description = " ".join(rng.choice(words + ("the", "a", "news"), 8))
                rows.append((str(label), title.title(), f"{description}."))
        pd.DataFrame(rows).sample(frac=1, random_state=seed + i).to_csv(folder / name, header=False, index=False,
                                                                       quoting=1)
    return folder


def write_kaggle(path, n_per_class: int = 12, seed: int = 0, label=None):
    """A Kaggle-layout CSV: 187 values in [0, 1] and a label 0..4 per row, no header."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(5), n_per_class)
    x = rng.random((len(y), 187)) * 0.2 + y[:, None] * 0.15  # separable enough to learn a little
    rows = np.column_stack([x, y]).astype(object)
    if label is not None:
        rows[0, -1] = label
    path.write_text("\n".join(",".join(f"{v:.4f}" if i < 187 else str(v) for i, v in enumerate(r)) for r in rows) + "\n")
    return path


@pytest.fixture
def ag_news_dir(tmp_path) -> Path:
    return write_ag_news(tmp_path / "ag_news_csv")


#: mean brightness of each synthetic class, so a label can be read back from the pixels
IMAGE_CLASS_LEVELS = {"cars": 40, "dogs": 128, "soup": 215}


def write_image_folder(root: Path, classes: tuple[str, ...] = tuple(IMAGE_CLASS_LEVELS), per_class: int = 10,
                       size: int = 64, seed: int = 0) -> Path:
    """A folder of class sub-folders of small RGB images (JPEG and PNG alternating); each
    class has its own brightness (`IMAGE_CLASS_LEVELS`), plus noise."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for name in classes:
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        level = IMAGE_CLASS_LEVELS.get(name, 128)
        for i in range(per_class):
            pixels = np.clip(rng.normal(level, 12, (size, size, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"{i}.{'png' if i % 2 else 'jpg'}")
    return root


@pytest.fixture
def image_folder(tmp_path) -> Path:
    return write_image_folder(tmp_path / "images")


def run_refused(module: str, *args, expected: str, cwd: Path, env: dict | None = None) -> str:
    """Run a command that must refuse its input: exit status 2, one ``error: ...`` line on
    stderr containing `expected`, and no file under `cwd` written or changed. Returns the line."""
    before = tree(cwd)
    result = run_cli(module, *args, cwd=cwd, env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.stderr[-2000:]
    assert tree(cwd) == before, "a bad input must not write or change any file"
    return lines[0]


def refuse_case(module: str, case: tuple, tmp_path: Path, default: tuple | None = None,
                env: dict | None = None) -> str:
    """`run_refused` for one entry of a command's bad-input table.

    `case` is (make_args(tmp_path) -> list of arguments, expected text of the error line);
    `default` is (flag, make_value(tmp_path)), a valid data flag added when the case does
    not give that flag itself, so the case fails for its own reason.
    """
    make_args, expected = case
    args = [str(a) for a in make_args(tmp_path)]
    if default is not None and default[0] not in args:
        args += [default[0], str(default[1](tmp_path))]
    return run_refused(module, *args, "--runs-dir", tmp_path / "runs", expected=expected, cwd=tmp_path, env=env)
