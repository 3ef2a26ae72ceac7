"""The heartbeat command: bad input (one line, exit 2, nothing written) and a tiny run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import refuse_case, run_cli

MODULE = "experiments.heartbeat"


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


def _wrong_columns(p):
    bad = p / "bad.csv"
    bad.write_text("\n".join(",".join(["0.5"] * 100) for _ in range(20)) + "\n")
    return ["--train-file", bad, "--test-file", write_kaggle(p / "test.csv")]


BAD_INPUTS = {
    "missing record files": (lambda p: ["--mitdb", (p / "mitdb").mkdir() or p / "mitdb"], "mitdb"),
    "wrong number of columns": (_wrong_columns, "columns"),
    "label outside 0-4": (lambda p: ["--train-file", write_kaggle(p / "train.csv", label=7),
                                     "--test-file", write_kaggle(p / "test.csv")], "label 7"),
    "unknown model": (lambda p: ["--model", "resnet9000"], "unknown model 'resnet9000'; known models: cnn2d_resnet"),
    "unknown balance": (lambda p: ["--balance", "undersample"], "unknown --balance 'undersample'"),
    "unknown split": (lambda p: ["--split", "diagonal"], "unknown split 'diagonal'"),
    "train file without test file": (lambda p: ["--train-file", write_kaggle(p / "train.csv")], "both --train-file"),
    "inter split from files": (lambda p: ["--split", "inter", "--train-file", write_kaggle(p / "train.csv"),
                                          "--test-file", write_kaggle(p / "test.csv")], "record ids"),
    "bad fraction": (lambda p: ["--val-fraction", "1.5"], "fraction"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_exit_2(tmp_path, case):
    refuse_case(MODULE, BAD_INPUTS[case], tmp_path, env={"KERAS_MODELS_DATA": str(tmp_path / "nothing")})


@pytest.mark.parametrize("model, balance, steps", [("cnn2d_resnet", "class-weights", None),
                                                   ("attention_gru", "oversample-semi", 2)])
def test_tiny_run_from_kaggle_files(tmp_path, model, balance, steps):
    train, test = write_kaggle(tmp_path / "train.csv", 20), write_kaggle(tmp_path / "test.csv", 4, seed=1)
    epochs = (["--epochs", "1"] if steps is None
              else ["--epochs", "2", "--steps-per-epoch", str(steps), "--eval-batch-size", "64"])
    result = run_cli(MODULE, "--model", model, "--balance", balance, "--train-file", train, "--test-file", test,
                     *epochs, "--batch-size", "16", "--no-tensorboard", "--runs-dir", tmp_path / "runs",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = next((tmp_path / "runs" / "heartbeat").iterdir())
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epochs_run"] == (1 if steps is None else 2)
    test_metrics = metrics["test_metrics"]
    assert set(test_metrics["per_class"]) == {"N", "S", "V", "F", "Q"}
    assert np.asarray(test_metrics["confusion_matrix"]).sum() == 20
    for name in ["confusion_matrix.png", "roc.png", "loss.png", "accuracy.png"]:
        assert (run / "plots" / name).exists(), name
    assert metrics["export"]["saved_model_max_abs_diff"] <= 1e-5
    config = json.loads((run / "config.json").read_text())
    assert config["data"]["counts"]["test"] == {"N": 4, "S": 4, "V": 4, "F": 4, "Q": 4}
    assert config["args"]["steps_per_epoch"] == steps
    if steps is not None:  # 2 epochs of 2 batches of 16: 64 of the balanced training beats
        assert "train_before_balance" in config["data"]["counts"]
