"""Train the report's NAB autoencoders and detect anomalies.

    python -m experiments.nab_autoencoder --version v3
    python -m experiments.nab_autoencoder --version all --threshold max-train
    python -m experiments.nab_autoencoder --resume runs/nab_autoencoder/<run-id>

Every argument is checked, and the data loaded and checked, before TensorFlow is imported.
"""

from __future__ import annotations

from keras_models import cli
from keras_models.nab import flags
from keras_models.rundir import check_new_run, write_comparison

EXPERIMENT = "nab_autoencoder"
VERSIONS = ("base", "v1", "v2", "v3")


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.nab_autoencoder", description=__doc__.split("\n")[0])
    parser.add_argument("--version", choices=VERSIONS + ("all",), default="v3",
                        help="autoencoder version, or all four with a comparison table (default v3)")
    flags.add_data_flags(parser)
    cli.add_run_flags(parser, epochs=10, batch_size=32)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = cli.parse_args(build_parser(), argv, EXPERIMENT)
    versions = VERSIONS if args.version == "all" else (args.version,)
    run_ids = {v: (f"{args.run_id}-{v}" if args.run_id and len(versions) > 1 else args.run_id) for v in versions}
    if args.resume is None:
        for run_id in run_ids.values():
            check_new_run(args.runs_dir, EXPERIMENT, run_id)

    nab = flags.load_data(args)

    from keras_models import runner  # imports TensorFlow
    from keras_models.audit import format_table
    from keras_models.nab.experiment import Detector, comparison_row, make_job

    detector = Detector(nab.series, nab.windowed, nab.labels, nab.threshold, args.batch_size)
    rows = []
    for version in versions:
        _, metrics = runner.run(make_job(args, version, detector, run_ids[version]))
        rows.append(comparison_row(version, metrics))
    table = format_table(rows)
    print(table)
    if len(rows) > 1:
        write_comparison(args.runs_dir, EXPERIMENT, table,
                         {"series": nab.series.name, "threshold": str(nab.threshold)}, rows)


if __name__ == "__main__":
    cli.main(main)
