"""Tuning pieces in-process: search spaces, optimizers, seeded trials, loud failures."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from keras_models import optimizers, registry, runner
from keras_models.errors import UserError
from keras_models.tuning import search_space
from keras_models.tuning.search_space import space_for


@pytest.mark.parametrize("model", search_space.tunable_models())
def test_every_space_is_valid_and_fits_its_builder(model):
    space = space_for(model)
    spec = registry.get(model)
    training, architecture = search_space.split_values(space)
    assert set(architecture) <= set(spec.parameter_names()), f"{model}: not builder arguments"
    assert architecture == spec.tunable, "the architecture space is the one on the ModelSpec"
    assert {"batch_size", "optimizer", "learning_rate", "schedule"} <= set(training)
    assert ("balance" in training) == (spec.family == "heartbeat")


def test_image_and_text_models_are_tunable():
    assert {"vit", "efficientnet_b0", "vgg", "resnet", "ag_news_best", "nab_v3", "cnn2d_resnet"} <= set(
        search_space.tunable_models())
    assert "part1_autoencoder" not in search_space.tunable_models()


def test_overrides_fix_or_narrow_keys_with_their_types():
    space = space_for("transformer2d_resnet", ["hidden=64", "dropout=0.1,0.2", "head=mlp", "balance=smote,none"])
    assert space["hidden"] == {"kind": "fixed", "value": 64}
    assert space["dropout"] == {"kind": "choice", "values": [0.1, 0.2]}
    assert space["head"]["value"] == "mlp" and space["balance"]["values"] == ["smote", "none"]
    with pytest.raises(UserError, match="a value is repeated"):
        space_for("cnn2d_resnet", ["hidden=32,32"])
    with pytest.raises(UserError, match="must be positive"):
        space_for("cnn2d_resnet", ["learning_rate=0"])


@pytest.mark.parametrize("name", optimizers.OPTIMIZERS)
@pytest.mark.parametrize("schedule", optimizers.SCHEDULES)
def test_every_optimizer_and_schedule_builds(name, schedule):
    import keras

    config = optimizers.OptimizerConfig(optimizer=name, learning_rate=1e-3, schedule=schedule, warmup_epochs=1)
    optimizer = optimizers.build_optimizer(config, steps_per_epoch=5, epochs=4)
    assert optimizer.__class__.__name__.lower() == name
    rate = optimizer._learning_rate
    assert isinstance(rate, keras.optimizers.schedules.CosineDecay) == (schedule != "reduce-on-plateau")
    if schedule == "cosine":  # one meaning: linear warm-up over warmup_epochs, then cosine to 0 at the last step
        assert float(rate(0)) == 0.0 and float(rate(5)) == pytest.approx(1e-3) and float(rate(20)) == pytest.approx(0)
    if schedule == "constant":  # the same warm-up, then the rate throughout
        assert float(rate(0)) == 0.0 and float(rate(5)) == pytest.approx(1e-3) == float(rate(20))
    callbacks = optimizers.schedule_callbacks(config, monitor="loss")
    assert [type(c).__name__ for c in callbacks] == (["ReduceLROnPlateau"] if schedule == "reduce-on-plateau" else [])


def test_adamw_never_decays_biases_norms_and_embeddings():
    import keras

    model = registry.build("transformer2d_resnet", hidden=8, num_heads=2)
    optimizer = optimizers.build_optimizer(optimizers.OptimizerConfig(optimizer="adamw"), 1, 1)
    decayed = {v.path for v in model.trainable_variables if optimizer._use_weight_decay(v)}
    assert decayed and not any(part in path for path in decayed for part in ("bias", "gamma", "beta"))
    assert any("kernel" in path for path in decayed)
    assert isinstance(optimizer, keras.optimizers.AdamW)


def _config(tmp_path, model="nab_v3", **tune_kwargs):
    from conftest import write_series
    from keras_models import nab, tune

    tmp_path.mkdir(parents=True, exist_ok=True)
    csv = write_series(tmp_path / "s.csv", n=300, spikes=(250,))
    return tune.Config(experiment=nab.Config(version=model.removeprefix("nab_"), csv=csv, window=10, epochs=1,
                                             runs_dir=tmp_path / "runs"), **tune_kwargs)


def _tuner(directory, kind="random", seed=7):
    from keras_models.tuning import search
    from keras_models.tuning.hypermodel import TunableModel

    from keras_models import nab
    from keras_models.nab.experiment import make_job

    config = _config(directory)
    loaded = nab.load(config.experiment)
    model = TunableModel(lambda c: make_job(c, loaded), config.experiment, config.space_dict(), ("val_loss", "min"))
    return search.make_tuner(kind, model, objective=("val_loss", "min"), trials=5, epochs=9, seed=seed,
                             directory=directory / "tuner")


def _first_trials(directory, kind: str, seed: int, n: int = 3) -> list[dict]:
    tuner = _tuner(directory, kind, seed)
    return [dict(tuner.oracle.create_trial(f"tuner{i}").hyperparameters.values) for i in range(n)]


@pytest.mark.parametrize("kind, first", [(kind, False) for kind in search_space.TUNERS] + [("random", True)])
def test_a_trial_finished_just_before_a_kill_is_not_run_again(tmp_path, kind, first):
    """Killed after `end_trial` wrote trial.json (COMPLETED) but while oracle.json still
    lists the trial as ongoing: the resumed search goes on with a new trial. `first`: the
    first trial, killed before the tuner's own state was ever saved."""
    tuner = _tuner(tmp_path, kind)
    if not first:
        tuner.save()  # as at the end of an earlier trial
    oracle = tuner.oracle
    trial = oracle.create_trial("tuner0")  # oracle.json: ongoing {"tuner0": trial}
    trial.status = "COMPLETED"
    trial.metrics.register("val_loss", "min")
    trial.metrics.update("val_loss", 0.5)
    trial.score = 0.5
    oracle._save_trial(trial)  # the kill comes here, before the next trial updates oracle.json

    resumed = _tuner(tmp_path, kind).oracle
    assert resumed.trials[trial.trial_id].status == "COMPLETED"
    assert trial.trial_id in resumed.end_order
    assert resumed.create_trial("tuner0").trial_id != trial.trial_id


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


