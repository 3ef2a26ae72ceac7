"""Shared fixtures: synthetic data, the real data (or a clear skip), command runs.

Two tiers: `python -m pytest -q` runs the fast tests; `python -m pytest -q -m slow` the
slow ones (real data, kill and resume, PyTorch parity, long end-to-end runs).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]

# No test may use the network: data comes from synthetic files or a local copy of the real data.
os.environ["KERAS_MODELS_OFFLINE"] = "1"


def real_data_roots() -> list[Path]:
    """Where real data is looked for: $KERAS_MODELS_DATA, then the download cache
    ($KERAS_MODELS_CACHE, default ./data in the repository)."""
    roots = [Path(os.environ["KERAS_MODELS_DATA"]).expanduser()] if os.environ.get("KERAS_MODELS_DATA") else []
    cache = Path(os.environ.get("KERAS_MODELS_CACHE") or "data").expanduser()
    return roots + [cache if cache.is_absolute() else REPO / cache]


def real_data_dir(relpath: str, name: str) -> Path:
    """The data root holding `relpath` (a file or folder of the data set `name`); the test
    is skipped, with the fix, when no root holds it."""
    *data, cache = real_data_roots()
    for root in (*data, cache):
        if (root / relpath).exists():
            return root
    looked = f"$KERAS_MODELS_DATA ({data[0] if data else 'unset'}) or the download cache ({cache})"
    pytest.skip(f"real data {relpath} not found in {looked}: set KERAS_MODELS_DATA to a folder holding it, "
                f"or download it with `python -m experiments.data fetch {name}`")


@pytest.fixture
def real_data() -> Path:
    """The data root holding the real NAB data (the test is skipped, with the fix, when none does)."""
    return real_data_dir("nab/data/realTweets/Twitter_volume_AAPL.csv", "nab")


@pytest.fixture
def real_images() -> Path:
    """The real 3-class image folder (the test is skipped, with the fix, when it is absent)."""
    return real_data_dir("images/cnn_dataset", "images") / "images" / "cnn_dataset"


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


def command_env(cwd: Path, env: dict | None = None) -> dict[str, str]:
    """The environment of a command run by a test: the repository importable, a download
    cache in `cwd`, and no real data visible unless `env` gives it."""
    full_env = {k: v for k, v in os.environ.items() if k != "KERAS_MODELS_DATA"}
    full_env.update({"PYTHONPATH": str(REPO), "KERAS_MODELS_CACHE": str(cwd / "cache"), "PYTHONUNBUFFERED": "1"})
    full_env.update(env or {})
    return full_env


def run_cli(module: str, *args: str, cwd: Path, env: dict | None = None, timeout: int = 600,
            input: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m module args` in `cwd` (`input` on its standard input) with no real data
    visible unless `env` gives it."""
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=cwd, env=command_env(cwd, env),
                          capture_output=True, text=True, timeout=timeout, input=input)


def run_here(module: str, *args, cwd: Path, env: dict | None = None, input: str | None = None
             ) -> subprocess.CompletedProcess:
    """`run_cli` in this process, for a command whose test asserts nothing a separate process
    adds: `cli.main(module.main, args)` (what `python -m module` runs) in `cwd`, with the same
    environment and standard input (`input`), its stdout and stderr captured. Saves
    TensorFlow's start-up in a new process."""
    import contextlib
    import importlib
    import io

    from keras_models import cli

    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    out, err = io.StringIO(), io.StringIO()
    code = 0
    environment = command_env(Path(cwd), env)  # read before the clear: it starts from this process's environment
    try:
        os.environ.clear()
        os.environ.update(environment)
        os.chdir(cwd)
        sys.stdin = io.StringIO(input or "")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.main(importlib.import_module(module).main, [str(a) for a in args])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        if "keras" in sys.modules:  # leave no model or name of the command's to the next test, as a process would
            sys.modules["keras"].backend.clear_session()
    return subprocess.CompletedProcess([module, *map(str, args)], code, out.getvalue(), err.getvalue())


