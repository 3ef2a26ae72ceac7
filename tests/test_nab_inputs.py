"""Bad input to the NAB experiment: one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import pytest

from conftest import refuse_case, run_cli, run_refused, write_series

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
    "malformed threshold": (lambda p: ["--threshold", "percentile:abc"], "malformed --threshold"),
    "threshold out of range": (lambda p: ["--threshold", "percentile:120"], "malformed --threshold"),
    "unknown threshold rule": (lambda p: ["--threshold", "median"], "malformed --threshold"),
    "zero epochs": (lambda p: ["--epochs", "0"], "positive integer"),
    "bad split": (lambda p: ["--split", "0.5,0.5"], "fractions"),
    "bad series name": (lambda p: ["--series", "Twitter_volume_AAPL"], "CATEGORY/NAME"),
    "resume of a missing run": (lambda p: ["--resume", p / "runs" / "nab_autoencoder" / "none"], "no such run folder"),
}


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
    (run / "config.json").write_text('{"experiment": "nab_autoencoder", "args": {}}')
    (run / "metrics.json").write_text("{}")
    run_refused(MODULE, "--resume", run, expected="already finished", cwd=tmp_path)


def test_no_data_anywhere_names_the_fix(tmp_path):
    """With no --csv, no $KERAS_MODELS_DATA and no network, the error says how to fix it."""
    result = run_cli(MODULE, "--runs-dir", tmp_path / "runs", cwd=tmp_path,
                     env={"KERAS_MODELS_DATA": str(tmp_path / "empty")})
    assert result.returncode == 2
    assert "KERAS_MODELS_DATA" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()
