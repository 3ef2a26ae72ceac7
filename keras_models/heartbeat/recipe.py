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
    The GRUs' recipe: float32, batch 64, Adam at the report's constant 1e-3 (not
    scaled), each variable's gradient clipped to L2 norm 1, class weights tempered to
    the square root of the inverse frequencies (``class_weight_power`` 0.5), chrono
    update-gate biases (``gru_update_bias``), 4 epochs.
    A 5-layer GRU runs 192 x 5 small sequential steps: its speed comes from the batch,
    and its learning from the number of optimizer steps. Evidence (`benchmarks.gru_recipe`
    and `benchmarks.time_to_accuracy`, validation split only, 2 shared Xeon cores):

    * the former recipe (batch 128, 2e-3, no clipping, inverse-frequency weights)
      learned nothing from a balanced set in one pass (test macro recall 0.200): with
      class weights (F's weight 27), gru1d's predictions jumped from one single class
      to another every 10 steps for 80 steps and the loss did not fall (1.18 -> 1.17,
      peaks 1.75): a batch holds about one F beat, weighted 27x;
    * clipped, at 1e-3 and with square-root weights (F 5x), the same run is stable (its
      loss falls 1.44 -> 1.27 in 100 steps) but still answers N at 100 steps: gru1d
      leaves the all-N answer only after a few hundred steps (unbalanced, after one
      pass of batch 32, 2,400 steps: validation accuracy 0.915; of batch 128, 600
      steps: 0.871);
    * hence batch 64: twice the steps of batch 128 in a pass, for about 25 % fewer
      beats per second (batch 32: 51-55/s, batch 128: 85-104/s; batch 64 is not yet
      measured);
    * attention_gru learns from a SMOTE set with it: validation macro recall 0.79
      (accuracy 0.74) after half a pass, 600 steps;
    * gru1d did not learn from a SMOTE set under any of these levers: its loss stayed
      at ln 5 = 1.609 (the uniform answer) for 600 steps of 64 and 1,200 steps of 32.
      The cause is the GRUs' starting memory, not the optimizer: with zero update-gate
      biases each step keeps half of the state, and the gradient of gru1d's logits
      does not reach the beat (2.3e-36 at its R peak, sample 0; 1.0e-3 at sample 191,
      in the padding: ``python -m benchmarks.gru_recipe --gradient-profile``);
    * hence chrono update-gate biases (``gru_update_bias``, `heartbeat.gru_memory`):
      with them a gradient reaches every sample (1.8e-5 at the R peak) and the same
      SMOTE run learns (docs/benchmarks.md, "GRU recipe").

    bfloat16 does not speed the GRUs up on these cores (1.08x for gru1d, 0.91x for
    attention_gru in `benchmarks.speed_levers`): they stay float32.

``auto``
    The model's cpu recipe with its speed levers (precision within `TESTED_PRECISIONS`,
    XLA, batch within `TESTED_BATCHES`, threads) timed on the machine at hand and the
    fastest kept (`keras_models.heartbeat.autorecipe`): the cpu recipes were chosen on an
    AMD EPYC with AVX512-BF16, and another CPU may be faster with other levers. A model
    whose recipe is a cpu one trains this way when no recipe is given, in a run long
    enough to repay the probe (`autorecipe.settle`).

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
from keras_models.heartbeat.gru_memory import GRU_UPDATE_BIASES
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
    gru_update_bias: str = option("zeros", checks.one_of(*GRU_UPDATE_BIASES),
                                  "initial biases of each GRU's update gate: zeros (Keras's) or chrono (log-uniform "
                                  "timescales up to the beat's length; `keras_models.heartbeat.gru_memory`)")


RECIPES = {
    "report": Recipe("report"),
    "cpu": Recipe("cpu", epochs=4, batch_size=64, precision="mixed_bfloat16", learning_rate=1e-3,
                  lr_scaling="sqrt", schedule="cosine", warmup_epochs=0),
    "cpu-gru": Recipe("cpu-gru", epochs=4, batch_size=64, precision="float32", learning_rate=1e-3,
                      lr_scaling="fixed", schedule="constant", warmup_epochs=0, clipnorm=1.0, class_weight_power=0.5,
                      gru_update_bias="chrono"),
}
AUTO = "auto"
#: the batches whose time to accuracy `benchmarks.time_to_accuracy` measured for each cpu recipe
#: (its rate scaled by its ``lr_scaling``): the range ``--recipe auto`` may choose from.
#: ``cpu-gru`` keeps its rate whatever the batch (``lr_scaling="fixed"``) and its accuracy was
#: measured at batch 64 only: batch 128 had twice the rate when it was measured (and cost
#: gru1d 4.4 points per pass), batch 32 lacked the clipping and the chrono biases
TESTED_BATCHES = {"cpu": (32, 64), "cpu-gru": (64,)}
#: the precisions each cpu recipe's accuracy was measured in (docs/benchmarks.md): the range
#: ``--recipe auto`` may choose from
TESTED_PRECISIONS = {"cpu": ("float32", "mixed_bfloat16"), "cpu-gru": ("float32",)}
#: a run that names no recipe probes the levers (``auto``) only when it plans to train on at
#: least this many beats (epochs x beats per epoch: 4 epochs of the intra-patient split are
#: ~310,000); below it the probe (20-90 s where no choice is cached yet) costs about what it saves
WORTH_PROBING_BEATS = 100_000


def base_recipe(model_recipe: str | None) -> Recipe:
    """The recipe ``auto`` starts from, given a model's default recipe name: that recipe
    where it is a cpu one, else ``cpu``."""
    return RECIPES[model_recipe if model_recipe in TESTED_BATCHES else "cpu"]


#: the fields a configuration may override (None there: the recipe's value)
FIELDS = tuple(name for name in Recipe.__dataclass_fields__ if name != "name")
