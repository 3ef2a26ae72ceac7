"""A model registered in one line runs through its experiment, the parameter audit, the
export check and a one-trial search: every fact about it lives on its ModelSpec."""

from __future__ import annotations

import pytest

from keras_models import audit, export, heartbeat, registry, tune
from keras_models.registry import ModelSpec
from keras_models.tuning.specs import choice
from test_heartbeat_cli import write_kaggle

TOY_PARAMS = 192 * 4 + 4 + 4 * 5 + 5  # Dense 192->4, Dense 4->5


def toy_beats(input_shape: tuple = (192, 1), num_classes: int = 5, hidden: int = 4):
    """(batch, 192, 1) beats -> Flatten -> Dense(hidden, relu) -> logits (batch, num_classes)."""
    import keras

    inputs = keras.Input(shape=input_shape, name="beat")
    x = keras.layers.Dense(hidden, activation="relu")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, keras.layers.Dense(num_classes, name="logits")(x), name="toy_beats")


@pytest.fixture
def toy():
    spec = registry.register(ModelSpec("toy_beats", toy_beats, "heartbeat", view="1d", documented_params=TOY_PARAMS,
                                       input_shape=(192, 1), tunable={"hidden": choice(2, 4)}))
    yield spec
    registry.unregister("toy_beats")


def test_a_toy_model_runs_through_experiment_audit_export_and_tune(tmp_path, toy):
    train, test = write_kaggle(tmp_path / "train.csv", 20), write_kaggle(tmp_path / "test.csv", 4, seed=1)
    config = heartbeat.Config(model="toy_beats", train_file=train, test_file=test, epochs=2, patience=0,
                              tensorboard=False, runs_dir=tmp_path / "runs")

    result = heartbeat.run(config)
    assert result.metrics["model"] == "toy_beats" and result.metrics["epochs_run"] == 2
    assert result.metrics["params"]["trainable"] == TOY_PARAMS
    assert (result.run_dir / "saved_model" / "saved_model.pb").exists()
    assert result.metrics["export"]["saved_model_max_abs_diff"] <= 1e-6

    [row] = audit.audit(["toy_beats"])
    assert row.documented == row.trainable == TOY_PARAMS and row.difference == 0

    import numpy as np

    x = np.random.default_rng(0).random((4, *toy.input_shape), dtype=np.float32)
    assert export.export_and_verify(toy.build(), tmp_path / "exported", x) <= 1e-6

    search = tune.run(tune.Config(experiment=config.replace(epochs=1, run_id="toy-search"), trials=1,
                                  space=("batch_size=8",)))
    assert search.metrics["search"]["completed"] == 1
    assert search.metrics["search"]["best"]["hyperparameters"]["hidden"] in (2, 4)
    assert search.run_dir.parent.name == "tune"


def test_evaluate_train_off_skips_the_training_split_only(tmp_path, toy):
    """`evaluate_train=False` (the smoke budget's heartbeat runs): no pass over the training split."""
    train, test = write_kaggle(tmp_path / "train.csv", 20), write_kaggle(tmp_path / "test.csv", 4, seed=1)
    config = heartbeat.Config(model="toy_beats", train_file=train, test_file=test, epochs=1, tensorboard=False,
                              runs_dir=tmp_path / "runs", evaluate_train=False)
    metrics = heartbeat.run(config).metrics
    assert "train" not in metrics and {"loss", "accuracy"} <= set(metrics["val"]) and "loss" in metrics["test"]
    assert "f1_macro" in metrics["test_metrics"]