def test_a_trial_job_takes_the_trial_values(tmp_path):
    from keras_models import nab
    from keras_models.nab.experiment import make_job
    from keras_models.tuning.hypermodel import trial_job

    config = _config(tmp_path).experiment
    loaded = nab.load(config)
    values = {"batch_size": 8, "optimizer": "adamw", "learning_rate": 2e-3, "schedule": "cosine",
              "encoder_units": 10, "decoder_units": 8, "dense_units": 8}
    job = trial_job(lambda c: make_job(c, loaded), config, values)
    assert job.config.batch_size == 8 and job.config.epochs == 1
    assert job.optimizer == optimizers.OptimizerConfig(optimizer="adamw", learning_rate=2e-3, schedule="cosine")
    assert job.model_kwargs == {"window": 10, "encoder_units": 10, "decoder_units": 8, "dense_units": 8}
    merged = runner.merge_validation(job)
    assert merged.val is None and merged.monitor == "loss"
    assert len(merged.train.x) == len(job.train.x) + len(job.val.x)


def test_a_warm_up_is_searched_only_when_named_and_a_plain_refit_keeps_the_validation(tmp_path):
    """`warmup_epochs` joins the space by an override; ``refit="train"`` trains the best values on
    the whole data's job (validation kept, the given epochs) instead of train+val."""
    from keras_models import nab
    from keras_models.nab.experiment import make_job
    from keras_models.tuning import search
    from keras_models.tuning.hypermodel import TunableModel, trial_job

    assert "warmup_epochs" not in space_for("cnn1d_resnet")
    assert space_for("cnn1d_resnet", ["warmup_epochs=0,1"])["warmup_epochs"] == {"kind": "choice", "values": [0, 1]}
    assert search_space.default_architecture("cnn1d_resnet") == ("hidden=128", "num_blocks=1")
    with pytest.raises(UserError, match="warmup_epochs.*whole number"):
        space_for("cnn1d_resnet", ["warmup_epochs=-1"])
    config = _config(tmp_path).experiment
    loaded = nab.load(config)
    values = {"batch_size": 8, "optimizer": "sgd", "learning_rate": 1e-2, "schedule": "cosine", "warmup_epochs": 1,
              "encoder_units": 10, "decoder_units": 8, "dense_units": 8}
    assert trial_job(lambda c: make_job(c, loaded), config, values).optimizer.warmup_epochs == 1
    model = TunableModel(lambda c: make_job(c, loaded), config, {}, ("val_loss", "min"))
    best = {"hyperparameters": values, "epochs": 1}
    whole = lambda c: make_job(c, loaded)  # noqa: E731 - the experiment's data (the trials': a subset)
    plain = search.final_job(model, best, tmp_path, False, {}, refit="train", epochs=3, make_job=whole)
    assert plain.val is not None and plain.config.epochs == 3 and plain.optimizer.schedule == "cosine"
    merged = search.final_job(model, best, tmp_path, False, {})
    assert merged.val is None and merged.config.epochs == 1


def test_the_final_model_rebalances_train_and_val_together():
    """Heartbeat: the beats before balancing and the validation beats are joined, then balanced again."""
    from keras_models.heartbeat.balance import balance

    x, y = np.zeros((30, 4), dtype="float32"), np.array([0] * 20 + [1] * 4 + [0] * 4 + [1] * 2)
    balanced = runner.Split(*balance(x[:24], y[:24], "oversample-full", seed=0)[:2])
    job = runner.Job("heartbeat", "toy", SimpleNamespace(balance="oversample-full", seed=0), train=balanced,
                     val=runner.Split(x[24:], y[24:]), test=runner.Split(x[24:], y[24:]), loss=dict,
                     train_eval=runner.Split(x[:24], y[:24]),
                     rebalance=lambda x, y, method, seed: balance(x, y, method, seed=seed))
    merged = runner.merge_validation(job)
    assert np.bincount(merged.train.y).tolist() == [24, 24] and merged.class_weight is None
    assert merged.val is None and merged.train_eval is None and merged.monitor == "loss"


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


def test_the_workers_placement_files_name_where_each_trial_ran(tmp_path):
    from keras_models.errors import UserError
    from keras_models.tuning import placement

    class Tuner:
        def on_trial_begin(self, trial):
            self.begun = trial.trial_id

    class Trial:
        trial_id = "03"

    tuner = Tuner()
    placement.record_trials(tuner, tmp_path, "tuner1")
    tuner.on_trial_begin(Trial())
    assert tuner.begun == "03"
    assert placement.placements(tmp_path)["03"].startswith("tuner1 on ")
    assert placement.placements(tmp_path / "no search") == {}
    (tmp_path / "workers" / "tuner0.trials.jsonl").write_text('{"trial": "01", "worker": "tuner0"}\n')
    with pytest.raises(UserError, match=r"tuner0.trials.jsonl: line 1 is damaged; delete the file"):
        placement.placements(tmp_path)
