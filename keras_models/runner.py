"""The one training runner every experiment (and the tuner's final model) uses.

An experiment describes its work as a `Job` (the model's registry name and builder
arguments, data splits, loss, optimizer, an optional task-specific evaluation, its
typed configuration) and calls `run(job)`, which:

1. checks the run folder (a new name is free; a resumed run is unfinished and its data
   files are unchanged), before TensorFlow is imported;
2. seeds everything (`keras.utils.set_random_seed`) and turns on deterministic ops;
3. builds and compiles the model, under the ``--distribute`` strategy's scope when one is
   given (`keras_models.distribute`; a model that cannot be built leaves no run folder);
4. creates the run folder with config.json (or reopens it), then fits with CSVLogger,
   ModelCheckpoint, EarlyStopping (``patience > 0``), TensorBoard and `RunBackup`,
   which restores everything a resumed run needs to end as an uninterrupted one
   (weights, optimizer, epoch, the callbacks' state, dropout seeds; batches are
   ordered by (seed, epoch): `keras_models.batches`);
5. evaluates the loss and compiled metrics on train, validation and test;
6. plots every history metric, then lets the job add its own metrics and plots;
7. saves model.keras and saved_model/, each reloaded and compared with the model;
8. writes metrics.json last: its presence marks a finished run.

With ``--track mlflow`` (`keras_models.tracking`) the same steps are one MLflow run: the
store is checked before step 4, every epoch's metrics are logged during step 4, and
metrics.json's numbers and the run's files after step 8.

Ctrl-C during training ends with `Interrupted` (the command prints how to resume);
a write that fails (disk full, read-only folder) ends with a `UserError` saying so.
"""

from __future__ import annotations

import signal
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from keras_models import distribute, finite, fingerprint, interrupts, machine, runfiles, tracking
from keras_models.config import TrainConfig
from keras_models.errors import UserError
from keras_models.optimizers import OptimizerConfig
from keras_models.rundir import RunDir, check_new_run


class Interrupted(Exception):
    """Training was stopped by Ctrl-C; `run_dir` holds what `--resume` continues."""

    def __init__(self, run_dir: Path, experiment: str):
        super().__init__(f"interrupted: {run_dir}")
        self.run_dir, self.experiment = Path(run_dir), experiment


@dataclass(frozen=True)
class Result:
    """A finished run: its folder and the contents of its metrics.json."""

    run_dir: Path
    metrics: dict


@dataclass
class Split:
    """One data split: arrays `x` and `y` (batched by the runner), or a batched
    `tf.data.Dataset` of (x, y) in `x` with `y=None`."""

    x: Any
    y: Any = None

    @property
    def is_arrays(self) -> bool:
        return self.y is not None

    def fit_kwargs(self, batch_size: int) -> dict:
        if self.y is None:
            return {"x": self.x}
        return {"x": self.x, "y": self.y, "batch_size": batch_size}

    def validation(self):
        return (self.x, self.y) if self.y is not None else self.x

    def first_inputs(self, n: int = 32):
        """Up to `n` model inputs, for export checks."""
        if self.y is not None:
            return self.x[:n]
        return next(iter(self.x.unbatch().batch(n).take(1)))[0].numpy()


