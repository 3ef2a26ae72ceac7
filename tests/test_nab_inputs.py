"""Bad input to the NAB experiment: one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, refuse_case, run_cli, run_command, run_refused, write_series, write_windows

MODULE = "experiments.nab_autoencoder"


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def _rows(n: int, value="1.0") -> str:
    return "".join(f"2015-03-01 00:{i // 12:02d}:{(i % 12) * 5:02d},{value}\n" for i in range(n))


BAD_INPUTS = {
    "missing file": (lambda p: ["--csv", p / "nope.csv"], "file not found"),
    "wrong columns": (lambda p: ["--csv", _write(p, "cols.csv", "time,val\n" + _rows(100))], "columns"),
    "non-numeric value": (
        lambda p: ["--csv", _write(p, "text.csv", "timestamp,value\n" + _rows(50) + "2015-03-02 00:00:00,abc\n")],
        "non-numeric"),
    "NaN value": (
        lambda p: ["--csv", _write(p, "nan.csv", "timestamp,value\n" + _rows(50) + "2015-03-02 00:00:00,NaN\n")],
        "missing/NaN"),
    "empty value": (
        lambda p: ["--csv", _write(p, "blank.csv", "timestamp,value\n" + _rows(50) + "2015-03-02 00:00:00,\n")],
        "missing/NaN"),
    "series shorter than the window": (lambda p: ["--csv", write_series(p / "short.csv", n=60, spikes=())],
                                       "too short"),
    "unsorted timestamps": (
        lambda p: ["--csv", _write(p, "unsorted.csv", "timestamp,value\n2015-03-02 00:00:00,1\n" + _rows(80))],
        "increase"),
    "unknown version": (lambda p: ["--version", "v9"], "invalid choice"),
    "malformed threshold": (lambda p: ["--threshold", "percentile:abc"], "argument --threshold: expected max-train"),
    "threshold out of range": (lambda p: ["--threshold", "percentile:120"], "argument --threshold: expected max-train"),
    "unknown threshold rule": (lambda p: ["--threshold", "median"], "argument --threshold: expected max-train"),
    "zero epochs": (lambda p: ["--epochs", "0"], "positive integer"),
    "bad split": (lambda p: ["--split", "0.5,0.5"], "fractions"),
    "bad series name": (lambda p: ["--series", "Twitter_volume_AAPL"], "CATEGORY/NAME"),
    "resume of a missing run": (lambda p: ["--resume", p / "runs" / "nab_autoencoder" / "none"], "no such run folder"),
    # hostile inputs: each one line, exit 2, before TensorFlow loads
    "NaN in the split": (lambda p: ["--split", "nan,0.5,0.5"], "argument --split: expected 3 positive fractions"),
    "inf in the split": (lambda p: ["--split", "inf,0.5,0.5"], "argument --split: expected 3 positive fractions"),
    "infinite threshold": (lambda p: ["--threshold", "mean-std:inf"], "argument --threshold: expected max-train, percentile:P (0 < P <= 100) or mean-std:K (K >= 0), dynamic or dynamic-fixed:K (K >= 0), got 'mean-std:inf'"),
    "bad dynamic threshold": (lambda p: ["--threshold", "dynamic-fixed:x"], "dynamic or dynamic-fixed:K (K >= 0), got"),
    "unknown error type": (lambda p: ["--errors", "overlap"], "argument --errors: unknown value 'overlap'"),
    "smoothing out of range": (lambda p: ["--smoothing", "ewma:2"], "expected none, ewma:F or rolling:F"),
    "zero-length segments": (lambda p: ["--min-segment", "0"], "argument --min-segment: expected a positive integer"),
    "NaN threshold": (lambda p: ["--threshold", "percentile:nan"], "argument --threshold: expected max-train"),
    "seed above 2**32-1": (lambda p: ["--seed", "4294967296"], "expected a seed in 0..4294967295"),
    "negative seed": (lambda p: ["--seed", "-1"], "expected a seed in 0..4294967295"),
    "run id too long": (lambda p: ["--run-id", "x" * 300], "at most 120 characters"),
    "runs folder is a file": (lambda p: ["--run-id", _write(p, "runs", "").name], "runs is a file, not a folder"),
    "labels JSON is a list": (lambda p: ["--labels", _write(p, "l.json", "[1, 2]")], "holds a JSON list"),
    "labels window not a pair": (lambda p: ["--labels", _labels(p, [["2015-03-01 00:00:00"]])],
                                 "is not a [start, end] pair"),
    "labels windows not a list": (lambda p: ["--labels", _labels(p, "2015-03-01")], "are a JSON str"),
    "labels with a bad date": (lambda p: ["--labels", _labels(p, [["2015-13-45 00:00:00", "2015-03-02 00:00:00"]])],
                               "unreadable timestamp"),
    "labels file of binary bytes": (lambda p: ["--labels", _binary(p)], "not valid JSON"),
    "a flag abbreviated": (lambda p: ["--epoch", "2"], "unrecognized arguments: --epoch"),
}


def _labels(tmp_path, windows):
    """A combined_windows.json whose entry for ok.csv is `windows`."""
    return _write(tmp_path, "labels.json", json.dumps({"synthetic/ok.csv": windows}))


def _binary(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(bytes(range(256)))
    return path


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_exit_2(tmp_path, case):
    refuse_case(MODULE, BAD_INPUTS[case], tmp_path, default=("--csv", lambda p: write_series(p / "ok.csv")))


def test_existing_run_folder_is_refused_and_left_alone(tmp_path, series_csv):
    run = tmp_path / "runs" / "nab_autoencoder" / "mine"
    run.mkdir(parents=True)
    (run / "metrics.json").write_text("{}")
    run_refused(MODULE, "--csv", series_csv, "--run-id", "mine", "--runs-dir", tmp_path / "runs",
                expected="already exists", cwd=tmp_path)


def test_resume_of_a_finished_run_is_refused(tmp_path, series_csv):
    run = tmp_path / "runs" / "nab_autoencoder" / "done"
    run.mkdir(parents=True)
    (run / "config.json").write_text('{"experiment": "nab_autoencoder", "config": {}}')
    (run / "metrics.json").write_text("{}")
    run_refused(MODULE, "--resume", run, expected="already finished", cwd=tmp_path)


def test_no_data_anywhere_names_the_fix(tmp_path):
    """With no --csv, no $KERAS_MODELS_DATA and no network, the error says how to fix it."""
    result = run_command(MODULE, "--runs-dir", tmp_path / "runs", cwd=tmp_path,
                         env={"KERAS_MODELS_DATA": str(tmp_path / "empty")})
    assert result.returncode == 2
    assert "KERAS_MODELS_DATA" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_labels_without_the_series_say_so(tmp_path, series_csv):
    """A labels file that lacks the series is refused before training (not trained unscored)."""
    labels = write_windows(tmp_path / "w.json", "another.csv", [("2015-03-01 00:00:00", "2015-03-01 01:00:00")])
    result = run_cli(MODULE, "--version", "base", "--csv", series_csv, "--labels", labels, "--epochs", "1",
                     "--no-tensorboard", "--run-id", "r", "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.splitlines() == [f"error: --labels {labels} has no windows for synthetic_series (its keys "
                                          "are series files such as realTweets/Twitter_volume_AAPL.csv); give the "
                                          "labels of this series, or leave --labels out to train unscored"]
    assert not (tmp_path / "runs").exists()


def test_bad_input_leaves_tensorflow_unimported():
    """Validation (flags, data) happens before TensorFlow is imported, for every command."""
    code = ("import sys\n"
            "from experiments import {module}\n"
            "from keras_models import cli\n"
            "try:\n    cli.main({module}.main, {argv!r})\nexcept SystemExit:\n    pass\n"
            "print('tensorflow' in sys.modules)")
    cases = {"nab_autoencoder": ["--split", "nan,0.5,0.5"], "nab_eda": ["--run-id", "a/b"],
             "param_audit": ["--model", "nope"], "attention_reference": ["--heads", "0"],
             "tune": ["--model", "nab_v3", "--trials", "0"]}
    for module, argv in cases.items():
        out = subprocess.run([sys.executable, "-c", code.format(module=module, argv=argv)], cwd=REPO,
                             capture_output=True, text=True, env={"PYTHONPATH": str(REPO)})
        assert out.stdout.strip() == "False", (module, out.stdout, out.stderr[-1000:])
        assert out.stderr.startswith("error: "), out.stderr


@pytest.mark.slow
@pytest.mark.parametrize("lines", [0, 2], ids=["while-tracing", "after-an-epoch"])
def test_ctrl_c_prints_one_line_with_the_resume_command(tmp_path, lines):
    """SIGINT during training (as the first epoch is traced, or later): exit 130, no
    traceback, one line naming the folder and `--resume`."""
    csv = write_series(tmp_path / "long.csv", n=3000, spikes=(2500,))
    run = tmp_path / "runs" / "nab_autoencoder" / "stopped"
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, "--version", "v3", "--csv", str(csv), "--epochs", "50", "--no-tensorboard",
         "--run-id", "stopped", "--runs-dir", str(tmp_path / "runs")],
        cwd=tmp_path, env={"PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    history = run / "history.csv"
    deadline = time.time() + 300
    while time.time() < deadline and not (history.exists() and len(history.read_text().splitlines()) >= lines):
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("interrupted")]
    assert lines == [f"interrupted: the run folder {run} is kept; continue it with "
                     f"`python -m {MODULE} --resume {run}`"]
    assert not (run / "metrics.json").exists()


def test_a_runs_folder_that_cannot_be_written_ends_in_one_line(tmp_path, monkeypatch):
    """A read-only or full disk while writing: one line, no partial run folder left behind."""
    import errno

    from keras_models.errors import UserError
    from keras_models.rundir import RunDir

    run = RunDir.create(tmp_path / "runs", "exp", run_id="partial")
    with pytest.raises(UserError, match="cannot write .*partial: the disk is full; .*nothing was kept"):
        with run.writing():
            run.write_json("config.json", {})
            raise OSError(errno.ENOSPC, "No space left on device")
    assert not run.path.exists()
    run = RunDir.create(tmp_path / "runs", "exp", run_id="trained")
    (run.path / "history.csv").write_text("epoch\n0\n")
    with pytest.raises(UserError, match="the file system is read-only; .*--resume .*trained"):
        with run.writing():
            raise OSError(errno.EROFS, "Read-only file system")
    assert run.path.exists()

    def refuse(self, *args, **kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("pathlib.Path.mkdir", refuse)
    with pytest.raises(UserError, match="permission denied; give --runs-dir a writable folder"):
        RunDir.create(tmp_path / "elsewhere", "exp")


@pytest.mark.parametrize("module", ["experiments.nab_eda", "experiments.param_audit", "experiments.attention_reference"])
def test_commands_without_resume_do_not_suggest_it(tmp_path, series_csv, module):
    taken = tmp_path / "runs" / module.split(".")[1] / "mine"
    taken.mkdir(parents=True)
    extra = ["--csv", series_csv] if module.endswith("nab_eda") else []
    line = run_refused(module, *extra, "--run-id", "mine", "--runs-dir", tmp_path / "runs",
                       expected="already exists and runs are never overwritten: choose another --run-id", cwd=tmp_path)
    assert "--resume" not in line
