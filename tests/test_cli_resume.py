"""`--resume RUN_DIR` reloads the typed configuration recorded in config.json, through the
same validation as a new run, for every training command (and the search)."""

from __future__ import annotations

import importlib
import json

import pytest

from keras_models import ag_news, heartbeat, images, nab, tune
from keras_models.errors import UserError
from keras_models.rundir import RunDir

#: command -> (family API, a configuration with non-default values)
FAMILIES = {
    "nab_autoencoder": (nab, lambda p: nab.Config(version="v1", seed=7, window=20, split=(0.6, 0.2, 0.2),
                                                  threshold="mean-std:3", runs_dir=p / "runs")),
    "heartbeat": (heartbeat, lambda p: heartbeat.Config(model="attention_gru", balance="smote", seed=7, epochs=3,
                                                        steps_per_epoch=5, mitdb=p / "mitdb", runs_dir=p / "runs")),
    "ag_news_transformer": (ag_news, lambda p: ag_news.Config(variant="best", protocol="small", seed=7, ngrams=2,
                                                              patience=3, runs_dir=p / "runs")),
    "image_classification": (images, lambda p: images.Config(model="vit", seed=7, epochs=3, max_images_per_class=30,
                                                             model_args={"patch_size": 4}, runs_dir=p / "runs")),
    "tune": (tune, lambda p: tune.Config(experiment=nab.Config(version="v3", epochs=2, runs_dir=p / "runs"),
                                         trials=3, space=("encoder_units=10",))),
}


def _interrupted(tmp_path, module, config) -> RunDir:
    run = RunDir.create(tmp_path / "runs", module.EXPERIMENT, run_id="interrupted")
    run.write_json("config.json", {"experiment": module.EXPERIMENT, "config": config.to_dict()})
    return run


@pytest.mark.parametrize("command", FAMILIES)
def test_the_recorded_config_comes_back_equal(tmp_path, command):
    module, make = FAMILIES[command]
    config = make(tmp_path)
    assert type(config).from_dict(json.loads(json.dumps(config.to_dict()))) == config, "JSON round trip"
    if command != "tune":
        run = _interrupted(tmp_path, module, config)
        assert type(config).from_run(run.path, module.EXPERIMENT) == config
        assert type(config).from_run(run.path, module.EXPERIMENT, epochs=50).epochs == 50
        with pytest.raises(UserError, match="can only train longer"):
            type(config).from_run(run.path, module.EXPERIMENT, epochs=1)


@pytest.mark.parametrize("command", FAMILIES)
def test_flags_beside_resume_and_other_experiments_are_refused(tmp_path, command):
    module, make = FAMILIES[command]
    run = _interrupted(tmp_path, module, make(tmp_path))
    cli_module = importlib.import_module(f"experiments.{command}")
    with pytest.raises(UserError, match="--seed cannot be given with --resume"):
        cli_module.main(["--resume", str(run.path), "--seed", "3"])
    other = RunDir.create(tmp_path, "other_experiment", run_id="x")
    other.write_json("config.json", {"experiment": "other_experiment", "config": {}})
    with pytest.raises(UserError, match="belongs to experiment 'other_experiment'"):
        module.resume(other.path)


@pytest.mark.parametrize("command", FAMILIES)
def test_a_hand_edited_config_is_validated_again(tmp_path, command):
    module, make = FAMILIES[command]
    run = _interrupted(tmp_path, module, make(tmp_path))
    recorded = json.loads(run.config_path.read_text())
    target = recorded["config"]["experiment"] if command == "tune" else recorded["config"]
    target["seed"] = -5
    run.config_path.write_text(json.dumps(recorded))
    with pytest.raises(UserError, match=r"config\.json.*bad seed \(--seed\): expected a seed in 0\.\.4294967295"):
        module.resume(run.path)
    run.config_path.write_text(json.dumps({"experiment": module.EXPERIMENT, "config": [1, 2]}))
    with pytest.raises(UserError, match="config.json"):
        module.resume(run.path)
