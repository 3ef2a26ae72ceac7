"""Shapes of JSON documents, checked with one-line answers (no TensorFlow).

A shape is one of:

* a Python type: ``str``, ``int``, ``bool``, ``list``, ``dict``, or ``float`` for any
  number (an int or a float; never a bool);
* `Opt(shape)`: null or `shape`;
* `ListOf(shape)` / `MapOf(shape)`: a list / an object whose every item has `shape`;
* `Obj({key: shape}, required=(...))`: an object; the listed keys are checked where
  present, the `required` ones must be there; other keys are left alone.

    problem({"test": {"loss": "x"}}, Obj({"test": MapOf(Opt(float))}))
    # -> 'test.loss is "x", expected a number'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list",
          dict: "an object"}


@dataclass(frozen=True)
class _Of:
    shape: object


class Opt(_Of):
    """null or `shape`"""


class ListOf(_Of):
    """a list whose every item has `shape`"""


class MapOf(_Of):
    """an object whose every value has `shape`"""


@dataclass(frozen=True)
class Obj:
    fields: dict
    required: tuple = field(default=())


def _describe(shape) -> str:
    if isinstance(shape, Opt):
        return f"null or {_describe(shape.shape)}"
    if isinstance(shape, (Obj, MapOf)):
        return "an object"
    if isinstance(shape, ListOf):
        return "a list"
    return _NAMES[shape]


def _fits(value, shape) -> bool:
    if shape is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if shape is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, shape)


def _show(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def problem(value, shape, where: str = "") -> str:
    """What makes `value` not fit `shape` (one phrase naming the dotted key), or ""."""
    at = where or "the document"
    if isinstance(shape, Opt):
        return "" if value is None else problem(value, shape.shape, where)
    if isinstance(shape, (Obj, MapOf)) and not isinstance(value, dict) or \
            isinstance(shape, ListOf) and not isinstance(value, list) or \
            isinstance(shape, type) and not _fits(value, shape):
        return f"{at} is {_show(value)}, expected {_describe(shape)}"
    prefix = f"{where}." if where else ""
    if isinstance(shape, Obj):
        for key in shape.required:
            if key not in value:
                return f"{prefix}{key} is missing"
        for key, inner in shape.fields.items():
            if key in value:
                found = problem(value[key], inner, prefix + key)
                if found:
                    return found
    elif isinstance(shape, MapOf):
        for key, item in value.items():
            found = problem(item, shape.shape, prefix + str(key))
            if found:
                return found
    elif isinstance(shape, ListOf):
        for i, item in enumerate(value):
            found = problem(item, shape.shape, f"{where}[{i}]")
            if found:
                return found
    return ""
