"""Classify heartbeats into the five AAMI classes (report 000).

    python -m experiments.heartbeat --model cnn2d_resnet --balance class-weights --split intra
    python -m experiments.heartbeat --model attention_gru --split inter --mitdb PATH
    python -m experiments.heartbeat --model cnn2d_resnet --train-file mitbih_train.csv --test-file mitbih_test.csv

Beats come from the raw MIT-BIH records (--mitdb, else $KERAS_MODELS_DATA/mitdb, else
data/mitdb, else PhysioNet), or from Kaggle CSV / course parquet files (--train-file and
--test-file; intra-patient only: they carry no record ids). Every argument is checked,
and the beats built and split, before TensorFlow is imported.
"""

from __future__ import annotations

from pathlib import Path

from keras_models import cli, registry
from keras_models.errors import UserError
from keras_models.heartbeat import balance, beats, files, splits
from keras_models.heartbeat.beatset import format_counts
from keras_models.rundir import check_new_run

EXPERIMENT = "heartbeat"


def positive_fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise cli.argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text!r}")
    return value


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.heartbeat", description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="cnn2d_resnet", help=f"one of: {', '.join(registry.names('heartbeat'))}")
    parser.add_argument("--balance", default="none", help=f"one of: {', '.join(balance.BALANCE_METHODS)} (default none)")
    parser.add_argument("--split", default="intra", help="intra (stratified random) or inter (de Chazal DS1/DS2)")
    parser.add_argument("--beats", default=beats.DEFAULT_VARIANT,
                        help=f"beat extraction from the raw records: {', '.join(beats.VARIANTS)}")
    parser.add_argument("--mitdb", type=Path, default=None, help="folder of the raw MIT-BIH records")
    parser.add_argument("--train-file", type=Path, default=None, help="Kaggle mitbih_train.csv or heart_big_train.parq")
    parser.add_argument("--test-file", type=Path, default=None, help="Kaggle mitbih_test.csv or heart_big_test.parq")
    parser.add_argument("--val-fraction", type=positive_fraction, default=0.1, help="validation share (default 0.1)")
    parser.add_argument("--test-fraction", type=positive_fraction, default=0.2,
                        help="test share of the intra-patient split of the records (default 0.2)")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    cli.add_run_flags(parser, epochs=20, batch_size=32, patience=3)
    return parser


def check_args(args) -> None:
    """Validate names and combinations before any data is read."""
    if args.model not in registry.names("heartbeat"):
        raise UserError(f"unknown --model {args.model!r}; choose one of: {', '.join(registry.names('heartbeat'))}")
    balance.check_balance(args.balance)
    splits.check_split(args.split)
    beats.check_variant(args.beats)
    if (args.train_file is None) != (args.test_file is None):
        raise UserError("give both --train-file and --test-file, or neither (to build beats from the MIT-BIH records)")
    if args.train_file is not None and args.split == "inter":
        raise UserError("--split inter needs record ids, which Kaggle/parquet files lack; use --split intra or --mitdb")
    if not args.learning_rate > 0:
        raise UserError(f"--learning-rate must be positive, got {args.learning_rate}")


def load_parts(args) -> tuple[dict, dict]:
    """The train/val/test `BeatSet`s and a description of where they came from."""
    if args.train_file is not None:
        given = {"train": files.read_beats_file(args.train_file), "test": files.read_beats_file(args.test_file)}
        keep, take = splits.stratified_indices(given["train"].y, args.val_fraction, args.seed)
        parts = {"train": given["train"].subset(keep), "val": given["train"].subset(take), "test": given["test"]}
        return parts, {"train_file": str(args.train_file), "test_file": str(args.test_file)}
    beatset = beats.load_mitdb_beats(args.mitdb, variant=args.beats)
    print(f"beats ({args.beats}): {format_counts(beatset.y)}")
    parts = splits.split_beats(beatset, args.split, val_fraction=args.val_fraction,
                               test_fraction=args.test_fraction, seed=args.seed)
    return parts, {"mitdb": beatset.info.get("source", str(args.mitdb)), "beats": args.beats}


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.resume is not None:
        args = cli.resume_args(parser, args, EXPERIMENT)
    check_args(args)
    if args.resume is None:
        check_new_run(args.runs_dir, EXPERIMENT, args.run_id)
    parts, source = load_parts(args)
    for part, beatset in parts.items():
        print(f"{part}: {format_counts(beatset.y)}")

    from keras_models import runner  # imports TensorFlow
    from keras_models.heartbeat.experiment import make_job

    runner.run(make_job(args, parts, source))


if __name__ == "__main__":
    cli.main(main)
