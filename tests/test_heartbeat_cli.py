"""The heartbeat command: bad input (one line, exit 2, nothing written) and a tiny run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, refuse_case, run_here, run_refused, write_kaggle
from keras_models import runfiles

MODULE = "experiments.heartbeat"


def _wrong_columns(p):
    bad = p / "bad.csv"
    bad.write_text("\n".join(",".join(["0.5"] * 100) for _ in range(20)) + "\n")
    return ["--train-file", bad, "--test-file", write_kaggle(p / "test.csv")]


BAD_INPUTS = {
    "missing record files": (lambda p: ["--mitdb", (p / "mitdb").mkdir() or p / "mitdb"], "mitdb"),
    "wrong number of columns": (_wrong_columns, "columns"),
    "label outside 0-4": (lambda p: ["--train-file", write_kaggle(p / "train.csv", label=7),
                                     "--test-file", write_kaggle(p / "test.csv")], "label 7"),
    "unknown model": (lambda p: ["--model", "resnet9000"],
                      "unknown model 'resnet9000'; known heartbeat models: cnn2d_resnet"),
    "unknown balance": (lambda p: ["--balance", "undersample"], "--balance: unknown value 'undersample'"),
    "unknown split": (lambda p: ["--split", "diagonal"], "--split: unknown value 'diagonal'"),
    "train file without test file": (lambda p: ["--train-file", write_kaggle(p / "train.csv")], "both --train-file"),
    "inter split from files": (lambda p: ["--split", "inter", "--train-file", write_kaggle(p / "train.csv"),
                                          "--test-file", write_kaggle(p / "test.csv")], "record ids"),
    "bad fraction": (lambda p: ["--val-fraction", "1.5"], "fraction"),
    "NaN fraction": (lambda p: ["--val-fraction", "nan"], "--val-fraction: expected a fraction"),
    "fractions leave no training beats": (lambda p: ["--val-fraction", "0.5", "--test-fraction", "0.5"],
                                          "leave no training beats"),
    "seed out of range": (lambda p: ["--seed", "4294967296"], "--seed: expected a seed in 0..4294967295"),
    "train file is a folder": (lambda p: ["--train-file", (p / "train").mkdir() or p / "train",
                                          "--test-file", write_kaggle(p / "test.csv")],
                               "is a folder, not a beat file; give --train-file"),
    "test file is a folder": (lambda p: ["--train-file", write_kaggle(p / "train.csv"),
                                         "--test-file", (p / "test").mkdir() or p / "test"],
                              "is a folder, not a beat file; give --test-file"),
    "mitdb is a file": (lambda p: ["--mitdb", write_kaggle(p / "train.csv")], "is a file, not a folder"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_exit_2(tmp_path, case):
    refuse_case(MODULE, BAD_INPUTS[case], tmp_path, env={"KERAS_MODELS_DATA": str(tmp_path / "nothing")})


def test_bad_resume_gives_one_line_and_exit_2(tmp_path):
    run_refused(MODULE, "--resume", tmp_path / "runs" / "heartbeat" / "none", expected="no such run folder",
                cwd=tmp_path)
    interrupted = tmp_path / "runs" / "heartbeat" / "x"
    interrupted.mkdir(parents=True)
    (interrupted / "config.json").write_text('{"experiment": "heartbeat", "config": {}}')
    run_refused(MODULE, "--resume", interrupted, "--model", "gru1d",
                expected="--model cannot be given with --resume", cwd=tmp_path)


def test_bad_input_leaves_tensorflow_unimported(tmp_path):
    """A refused input costs no TensorFlow import: it is found while parsing, validating or loading."""
    train = write_kaggle(tmp_path / "train.csv")
    cases = [["--seed", "4294967296"], ["--val-fraction", "nan"], ["--model", "resnet9000"],
             ["--train-file", str(tmp_path), "--test-file", str(train)], ["--mitdb", str(train)]]
    code = ("import sys\n"
            "from experiments import heartbeat\n"
            "from keras_models import cli\n"
            f"for argv in {cases!r}:\n"
            "    try:\n"
            "        cli.main(heartbeat.main, argv + ['--runs-dir', 'runs'])\n"
            "    except SystemExit as stop:\n"
            "        print('exit', stop.code)\n"
            "print('tensorflow imported:', 'tensorflow' in sys.modules)\n")
    result = run_cli_code(code, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("\n")[:-1] == ["exit 2"] * len(cases) + ["tensorflow imported: False"], result.stdout
    assert len(result.stderr.strip().splitlines()) == len(cases), result.stderr


def run_cli_code(code: str, cwd):
    """`python -c code` in `cwd`, with the repository importable and no real data."""
    env = {k: v for k, v in os.environ.items() if k != "KERAS_MODELS_DATA"}
    env.update({"PYTHONPATH": str(REPO), "KERAS_MODELS_CACHE": str(cwd / "cache")})
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("model, balance, steps", [("cnn2d_resnet", "class-weights", None),
                                                   pytest.param("attention_gru", "oversample-semi", 2,
                                                                marks=pytest.mark.slow)])
def test_tiny_run_from_kaggle_files(tmp_path, model, balance, steps):
    train, test = write_kaggle(tmp_path / "train.csv", 20), write_kaggle(tmp_path / "test.csv", 4, seed=1)
    epochs = (["--epochs", "1"] if steps is None
              else ["--epochs", "2", "--steps-per-epoch", str(steps), "--eval-batch-size", "64"])
    result = run_here(MODULE, "--model", model, "--balance", balance, "--train-file", train, "--test-file", test,
                      *epochs, "--batch-size", "16", "--no-tensorboard", "--runs-dir", tmp_path / "runs",
                      cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = next((tmp_path / "runs" / "heartbeat").iterdir())
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epochs_run"] == (1 if steps is None else 2)
    test_metrics = metrics["test_metrics"]
    assert set(test_metrics["per_class"]) == {"N", "S", "V", "F", "Q"}
    assert np.asarray(test_metrics["confusion_matrix"]).sum() == 20
    kept = runfiles.read_predictions(run)  # the test predictions the reproduction report bootstraps
    assert sorted(kept["y_true"].tolist()) == [k for k in range(5) for _ in range(4)]
    assert kept["probabilities"].shape == (20, 5)
    assert (np.bincount(kept["y_true"] * 5 + kept["y_pred"], minlength=25).reshape(5, 5).tolist()
            == test_metrics["confusion_matrix"])
    for name in ["confusion_matrix.png", "roc.png", "loss.png", "accuracy.png"]:
        assert (run / "plots" / name).exists(), name
    assert metrics["export"]["saved_model_max_abs_diff"] <= 1e-5
    config = json.loads((run / "config.json").read_text())
    assert config["data"]["counts"]["test"] == {"N": 4, "S": 4, "V": 4, "F": 4, "Q": 4}
    assert config["config"]["steps_per_epoch"] == steps and config["config"]["balance"] == balance
    if steps is not None:  # 2 epochs of 2 batches of 16: 64 of the balanced training beats
        assert "train_before_balance" in config["data"]["counts"]
