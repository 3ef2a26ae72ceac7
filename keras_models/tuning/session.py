"""One tuning run in its run folder: search, trial table, best config, final model.

Run folder (``runs/tune/<run-id>/``)::

    config.json                arguments, search space, objective, data (written first)
    tuner/search/              Keras Tuner's project: oracle.json, trial_*/ (reloaded on --resume)
    trials.md, trials.json     every trial: hyper-parameters, objective, validation metrics
    best_hyperparameters.json  the best trial's configuration and epoch count
    history.csv, plots/, model.keras, saved_model/, checkpoints/, logs/
                               the final model, retrained on train+val by `runner.run`
    metrics.json               test metrics of the final model and a search summary (written last)
    workers/                   worker logs of a distributed search
"""

from __future__ import annotations

import argparse
import os

from keras_models import runner
from keras_models.audit import format_table
from keras_models.rundir import RunDir
from keras_models.tuning import distributed, search
from keras_models.tuning.hypermodel import TunableModel
from keras_models.tuning.tasks import Task

_CLASSIFIER_KEYS = ("accuracy", "f1_macro", "f1_micro", "precision_macro", "recall_macro")


def run_tuning(args: argparse.Namespace, task: Task, space: dict, objective: tuple[str, str],
               run: RunDir) -> dict | None:
    """Search (or go on searching), then, in the chief or a plain run, write the trial
    table and best config and train, test and export the final model.

    Returns:
        The final run's metrics; None in a distributed worker.
    """
    import keras

    resumed = (run.path / "tuner" / search.PROJECT / "oracle.json").exists()
    runner.set_seed(args.seed)
    model = TunableModel(task, space, objective, args.seed, patience=args.patience, jit_compile=args.jit_compile)
    tuner = search.make_tuner(args.tuner, model, objective=objective, trials=args.trials, epochs=args.epochs,
                              seed=args.seed, directory=run.path / "tuner")
    callbacks = [] if args.no_tensorboard else [keras.callbacks.TensorBoard(str(run.logs_path / "trials"))]
    search.search(tuner, task, args.epochs, callbacks)
    if not distributed.is_chief():
        print(f"worker {os.environ['KERASTUNER_TUNER_ID']} done")
        return None

    trials = list(tuner.oracle.trials.values())
    search.check_trials(trials)
    rows = search.trial_rows(tuner.oracle, space, objective[0])
    table = format_table(rows)
    (run.path / "trials.md").write_text(table + "\n")
    run.write_json("trials.json", {"objective": objective[0], "trials": rows})
    best = search.best_config(tuner.oracle, space, objective)
    run.write_json("best_hyperparameters.json", best)
    print(f"\ntrials ({args.tuner}, objective {objective[0]}, {objective[1]}):\n{table}")
    print(f"best trial {best['trial']}: {objective[0]} = {best['objective']['value']:.6g}; "
          f"retraining on train+val for {best['epochs']} epoch(s) with {best['hyperparameters']}")

    summary = {"tuner": args.tuner, "trials": len(rows), "completed": sum(r["status"] == "COMPLETED" for r in rows),
               "search_resumed": resumed, "best": best}
    options = runner.RunOptions(
        epochs=best["epochs"], batch_size=best["hyperparameters"]["batch_size"], seed=args.seed, patience=0,
        runs_dir=args.runs_dir, resume=run.path if run.backup_path.exists() else None, jit_compile=args.jit_compile,
        tensorboard=not args.no_tensorboard, monitor="loss", run_dir=run.path)
    _, metrics = runner.run(search.final_job(task, best, options, args.seed, {"search": summary}))
    print(f"\nfinal model on the test split (used once):\n{format_table(final_results(metrics))}")
    return metrics


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
