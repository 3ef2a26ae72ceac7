"""Bad input to the AG News experiment: one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from conftest import REPO, run_refused, write_ag_news

MODULE = "experiments.ag_news_transformer"


def _append(folder, name: str, line: str):
    with open(folder / name, "a") as fh:
        fh.write(line + "\n")
    return folder


BAD_DATA = {
    "wrong column count": (lambda d: _append(d, "train.csv", '"2","Only a title and a class"'), "2 columns, expected 3"),
    "extra column": (lambda d: _append(d, "test.csv", '"2","Title","Description","extra"'), "4 columns, expected 3"),
    "label outside 1-4": (lambda d: _append(d, "train.csv", '"5","A title","A description"'),
                          "class '5' is not one of 1, 2, 3, 4"),
    "label zero": (lambda d: _append(d, "test.csv", '"0","A title","A description"'), "class '0' is not one of"),
    "empty text": (lambda d: _append(d, "train.csv", '"3","  ",""'), "empty text"),
    "missing test.csv": (lambda d: (d / "test.csv").unlink() or d, "test.csv is missing"),
    "missing train.csv": (lambda d: (d / "train.csv").unlink() or d, "train.csv is missing"),
    "header row": (lambda d: (d / "test.csv").write_text("class,title,description\n" + (d / "test.csv").read_text())
                   and d, "no header row"),
    "not UTF-8": (lambda d: (d / "test.csv").write_bytes(b'"1","caf\xe9","x"\n') and d, "not UTF-8"),
    "too few rows to stratify": (lambda d: write_ag_news(d, rows_per_class=1), "cannot take a stratified"),
}

BAD_FLAGS = {
    "unknown variant": (["--variant", "huge"], "invalid choice"),
    "unknown protocol": (["--protocol", "tiny"], "unknown value 'tiny'; choose one of: full, small"),
    "patience on a variant without early stopping": (["--variant", "base", "--patience", "3"],
                                                      "trains without early stopping"),
    "patience 0 on an early-stopping variant": (["--variant", "dropout-es", "--patience", "0"], "--patience 0"),
    "validation fraction out of range": (["--val-fraction", "1.5"], "strictly between 0 and 1"),
    "tiny vocabulary": (["--vocab-size", "2"], "integer >= 3"),
    "zero sequence length": (["--sequence-length", "0"], "positive integer"),
    "negative learning rate": (["--learning-rate", "-1"], "expected a finite number > 0"),
    "infinite learning rate": (["--learning-rate", "inf"], "expected a finite number > 0, got 'inf'"),
    "seed beyond 2**32 - 1": (["--seed", "4294967296"], "expected a seed in 0..4294967295"),
    "NaN validation fraction": (["--val-fraction", "nan"], "strictly between 0 and 1, got 'nan'"),
    "ngrams beyond 3": (["--ngrams", "4"], "expected 1, 2 or 3"),
    "patience 0 with all variants": (["--variant", "all", "--patience", "0"], "--patience 0"),
    "resume of a missing folder": (["--resume", "nowhere", "--seed", "3"],
                                   "--resume nowhere: no such run folder"),
    "data dir is not a folder": (["--data-dir", "nowhere"], "no such folder"),
}


def _check_one_line_exit_2(tmp_path, args, expected, env=None):
    return run_refused(MODULE, *args, "--runs-dir", tmp_path / "runs", expected=expected, cwd=tmp_path, env=env)


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_gives_one_line_and_exit_2(tmp_path, ag_news_dir, case):
    break_it, expected = BAD_DATA[case]
    break_it(ag_news_dir)
    _check_one_line_exit_2(tmp_path, ["--data-dir", ag_news_dir, "--protocol", "full"], expected)


@pytest.mark.parametrize("case", list(BAD_FLAGS))
def test_bad_flags_give_one_line_and_exit_2(tmp_path, ag_news_dir, case):
    args, expected = BAD_FLAGS[case]
    _check_one_line_exit_2(tmp_path, ["--data-dir", ag_news_dir, *args], expected)


def test_no_data_anywhere_fails_fast_and_names_the_fix(tmp_path):
    """No --data-dir, no $KERAS_MODELS_DATA copy, no tfds copy, offline: no 3-minute tfds retry."""
    started = time.perf_counter()
    line = _check_one_line_exit_2(tmp_path, ["--protocol", "small"], "KERAS_MODELS_DATA",
                                  env={"KERAS_MODELS_DATA": str(tmp_path / "empty"),
                                       "TFDS_DATA_DIR": str(tmp_path / "no_tfds")})
    assert "--data-dir" in line and "ag_news_subset" in line
    assert time.perf_counter() - started < 30


#: calls the command's `main` in a fresh interpreter and reports whether TensorFlow got imported
TF_PROBE = """
import sys
from experiments import ag_news_transformer
from keras_models.errors import UserError
try:
    ag_news_transformer.main(sys.argv[1:])
except (SystemExit, UserError) as err:
    print("refused:", err)
print("tensorflow imported:", "tensorflow" in sys.modules)
"""


@pytest.mark.parametrize("args", [["--seed", "4294967296"], ["--variant", "base", "--patience", "3"],
                                  ["--run-id", "taken"], ["--protocol", "full", "--val-fraction", "0.99"]])
def test_bad_input_leaves_tensorflow_unimported(tmp_path, ag_news_dir, args):
    (tmp_path / "runs" / "ag_news_transformer" / "taken").mkdir(parents=True)
    result = subprocess.run([sys.executable, "-c", TF_PROBE, "--data-dir", str(ag_news_dir), *args,
                             "--runs-dir", str(tmp_path / "runs")],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                            capture_output=True, text=True, timeout=300)
    assert "refused:" in result.stdout, result.stdout + result.stderr[-2000:]
    assert "tensorflow imported: False" in result.stdout, result.stdout
