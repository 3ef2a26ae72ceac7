"""A hyper-parameter search in its run folder: search, trial table, best config, final model.

    from keras_models import heartbeat, tune

    search = tune.Config(experiment=heartbeat.Config(model="cnn2d_resnet", epochs=2), trials=6)
    result = tune.run(search)            # the final model's Result (run folder, metrics)
    tune.resume("runs/tune/<run-id>")

Run folder (``runs/tune/<run-id>/``)::

    config.json                the search configuration, space, objective, data (written first)
    tuner/search/              Keras Tuner's project: oracle.json, trial_*/ (reloaded on resume)
    trials.md, trials.json     every trial: hyper-parameters, objective, validation metrics
    best_hyperparameters.json  the best trial's configuration and epoch count
    history.csv, plots/, model.keras, saved_model/, checkpoints/, logs/
                               the final model, retrained on train+val by `runner.run`
                               (``refit="train"``: trained on the training split, as a plain run)
    metrics.json               test metrics of the final model and a search summary (written last)
    workers/                   worker logs of a distributed search, and where each trial ran
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from keras_models import fingerprint, runfiles, runner, tracking
from keras_models.errors import UserError
from keras_models.rundir import RunDir, check_new_run
from keras_models.tuning import distributed, placement
from keras_models.tuning.config import EXPERIMENT, Config
_CLASSIFIER_KEYS = ("accuracy", "f1_macro", "f1_micro", "precision_macro", "recall_macro")


def load(config: Config):
    """The family's data, read once for every trial (no TensorFlow for array families)."""
    return _searched(config, config.family.api.load(config.experiment))


def _searched(config: Config, loaded):
    """The data the trials train on: `loaded`, or its `max_train_beats` subset."""
    if config.max_train_beats is not None:
        loaded = _heartbeat_subset(loaded, config.max_train_beats, config.experiment.seed)
    return loaded


def _heartbeat_subset(loaded, n: int, seed: int):
    """A stratified subset of `n` training beats, and of the validation beats in the same
    proportion (at least 5); the test split is kept whole."""
    import dataclasses

    from keras_models.heartbeat.splits import stratified_subset

    parts = loaded.parts
    if n >= len(parts["train"]):
        return loaded
    share = n / len(parts["train"])
    subset = {**parts, "train": stratified_subset(parts["train"], n, seed),
              "val": stratified_subset(parts["val"], max(5, round(share * len(parts["val"]))), seed)}
    source = {**loaded.source, "subset": {"max_train_beats": n, "from": {p: len(parts[p]) for p in ("train", "val")}}}
    return dataclasses.replace(loaded, parts=subset, source=source)


def run(config: Config, *, resume: Path | None = None) -> runner.Result | None:
    """Search (or go on searching), then, in the chief or a plain run, write the trial table
    and best config and train, test and export the final model.

    Returns:
        The final model's `Result`; None in a distributed worker and in the launcher.
    """
    experiment = config.experiment
    if resume is None:
        check_new_run(experiment.runs_dir, EXPERIMENT, experiment.run_id)
    space, objective = config.space_dict(), config.objective_pair()
    cluster = None
    if config.ray is not None and not distributed.is_child():  # before any folder: a bad cluster writes nothing
        from keras_models.tuning import ray_workers

        cluster = ray_workers.connect(config.ray, Path(experiment.runs_dir).resolve())
    if tracking.resolve(experiment.track) and (config.workers or cluster is not None):
        raise UserError("--track mlflow with --workers: a distributed search is not tracked yet; drop one of them")
    if tracking.resolve(experiment.track) and not distributed.is_child():
        tracking.connect(experiment.runs_dir, EXPERIMENT)  # an unreachable store stops here
    whole = config.family.api.load(experiment)
    loaded = _searched(config, whole)
    if resume is None:
        base = config.family.make_job(experiment, loaded)  # describes the data and its files
        run_dir = RunDir.create(experiment.runs_dir, EXPERIMENT, experiment.run_id,
                                tag=f"{config.model}-{config.tuner}-s{experiment.seed}")
        with run_dir.writing():
            runfiles.write_config(run_dir, {
                "experiment": EXPERIMENT, "run_id": run_dir.name, "config": config.to_dict(), "model": config.model,
                "family": config.family.name, "objective": {"name": objective[0], "direction": objective[1]},
                "search_space": space, "data": base.data, "data_files": fingerprint.digests(base.data_files)})
        print(f"run folder: {run_dir.path}")
    else:
        run_dir = RunDir(Path(resume))
    if (config.workers or cluster is not None) and not distributed.is_child():
        command = [sys.executable, "-m", "experiments.tune", "--resume", str(run_dir.path.resolve())]
        if cluster is not None:
            from keras_models.tuning import ray_workers

            ray_workers.launch(cluster, command, run_dir.path, config.workers, config.timeout)
        else:
            distributed.launch(command, run_dir.path, config.workers, config.timeout)
        return None
    track = tracking.resolve(experiment.track) if not distributed.is_child() else None
    # a distributed chief serves the oracle (a Python loop, no batches): Ctrl-C raises at once there
    chief_of_workers = distributed.is_child() and distributed.is_chief()
    with runner.interruptible(run_dir.path, EXPERIMENT, defer=not chief_of_workers), \
            tracking.tracked(track, run_dir.path, experiment=EXPERIMENT, model=config.model, config=config.to_dict(),
                             seed=experiment.seed, runs_dir=run_dir.path.parent.parent):
        return _search_and_finish(config, loaded, space, objective, run_dir, whole)


