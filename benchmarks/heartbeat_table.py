"""The heartbeat results table: cnn2d_resnet with each balance option, the other models
with class weights, all on one split (report 000).

    python -m benchmarks.heartbeat_table [--split intra] [--epochs 20] [--steps-per-epoch N]
        [--runs cnn2d_resnet:class-weights ...] [--runs-dir runs] [--seed 42] [--mitdb PATH]

Each configuration is one `python -m experiments.heartbeat` process (a fresh TensorFlow,
as a user would run it) with its own run folder; the table is read from their
metrics.json files and written, with the run folders' names, to
runs/heartbeat/<time>-table-<split>/comparison.md. A configuration that fails is listed
with its exit status and the rest go on.

With the defaults this is the full protocol (20 epochs, early stopping after 3 without a
better validation loss): about 5 minutes an epoch for cnn2d_resnet on 2 CPU cores. On
such a machine `--epochs 5 --steps-per-epoch 600` gives every configuration the same
budget of 96,000 training beats (1.25 passes over the intra-patient training split);
the table says which protocol produced it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from keras_models import checks, cli, machine, registry, runfiles
from keras_models.heartbeat.balance import BALANCE_METHODS
from keras_models.heartbeat.recipe import RECIPES
from keras_models.heartbeat.splits import SPLITS

MODELS = tuple(registry.names("heartbeat"))
#: the report's order of the models in the table
TABLE_MODELS = ("cnn2d_resnet", "transformer2d_resnet", "attention_gru", "cnn1d_resnet", "gru1d",
                "transformer1d_resnet")
#: cnn2d_resnet with every balance option, then the other models with class weights.
DEFAULT_RUNS = tuple(f"{TABLE_MODELS[0]}:{method}" for method in BALANCE_METHODS) + tuple(
    f"{model}:class-weights" for model in TABLE_MODELS[1:])
COLUMNS = ["model", "balance", "epochs", "beats_seen", "accuracy", "f1_macro", "recall_macro", "precision_macro",
           "fit_s", "wall_s", "run"]


def run_spec(text: str) -> tuple[str, str]:
    """argparse type of MODEL:BALANCE."""
    model, _, method = text.partition(":")
    if model not in MODELS or method not in BALANCE_METHODS:
        raise argparse.ArgumentTypeError(f"{text!r} is not MODEL:BALANCE with MODEL in {', '.join(MODELS)} "
                         f"and BALANCE in {', '.join(BALANCE_METHODS)}")
    return model, method


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.heartbeat_table", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", nargs="+", type=run_spec, default=[run_spec(r) for r in DEFAULT_RUNS],
                        metavar="MODEL:BALANCE", help="configurations to train (default: the ten of the table)")
    parser.add_argument("--recipe", default="report", choices=list(RECIPES),
                        help="training recipe of every run (default report: float32, the report's setting)")
    parser.add_argument("--split", default="intra", choices=list(SPLITS), help="beat split (default intra)")
    parser.add_argument("--epochs", type=cli.positive_int, default=20, help="epochs per run (default 20)")
    parser.add_argument("--steps-per-epoch", type=cli.positive_int, default=None,
                        help="batches per epoch (default: the whole training split)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=32, help="batch size (default 32)")
    parser.add_argument("--eval-batch-size", type=cli.positive_int, default=512,
                        help="batch size of validation and evaluation (default 512; the same numbers as 32, faster)")
    parser.add_argument("--patience", type=cli.non_negative_int, default=3, help="early-stopping patience (default 3)")
    parser.add_argument("--seed", type=cli.argtype(checks.seed, "seed"), default=42, help="random seed (default 42)")
    parser.add_argument("--mitdb", type=Path, default=None, help="folder of the raw MIT-BIH records")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"), help="root of the run folders (default runs/)")
    return parser


def command(args, model: str, method: str) -> list[str]:
    """The `experiments.heartbeat` command line of one configuration."""
    argv = [sys.executable, "-m", "experiments.heartbeat", "--model", model, "--balance", method,
            "--recipe", args.recipe, "--split", args.split, "--epochs", str(args.epochs),
            "--batch-size", str(args.batch_size),
            "--eval-batch-size", str(args.eval_batch_size), "--patience", str(args.patience), "--seed", str(args.seed),
            "--runs-dir", str(args.runs_dir), "--no-tensorboard"]
    if args.steps_per_epoch:
        argv += ["--steps-per-epoch", str(args.steps_per_epoch)]
    if args.mitdb:
        argv += ["--mitdb", str(args.mitdb)]
    return argv


def new_run(runs_root: Path, before: set[Path]) -> Path | None:
    """The run folder a finished command added under runs/heartbeat/, if any."""
    added = sorted(set((runs_root / "heartbeat").glob("*")) - before)
    return next((p for p in added if (p / "metrics.json").exists()), None)


def table_row(model: str, method: str, run: Path | None, returncode: int, steps_per_epoch: int | None,
              batch_size: int) -> dict:
    """One row: test-split scores, epochs, training beats seen and times of a run."""
    row = {**machine.row(), "model": model, "balance": method}
    if run is None:
        return {**row, "run": f"failed (exit {returncode})"}
    metrics = runfiles.read_metrics(run)
    config = runfiles.read_config(run)
    test = metrics["test_metrics"]
    epochs = metrics["epochs_run"]
    train_size = sum(config["data"]["counts"]["train"].values())
    per_epoch = min(train_size, steps_per_epoch * batch_size) if steps_per_epoch else train_size
    return {**row, "epochs": epochs, "beats_seen": epochs * per_epoch,
            **{k: round(test[k], 4) for k in ("accuracy", "f1_macro", "recall_macro", "precision_macro")},
            "fit_s": round(metrics["fit_seconds_this_session"]), "wall_s": round(metrics["wall_seconds_this_session"]),
            "run": run.name}


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    from keras_models.audit import format_table
    from keras_models.rundir import write_comparison

    rows = []
    for model, method in args.runs:
        before = set((args.runs_dir / "heartbeat").glob("*"))
        started = time.perf_counter()
        print(f"== {model} {method}: {' '.join(command(args, model, method)[1:])}", flush=True)
        returncode = subprocess.run(command(args, model, method)).returncode
        rows.append(table_row(model, method, new_run(args.runs_dir, before), returncode, args.steps_per_epoch,
                              args.batch_size))
        print(f"== {model} {method}: exit {returncode} after {time.perf_counter() - started:.0f} s", flush=True)
    protocol = (f"split {args.split}, seed {args.seed}, batch {args.batch_size}, epochs {args.epochs}"
                f" (patience {args.patience}), steps/epoch {args.steps_per_epoch or 'all'}; test-split scores")
    table = machine.heading() + "\n\n" + protocol + "\n\n" + format_table(rows, ["cpu family", *COLUMNS])
    print(table)
    protocol_config = vars(args) | {"runs": [":".join(r) for r in args.runs]}
    write_comparison(args.runs_dir, "heartbeat", table, {"protocol": protocol_config},
                     rows, tag=f"table-{args.split}")


if __name__ == "__main__":
    cli.main(main)
