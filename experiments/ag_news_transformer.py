"""Train the report's AG News transformer variants (and a fifth, `best`) on raw news texts.

    python -m experiments.ag_news_transformer --variant dropout-es
    python -m experiments.ag_news_transformer --variant all --protocol small
    python -m experiments.ag_news_transformer --resume runs/ag_news_transformer/<run-id>

Every argument is checked, and the data read and checked, before TensorFlow is imported.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from keras_models import cli
from keras_models.rundir import check_new_run, write_comparison
from keras_models.text import ag_news
from keras_models.text.variants import VARIANTS, patience_for

EXPERIMENT = "ag_news_transformer"


def number_flag(accept, what: str):
    """An argparse `type` accepting numbers `x` with `accept(x)` true (`what` names them in errors)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


open_fraction = number_flag(lambda x: 0 < x < 1, "a fraction strictly between 0 and 1")
positive_float = number_flag(lambda x: 0 < x < float("inf"), "a positive number")


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(
        prog="python -m experiments.ag_news_transformer", description=__doc__.split("\n")[0],
        epilog="--patience: default 2 for dropout-es, dropout-es-l2 and best; base and dropout train without "
               "early stopping. Defaults of unset model flags are each variant's.")
    parser.add_argument("--variant", choices=(*VARIANTS, "all"), default="dropout-es",
                        help="training variant, or all five with a comparison table (default dropout-es)")
    parser.add_argument("--protocol", choices=tuple(ag_news.PROTOCOLS), default="full",
                        help="full: train.csv/test.csv as the report; small: 80/20 of test.csv only, "
                             "NOT comparable with the report (default full)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder in the ag_news_csv layout (default: $KERAS_MODELS_DATA/ag_news, "
                             "the cache data/ag_news, then tfds ag_news_subset)")
    parser.add_argument("--vocab-size", type=cli.int_at_least(3, "an integer >= 3"), default=None,
                        help="vectorizer vocabulary size (default 20000)")
    parser.add_argument("--sequence-length", type=cli.positive_int, default=None,
                        help="tokens per text (default: the variant's, 200; best 128)")
    parser.add_argument("--ngrams", type=int, choices=(1, 2, 3), default=None,
                        help="2 or 3 adds each text's word n-grams up to that length as tokens, fastText's "
                             "trick (default 1: words only)")
    parser.add_argument("--val-fraction", type=open_fraction, default=0.1,
                        help="share of the training rows held out for validation (default 0.1)")
    parser.add_argument("--data-seed", type=cli.non_negative_int, default=0,
                        help="seed of the stratified splits (default 0)")
    parser.add_argument("--learning-rate", type=positive_float, default=None,
                        help="Adam learning rate (default: the variant's, 1e-3; best 5e-4)")
    cli.add_run_flags(parser, epochs=10, batch_size=32)
    parser.set_defaults(patience=None)  # None: the variant's default (2 with early stopping)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = cli.parse_args(build_parser(), argv, EXPERIMENT)
    names = tuple(VARIANTS) if args.variant == "all" else (args.variant,)
    patience = {v: patience_for(VARIANTS[v], args.patience, chosen_alone=len(names) == 1) for v in names}
    run_ids = {v: (f"{args.run_id}-{v}" if args.run_id and len(names) > 1 else args.run_id) for v in names}
    if args.resume is None:
        for run_id in run_ids.values():
            check_new_run(args.runs_dir, EXPERIMENT, run_id)

    splits = ag_news.load(args.protocol, args.data_dir, val_fraction=args.val_fraction, seed=args.data_seed)
    print(f"{splits.note}\nrows: {splits.describe()['rows']}")

    from keras_models import runner  # imports TensorFlow
    from keras_models.audit import format_table
    from keras_models.text.experiment import comparison_row, make_job

    rows = []
    for name in names:
        _, metrics = runner.run(make_job(args, VARIANTS[name], splits, patience[name], run_ids[name]))
        rows.append(comparison_row(VARIANTS[name], metrics, splits.protocol))
    table = f"{splits.note}\n\n{format_table(rows)}"
    print(table)
    if len(rows) > 1:
        write_comparison(args.runs_dir, EXPERIMENT, table, {"data": splits.describe()}, rows,
                         tag=f"comparison-{splits.protocol}")


if __name__ == "__main__":
    cli.main(main)
