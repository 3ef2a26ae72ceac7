"""The vocabulary of search spaces: one hyper-parameter's possible values, as plain data.

Model modules declare their architecture space (`ModelSpec.tunable`) with these; nothing
here imports anything, so registering a model stays cheap.
"""

from __future__ import annotations


def choice(*values) -> dict:
    return {"kind": "choice", "values": list(values)}


def int_range(low: int, high: int, step: int = 1) -> dict:
    return {"kind": "int", "min": low, "max": high, "step": step}


def float_range(low: float, high: float, *, log: bool = False, step: float | None = None) -> dict:
    return {"kind": "float", "min": low, "max": high, "sampling": "log" if log else "linear", "step": step}
