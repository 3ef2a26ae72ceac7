"""Command-line plumbing: flags made from configuration fields, one-line errors, resume rules.

A command is a thin wrapper: `add_config_flags` turns a configuration class's fields
into flags (default, check and help come from the field), `parse` reads them,
`config_from_flags` builds the typed configuration, and the family's Python API does
the rest. `main` turns a `UserError` into one line and exit status 2, and Ctrl-C into
one line naming the run folder and the command that resumes it (exit status 130).

Nothing here imports TensorFlow, so bad flags are reported in well under a second.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Callable

from keras_models import checks
from keras_models.config import flag_help, flag_of
from keras_models.errors import UserError

#: the exit status of a command stopped by Ctrl-C (128 + SIGINT)
INTERRUPTED = 130


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are `UserError`s (one line, exit status 2), and which
    takes flags only as written in full (so the flags given can be told apart)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        if self.add_help:
            self.add_argument("--verbose", action="store_true",
                              help="show TensorFlow's own C++ log lines (hidden otherwise, unless you set "
                                   "TF_CPP_MIN_LOG_LEVEL)")

    def error(self, message: str):  # noqa: D401 - argparse API
        raise UserError(f"{message}; see `{self.prog} --help`")


def main(entry: Callable[[list[str] | None], object], argv: list[str] | None = None, *,
         report_interrupt: bool = True) -> None:
    """Run `entry(argv)`: a `UserError` becomes one line on stderr and exit status 2;
    Ctrl-C one line (with the `--resume` command when a run folder exists) and exit 130,
    also when the command was started with SIGINT ignored or something swallowed it
    (`keras_models.interrupts`). `report_interrupt` False: exit 130 without the line (a
    child whose parent reports it). Framework log lines and warnings stay off the console
    unless `--verbose` is given (`keras_models.quiet`)."""
    from keras_models import interrupts, quiet
    from keras_models.rundir import release_unclaimed
    from keras_models.runner import Interrupted

    interrupts.install()
    interrupted = False
    verbose = "--verbose" in (sys.argv[1:] if argv is None else argv)
    with quiet.console(verbose):
        try:
            try:
                entry(argv)
                interrupts.check()  # Ctrl-C came but was swallowed: the command did not end normally
                if argv is None:  # this process's own command, done: Ctrl-C while it shuts down changes nothing
                    interrupts.ignore()
            except BaseException:
                release_unclaimed()  # a --run-id folder this command reserved but never used
                raise
        except UserError as err:
            print(f"error: {err.for_command()}", file=sys.stderr)
            sys.exit(2)
        except Interrupted as stop:
            if report_interrupt:
                print(f"interrupted: the run folder {stop.run_dir} is kept; continue it with "
                      f"`python -m experiments.{stop.experiment} --resume {stop.run_dir}`", file=sys.stderr)
            interrupted = True
        except KeyboardInterrupt:
            if report_interrupt:
                print(interrupts.NOTHING_WRITTEN, file=sys.stderr)
            interrupted = True
        except Exception:
            if not interrupts.received():
                raise
            # Ctrl-C that C code turned into another error (a SystemError "returned a result
            # with an exception set", whose cause is the KeyboardInterrupt): still Ctrl-C
            if report_interrupt:
                print(interrupts.NOTHING_WRITTEN, file=sys.stderr)
            interrupted = True
    if interrupted:
        interrupts.exit_interrupted(INTERRUPTED)


def argtype(check: checks.Check, name: str | None = None) -> Callable[[str], object]:
    """An argparse `type` from a check: its `BadValue` becomes argparse's error message."""

    def parse(text: str):
        try:
            return check(text)
        except checks.BadValue as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = name or getattr(check, "__name__", "value")
    return parse


positive_int = argtype(checks.positive_int)
non_negative_int = argtype(checks.non_negative_int)
positive_float = argtype(checks.positive_number)


