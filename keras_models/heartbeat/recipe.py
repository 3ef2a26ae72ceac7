"""Training recipes of the heartbeat models: precision, batch, learning rate and schedule, epochs.

``report``
    The report's setting (report 000): float32, Adam at a constant 1e-3,
    batch 32, up to 20 epochs with early stopping (patience 3). The reference numerics.
``cpu``
    The convolutional and transformer models' recipe on CPUs with AVX512-BF16, chosen
    from `benchmarks.speed_levers` (bfloat16 trains them 1.2-1.6x faster; a larger
    batch, XLA, fewer threads or no prefetch do not help): bfloat16 compute
    (`keras_models.precision`), batch 64 with the learning rate scaled from the report's
    1e-3 at batch 32 by sqrt(batch / 32), cosine decay to 0 over 4 epochs.
``cpu-gru``
    The GRUs' recipe: a 5-layer GRU runs 192 x 5 small sequential steps, so its speed
    comes from the batch, and its accuracy per beat from the number of steps. Chosen on
    the validation split by `benchmarks.time_to_accuracy` (attention_gru, 25,600 beats
    per check): float32, batch 128, the rate scaled by sqrt(128 / 32) = 2 to 2e-3,
    constant, 4 epochs. It reached validation accuracy 0.944 after 20.5 min, where the
    report's batch 32 had 0.939 after 24.4 min, and batch 512 in bfloat16 (2.5x the
    report's beats per second, but a quarter of the steps) 0.939 after 30.4 min.

On a GPU use ``--precision mixed_float16`` with either.

Every heartbeat model names its default recipe on its registry entry
(`ModelSpec.recipe`); ``--recipe report`` trains any model the report's way, and each
field can be overridden (`keras_models.heartbeat.Config`). Nothing here imports Keras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from keras_models import checks
from keras_models.config import Config, option
from keras_models.precision import PRECISIONS

#: the batch size the report's learning rate (1e-3) was chosen for
REFERENCE_BATCH = 32
#: how the learning rate follows the batch size: fixed, x (batch / 32), x sqrt(batch / 32)
LR_SCALINGS = ("fixed", "linear", "sqrt")
SCHEDULES = ("constant", "cosine")


def scaled_learning_rate(learning_rate: float, batch_size: int, rule: str) -> float:
    """`learning_rate` (chosen for batch `REFERENCE_BATCH`) scaled to `batch_size` by `rule`."""
    ratio = batch_size / REFERENCE_BATCH
    return learning_rate * {"fixed": 1.0, "linear": ratio, "sqrt": math.sqrt(ratio)}[rule]


@dataclass(frozen=True)
class Recipe(Config):
    """How to train a heartbeat model (Adam; see the module's recipes)."""

    name: str = option("report", checks.text, "recipe name")
    epochs: int = option(20, checks.positive_int, "training epochs (the cosine schedule's length)")
    batch_size: int = option(32, checks.positive_int, "batch size")
    precision: str = option("float32", checks.one_of(*PRECISIONS), "compute precision")
    learning_rate: float = option(1e-3, checks.positive_number, f"Adam learning rate at batch {REFERENCE_BATCH}")
    lr_scaling: str = option("fixed", checks.one_of(*LR_SCALINGS), "learning-rate scaling with the batch size")
    schedule: str = option("constant", checks.one_of(*SCHEDULES), "learning-rate schedule")
    warmup_epochs: int = option(0, checks.non_negative_int, "linear warm-up epochs (at most half the run)")
    clipnorm: float = option(0.0, checks.non_negative_number,
                             "gradient clipping: each variable's gradient to at most this L2 norm (0: none)")
    class_weight_power: float = option(1.0, checks.number(0, 1),
                                       "tempering of --balance class-weights: the balanced weights to this power "
                                       "(1: inverse frequency, 0.5: its square root)")


RECIPES = {
    "report": Recipe("report"),
    "cpu": Recipe("cpu", epochs=4, batch_size=64, precision="mixed_bfloat16", learning_rate=1e-3,
                  lr_scaling="sqrt", schedule="cosine", warmup_epochs=0),
    "cpu-gru": Recipe("cpu-gru", epochs=4, batch_size=128, precision="float32", learning_rate=1e-3,
                      lr_scaling="sqrt", schedule="constant", warmup_epochs=0),
}
#: the fields a configuration may override (None there: the recipe's value)
FIELDS = tuple(name for name in Recipe.__dataclass_fields__ if name != "name")
