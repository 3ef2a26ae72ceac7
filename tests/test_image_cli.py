"""The image-classification command: bad input (one line, exit 2, nothing written), a tiny
run end to end, and the comparison row."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, refuse_case, run_command, run_here, write_image_folder
from keras_models import runfiles

MODULE = "experiments.image_classification"
TINY_VIT = ["--model-arg", "patch_size=16", "--model-arg", "projection_dim=8", "--model-arg", "num_heads=2",
            "--model-arg", "transformer_layers=1", "--model-arg", "mlp_head_units=[8]"]


def _corrupt(p):
    folder = write_image_folder(p / "imgs")
    (folder / "dogs" / "3.jpg").write_bytes(b"\xff\xd8\xff garbage")
    return ["--data", folder]


BAD_INPUTS = {
    "missing folder": (lambda p: ["--data", p / "nope"], "folder not found"),
    "empty folder": (lambda p: ["--data", (p / "empty").mkdir() or p / "empty"], "no class sub-folders"),
    "class folders without images": (
        lambda p: ["--data", [(p / "e" / c).mkdir(parents=True) for c in "ab"] and p / "e"], "no images in"),
    "a single class": (lambda p: ["--data", write_image_folder(p / "one", classes=("dogs",))], "only one class"),
    "an unreadable image": (_corrupt, "1 unreadable image file(s)"),
    "too few images in a class": (lambda p: ["--data", write_image_folder(p / "few", per_class=2)], "too few"),
    "unknown model": (lambda p: ["--model", "alexnet"], "invalid choice: 'alexnet'"),
    "bad split": (lambda p: ["--split", "0.8,0.3,0.1"], "fractions"),
    "subset too small": (lambda p: ["--max-images-per-class", "2"], "an integer >= 3"),
    "malformed model arg": (lambda p: ["--model-arg", "patch_size"], "[MODEL:]KEY=VALUE"),
    "model arg for another model": (lambda p: ["--model", "vgg", "--model-arg", "vit:patch_size=4"],
                                    "'vit' is not trained here"),
    "unprefixed model arg with all": (lambda p: ["--model", "all", "--model-arg", "patch_size=4"],
                                      "say which model"),
    "unknown hyper-parameter": (lambda p: ["--model", "resnet", "--model-arg", "depth=50"],
                                "resnet has no hyper-parameter 'depth'; it takes: input_shape"),
    "model arg set by another flag": (lambda p: ["--model-arg", "input_shape=[32,32,3]"], "set by --image-size"),
    "missing weights file": (lambda p: ["--model", "efficientnet_b0", "--weights", p / "none.h5"],
                             "weights file not found"),
    "weights for another model": (lambda p: ["--model", "vgg", "--weights", p / "none.h5"], "efficientnet_b0 only"),
    "label smoothing out of range": (lambda p: ["--label-smoothing", "1.5"], "[0, 1)"),
    "zero epochs": (lambda p: ["--epochs", "0"], "positive integer"),
    "model arg not a number": (lambda p: ["--model-arg", "patch_size=abc"],
                               "patch_size: expected a positive integer, got 'abc'"),
    "negative model arg": (lambda p: ["--model-arg", "patch_size=-4"],
                           "patch_size: expected a positive integer, got -4"),
    "patch that does not tile the image": (lambda p: ["--model-arg", "patch_size=7"],
                                           "image size 64x64 is not a multiple of patch_size=7"),
    "negative seed": (lambda p: ["--seed", "-1"], "expected a seed in 0..4294967295, got -1"),
    "NaN in the split": (lambda p: ["--split", "nan,0.5,0.5"], "fractions"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_exit_2(tmp_path, case):
    refuse_case(MODULE, BAD_INPUTS[case], tmp_path, default=("--data", lambda p: write_image_folder(p / "ok")))


def test_no_data_anywhere_names_the_fix(tmp_path):
    result = run_command(MODULE, "--runs-dir", tmp_path / "runs", cwd=tmp_path,
                         env={"KERAS_MODELS_DATA": str(tmp_path / "nothing")})
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "images/cnn_dataset not found" in result.stderr and "KERAS_MODELS_DATA" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_tiny_vit_run_end_to_end(tmp_path, image_folder):
    result = run_here(MODULE, "--data", image_folder, "--model", "vit", *TINY_VIT, "--epochs", "2",
                      "--batch-size", "8", "--no-tensorboard", "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| vit | vit |" in result.stdout
    run = next((tmp_path / "runs" / "image_classification").iterdir())
    metrics = json.loads((run / "metrics.json").read_text())
    config = json.loads((run / "config.json").read_text())
    assert config["config"]["recipe"] == "vit" and config["config"]["label_smoothing"] == 0.1
    assert config["optimizer"] == {"optimizer": "adamw", "learning_rate": 0.001, "schedule": "cosine",
                                   "weight_decay": 0.05, "warmup_epochs": 5, "clipnorm": 0.0}
    assert config["data"]["counts"]["test"] == {"cars": 2, "dogs": 2, "soup": 2}
    assert config["model_kwargs"]["patch_size"] == 16 and metrics["epochs_run"] == 2
    test = metrics["test_metrics"]
    assert np.asarray(test["confusion_matrix"]).sum() == 6
    kept = runfiles.read_predictions(run)
    assert kept["y_true"].shape == (6,) and kept["probabilities"].shape == (6, 3)
    assert {"accuracy", "precision_macro", "recall_macro", "f1_macro"} <= set(test)
    assert metrics["export"]["saved_model_max_abs_diff"] <= 1e-4 and metrics["export"]["keras_max_abs_diff"] <= 1e-4
    for name in ["loss", "accuracy", "confusion_matrix", "roc"]:
        assert (run / "plots" / f"{name}.png").exists(), name


def test_comparison_row_reads_the_metrics():
    from pathlib import Path

    from keras_models.images.experiment import comparison_row
    from keras_models.runner import Result

    metrics = {"test_metrics": {"accuracy": 0.9, "precision_macro": 0.91, "recall_macro": 0.9, "f1_macro": 0.905},
               "epochs_run": 4, "fit_seconds_this_session": 10.0, "params": {"trainable": 5}, "recipe": "basic",
               "train": {"accuracy": 0.95}, "val": {"accuracy": 0.92}, "wall_seconds_this_session": 12.0,
               "run_id": "r"}
    row = comparison_row("vgg", Result(Path("r"), metrics))
    assert row["test_acc"] == 0.9 and row["f1_macro"] == 0.905 and row["reported_test_acc"] == 0.9183
    assert row["s_per_epoch"] == 2.5 and row["epochs"] == 4 and row["recipe"] == "basic"


def test_a_bad_input_leaves_tensorflow_unimported(tmp_path, image_folder):
    """A model argument that cannot build is refused by the configuration (exit status 2,
    one line), before TensorFlow is imported and before any run folder exists."""
    argv = ["--data", str(image_folder), "--model-arg", "patch_size=7", "--runs-dir", str(tmp_path / "runs")]
    code = ("import sys\n"
            "from experiments.image_classification import main\n"
            "from keras_models import cli\n"
            "try:\n"
            f"    cli.main(main, {argv!r})\n"
            "except SystemExit as stop:\n"
            "    print('exit', stop.code)\n"
            "print('tensorflow' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.stdout.split() == ["exit", "2", "False"], (result.stdout, result.stderr[-2000:])
    assert "not a multiple of patch_size=7" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()
