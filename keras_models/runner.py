"""The one training runner every experiment uses.

An experiment describes its work as a `Job` (data splits, a model builder, compile
arguments, an optional task-specific evaluation) and calls `run(job)`, which:

1. seeds everything (`keras.utils.set_random_seed`) and turns on deterministic ops;
2. builds and compiles the model (so a model that cannot be built leaves no run folder);
3. creates the run folder (or reopens it for `--resume`) and writes config.json, then fits
   the model with CSVLogger, BackupAndRestore, ModelCheckpoint, TensorBoard and (if
   `patience > 0`) EarlyStopping;
4. evaluates the loss and compiled metrics on train (`Job.train_eval` if given),
   validation and test;
5. plots every history metric, then lets the job add its own metrics and plots;
6. saves model.keras and saved_model/, each reloaded and compared with the model;
7. writes metrics.json last: its presence marks a finished run.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from keras_models.rundir import RunDir


@dataclass(frozen=True)
class RunOptions:
    """How to train: the flags of `keras_models.cli.add_run_flags`.

    `run_dir` names a run folder the caller has already created (with its
    config.json) for the runner to finish: a command whose run holds more than
    training, such as a search followed by the final model.
    """

    epochs: int = 10
    batch_size: int = 32
    steps_per_epoch: int | None = None
    eval_batch_size: int | None = None
    seed: int = 42
    patience: int = 0
    runs_dir: Path = Path("runs")
    run_id: str | None = None
    resume: Path | None = None
    jit_compile: bool = False
    tensorboard: bool = True
    monitor: str = "val_loss"
    run_dir: Path | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace, **overrides) -> "RunOptions":
        values = dict(
            epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, patience=args.patience,
            steps_per_epoch=getattr(args, "steps_per_epoch", None),
            eval_batch_size=getattr(args, "eval_batch_size", None),
            runs_dir=Path(args.runs_dir), run_id=args.run_id, resume=args.resume,
            jit_compile=args.jit_compile, tensorboard=not args.no_tensorboard,
        )
        values.update(overrides)
        return cls(**values)

    @property
    def eval_batch(self) -> int:
        """Batch size of validation and evaluation (array splits): `eval_batch_size`, else `batch_size`."""
        return self.eval_batch_size or self.batch_size


@dataclass
class Split:
    """One data split: arrays `x` and `y` (batched by the runner), or a batched
    `tf.data.Dataset` of (x, y) in `x` with `y=None`."""

    x: Any
    y: Any = None

    def fit_kwargs(self, batch_size: int) -> dict:
        if self.y is None:
            return {"x": self.x}
        return {"x": self.x, "y": self.y, "batch_size": batch_size}

    def first_inputs(self, n: int = 32):
        """Up to `n` model inputs, for export checks."""
        if self.y is not None:
            return self.x[:n]
        return next(iter(self.x.unbatch().batch(n).take(1)))[0].numpy()


@dataclass
class Job:
    """Everything one training run needs.

    Attributes:
        experiment: the experiment's name (`runs/<experiment>/...`).
        model_name: registry name of the model (recorded in metrics.json).
        config: JSON-ready description of the run (arguments, data), saved as config.json.
        build_model: returns an uncompiled `keras.Model`.
        compile_kwargs: returns the keyword arguments of `model.compile` (a fresh optimizer each call).
        train, val, test: the data splits; `val` None trains without validation (for a final
            model retrained on train+val: use `RunOptions(monitor="loss", patience=0)`).
        options: training options.
        evaluate: `evaluate(model, run_dir) -> dict` adds task metrics and plots (optional).
        class_weight: passed to `fit` (optional).
        tag: suffix of the generated run id.
        train_eval: the training data as evaluated after training, when `train` differs
            from it (e.g. augmented and shuffled); defaults to `train`.
    """

    experiment: str
    model_name: str
    config: dict
    build_model: Callable[[], Any]
    compile_kwargs: Callable[[], dict]
    train: Split
    val: Split | None
    test: Split
    options: RunOptions
    evaluate: Callable[[Any, RunDir], dict] | None = None
    class_weight: dict | None = None
    tag: str = ""
    extra_callbacks: list = field(default_factory=list)
    train_eval: Split | None = None


def set_seed(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the backend; make TensorFlow ops deterministic."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def open_run(job: Job) -> RunDir:
    """The job's run folder: the caller's `run_dir`, reopened for `--resume`, else created with config.json."""
    opts = job.options
    if opts.run_dir is not None or opts.resume is not None:
        return RunDir.open_for_resume(opts.run_dir or opts.resume, job.experiment)
    run = RunDir.create(opts.runs_dir, job.experiment, opts.run_id, tag=job.tag)
    run.write_json("config.json", {"experiment": job.experiment, "run_id": run.name, **job.config})
    return run


def callbacks(job: Job, run: RunDir) -> list:
    """CSVLogger before BackupAndRestore: a kill between the two at most repeats one
    history row, which `finish_history` drops."""
    import keras

    opts = job.options
    run.checkpoint_path.parent.mkdir(exist_ok=True)
    cbs = [
        keras.callbacks.CSVLogger(str(run.history_path), append=True),
        keras.callbacks.BackupAndRestore(str(run.backup_path), double_checkpoint=True),
        keras.callbacks.ModelCheckpoint(str(run.checkpoint_path), monitor=opts.monitor, save_best_only=True),
    ]
    if opts.patience > 0:
        cbs.append(keras.callbacks.EarlyStopping(monitor=opts.monitor, patience=opts.patience,
                                                 restore_best_weights=True))
    if opts.tensorboard:
        cbs.append(keras.callbacks.TensorBoard(str(run.logs_path), write_graph=False))
    return cbs + list(job.extra_callbacks)


def finish_history(run: RunDir):
    """history.csv with one row per epoch (a resumed run may have repeated the last one)."""
    import pandas as pd

    history = pd.read_csv(run.history_path)
    history = history.drop_duplicates("epoch", keep="last").sort_values("epoch").reset_index(drop=True)
    history.to_csv(run.history_path, index=False)
    return history


def evaluate_splits(model, job: Job) -> dict:
    """Loss and compiled metrics on each split: {"train": {...}, "val": {...}, "test": {...}}
    ("val" left out when the job has none)."""
    return {
        name: {k: float(v) for k, v in model.evaluate(**split.fit_kwargs(job.options.eval_batch),
                                                      verbose=0, return_dict=True).items()}
        for name, split in (("train", job.train_eval or job.train), ("val", job.val), ("test", job.test))
        if split is not None
    }


def run(job: Job) -> tuple[RunDir, dict]:
    """Train, evaluate, plot, save and export; return the run folder and its metrics."""
    from keras_models import export, plots
    from keras_models.audit import count_params

    started = time.perf_counter()
    opts = job.options
    set_seed(opts.seed)
    model = job.build_model()  # before the run folder: a model that cannot be built leaves none behind
    model.compile(**job.compile_kwargs(), jit_compile=opts.jit_compile)
    run_dir = open_run(job)
    model.summary()
    print(f"run folder: {run_dir.path}")

    fit_started = time.perf_counter()
    model.fit(
        **job.train.fit_kwargs(opts.batch_size),
        validation_data=None if job.val is None else (job.val.x, job.val.y) if job.val.y is not None else job.val.x,
        epochs=opts.epochs,
        steps_per_epoch=opts.steps_per_epoch,
        **({} if job.val is None or job.val.y is None else {"validation_batch_size": opts.eval_batch}),
        class_weight=job.class_weight,
        callbacks=callbacks(job, run_dir),
        verbose=1,
    )
    fit_seconds = time.perf_counter() - fit_started
    history = finish_history(run_dir)
    for metric in plots.history_metrics(history):
        plots.plot_history(history, metric, run_dir.plot(metric), title=f"{job.model_name}: {metric} per epoch")

    trainable, non_trainable = count_params(model)
    metrics: dict = {
        "experiment": job.experiment,
        "run_id": run_dir.name,
        "model": job.model_name,
        "params": {"trainable": trainable, "non_trainable": non_trainable},
        "epochs_run": int(len(history)),
        "resumed": opts.resume is not None,
        "fit_seconds_this_session": round(fit_seconds, 2),
        **evaluate_splits(model, job),
    }
    if job.evaluate is not None:
        metrics.update(job.evaluate(model, run_dir))

    sample = job.test.first_inputs()
    metrics["export"] = {
        "keras_max_abs_diff": export.save_and_verify(model, run_dir.model_path, sample),
        "saved_model_max_abs_diff": export.export_and_verify(model, run_dir.saved_model_path, sample),
    }
    metrics["wall_seconds_this_session"] = round(time.perf_counter() - started, 2)
    run_dir.write_json("metrics.json", metrics)
    print(f"wrote {run_dir.path} (metrics.json, history.csv, plots/, model.keras, saved_model/)")
    return run_dir, metrics
