"""Rank the NAB detection options on finished runs (development series), training nothing.

    python -m experiments.nab_detection_choice runs/nab_autoencoder/category-v1-s42-realKnownCause_* \
        runs/nab_autoencoder/category-v1-s42-realTweets_Twitter_volume_AAPL --top 15

Scores every combination of `keras_models.nab.selection.GRID` on each run's saved
reconstructions and prints the best by pooled F1 (summed window TP/FP/FN, Orion's
aggregation), then mean F1, with each series' F1 under the best few.
"""

from __future__ import annotations

from pathlib import Path

from keras_models import checks, cli, outputs


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.nab_detection_choice", description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="finished NAB run folders (development series only)")
    parser.add_argument("--top", type=cli.positive_int, default=15, help="rows of the ranking to print (default 15)")
    parser.add_argument("--csv", type=cli.argtype(checks.path), default=None,
                        help="write every (series, detection) score to this new CSV file")
    return parser


def main(argv: list[str] | None = None) -> None:
    from keras_models.nab import selection

    values, _ = cli.parse(build_parser(), argv)
    if values["csv"] is not None:  # before the scoring: a file that exists, a read-only folder, a full disk
        outputs.check_file(values["csv"], "--csv", replace=False)
    scores = selection.score_grid(values["runs"], selection.grid())
    if values["csv"] is not None:
        outputs.write_text(values["csv"], scores.to_csv(index=False), "--csv")
    ranking = selection.rank(scores)
    print(ranking.head(values["top"]).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    best = ranking["detection"].head(3).tolist()
    per_series = scores[scores["detection"].isin(best)].pivot(index="series", columns="detection", values="f1")
    print("\nF1 per series under the best three:\n" + per_series[best].to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    cli.main(main)
