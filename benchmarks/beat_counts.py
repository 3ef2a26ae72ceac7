"""Our MIT-BIH beats per AAMI class beside the Kaggle CSVs' (total, train, test).

    python -m benchmarks.beat_counts [--beats kachuee annotated] [--seed 42] [--val-fraction 0.1] [--mitdb PATH]

For each beat extraction (`keras_models.heartbeat.beats`) it builds (or reads from the
cache) the beats of the 48 records, splits them with ``--split kaggle``
(`keras_models.heartbeat.splits.kaggle_split`) and prints one table: per class our
total, train (train + validation: Kaggle's training file is what a run carves its
validation from) and test counts beside those of mitbih_train.csv and mitbih_test.csv,
and our count as a share of Kaggle's. It shows how close a split of our beats comes to
the data the published Kaggle figures were measured on. No TensorFlow is imported.
"""

from __future__ import annotations

from pathlib import Path

from keras_models import checks, cli
from keras_models.heartbeat.beats import VARIANTS

TOTAL = "all"


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m benchmarks.beat_counts", description=__doc__.split("\n")[0])
    parser.add_argument("--beats", nargs="+", choices=VARIANTS, default=["kachuee"],
                        help="beat extraction(s) to count (default kachuee)")
    parser.add_argument("--seed", type=cli.argtype(checks.seed, "seed"), default=42,
                        help="seed of the split (default 42, the heartbeat runs' default)")
    parser.add_argument("--val-fraction", type=cli.argtype(checks.open_fraction, "val-fraction"), default=0.1,
                        help="validation share of the training beats (default 0.1)")
    parser.add_argument("--mitdb", type=Path, default=None, help="folder of the raw MIT-BIH records")
    return parser


def count_rows(parts: dict, kaggle: dict) -> list[dict]:
    """One row per class and a total row: ours and Kaggle's (total, train, test).

    Args:
        parts: {"train", "val", "test"} -> (5,) our counts per class.
        kaggle: {"train", "test"} -> (5,) Kaggle's counts per class.
    """
    import numpy as np

    from keras_models.heartbeat.beatset import CLASS_NAMES

    ours = {"train": np.add(parts["train"], parts["val"]), "test": np.asarray(parts["test"])}
    ours[TOTAL] = ours["train"] + ours["test"]
    theirs = {"train": np.asarray(kaggle["train"]), "test": np.asarray(kaggle["test"])}
    theirs[TOTAL] = theirs["train"] + theirs["test"]
    rows = []
    for i, name in enumerate(CLASS_NAMES + ("total",)):
        pick = (lambda a: int(a.sum())) if i == len(CLASS_NAMES) else (lambda a, i=i: int(a[i]))
        row = {"class": name}
        for part in (TOTAL, "train", "test"):
            row[f"ours {part}"], row[f"Kaggle {part}"] = pick(ours[part]), pick(theirs[part])
        row["ours / Kaggle"] = f"{row[f'ours {TOTAL}'] / max(row[f'Kaggle {TOTAL}'], 1):.1%}"
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    from keras_models.audit import format_table
    from keras_models.heartbeat import beats, data, splits

    folder = data.mitdb_folder(args.mitdb)
    for variant in args.beats:
        beatset = beats.load_mitdb_beats(folder, variant=variant)
        parts = splits.kaggle_split(beatset, val_fraction=args.val_fraction, seed=args.seed)
        counts = {name: part.class_counts() for name, part in parts.items()}
        print(f"\n--beats {variant} --split kaggle (seed {args.seed}; ours train = train + validation, "
              f"{len(parts['val']):,} validation beats)\n")
        print(format_table(count_rows(counts, splits.KAGGLE_COUNTS)))


if __name__ == "__main__":
    cli.main(main)