def add_config_flags(parser: argparse.ArgumentParser, config_cls, *, title: str | None = None,
                     exclude: tuple[str, ...] = (), include: tuple[str, ...] = (), defaults: dict | None = None):
    """One flag per command-line field of `config_cls` (see `keras_models.config.option`).

    Args:
        exclude: fields left off (the command sets them, or adds its own flag).
        include: fields added although declared ``cli=False`` (e.g. steps_per_epoch).
        defaults: {field: default} shown and used instead of the class's.
    """
    group = parser.add_argument_group(title) if title else parser
    defaults = defaults or {}
    for f in dataclasses.fields(config_cls):
        if f.name in exclude or not (f.metadata.get("cli", True) or f.name in include):
            continue
        default = defaults.get(f.name, f.default if f.default is not dataclasses.MISSING else None)
        flag, help_text = flag_of(f), flag_help(f)
        if f.metadata.get("check") is checks.boolean:
            action = "store_false" if flag.startswith("--no-") else "store_true"
            group.add_argument(flag, dest=f.name, action=action, default=default, help=help_text)
            continue
        shown = (",".join(map(str, default)) or None) if isinstance(default, tuple) else default
        group.add_argument(flag, dest=f.name, type=argtype(f.metadata["check"], f.name), default=default,
                           metavar=f.metadata.get("metavar") or f.name.upper(),
                           help=f"{help_text} (default {shown})" if shown is not None else help_text)


def add_output_flags(parser: argparse.ArgumentParser) -> None:
    """--runs-dir and --run-id of a command that writes one output folder (and has no --resume)."""
    from keras_models.config import run_id

    parser.add_argument("--runs-dir", type=argtype(checks.path), default=Path("runs"),
                        help="root of the output folders (default runs/)")
    parser.add_argument("--run-id", type=argtype(run_id), default=None,
                        help="name of the output folder (default: time-stamped)")


def add_resume_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--resume", type=Path, default=None, metavar="RUN_DIR",
                        help="continue an interrupted run from its folder: its config.json gives every setting "
                             "(only --epochs may be given beside it, to train longer)")


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> tuple[dict, set[str]]:
    """(the parsed values {dest: value}, the dests of the flags written on the command line)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    values = vars(parser.parse_args(argv))
    by_flag = {s: a.dest for a in parser._actions for s in a.option_strings}
    given = {by_flag[token.split("=", 1)[0]] for token in argv if token.split("=", 1)[0] in by_flag}
    return values, given


def refuse_beside_resume(given: set[str], resume: Path, experiment: str,
                         allowed: tuple[str, ...] = ("epochs",)) -> None:
    """`UserError` unless `resume` is an interrupted run of `experiment` and no flag but
    `allowed` was given next to `--resume` (the folder is checked first)."""
    from keras_models.rundir import RunDir

    RunDir.open_for_resume(resume, experiment)
    extra = sorted(given - {"resume", *allowed})
    if extra:
        flags = ", ".join("--" + name.replace("_", "-") for name in extra)
        raise UserError(f"{flags} cannot be given with --resume: a resumed run keeps the settings in its "
                        f"config.json (only {', '.join('--' + a.replace('_', '-') for a in allowed)} may be given, "
                        "to train longer); start a new run to change them")


def resume(family, values: dict, given: set[str]):
    """`--resume RUN_DIR` of a training command: check the folder is an interrupted run of
    `family.EXPERIMENT`, refuse other flags (but `--epochs`), and continue it with
    `family.resume`; returns what that returns."""
    refuse_beside_resume(given, values["resume"], family.EXPERIMENT)
    return family.resume(values["resume"], epochs=values["epochs"] if "epochs" in given else None)


def run_family(family, values: dict, given: set[str], *, choice: str, first: str):
    """What a training command does with its parsed flags: `--resume`, else `<choice> all`
    (every version/variant through `family.compare`, the configuration built with
    `choice=first`), else one `family.run`; then `summarize`."""
    if values["resume"] is not None:
        return summarize(resume(family, values, given))
    if values[choice] == "all":
        return summarize(family.compare(config_from_flags(family.Config, values, **{choice: first})))
    return summarize(family.run(config_from_flags(family.Config, values)))


def summarize(result):
    """Print the result's summary (`keras_models.summary.show`: the numbers that matter, each
    beside its documented value, and the run folder) and return `result`: how every
    training command ends."""
    from keras_models import summary

    summary.show(result)
    return result


def config_from_flags(config_cls, values: dict, **overrides):
    """The configuration of the parsed flag `values` (its fields only), with `overrides`."""
    names = {f.name for f in dataclasses.fields(config_cls)}
    return config_cls(**{**{k: v for k, v in values.items() if k in names}, **overrides})


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


def print_table(rows: list[dict]) -> str:
    """Print `rows` as a Markdown table and return it."""
    from keras_models.audit import format_table

    table = format_table(rows)
    print(table)
    return table
