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

from keras_models import cli, registry
from keras_models.heartbeat import data
from keras_models.heartbeat.beatset import format_counts
from keras_models.rundir import check_new_run

EXPERIMENT = "heartbeat"


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.heartbeat", description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="cnn2d_resnet", help=f"one of: {', '.join(registry.names('heartbeat'))}")
    data.add_data_flags(parser)
    parser.add_argument("--learning-rate", type=cli.positive_float, default=1e-3, help="Adam learning rate (default 1e-3)")
    cli.add_run_flags(parser, epochs=20, batch_size=32, patience=3, array_flags=True)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = cli.parse_args(build_parser(), argv, EXPERIMENT)
    registry.get(args.model, family="heartbeat")
    data.check_data_args(args)
    if args.resume is None:
        check_new_run(args.runs_dir, EXPERIMENT, args.run_id)
    parts, source = data.load_parts(args)
    for part, beatset in parts.items():
        print(f"{part}: {format_counts(beatset.y)}")

    from keras_models import runner  # imports TensorFlow
    from keras_models.heartbeat.experiment import make_job

    runner.run(make_job(args, parts, source))


if __name__ == "__main__":
    cli.main(main)
