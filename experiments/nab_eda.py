"""Summary statistics and the report's three plots of an NAB series.

    python -m experiments.nab_eda [--series realTweets/Twitter_volume_AAPL | --csv FILE]
"""

from __future__ import annotations

from pathlib import Path

from keras_models import cli
from keras_models.nab import data, eda
from keras_models.rundir import RunDir, check_new_run

EXPERIMENT = "nab_eda"


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.nab_eda", description=__doc__.split("\n")[0])
    parser.add_argument("--series", default=data.DEFAULT_SERIES, help=f"NAB series (default {data.DEFAULT_SERIES})")
    parser.add_argument("--csv", type=Path, default=None, help="a timestamp,value CSV to use instead of --series")
    cli.add_output_flags(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    check_new_run(args.runs_dir, EXPERIMENT, args.run_id, resumable=False)
    series = data.load_series(args.series, args.csv)
    stats = eda.summary_stats(series.frame)
    print(f"{series.name} ({series.path})")
    print(eda.format_stats(stats))

    from keras_models.nab import plots

    run = RunDir.create(args.runs_dir, EXPERIMENT, args.run_id, tag=Path(series.name).name, resumable=False)
    run.write_json("stats.json", {"series": series.name, "path": str(series.path), **stats})
    plots.plot_series(series.frame, run.plot("time_series"), f"{series.name}: value over time")
    plots.plot_monthly(series.frame, run.plot("monthly_seasonal"), f"{series.name}: seasonal plot by month")
    plots.plot_polar_daily(series.frame, run.plot("polar_daily"), f"{series.name}: daily cycle")
    print(f"wrote {run.path} (stats.json, plots/time_series.png, plots/monthly_seasonal.png, plots/polar_daily.png)")


if __name__ == "__main__":
    cli.main(main)
