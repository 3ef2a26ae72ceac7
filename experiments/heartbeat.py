"""Classify heartbeats into the five AAMI classes (report 000).

    python -m experiments.heartbeat --model cnn2d_resnet --balance class-weights --split intra
    python -m experiments.heartbeat --model attention_gru --split inter --mitdb PATH
    python -m experiments.heartbeat --model cnn2d_resnet --train-file mitbih_train.csv --test-file mitbih_test.csv
    python -m experiments.heartbeat --resume runs/heartbeat/<run-id>

Beats come from the raw MIT-BIH records (--mitdb, else $KERAS_MODELS_DATA/mitdb, else
data/mitdb, else PhysioNet), or from Kaggle CSV / course parquet files (--train-file and
--test-file; intra-patient only: they carry no record ids). Every argument is checked,
and the beats built and split, before TensorFlow is imported.
The same from Python: ``heartbeat.run(heartbeat.Config(model="cnn2d_resnet"))`` (`keras_models.heartbeat`).
"""

from __future__ import annotations

from keras_models import cli, heartbeat


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.heartbeat", description=__doc__.split("\n")[0])
    cli.add_config_flags(parser, heartbeat.Config, include=("steps_per_epoch", "eval_batch_size"))
    cli.add_resume_flag(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    values, given = cli.parse(build_parser(), argv)
    if values["resume"] is not None:
        cli.summarize(cli.resume(heartbeat, values, given))
        return
    cli.summarize(heartbeat.run(cli.config_from_flags(heartbeat.Config, values)))


if __name__ == "__main__":
    cli.main(main)
