"""The one finiteness check of model inputs: finite *in the dtype the model computes in*.

A value such as 1e300 is finite in the float64 a CSV is read into, but becomes inf in
the float32 a model computes in (and 1e5 becomes inf in float16): the reconstruction
errors, losses and probabilities that follow are garbage, with at best a RuntimeWarning.
So every reader of numeric inputs (`keras_models.nab.data`, `keras_models.heartbeat.files`,
training through `keras_models.runner`, prediction through `keras_models.predict`)
checks them here: NaN, infinities and magnitudes beyond the largest finite value of
the compute dtype are refused, in one line naming the first such value.

    precision        compute dtype   largest finite value
    float32          float32         3.4028235e+38
    mixed_bfloat16   bfloat16        3.3895314e+38
    mixed_float16    float16         65504

No TensorFlow here.
"""

from __future__ import annotations

import numpy as np

from keras_models.errors import UserError

#: precision (`TrainConfig.precision`) -> (compute dtype, its largest finite value)
LIMITS = {"float32": ("float32", float(np.finfo(np.float32).max)),
          "mixed_bfloat16": ("bfloat16", 3.3895313892515355e38),
          "mixed_float16": ("float16", float(np.finfo(np.float16).max))}


def limit(precision: str = "float32") -> tuple[str, float]:
    """(the compute dtype, its largest finite value) of `precision` (float32's for an unknown one)."""
    return LIMITS.get(precision, LIMITS["float32"])


def bad(values, precision: str = "float32") -> np.ndarray:
    """Boolean mask (the shape of `values`): NaN, infinite, or beyond the compute dtype's range."""
    array = np.asarray(values)
    largest = limit(precision)[1]
    if array.dtype.kind in "iub":  # integers: only their size can be too large (no copy to float)
        return (array > largest) | (array < -largest)
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return ~np.isfinite(array) | (np.abs(array) > largest)


def range_text(precision: str = "float32") -> str:
    """E.g. "beyond float32's range (+-3.4e+38), the precision the model computes in"."""
    dtype, largest = limit(precision)
    return f"beyond {dtype}'s range (+-{largest:.3g}), the dtype the model computes in"


def check(values, where: str, precision: str = "float32", fix: str = "rescale or drop those values") -> None:
    """`UserError` naming the first value of `values` that is not finite in `precision`'s
    compute dtype (`where` names the input: a file, a split)."""
    mask = bad(values, precision)
    if not mask.any():
        return
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    value = float(np.asarray(values)[index])
    shown = "NaN" if np.isnan(value) else f"{value:g}"
    position = f"row {index[0] + 1}" if len(index) else "the value"
    raise UserError(f"{where}: {int(mask.sum())} value(s) not finite or {range_text(precision)}, first {shown} "
                    f"at {position}; {fix}")


def check_arrays(arrays: dict, precision: str = "float32") -> None:
    """`check` each numeric array of {name: array} (text and other dtypes are skipped)."""
    for name, array in arrays.items():
        if isinstance(array, np.ndarray) and np.issubdtype(array.dtype, np.number):
            check(array, name, precision)
