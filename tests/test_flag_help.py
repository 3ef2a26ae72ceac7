"""Every on/off flag of every command says what giving it does.

A ``--no-X`` flag (or any flag that stores False) turns something off, so its help must
start with a negating phrase; a flag that stores True turns something on, so its help
must not (and its default must be False, or the flag would do nothing).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re

import pytest

import experiments
from keras_models.tuning import families

#: how the help of a flag that turns something off starts
NEGATING = re.compile(r"^(do not|don't|skip|turn off|no |without|leave out|omit|disable)", re.IGNORECASE)


def parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """(name, parser) of every command in experiments/ (tune: one per model family)."""
    found = []
    for info in pkgutil.iter_modules(experiments.__path__):
        module = importlib.import_module(f"experiments.{info.name}")
        build = getattr(module, "build_parser", None)
        if build is None:
            continue
        if info.name == "tune":
            found += [(f"tune ({family.name})", build(family)) for family in families.FAMILIES.values()]
        else:
            found.append((info.name, build()))
    return found


def on_off_flags(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)) or \
                any(s.startswith("--no-") for s in action.option_strings):
            yield action


def problems(parser: argparse.ArgumentParser) -> list[str]:
    found = []
    for action in on_off_flags(parser):
        flag, text = "/".join(action.option_strings), (action.help or "").strip()
        turns_off = isinstance(action, argparse._StoreFalseAction) or \
            any(s.startswith("--no-") for s in action.option_strings)
        if not text:
            found.append(f"{flag}: no help")
        elif turns_off and not NEGATING.match(text):
            found.append(f"{flag}: turns something off, but its help does not say so: {text!r}")
        elif not turns_off and NEGATING.match(text):
            found.append(f"{flag}: turns something on, but its help reads as turning it off: {text!r}")
        if isinstance(action, argparse._StoreTrueAction) and action.default is not False:
            found.append(f"{flag}: stores True but defaults to {action.default!r}, so giving it changes nothing")
    return found


def test_the_rule_catches_a_help_that_says_the_opposite():
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-tensorboard", dest="tensorboard", action="store_false", help="write TensorBoard logs")
    parser.add_argument("--fast", action="store_true", help="skip the checks")
    assert len(problems(parser)) == 2


@pytest.mark.parametrize("name,parser", parsers(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_on_off_flag_says_what_giving_it_does(name, parser):
    assert list(on_off_flags(parser)), f"{name}: expected at least --verbose"
    assert problems(parser) == [], name


def test_no_prefetch_and_no_tensorboard_read_as_turning_off():
    from keras_models import cli
    from keras_models.config import TrainConfig

    parser = cli.ArgumentParser(prog="test")
    cli.add_config_flags(parser, TrainConfig)
    helps = {s: a.help for a in parser._actions for s in a.option_strings}
    assert helps["--no-prefetch"] == "do not gather the next training batches while a step runs"
    assert helps["--no-tensorboard"].startswith("do not write TensorBoard logs")
    assert parser.parse_args(["--no-tensorboard"]).tensorboard is False
