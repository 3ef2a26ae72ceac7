"""Value checks shared by configurations and command-line flags (no TensorFlow).

A check is a callable ``check(value) -> value``: it accepts the value as typed in Python
or read back from JSON *or* as the text of a command-line flag, returns it normalised
(``"3"`` -> ``3``, ``[0.7, 0.15, 0.15]`` -> ``(0.7, 0.15, 0.15)``) and raises `BadValue`
("expected ..., got ...") otherwise. The same check validates a flag (through
`keras_models.cli`) and the field of a configuration (`keras_models.config`), so a
value is judged the same way from the command line, from Python and from a
``config.json`` read back by ``--resume``.

NaN and infinities are never accepted where a number is expected.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

Check = Callable[[object], object]

#: the range of seeds NumPy and TensorFlow accept
MAX_SEED = 2**32 - 1


class BadValue(ValueError):
    """A value a check refuses; the message says what was expected and what came."""


def _expected(what: str, value) -> BadValue:
    return BadValue(f"expected {what}, got {value!r}")


def integer(low: int | None = None, high: int | None = None, what: str | None = None) -> Check:
    """Integers in [low, high] (either bound may be None); text like "3" is accepted."""
    if what is None:
        what = ("an integer" if low is None and high is None else
                "a positive integer" if (low, high) == (1, None) else
                f"an integer >= {low}" if high is None else f"an integer in {low}..{high}")

    def check(value):
        if isinstance(value, bool):
            raise _expected(what, value)
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise _expected(what, value) from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or (low is not None and value < low) or (high is not None and value > high):
            raise _expected(what, value)
        return value

    return check


def number(low: float = -math.inf, high: float = math.inf, *, low_open: bool = False, high_open: bool = False,
           what: str | None = None) -> Check:
    """Finite numbers between `low` and `high` (bounds included unless `*_open`); the one
    float-range check of the package. NaN and +-inf are always refused."""
    if what is None:
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        what = f"a finite number in {lo}{low:g}, {high:g}{hi}"

    def check(value):
        if isinstance(value, bool):
            raise _expected(what, value)
        try:
            number_ = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise _expected(what, value) from None
        inside = (low < number_ if low_open else low <= number_) and (number_ < high if high_open else number_ <= high)
        if not math.isfinite(number_) or not inside:
            raise _expected(what, value)
        return number_

    return check


def fractions(count: int = 3, names: str = "TRAIN,VAL,TEST") -> Check:
    """`count` finite fractions in (0, 1) summing to 1, given as "0.7,0.15,0.15" or a sequence."""
    what = f"{count} positive fractions {names} summing to 1 (e.g. 0.7,0.15,0.15)"
    part = number(0.0, 1.0, low_open=True, high_open=True, what=what)

    def check(value):
        items = value.split(",") if isinstance(value, str) else value
        try:
            parts = tuple(part(v) for v in items)
        except (BadValue, TypeError):
            raise _expected(what, value) from None
        if len(parts) != count or abs(sum(parts) - 1.0) > 1e-6:
            raise _expected(what, value)
        return parts

    return check


def one_of(*choices: str, what: str = "one of") -> Check:
    """A string among `choices`."""

    def check(value):
        if value not in choices:
            raise BadValue(f"unknown value {value!r}; choose {what}: {', '.join(map(str, choices))}")
        return value

    return check


def boolean(value):
    """True/False (also the texts true/false/1/0/yes/no)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise _expected("true or false", value)


def text(value):
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise _expected("a non-empty text", value)
    return value


def path(value):
    """A filesystem path (not checked for existence: loaders do that with a better message)."""
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value or "\x00" in value:
        raise _expected("a path", value)
    return Path(value)


def optional(check: Check) -> Check:
    """`check`, or None (Python's None, JSON's null): an optional value is left out to mean "not
    given". Text is always given to `check`: ``--from-runs null`` names a folder called null, and
    ``--learning-rate none`` is refused as not a number (leave the flag out instead)."""

    def optional_check(value):
        if value is None:
            return None
        return check(value)

    optional_check.__name__ = f"optional_{getattr(check, '__name__', 'check')}"
    return optional_check


def sequence_of(check: Check, what: str = "a list") -> Check:
    """A tuple of values each passing `check`; text "a,b,c" or a JSON-like list."""

    def check_all(value):
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise _expected(what, value)
        return tuple(check(v) for v in items)

    return check_all


positive_int = integer(1)
non_negative_int = integer(0)
seed = integer(0, MAX_SEED, what=f"a seed in 0..{MAX_SEED}")
positive_number = number(0.0, low_open=True, what="a finite number > 0")
non_negative_number = number(0.0, what="a finite number >= 0")
open_fraction = number(0.0, 1.0, low_open=True, high_open=True, what="a fraction strictly between 0 and 1")
rate = number(0.0, 1.0, high_open=True, what="a rate in [0, 1)")