def resume(run_dir: Path, epochs: int | None = None) -> runner.Result | None:
    """Go on with an interrupted search (finished trials are kept; its data files unchanged)."""
    folder = RunDir.open_for_resume(run_dir, EXPERIMENT)
    recorded = folder.read_config()
    config = Config.from_dict(recorded.get("config"), source=str(folder.config_path))
    if epochs is not None:
        config = config.replace(experiment=config.experiment.replace(epochs=epochs))
    fingerprint.check_unchanged(recorded.get("data_files", {}), folder.path)
    return run(config, resume=folder.path)


def _search_and_finish(config: Config, loaded, space: dict, objective: tuple[str, str], run_dir: RunDir, whole):
    """`loaded`: the trials' data; `whole`: the experiment's (the final model's with ``refit="train"``)."""
    import keras

    from keras_models.audit import format_table
    from keras_models.tuning import search
    from keras_models.tuning.hypermodel import TunableModel

    experiment = config.experiment
    resumed = (run_dir.path / "tuner" / search.PROJECT / "oracle.json").exists()
    runner.set_threads(experiment.threads)
    runner.set_seed(experiment.seed)
    model = TunableModel(lambda c: config.family.make_job(c, loaded), experiment, space, objective)
    tuner = search.make_tuner(config.tuner, model, objective=objective, trials=config.trials,
                              epochs=experiment.epochs, seed=experiment.seed, directory=run_dir.path / "tuner")
    model.oracle = tuner.oracle
    if distributed.is_child() and not distributed.is_chief():
        placement.record_trials(tuner, run_dir.path, os.environ["KERASTUNER_TUNER_ID"])
    callbacks = [keras.callbacks.TensorBoard(str(run_dir.logs_path / "trials"))] if experiment.tensorboard else []
    started = time.perf_counter()
    with run_dir.writing():
        search.search(tuner, experiment.epochs, callbacks)
    search_seconds = round(time.perf_counter() - started, 2)
    if not distributed.is_chief():
        print(f"worker {os.environ['KERASTUNER_TUNER_ID']} done")
        return None

    trials = list(tuner.oracle.trials.values())
    search.check_trials(trials)
    rows = search.trial_rows(tuner.oracle, space, objective[0])
    ran_on = placement.placements(run_dir.path)
    if ran_on:
        rows = [{**row, "ran on": ran_on.get(str(row["trial"]), "-")} for row in rows]
    table = format_table(rows)
    best = search.best_config(tuner.oracle, space, objective)
    with run_dir.writing():
        (run_dir.path / "trials.md").write_text(table + "\n")
        run_dir.write_json("trials.json", {"objective": objective[0], "trials": rows})
        run_dir.write_json("best_hyperparameters.json", best)
    print(f"\ntrials ({config.tuner}, objective {objective[0]}, {objective[1]}):\n{table}")
    epochs = config.final_epochs or best["epochs"]
    print(f"best trial {best['trial']}: {objective[0]} = {best['objective']['value']:.6g}; "
          f"{'retraining on train+val' if config.refit == 'train+val' else 'training on the training split'} "
          f"for {epochs} epoch(s) with {best['hyperparameters']}")

    summary = {"tuner": config.tuner, "trials": len(rows), "completed": sum(r["status"] == "COMPLETED" for r in rows),
               "search_resumed": resumed, "search_seconds_this_session": search_seconds, "best": best,
               "refit": config.refit, "final_epochs": epochs}
    job = search.final_job(model, best, run_dir.path, resume=run_dir.backup_path.exists(),
                           extra_metrics={"search": summary}, refit=config.refit, epochs=epochs,
                           make_job=lambda c: config.family.make_job(c, whole))
    result = runner.run(job)
    print(f"\nfinal model on the test split (used once):\n{format_table(final_results(result.metrics))}")
    return result


def final_results(metrics: dict) -> list[dict]:
    """Rows (metric, value) of the final model's test results."""
    scores = metrics.get("test_metrics")
    values = {f"test_{k}": v for k, v in metrics["test"].items() if k not in (scores or {})}
    if scores:
        values.update({k: scores[k] for k in _CLASSIFIER_KEYS})
        values.update({f"recall_{name}": c["recall"] for name, c in scores["per_class"].items()})
    if "test_anomalies" in metrics:
        values.update(threshold=metrics["threshold"]["value"], test_anomalies=metrics["test_anomalies"]["count"],
                      series_anomalies=metrics["series_anomalies"]["count"])
        whole = (metrics.get("window_scores") or {}).get("whole_series")
        if whole:
            values["window_f1_whole_series"] = whole["f1"]
    return [{"metric": k, "value": v} for k, v in values.items()]


__all__ = ["EXPERIMENT", "Config", "final_results", "load", "resume", "run"]