@dataclass
class Job:
    """Everything one training run needs; the runner and the tuner both read it.

    Attributes:
        experiment: the experiment's name (`runs/<experiment>/...`, `python -m experiments.<experiment>`).
        model: registry name of the model.
        config: the experiment's typed configuration; its training options drive the run
            and `config.to_dict()` is what config.json stores and `--resume` reloads.
        train, val, test: the data splits; `val` None trains without validation (a final
            model retrained on train+val: give `monitor="loss"`).
        loss: returns `model.compile`'s loss and metrics (no optimizer).
        optimizer: the optimizer and schedule.
        model_kwargs: builder arguments over the registered defaults.
        prepare_model: called on the built model before compiling (e.g. adapt a vectorizer).
        evaluate: `evaluate(model, run_dir) -> dict` adds task metrics and plots.
        class_weight: passed to `fit`.
        train_eval: the training data as evaluated after training, when `train` differs
            from it (balanced, augmented); defaults to `train`.
        data: JSON-ready description of the data (config.json).
        data_files: the files the data was read from; their sha256 go into config.json
            and a resumed run refuses to go on if any changed.
        tag: suffix of the generated run id.
        monitor: what checkpointing and early stopping watch.
        classifier: the tuner scores validation macro F1 / recall after each epoch.
        rebalance: `rebalance(x, y, method, seed) -> (x, y, class_weight)`, the tuner's
            balance hyper-parameter (heartbeat).
        run_dir: finish a run folder the caller created (a search followed by its final model).
        resume: continue this interrupted run folder.
        extra_metrics: added to metrics.json.
    """

    experiment: str
    model: str
    config: TrainConfig
    train: Split
    val: Split | None
    test: Split
    loss: Callable[[], dict]
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    model_kwargs: dict = field(default_factory=dict)
    prepare_model: Callable[[Any], None] | None = None
    evaluate: Callable[[Any, RunDir], dict] | None = None
    class_weight: dict | None = None
    train_eval: Split | None = None
    data: dict = field(default_factory=dict)
    data_files: list = field(default_factory=list)
    tag: str = ""
    monitor: str = "val_loss"
    classifier: bool = False
    rebalance: Callable | None = None
    run_dir: Path | None = None
    resume: Path | None = None
    extra_metrics: dict = field(default_factory=dict)
    extra_callbacks: list = field(default_factory=list)

    def build_model(self):
        """The uncompiled model under the configuration's precision (float32 outputs;
        `prepare_model` applied)."""
        from keras_models import precision, registry

        model = precision.build(lambda: registry.get(self.model).build(**self.model_kwargs), self.config.precision)
        if self.prepare_model is not None:
            self.prepare_model(model)
        return model

    def steps_per_epoch(self) -> int:
        """Optimizer steps in one epoch (for learning-rate schedules)."""
        if self.config.steps_per_epoch:
            return self.config.steps_per_epoch
        if self.train.is_arrays:
            return -(-len(self.train.x) // self.config.batch_size)
        return max(int(self.train.x.cardinality()), 1)

    def compile_kwargs(self) -> dict:
        """A fresh optimizer with the job's loss and metrics."""
        from keras_models.optimizers import build_optimizer

        return {"optimizer": build_optimizer(self.optimizer, self.steps_per_epoch(), self.config.epochs),
                **self.loss()}

    def describe(self) -> dict:
        """config.json: the configuration, model, optimizer and data."""
        return {"experiment": self.experiment, "model": self.model, "config": self.config.to_dict(),
                "model_kwargs": self.model_kwargs, "optimizer": self.optimizer.to_dict(), "data": self.data}


@contextmanager
def interruptible(run_dir: Path, experiment: str, defer: bool = True):
    """Ctrl-C inside the block ends with `Interrupted(run_dir)`. The first one is deferred
    (`keras_models.interrupts.deferred`): the work stops at the next batch's or stage's end,
    not inside TensorFlow's C++. A second one raises at once, whatever TensorFlow makes of
    it (raised while a function is traced, it can surface as another error; raised in a
    finalizer, it is dropped: `keras_models.interrupts` keeps the mark). `defer` False: the
    first one raises at once (work with no checks, such as a tuning chief serving its
    workers). The run folder's backup holds the last finished epoch."""
    previous = interrupts.ensure()
    try:
        interrupts.check()  # a SIGINT that came (and was swallowed) before the run folder was made
        with interrupts.deferred() if defer else nullcontext():
            yield
    except BaseException as stop:
        if interrupts.received() or isinstance(stop, KeyboardInterrupt):
            interrupts.clear()
            raise Interrupted(run_dir, experiment) from None
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)



