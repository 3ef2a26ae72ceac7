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


def float_in(low: float, high: float, what: str, *, include_low: bool = True) -> Callable[[str], float]:
    """An argparse `type` accepting numbers in [low, high) (in (low, high) without
    `include_low`); `what` names them in errors."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not ((low <= value if include_low else low < value) and value < high):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


positive_int = int_at_least(1, "a positive integer")
non_negative_int = int_at_least(0, "an integer >= 0")
#: a finite number > 0 (a learning rate, a weight decay)
positive_float = float_in(0.0, float("inf"), "a positive number", include_low=False)
non_negative_float = float_in(0.0, float("inf"), "a number >= 0")


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


def model_arg(text: str) -> tuple[str | None, str, object]:
    """An argparse `type` for a builder hyper-parameter ``[MODEL:]KEY=VALUE``.

    VALUE is read as JSON (``8``, ``0.1``, ``true``, ``[32, 64]``) and otherwise kept as
    a string. Returns (MODEL or None, KEY, value).
    """
    target, sep, value = text.partition("=")
    model, _, key = target.rpartition(":")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected [MODEL:]KEY=VALUE (e.g. patch_size=4), got {text!r}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    return model or None, key, parsed


def model_kwargs(items: list, models: list[str]) -> dict[str, dict]:
    """Group `model_arg` values by model: {model: {key: value}} for every model in `models`.

    A value without a MODEL prefix is allowed only when one model is trained.
    """
    kwargs: dict[str, dict] = {m: {} for m in models}
    for model, key, value in items or []:
        if model is None:
            if len(models) != 1:
                raise UserError(f"--model-arg {key}=...: say which model it is for (MODEL:{key}=...) "
                                f"when training {', '.join(models)}")
            model = models[0]
        if model not in kwargs:
            raise UserError(f"--model-arg {model}:{key}=...: {model!r} is not trained here ({', '.join(models)})")
        kwargs[model][key] = value
    return kwargs


def add_run_flags(parser: argparse.ArgumentParser, *, epochs: int | None, batch_size: int | None,
                  patience: int = 0, batch_size_flag: bool = True, array_flags: bool = False) -> None:
    """Flags every training experiment shares (see `keras_models.runner.RunOptions`).

    `epochs` or `batch_size` None: the flag defaults to None and the experiment picks
    the value (e.g. from a per-model training recipe). `batch_size_flag=False` leaves
    `--batch-size` out (for a command that tunes it). `array_flags=True` adds
    `--steps-per-epoch` and `--eval-batch-size` (for experiments whose splits are arrays).
    """
    group = parser.add_argument_group("run")

    def default(value) -> str:
        return "set by the experiment" if value is None else str(value)

    group.add_argument("--epochs", type=positive_int, default=epochs,
                       help=f"training epochs (default {default(epochs)})")
    if batch_size_flag:
        group.add_argument("--batch-size", type=positive_int, default=batch_size,
                           help=f"batch size (default {default(batch_size)})")
    if array_flags:
        group.add_argument("--steps-per-epoch", type=positive_int, default=None,
                           help="batches per epoch (default: the whole training split); shorter epochs fit a CPU "
                                "budget: each epoch goes on where the last stopped, reshuffling after a full pass")
        group.add_argument("--eval-batch-size", type=positive_int, default=None,
                           help="batch size of validation, evaluation and prediction (default: --batch-size); "
                                "larger is faster and gives the same numbers")
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


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None, experiment: str) -> argparse.Namespace:
    """Parse `argv`; for `--resume RUN_DIR`, the arguments recorded in that run instead
    (see `resume_args`)."""
    args = parser.parse_args(argv)
    return resume_args(parser, args, experiment) if args.resume is not None else args


def args_to_config(args: argparse.Namespace) -> dict:
    """JSON-ready copy of the parsed arguments (paths become strings)."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
