"""Tuning pieces in-process: search spaces, optimizers, seeded trials, loud failures."""

from __future__ import annotations

import importlib
import inspect
from types import SimpleNamespace

import numpy as np
import pytest

from keras_models import registry, runner
from keras_models.errors import UserError
from keras_models.tuning import search_space
from keras_models.tuning.search_space import ARCHITECTURES, space_for


@pytest.mark.parametrize("model", list(ARCHITECTURES))
def test_every_space_is_valid_and_fits_its_builder(model):
    space = space_for(model)
    spec = registry.get(model)
    module, func = spec.builder.split(":")
    accepted = inspect.signature(getattr(importlib.import_module(module), func)).parameters
    training, architecture = search_space.split_values(space)
    assert set(architecture) <= set(accepted), f"{model}: {set(architecture) - set(accepted)} not builder arguments"
    assert {"batch_size", "optimizer", "learning_rate", "schedule"} <= set(training)
    assert ("balance" in training) == (spec.family == "heartbeat")


def test_overrides_fix_or_narrow_keys_with_their_types():
    space = space_for("transformer2d_resnet", ["hidden=64", "dropout=0.1,0.2", "head=mlp", "balance=smote,none"])
    assert space["hidden"] == {"kind": "fixed", "value": 64}
    assert space["dropout"] == {"kind": "choice", "values": [0.1, 0.2]}
    assert space["head"]["value"] == "mlp" and space["balance"]["values"] == ["smote", "none"]
    with pytest.raises(UserError, match="a value is repeated"):
        space_for("cnn2d_resnet", ["hidden=32,32"])
    with pytest.raises(UserError, match="must be positive"):
        space_for("cnn2d_resnet", ["learning_rate=0"])


@pytest.mark.parametrize("name", search_space.OPTIMIZERS)
@pytest.mark.parametrize("schedule", search_space.SCHEDULES)
def test_every_optimizer_and_schedule_builds(name, schedule):
    import keras

    from keras_models.tuning.optimizers import build_optimizer, schedule_callbacks

    optimizer = build_optimizer(name, 1e-3, schedule, decay_steps=10)
    assert optimizer.__class__.__name__.lower() == {"adam": "adam", "adamw": "adamw", "sgd": "sgd",
                                                    "rmsprop": "rmsprop"}[name]
    rate = optimizer._learning_rate
    assert isinstance(rate, keras.optimizers.schedules.CosineDecay) == (schedule == "cosine")
    callbacks = schedule_callbacks(schedule, monitor="loss")
    assert [type(c).__name__ for c in callbacks] == (["ReduceLROnPlateau"] if schedule == "reduce-on-plateau" else [])


def _task(model="nab_v3", window=10):
    from keras_models.tuning.tasks import Task

    x = np.random.default_rng(0).random((40, window, 1)).astype("float32")
    split = runner.Split(x, x)
    return Task("nab", model, split, split, split, loss=lambda: {"loss": "mse"}, evaluate=None,
                builder_kwargs={"window": window})


def _first_trials(directory, kind: str, seed: int, n: int = 3) -> list[dict]:
    from keras_models.tuning import search
    from keras_models.tuning.hypermodel import TunableModel

    space = space_for("nab_v3")
    model = TunableModel(_task(), space, ("val_loss", "min"), seed)
    tuner = search.make_tuner(kind, model, objective=("val_loss", "min"), trials=5, epochs=9, seed=seed,
                              directory=directory)
    return [dict(tuner.oracle.create_trial(f"tuner{i}").hyperparameters.values) for i in range(n)]


@pytest.mark.parametrize("kind", search_space.TUNERS)
def test_the_same_seed_gives_the_same_first_trials(tmp_path, kind):
    first = _first_trials(tmp_path / "a", kind, seed=7)
    again = _first_trials(tmp_path / "b", kind, seed=7)
    other = _first_trials(tmp_path / "c", kind, seed=8)
    assert first == again
    assert first != other
    assert len({str(sorted(v.items())) for v in first}) == 3, "three different trials"


def test_seed_zero_is_a_seed_too(tmp_path):
    assert _first_trials(tmp_path / "a", "random", seed=0) == _first_trials(tmp_path / "b", "random", seed=0)


def test_prepare_training_balances_and_decays_over_all_steps():
    import keras

    from keras_models.tuning.hypermodel import prepare_training

    x = np.zeros((30, 16, 12, 1), dtype="float32")
    y = np.array([0] * 24 + [1] * 6)
    task = _task("cnn2d_resnet")
    values = {"batch_size": 8, "optimizer": "adamw", "learning_rate": 1e-3, "schedule": "cosine",
              "balance": "class-weights"}
    x2, y2, class_weight, compile_kwargs = prepare_training(task, values, x, y, epochs=3, seed=0)
    assert len(x2) == 30 and class_weight == pytest.approx({0: 30 / 48, 1: 30 / 12})
    rate = compile_kwargs()["optimizer"]._learning_rate
    assert isinstance(rate, keras.optimizers.schedules.CosineDecay) and rate.decay_steps == 3 * 4
    x3, y3, none, _ = prepare_training(task, {**values, "balance": "oversample-full"}, x, y, epochs=1, seed=0)
    assert none is None and np.bincount(y3).tolist() == [24, 24]


def _trial(trial_id, status, message=None):
    return SimpleNamespace(trial_id=trial_id, status=status, message=message)


def test_failed_trials_are_loud(capsys):
    from keras_models.tuning.search import check_trials

    check_trials([_trial("0", "COMPLETED"), _trial("1", "FAILED", "Traceback ...\nValueError: bad shape")])
    assert "warning: trial 1 ended FAILED: ValueError: bad shape" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="(?s)all 2 trials failed.*ModuleNotFoundError"):
        check_trials([_trial("0", "FAILED", "ModuleNotFoundError: tensorboard"), _trial("1", "FAILED")])


def test_best_epochs_count_hyperband_rounds_from_the_start():
    from keras_models.tuning.search import best_epochs

    hp = lambda values: SimpleNamespace(values=values)  # noqa: E731
    assert best_epochs(SimpleNamespace(best_step=1, hyperparameters=hp({}))) == 2
    assert best_epochs(SimpleNamespace(best_step=0, hyperparameters=hp({"tuner/initial_epoch": 3}))) == 4
