"""Shared command-line plumbing: one-line errors, common flags, flag validators.

Nothing here imports TensorFlow, so argument errors are reported in well under a
second.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from keras_models.errors import UserError


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are `UserError`s (one line, exit status 2)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise UserError(f"{message} (see `{self.prog} --help`)")


def main(entry: Callable[[list[str] | None], object], argv: list[str] | None = None) -> None:
    """Run `entry(argv)`; a `UserError` becomes one line on stderr and exit status 2."""
    try:
        entry(argv)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


def int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse `type` accepting integers >= `minimum` (`what` names them in errors)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


def positive_float(text: str) -> float:
    """An argparse `type` for a finite number > 0 (a learning rate, a weight decay)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


positive_int = int_at_least(1, "a positive integer")
non_negative_int = int_at_least(0, "an integer >= 0")


def fractions(text: str) -> tuple[float, float, float]:
    """Parse 'TRAIN,VAL,TEST' fractions that are positive and sum to 1."""
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) <= 0 or abs(sum(parts) - 1.0) > 1e-6:
        raise argparse.ArgumentTypeError(
            f"expected three positive fractions TRAIN,VAL,TEST summing to 1 (e.g. 0.7,0.15,0.15), got {text!r}"
        )
    return parts  # type: ignore[return-value]


def add_run_flags(parser: argparse.ArgumentParser, *, epochs: int, batch_size: int | None, patience: int = 0) -> None:
    """Flags every training experiment shares (see `keras_models.runner.RunOptions`).

    `batch_size=None` leaves `--batch-size` out (for a command that tunes it).
    """
    group = parser.add_argument_group("run")
    group.add_argument("--epochs", type=positive_int, default=epochs, help=f"training epochs (default {epochs})")
    if batch_size is not None:
        group.add_argument("--batch-size", type=positive_int, default=batch_size,
                           help=f"batch size (default {batch_size})")
    group.add_argument("--seed", type=non_negative_int, default=42, help="random seed (default 42)")
    group.add_argument(
        "--patience", type=non_negative_int, default=patience,
        help=f"early-stopping patience in epochs on the validation loss; 0 turns it off (default {patience})",
    )
    group.add_argument("--runs-dir", type=Path, default=Path("runs"), help="root of the run folders (default runs/)")
    group.add_argument("--run-id", default=None, help="name of the run folder (default: a new time-stamped name)")
    group.add_argument("--resume", type=Path, default=None, metavar="RUN_DIR",
                       help="continue an interrupted run from its folder (its config.json gives every other flag)")
    group.add_argument("--jit-compile", action="store_true", help="compile with XLA (slower on CPU; off by default)")
    group.add_argument("--no-tensorboard", action="store_true", help="do not write TensorBoard logs")


def resume_args(parser: argparse.ArgumentParser, args: argparse.Namespace, experiment: str) -> argparse.Namespace:
    """For `--resume RUN_DIR`, return the arguments recorded in the run's config.json
    (values of `type=Path` flags become paths again).

    Raises `UserError` if the folder is not an interrupted run of `experiment`.
    """
    from keras_models.rundir import RunDir

    run = RunDir.open_for_resume(args.resume, experiment)
    restored = argparse.Namespace(**json.loads(run.config_path.read_text())["args"])
    for action in parser._actions:
        value = getattr(restored, action.dest, None)
        if action.type is Path and value is not None:
            setattr(restored, action.dest, Path(value))
    restored.resume = run.path
    return restored


def args_to_config(args: argparse.Namespace) -> dict:
    """JSON-ready copy of the parsed arguments (paths become strings)."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