#: A helper process that imports the commands' modules once (they import no TensorFlow) and
#: forks a new child for each command it is sent: the child runs the module as `python -m`
#: does (`runpy`, `sys.argv`, its own working folder, environment, stdout and stderr files)
#: and exits with the command's status. Each child is a separate process, so a command that
#: imports TensorFlow before refusing still shows TensorFlow's start-up lines on its stderr;
#: it only skips Python's start-up and the imports, about a second a command.
FORK_SERVER = r"""
import importlib, json, os, runpy, sys, traceback

for name in sys.argv[1:]:
    importlib.import_module(name)
    del sys.modules[name]  # its imports stay loaded; the command itself runs afresh in each child
assert "tensorflow" not in sys.modules, "a command module imported TensorFlow"
print("ready", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, request["stdout"], os.O_WRONLY),
                                    (2, request["stderr"], os.O_WRONLY)):
                os.dup2(os.open(path, flags), fd)
            sys.argv = [request["module"], *request["args"]]
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as stop:
            if stop.code is None or isinstance(stop.code, int):
                code = stop.code or 0
            else:
                print(stop.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            if request.get("imports"):  # which heavy modules the command imported, for the caller
                with open(request["imports"], "w") as marker:
                    marker.write("tensorflow" if "tensorflow" in sys.modules else "")
            os._exit(code)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""

#: the commands whose imports the fork server loads before its first child
FORK_PRELOAD = ("experiments.nab_autoencoder", "experiments.heartbeat", "experiments.image_classification",
                "experiments.ag_news_transformer", "experiments.tune", "experiments.reproduce", "experiments.predict",
                "experiments.nab_eda", "experiments.param_audit", "experiments.attention_reference",
                "benchmarks.heartbeat_table")
_fork_server: list[subprocess.Popen] = []


def _stop_fork_server() -> None:
    for process in _fork_server:
        process.kill()
        process.wait()
    _fork_server.clear()


atexit.register(_stop_fork_server)


def run_command(module: str, *args, cwd: Path, env: dict | None = None, timeout: int = 600
                ) -> subprocess.CompletedProcess:
    """`run_cli` for a command that ends before training (no TensorFlow import on its own
    path): the same exit status, stdout and stderr, from a child of the fork server. The
    result's `tensorflow_imported` says whether the command imported TensorFlow."""
    if not _fork_server or _fork_server[0].poll() is not None:
        _stop_fork_server()
        _fork_server.append(subprocess.Popen([sys.executable, "-c", FORK_SERVER, *FORK_PRELOAD], cwd=REPO,
                                             env=command_env(REPO), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             text=True))
        assert _fork_server[0].stdout.readline() == "ready\n", "the fork server did not start"
    server = _fork_server[0]
    with tempfile.TemporaryDirectory() as scratch:
        out, err, imports = Path(scratch) / "stdout", Path(scratch) / "stderr", Path(scratch) / "imports"
        out.touch()
        err.touch()
        request = {"module": module, "args": [str(a) for a in args], "cwd": str(cwd), "env": command_env(cwd, env),
                   "stdout": str(out), "stderr": str(err), "imports": str(imports)}
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        if not select.select([server.stdout], [], [], timeout)[0]:
            _stop_fork_server()
            raise subprocess.TimeoutExpired([module, *request["args"]], timeout)
        code = int(server.stdout.readline())
        result = subprocess.CompletedProcess([module, *request["args"]], code, out.read_text(), err.read_text())
        result.tensorflow_imported = imports.is_file() and imports.read_text() == "tensorflow"
        return result


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
    result = run_command(module, *args, cwd=cwd, env=env)
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


@pytest.fixture
def roots(tmp_path, monkeypatch):
    """An empty download cache in `tmp_path` and no $KERAS_MODELS_DATA; downloads allowed
    (the tests download only from 127.0.0.1)."""
    monkeypatch.setenv("KERAS_MODELS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("KERAS_MODELS_DATA", raising=False)
    monkeypatch.delenv("KERAS_MODELS_OFFLINE", raising=False)
    return tmp_path
