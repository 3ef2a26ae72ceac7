"""The heartbeat experiment's Python API: beats -> split -> balance (training split) -> model.

    from keras_models import heartbeat

    result = heartbeat.run(heartbeat.Config(model="cnn2d_resnet", balance="class-weights", epochs=1))
    result.metrics["test_metrics"]["f1_macro"]
    heartbeat.resume("runs/heartbeat/<run-id>")

Every function checks its configuration and loads the beats before TensorFlow loads.
"""

from __future__ import annotations

from pathlib import Path

from keras_models import runner
from keras_models.rundir import check_new_run
from keras_models.heartbeat import data
from keras_models.heartbeat.beatset import format_counts
from keras_models.heartbeat.config import Config
from keras_models.heartbeat.data import HeartbeatData

EXPERIMENT = "heartbeat"


def load(config: Config) -> HeartbeatData:
    """The train/val/test beats of `config` (`UserError` on bad input; no TensorFlow); prints
    the class counts of each part."""
    if config.train_file is not None:
        loaded = data.from_files(config.train_file, config.test_file, config.val_fraction, config.seed)
    else:
        loaded = data.from_mitdb(config.mitdb, config.beats, config.split, config.val_fraction,
                                 config.test_fraction, config.seed)
    for part, beatset in loaded.parts.items():
        print(f"{part}: {format_counts(beatset.y)}")
    return loaded


def run(config: Config, *, resume: Path | None = None, loaded: HeartbeatData | None = None) -> runner.Result:
    """Train `config.model` on its beats and evaluate it on the test split; the run folder and metrics.

    ``recipe="auto"``, and a model with a cpu recipe given no recipe in a run long enough,
    first time the speed levers on this machine (`heartbeat.autorecipe.settle`; cached per
    machine and model) and train with the fastest, recorded in config.json."""
    from keras_models.heartbeat import autorecipe

    if resume is None and (config.needs_probe or autorecipe.defaults_to_auto(config)):
        # the probe's length rule needs the training beats: load them first (any other run keeps the
        # runner's order, its output checks before the data)
        check_new_run(config.runs_dir, EXPERIMENT, config.run_id)  # a taken --run-id costs no data or probe
        loaded = load(config) if loaded is None else loaded
        config = autorecipe.settle(config, len(loaded.parts["train"].y))
    elif config.auto_levers is not None:
        print(f"recipe auto: keeping the recorded levers ({config.precision}, XLA "
              f"{'on' if config.jit_compile else 'off'}, batch {config.batch_size}, {config.threads} threads; "
              f"{config.auto_levers})", flush=True)
    return runner.run_experiment(config, EXPERIMENT, __package__, load, resume=resume, loaded=loaded)


def resume(run_dir: Path, epochs: int | None = None) -> runner.Result:
    """Continue an interrupted run (its config.json revalidated, its data files unchanged)."""
    return run(Config.from_run(run_dir, EXPERIMENT, epochs), resume=Path(run_dir))
