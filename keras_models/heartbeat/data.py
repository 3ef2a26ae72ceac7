"""Command-line data options shared by the heartbeat commands (training and tuning).

`add_data_flags` adds them to a parser, `check_data_args` validates them without
reading anything, and `load_parts` returns the train/val/test `BeatSet`s.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from keras_models.errors import UserError
from keras_models.heartbeat import balance, beats, files, splits
from keras_models.heartbeat.beatset import BeatSet, format_counts


def fraction(text: str) -> float:
    """An argparse `type` for a fraction strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text!r}")
    return value


def add_data_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("beats")
    group.add_argument("--balance", default="none", help=f"one of: {', '.join(balance.BALANCE_METHODS)} (default none)")
    group.add_argument("--split", default="intra", help="intra (stratified random) or inter (de Chazal DS1/DS2)")
    group.add_argument("--beats", default=beats.DEFAULT_VARIANT,
                       help=f"beat extraction from the raw records: {', '.join(beats.VARIANTS)}")
    group.add_argument("--mitdb", type=Path, default=None, help="folder of the raw MIT-BIH records")
    group.add_argument("--train-file", type=Path, default=None, help="Kaggle mitbih_train.csv or heart_big_train.parq")
    group.add_argument("--test-file", type=Path, default=None, help="Kaggle mitbih_test.csv or heart_big_test.parq")
    group.add_argument("--val-fraction", type=fraction, default=0.1, help="validation share (default 0.1)")
    group.add_argument("--test-fraction", type=fraction, default=0.2,
                       help="test share of the intra-patient split of the records (default 0.2)")


def check_data_args(args: argparse.Namespace) -> None:
    """Validate names and combinations before any data is read."""
    balance.check_balance(args.balance)
    splits.check_split(args.split)
    beats.check_variant(args.beats)
    if (args.train_file is None) != (args.test_file is None):
        raise UserError("give both --train-file and --test-file, or neither (to build beats from the MIT-BIH records)")
    if args.train_file is not None and args.split == "inter":
        raise UserError("--split inter needs record ids, which Kaggle/parquet files lack; use --split intra or --mitdb")


def load_parts(args: argparse.Namespace) -> tuple[dict[str, BeatSet], dict]:
    """The train/val/test `BeatSet`s and a description of where they came from.

    Kaggle/parquet files come split into train and test: validation is carved from train.
    """
    if args.train_file is not None:
        given = {"train": files.read_beats_file(args.train_file), "test": files.read_beats_file(args.test_file)}
        keep, take = splits.stratified_indices(given["train"].y, args.val_fraction, args.seed)
        parts = {"train": given["train"].subset(keep), "val": given["train"].subset(take), "test": given["test"]}
        return parts, {"train_file": str(args.train_file), "test_file": str(args.test_file)}
    beatset = beats.load_mitdb_beats(args.mitdb, variant=args.beats)
    print(f"beats ({args.beats}): {format_counts(beatset.y)}")
    parts = splits.split_beats(beatset, args.split, val_fraction=args.val_fraction,
                               test_fraction=args.test_fraction, seed=args.seed)
    return parts, {"mitdb": beatset.info.get("folder", str(args.mitdb)), "beats": args.beats}