def set_seed(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the backend; make TensorFlow ops deterministic (measured
    free of cost on CPU: `benchmarks.speed_levers`)."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def set_threads(threads: int | None) -> None:
    """TensorFlow's intra- and inter-op thread pools of `threads` threads (None: leave them).

    TensorFlow sizes its pools once, when it first runs an op: a process that already
    ran with other sizes cannot change them (`UserError`: start a new process).
    """
    if threads is None:
        return
    import tensorflow as tf

    threading_ = tf.config.threading
    if (threading_.get_intra_op_parallelism_threads(), threading_.get_inter_op_parallelism_threads()) == \
            (threads, threads):
        return
    try:
        threading_.set_intra_op_parallelism_threads(threads)
        threading_.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        raise UserError(f"--threads {threads}: TensorFlow already runs with other thread pools in this process; "
                        "give --threads to a new process (or leave it out)") from None


def check_run_folder(job: Job) -> RunDir | None:
    """Before any work: the run folder to reopen (checked), or None for a new run whose
    `--run-id` is checked to be free. No TensorFlow."""
    if job.run_dir is not None:
        return RunDir(job.run_dir)
    if job.resume is not None:
        run = RunDir.open_for_resume(job.resume, job.experiment)
        fingerprint.check_unchanged(run.read_config().get("data_files", {}), run.path)
        return run
    check_new_run(job.config.runs_dir, job.experiment, job.config.run_id)
    return None


def create_run(job: Job) -> RunDir:
    """A new run folder holding config.json (with the data files' sha256)."""
    run = RunDir.create(job.config.runs_dir, job.experiment, job.config.run_id, tag=job.tag)
    with run.writing():
        runfiles.write_config(run, {**job.describe(), "run_id": run.name,
                                    "data_files": fingerprint.digests(job.data_files)})
    return run


def callbacks(job: Job, run: RunDir) -> list:
    """The Ctrl-C check, `DiskGuard` and CSVLogger first; `RunBackup` last (it saves the
    others' state after they updated it)."""
    import keras

    from keras_models.backup import RunBackup
    from keras_models.disk_guard import DiskGuard
    from keras_models.optimizers import schedule_callbacks

    opts = job.config
    run.checkpoint_path.parent.mkdir(exist_ok=True)
    cbs = [interrupts.callback(), DiskGuard(run.path, job.experiment),
           keras.callbacks.CSVLogger(str(run.history_path), append=True)]
    cbs.append(keras.callbacks.ModelCheckpoint(str(run.checkpoint_path), monitor=job.monitor, save_best_only=True))
    if opts.patience > 0 and job.val is not None:  # early stopping watches the validation split
        cbs.append(keras.callbacks.EarlyStopping(monitor=job.monitor, patience=opts.patience,
                                                 restore_best_weights=True))
    cbs += schedule_callbacks(job.optimizer, monitor=job.monitor)
    if opts.tensorboard:
        cbs.append(keras.callbacks.TensorBoard(str(run.logs_path), write_graph=False))
    cbs += list(job.extra_callbacks)
    return cbs + [RunBackup(str(run.backup_path), others=list(cbs))]


def finish_history(run: RunDir):
    """history.csv with one row per epoch (a resumed run may have repeated the last one)."""
    import pandas as pd

    history = pd.read_csv(run.history_path)
    history = history.drop_duplicates("epoch", keep="last").sort_values("epoch").reset_index(drop=True)
    history.to_csv(run.history_path, index=False)
    return history


def evaluate_splits(model, job: Job) -> dict:
    """Loss and compiled metrics on each split: {"train": {...}, "val": {...}, "test": {...}}
    ("val" left out when the job has none, "train" when `job.config.evaluate_train` is off)."""
    train = (job.train_eval or job.train) if job.config.evaluate_train else None
    return {
        name: {k: float(v) for k, v in model.evaluate(**split.fit_kwargs(job.config.eval_batch), verbose=0,
                                                      callbacks=[interrupts.callback()], return_dict=True).items()}
        for name, split in (("train", train), ("val", job.val), ("test", job.test))
        if split is not None
    }


def fit(model, job: Job, callbacks: list, verbose: int = 1, **fit_kwargs):
    """`model.fit` with the job's data (array splits batched in (seed, epoch) order) and
    `callbacks`; returns the History. The tuner calls it for every trial."""
    opts = job.config
    if job.train.is_arrays:
        from keras_models.batches import training_batches

        train, clock = training_batches(job.train.x, job.train.y, opts.batch_size, opts.seed, opts.steps_per_epoch,
                                        prefetch=opts.prefetch)
        data, callbacks = {"x": train}, [clock, *callbacks]
    else:
        data = job.train.fit_kwargs(opts.batch_size)  # a dataset: batched and shuffled by its maker
    validation = {} if job.val is None else {"validation_data": job.val.validation()}
    if job.val is not None and job.val.is_arrays:
        validation["validation_batch_size"] = opts.eval_batch
    # every training input is a dataset in its own order (Keras' shuffle would warn, and be ignored)
    return model.fit(**data, **validation, shuffle=False, epochs=opts.epochs, class_weight=job.class_weight,
                     callbacks=callbacks, verbose=verbose, **fit_kwargs)


def merge_validation(job: Job) -> Job:
    """The job retrained on train+val (no validation left; checkpoints watch the training
    loss): the tuner's final model. Array splits are joined, the training part before
    balancing, then balanced again with `job.rebalance`; datasets are concatenated."""
    import dataclasses

    import numpy as np

    base = job.train_eval or job.train
    class_weight = job.class_weight
    if base.is_arrays:
        x, y = np.concatenate([base.x, job.val.x]), np.concatenate([base.y, job.val.y])
        if job.rebalance is not None:
            x, y, class_weight = job.rebalance(x, y, job.config.balance, job.config.seed)
        train = Split(x, y)
    else:
        train = Split(job.train.x.concatenate(job.val.x))
    return dataclasses.replace(job, train=train, val=None, train_eval=None, class_weight=class_weight,
                               monitor="loss")


def run_experiment(config: TrainConfig, experiment: str, package: str, load: Callable, *,
                   resume: Path | None = None, loaded: Any = None) -> Result:
    """A family's `run`: check that a new run's folder name is free (before the data, which can
    take long to load), load the data unless `loaded` is given, then run the job of
    `<package>.experiment.make_job` (imported after the data is checked: it may import TensorFlow)."""
    import importlib

    if resume is None:
        check_new_run(config.runs_dir, experiment, config.run_id)
    tracking.check_store(config.track, config.runs_dir,
                         tracking.recorded(resume).get("tracking_uri") if resume else None)
    set_threads(config.threads)  # before the data: loading may start TensorFlow
    distribute.configure(config)  # likewise: logical devices exist only if made before TensorFlow starts
    loaded = load(config) if loaded is None else loaded
    make_job = importlib.import_module(f"{package}.experiment").make_job
    return run(make_job(config, loaded, resume=resume))


def run(job: Job) -> Result:
    """Train, evaluate, plot, save and export; return the run folder and its metrics."""
    reopened = check_run_folder(job)  # before TensorFlow: a bad folder or changed data costs nothing
    finite.check_arrays({f"the {name} inputs": split.x for name, split in
                         (("training", job.train), ("validation", job.val), ("test", job.test))
                         if split is not None and split.is_arrays}, job.config.precision)

    from keras_models import export, plots
    from keras_models.audit import count_params

    started = time.perf_counter()
    opts = job.config
    track = tracking.resolve(opts.track)
    runs_root = reopened.path.parent.parent if reopened else opts.runs_dir
    if track:
        # an unreachable store stops here, before any folder; a resumed run goes on in its own store
        tracking.connect(runs_root, job.experiment, tracking.recorded(reopened.path).get("tracking_uri")
                         if reopened else None)
    set_threads(opts.threads)
    strategy = distribute.strategy(opts)  # a missing --devices entry stops here, before any folder
    set_seed(opts.seed)
    # variables mirrored on every replica; Ctrl-C while the model is built stops after it: no run folder
    with interrupts.deferred(), distribute.scope(strategy):
        model = job.build_model()  # before the run folder: a model that cannot be built leaves none behind
        model.compile(**job.compile_kwargs(), jit_compile=opts.jit_compile)
    run_dir = reopened or create_run(job)
    with interruptible(run_dir.path, job.experiment), \
            tracking.tracked(track, run_dir.path, experiment=job.experiment, model=job.model,
                             config=opts.to_dict(), seed=opts.seed, runs_dir=runs_root) as tracked_run:
        model.summary()
        print(f"run folder: {run_dir.path}")

        fit_started = time.perf_counter()
        with run_dir.writing():
            cbs = callbacks(job, run_dir)
            if tracked_run is not None:
                cbs.insert(-1, tracking.callback())  # before RunBackup, which stays last
            fit(model, job, cbs)
        fit_seconds = time.perf_counter() - fit_started

        with run_dir.writing():
            history = finish_history(run_dir)
            for metric in plots.history_metrics(history):
                plots.plot_history(history, metric, run_dir.plot(metric), title=f"{job.model}: {metric} per epoch")
            trainable, non_trainable = count_params(model)
            metrics: dict = {
                "experiment": job.experiment,
                "run_id": run_dir.name,
                "model": job.model,
                "params": {"trainable": trainable, "non_trainable": non_trainable},
                "epochs_run": int(len(history)),
                "resumed": reopened is not None and job.resume is not None,
                "fit_seconds_this_session": round(fit_seconds, 2),
                "distribute": distribute.describe(strategy),
                "machine": machine.describe(),
                **evaluate_splits(model, job),
            }
            if job.evaluate is not None:
                metrics.update(job.evaluate(model, run_dir))
                interrupts.check()
            metrics.update(job.extra_metrics)
            from keras_models.disk_guard import check_room, needed_bytes  # imports Keras

            check_room(run_dir.path, needed_bytes(model), job.experiment)  # model.keras and saved_model/ fit
            sample = job.test.first_inputs()
            keras_diff = export.save_and_verify(model, run_dir.model_path, sample)
            interrupts.check()
            metrics["export"] = {
                "keras_max_abs_diff": keras_diff,
                "saved_model_max_abs_diff": export.export_and_verify(model, run_dir.saved_model_path, sample),
            }
            metrics["wall_seconds_this_session"] = round(time.perf_counter() - started, 2)
            interrupts.check()  # a Ctrl-C swallowed during evaluation or export: not a finished run
            run_dir.write_json("metrics.json", metrics)
            run_dir.remove_backup()
            if tracked_run is not None:
                tracking.log_results(run_dir.path, metrics)
    print(f"wrote {run_dir.path} (metrics.json, history.csv, plots/, model.keras, saved_model/)")
    return Result(run_dir.path, metrics)


__all__ = ["Interrupted", "Job", "Result", "Split", "run", "set_seed"]
