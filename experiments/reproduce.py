"""Reproduce the two founding reports: every documented number and claim beside ours.

    python -m experiments.reproduce                         # budget smoke (~15 min on 2 cores): the pipeline, end to end
    python -m experiments.reproduce --fetch                 # the same, downloading the missing data sets first
    python -m experiments.reproduce --budget cpu            # ~4 h 30 min on 2 cores: reduced but honest budgets
    python -m experiments.reproduce --budget full           # the reports' own protocols (a GPU)
    python -m experiments.reproduce --only nab,heartbeat    # parts (or run keys such as nab-v3)
    python -m experiments.reproduce --from-runs runs        # the report from finished runs, training nothing
    python -m experiments.reproduce --jobs 4                # up to 4 runs at once (one GPU each, or the cores shared)
    python -m experiments.reproduce --ray HEAD:6379         # the runs as tasks on a Ray cluster (docs/scaling.md)
    python -m experiments.reproduce --budget cpu --seeds 3  # claims left short: their runs again under 2 more seeds

Prints the plan (every run, its protocol, its estimated time), checks that the data of
every run still to train is here (without --fetch a missing data set stops it before
anything trains, naming `python -m experiments.data fetch NAME`), trains what is not
finished (reusing finished run folders of the same configuration and resuming
interrupted ones, so it can be stopped and rerun until done), then writes
reports/<budget>-<time>/REPORT.md: each test-set number with its bootstrap interval, each
claim judged on the intervals of its differences (docs/reproduction.md). The same from Python:
``reports.reproduce(reports.Config(budget="smoke"))`` (`keras_models.reports`).
"""

from __future__ import annotations

import signal
import sys

from keras_models import cli, reports


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.reproduce", description=__doc__.split("\n")[0])
    cli.add_config_flags(parser, reports.Config, exclude=("ray",))
    parser.add_argument("--ray", nargs="?", const="auto", default=None, metavar="ADDRESS",
                        help="train the runs as tasks on a Ray cluster: HOST:PORT of its head, or auto (also without "
                             "a value: the local cluster, started if none runs); --runs-dir must be a folder every "
                             "node reaches at the same path (docs/scaling.md)")
    return parser


def main(argv: list[str] | None = None) -> None:
    # A shell without job control starts `reproduce ... &` with SIGINT ignored, and the
    # workers inherit that: SIGINT would be lost until a worker's training began. This
    # command stops on SIGINT however it was started, and so do its workers.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    values, _ = cli.parse(build_parser(), argv)
    command = "python -m experiments.reproduce " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        reports.reproduce(cli.config_from_flags(reports.Config, values), command=command.strip())
    except KeyboardInterrupt:
        print("interrupted: finished runs are kept and an interrupted one resumes; run the same command again "
              "to continue", file=sys.stderr)
        sys.exit(reports.api.INTERRUPTED)


if __name__ == "__main__":
    cli.main(main)
