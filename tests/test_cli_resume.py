"""`--resume RUN_DIR` restores the recorded arguments through each training command's parser."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from keras_models import cli
from keras_models.errors import UserError
from keras_models.rundir import RunDir

COMMANDS = ["nab_autoencoder", "heartbeat", "ag_news_transformer", "image_classification"]


@pytest.mark.parametrize("command", COMMANDS)
def test_resume_restores_recorded_arguments(tmp_path, command):
    module = importlib.import_module(f"experiments.{command}")
    parser = module.build_parser()
    recorded = parser.parse_args(["--runs-dir", str(tmp_path / "runs"), "--seed", "7"])
    run = RunDir.create(tmp_path / "runs", module.EXPERIMENT, run_id="interrupted")
    run.write_json("config.json", {"experiment": module.EXPERIMENT, "args": cli.args_to_config(recorded)})

    restored = cli.parse_args(parser, ["--resume", str(run.path)], module.EXPERIMENT)
    assert restored.resume == run.path and restored.seed == 7
    assert isinstance(restored.runs_dir, Path)  # type=Path flags come back as paths
    for key, value in vars(recorded).items():
        if key != "resume":
            assert getattr(restored, key) == (list(value) if isinstance(value, tuple) else value), key


@pytest.mark.parametrize("command", COMMANDS)
def test_resume_of_another_experiment_is_refused(tmp_path, command):
    module = importlib.import_module(f"experiments.{command}")
    run = RunDir.create(tmp_path, "other_experiment", run_id="x")
    run.write_json("config.json", {"experiment": "other_experiment", "args": {}})
    with pytest.raises(UserError, match="belongs to experiment 'other_experiment'"):
        cli.parse_args(module.build_parser(), ["--resume", str(run.path)], module.EXPERIMENT)
