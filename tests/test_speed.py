"""Speed levers as configuration fields and recipes (heartbeat recipes, learning-rate
scaling, prefetch, threads), and the speed benchmarks' pieces on tiny
settings. Speed itself is measured by `benchmarks/`, never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, run_cli, write_series
from test_heartbeat_cli import write_kaggle

from keras_models import heartbeat, registry
from keras_models.errors import UserError
from keras_models.heartbeat.recipe import RECIPES, scaled_learning_rate


def test_every_heartbeat_model_names_a_recipe_that_resolves():
    for name in registry.names("heartbeat"):
        spec = registry.get(name)
        assert spec.recipe in RECIPES, name
        resolved = heartbeat.Config(model=name).resolved()
        recipe = RECIPES[spec.recipe]
        assert (resolved.recipe, resolved.precision, resolved.batch_size, resolved.epochs) == \
            (recipe.name, recipe.precision, recipe.batch_size, recipe.epochs)


def test_report_recipe_is_one_flag_away_and_fields_override_a_recipe():
    report = heartbeat.Config(model="cnn2d_resnet", recipe="report").resolved()
    assert (report.precision, report.batch_size, report.learning_rate, report.lr_scaling, report.schedule,
            report.epochs) == ("float32", 32, 1e-3, "fixed", "constant", 20)
    custom = heartbeat.Config(model="attention_gru", recipe="cpu", batch_size=64, precision="float32").resolved()
    assert (custom.batch_size, custom.precision, custom.schedule) == (64, "float32", RECIPES["cpu"].schedule)
    assert heartbeat.Config.from_dict(custom.to_dict()) == custom
    with pytest.raises(UserError, match="--lr-scaling"):
        heartbeat.Config(lr_scaling="cubic")


def test_learning_rate_scales_with_the_batch():
    assert scaled_learning_rate(1e-3, 128, "linear") == pytest.approx(4e-3)
    assert scaled_learning_rate(1e-3, 128, "sqrt") == pytest.approx(2e-3)
    assert scaled_learning_rate(1e-3, 128, "fixed") == 1e-3


def test_the_job_trains_with_the_recipe(tmp_path):
    from keras_models.heartbeat.experiment import make_job

    train, test = write_kaggle(tmp_path / "train.csv", 20), write_kaggle(tmp_path / "test.csv", 4, seed=1)
    config = heartbeat.Config(model="cnn2d_resnet", train_file=train, test_file=test, recipe="cpu", batch_size=128,
                              lr_scaling="linear", warmup_epochs=2)
    job = make_job(config, heartbeat.load(config))
    assert (job.optimizer.learning_rate, job.optimizer.schedule, job.optimizer.warmup_epochs) == \
        (pytest.approx(4 * RECIPES["cpu"].learning_rate), "cosine", 2)
    assert job.config.precision == RECIPES["cpu"].precision and job.config.recipe == "cpu"


def test_batches_are_the_same_with_and_without_prefetch():
    from keras_models.batches import training_batches

    x, y = np.arange(40, dtype="float32").reshape(20, 2), np.arange(20)
    for epoch in (0, 1):
        batches = []
        for prefetch in (True, False):
            data, clock = training_batches(x, y, 6, seed=3, prefetch=prefetch)
            clock.on_epoch_begin(epoch)
            batches.append([b[1].numpy().tolist() for b in data])
        assert batches[0] == batches[1] and len(batches[0]) == 4


@pytest.mark.parametrize("prefetch", [True, False])
def test_training_batches_run_without_the_tf_data_autotuner(prefetch):
    """The autotuner's background work made whole epochs run at one core's speed on 2 cores."""
    from keras_models.batches import training_batches

    data, _ = training_batches(np.zeros((8, 2), "float32"), np.zeros(8), 4, seed=0, prefetch=prefetch)
    assert data.options().autotune.enabled is False


@pytest.mark.slow
def test_threads_and_prefetch_flags_reach_the_run(tmp_path):
    csv = write_series(tmp_path / "s.csv", n=400, spikes=(350,))
    result = run_cli("experiments.nab_autoencoder", "--version", "v1", "--csv", csv, "--epochs", "1", "--threads", "1",
                     "--no-prefetch", "--no-tensorboard", "--run-id", "levers",
                     "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    config = json.loads((tmp_path / "runs" / "nab_autoencoder" / "levers" / "config.json").read_text())["config"]
    assert (config["threads"], config["prefetch"]) == (1, False)


@pytest.mark.slow
def test_threads_cannot_change_once_tensorflow_runs():
    code = ("import tensorflow as tf; from keras_models import runner; tf.constant(1.0) + 1\n"
            "try:\n    runner.set_threads(3)\nexcept Exception as err:\n    print(type(err).__name__, err)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.stdout.startswith("UserError --threads 3: TensorFlow already runs"), out.stdout + out.stderr[-2000:]


def test_the_benchmark_child_times_a_tiny_keras_setting():
    from benchmarks import timing

    setting = {"model": "cnn1d_resnet", "framework": "keras", "precision": "mixed_bfloat16", "batch_size": 8,
               "samples": 16, "epochs": 2, "model_kwargs": registry.get("cnn1d_resnet").test_kwargs}
    rates = timing.measure(setting)["samples_per_s"]
    assert len(rates) == 2 and all(r > 0 for r in rates)
    assert set(timing.summary(rates)) == {"samples/s", "min-max", "first epoch"}


@pytest.mark.slow
def test_the_torch_side_and_the_flop_count():
    pytest.importorskip("torch")
    from benchmarks import timing

    rates = timing.measure({"model": "transformer2d_resnet", "framework": "torch", "precision": "mixed_bfloat16",
                            "batch_size": 8, "samples": 16, "epochs": 2})["samples_per_s"]
    assert len(rates) == 2
    # forward 115.3 MFLOP + backward 230.0 MFLOP (convolutions and matmuls of the PyTorch reference)
    assert timing.train_flops_per_sample("cnn2d_resnet") == pytest.approx(345.3e6, rel=1e-3)


@pytest.mark.slow
def test_time_to_accuracy_stops_at_its_target_then_tests_once(tmp_path):
    train, test = write_kaggle(tmp_path / "train.csv", 20), write_kaggle(tmp_path / "test.csv", 4, seed=1)
    result = run_cli("benchmarks.time_to_accuracy", "--model", "cnn1d_resnet", "--train-file", train,
                     "--test-file", test, "--target-accuracy", "0", "--target-f1", "0", "--epochs", "3",
                     "--batch-size", "16", "--no-tensorboard", "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout[result.stdout.rindex("\n{"):])
    # 100 beats less 10 % for validation: 90 training beats in the one epoch
    assert summary["reached"] and summary["epochs"] == 1 and summary["samples seen"] == 90
    assert 0 <= summary["test accuracy"] <= 1 and len(summary["validation per epoch"]) == 1
    # no recipe given: the model's cpu recipe, with its own levers in a run too short for the lever probe
    assert "recipe: cpu with its own levers (a run of 270 training beats is too short" in result.stdout
    [run] = (tmp_path / "runs" / "heartbeat").iterdir()
    assert "train" not in json.loads((run / "metrics.json").read_text())  # not evaluated: --evaluate-train does
