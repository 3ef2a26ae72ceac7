"""Run a Keras Tuner search and report it: the tuner, the trial table, the best config,
and the final model's `runner.Job`.

The tuner's project lives in ``<run folder>/tuner/search/`` and is always opened with
``overwrite=False``: run again on the same folder (``--resume``), a search reloads its
finished trials and goes on with the rest; a trial that was running when the search
was killed is run again.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import keras_tuner
from keras_tuner.src import utils as tuner_utils

from keras_models import runner
from keras_models.tuning import hypermodel

PROJECT = "search"
MAX_CONSECUTIVE_FAILED = 3
HYPERBAND_FACTOR = 3


def oracle_seed(seed: int) -> int:
    """Keras Tuner takes seed 0 for "no seed" (`seed or random.randint(...)`): map 0 to a fixed value."""
    return seed if seed > 0 else 2**31 - 1


def _atomic_save_json(path, obj):
    """Keras Tuner's `save_json` (oracle.json, trial.json), written to a temporary file then
    renamed: a search killed in the middle of a write leaves the previous file whole, so
    `--resume` can read it (a plain write left an empty oracle.json behind)."""
    text = json.dumps(obj)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)
    return text


def make_tuner(kind: str, model: hypermodel.TunableModel, *, objective: tuple[str, str], trials: int, epochs: int,
               seed: int, directory: Path) -> keras_tuner.Tuner:
    """A random, bayesian or hyperband tuner of `model`, at most `trials` trials.

    Hyperband trains for up to `epochs` epochs (factor 3) and stops after `trials`
    trials even if its brackets want more. Bayesian optimisation samples
    max(2, trials // 2) random trials before fitting its Gaussian process.
    """
    tuner_utils.save_json = _atomic_save_json  # the module's functions look it up when they save
    tuner = _new_tuner(kind, model, objective=objective, trials=trials, epochs=epochs, seed=seed, directory=directory)
    oracle = tuner.oracle
    if (Path(directory, PROJECT, "oracle.json").exists() and not Path(tuner._get_tuner_fname()).exists()
            and hasattr(oracle, "_retry_queue")):
        oracle.reload()  # killed before the end of the first trial saved the tuner: Keras Tuner starts afresh
    keep_finished_trials(oracle)
    return tuner


def _new_tuner(kind, model, *, objective, trials, epochs, seed, directory) -> keras_tuner.Tuner:
    common = dict(hypermodel=model, objective=keras_tuner.Objective(*objective), seed=oracle_seed(seed),
                  directory=str(directory), project_name=PROJECT, overwrite=False,
                  max_retries_per_trial=0, max_consecutive_failed_trials=MAX_CONSECUTIVE_FAILED)
    if kind == "random":
        return keras_tuner.RandomSearch(max_trials=trials, **common)
    if kind == "bayesian":
        return keras_tuner.BayesianOptimization(max_trials=trials, num_initial_points=max(2, trials // 2), **common)
    tuner = keras_tuner.Hyperband(max_epochs=epochs, factor=HYPERBAND_FACTOR, hyperband_iterations=1, **common)
    tuner.oracle.max_trials = trials
    return tuner


def keep_finished_trials(oracle) -> None:
    """Do not run again a trial that finished just before the search was killed.

    Keras Tuner's `Oracle.end_trial` writes the trial's trial.json (COMPLETED) before
    oracle.json, and drops the trial from oracle.json's ongoing trials only when the
    next trial starts; its `reload` sends every ongoing trial back for retry. A search
    killed in between would train a finished trial a second time and overwrite its
    trial.json. Here such trials leave the retry queue and count as ended. (A
    distributed worker's oracle is a client without a queue: the chief does this.)
    """
    queue = getattr(oracle, "_retry_queue", None)
    if not queue:
        return
    finished = {"COMPLETED", "FAILED"}
    done = [t for t in queue if oracle.trials[t].status in finished]
    if not done:
        return
    oracle._retry_queue = [t for t in queue if t not in done]
    oracle.end_order += [t for t in done if t not in oracle.end_order]
    oracle.save()


def search(tuner: keras_tuner.Tuner, epochs: int, callbacks: list = ()) -> None:
    """Run (or go on with) the search: each trial fits its job's training split and is
    scored on the validation split (`hypermodel.TunableModel.fit`). In Keras Tuner's
    distributed mode the chief serves the oracle until the workers are done."""
    tuner.search(epochs=epochs, callbacks=list(callbacks), verbose=2)


def check_trials(trials: list) -> None:
    """Make failures loud: a warning line per failed trial; `RuntimeError` if none completed."""
    failed = [t for t in trials if t.status != "COMPLETED"]
    for trial in failed:
        print(f"warning: trial {trial.trial_id} ended {trial.status}: {_last_line(trial.message)}")
    if len(failed) == len(trials):
        first = failed[0].message if failed else "no trial ran"
        raise RuntimeError(f"all {len(trials)} trials failed; the first one's error:\n{first}")


def _last_line(message: str | None) -> str:
    lines = [line for line in (message or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def trial_rows(oracle, space: dict, objective: str) -> list[dict]:
    """One row per trial, in trial order: id, status, hyper-parameters (in `space`'s order),
    validation metrics at the trial's best epoch, and that epoch (1-based, counted from
    the start of training)."""
    rows = []
    for trial in sorted(oracle.trials.values(), key=lambda t: t.trial_id):
        values = dict(trial.hyperparameters.values)
        row = {"trial": trial.trial_id, "status": trial.status}
        row.update({k: values.get(k) for k in space})
        if "tuner/epochs" in values:
            row["epochs"] = values["tuner/epochs"]
        row[objective] = trial.score
        for name in sorted(trial.metrics.metrics):
            if name != objective and name.startswith("val_"):
                row[name] = trial.metrics.get_last_value(name)
        row["best_epoch"] = best_epochs(trial) if trial.status == "COMPLETED" else None
        rows.append(row)
    return rows


def best_epochs(trial) -> int:
    """How many epochs the trial's best model had trained (Hyperband rounds start at
    ``tuner/initial_epoch``, and Keras Tuner counts the best step from there)."""
    return int(trial.best_step or 0) + 1 + int(trial.hyperparameters.values.get("tuner/initial_epoch", 0))


def best_config(oracle, space: dict, objective: tuple[str, str]) -> dict:
    """The best completed trial as JSON-ready data."""
    best = oracle.get_best_trials(1)[0]
    values = {k: best.hyperparameters.values[k] for k in space if k in best.hyperparameters.values}
    return {"trial": best.trial_id, "objective": {"name": objective[0], "direction": objective[1],
                                                  "value": best.score},
            "hyperparameters": values, "epochs": best_epochs(best)}


def final_job(model: hypermodel.TunableModel, best: dict, run_dir, resume: bool, extra_metrics: dict,
              refit: str = "train+val", epochs: int | None = None, make_job=None) -> runner.Job:
    """The runner job of the final model, evaluated once on test, in the search's run folder:
    `best`'s hyper-parameters for `epochs` epochs (default: the best trial's number).

    `refit` "train+val": retrained on train+val (`runner.merge_validation`; no validation
    split, so no early stopping). "train": a plain run of the experiment on `make_job`'s data
    (the whole training split where the trials had a subset), validated on the validation
    split: what a default run of the same experiment trains, with the tuned hyper-parameters
    (`make_job`: the job on the experiment's whole data; default: the trials' `model.make_job`)."""
    whole = make_job if refit == "train" and make_job is not None else model.make_job
    job = hypermodel.trial_job(whole, model.config, best["hyperparameters"])
    if refit == "train+val":
        job = runner.merge_validation(job)
    config = job.config.replace(epochs=epochs or best["epochs"])
    return dataclasses.replace(job, config=config, run_dir=run_dir, resume=run_dir if resume else None,
                               extra_metrics=extra_metrics)
