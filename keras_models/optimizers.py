"""The one optimizer and learning-rate schedule factory: one meaning per name.

==================== ==========================================================
optimizer            what it is
==================== ==========================================================
``adam``             `keras.optimizers.Adam`
``adamw``            `keras.optimizers.AdamW` with ``weight_decay``; biases, norm
                     scales/offsets, position embeddings and attention
                     temperatures are never decayed (`NO_WEIGHT_DECAY`)
``sgd``              SGD with momentum 0.9 (plain SGD barely moves in a few epochs)
``rmsprop``          `keras.optimizers.RMSprop`
==================== ==========================================================

==================== ==========================================================
schedule             what it does
==================== ==========================================================
``constant``         the learning rate throughout, after a linear warm-up from 0
                     over ``warmup_epochs`` (at most half the run; 0: none)
``cosine``           a linear warm-up from 0 over ``warmup_epochs`` (at most half
                     the run; 0: none), then cosine decay to 0 at the last step
``reduce-on-plateau`` a constant rate, halved by `ReduceLROnPlateau` when the
                     monitored loss has not improved for 1 epoch
==================== ==========================================================

``clipnorm`` > 0 rescales each variable's gradient to at most that L2 norm (Keras's
``clipnorm``) before every step; 0 leaves gradients as they are.

Keras is imported only when an optimizer is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_models import checks
from keras_models.config import Config, option

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
SCHEDULES = ("constant", "cosine", "reduce-on-plateau")
#: variable-name fragments AdamW never decays
NO_WEIGHT_DECAY = ["bias", "gamma", "beta", "position_embedding", "temperature"]
SGD_MOMENTUM = 0.9
PLATEAU_FACTOR = 0.5
PLATEAU_PATIENCE = 1


@dataclass(frozen=True)
class OptimizerConfig(Config):
    """An optimizer and its learning-rate schedule (see the module's tables)."""

    optimizer: str = option("adam", checks.one_of(*OPTIMIZERS), "optimizer")
    learning_rate: float = option(1e-3, checks.positive_number, "(peak) learning rate")
    schedule: str = option("constant", checks.one_of(*SCHEDULES), "learning-rate schedule")
    weight_decay: float = option(0.004, checks.non_negative_number, "AdamW weight decay")
    warmup_epochs: int = option(0, checks.non_negative_int,
                                "linear warm-up epochs of the cosine or constant schedule")
    clipnorm: float = option(0.0, checks.non_negative_number,
                             "gradient clipping: each variable's gradient to at most this L2 norm (0: none)")

    def schedule_steps(self, steps_per_epoch: int, epochs: int) -> tuple[int, int]:
        """(warm-up steps, total steps) of a run."""
        total = max(epochs * steps_per_epoch, 1)
        return min(self.warmup_epochs * steps_per_epoch, total // 2), total


def learning_rate(config: OptimizerConfig, steps_per_epoch: int, epochs: int):
    """The constant learning rate, or a Keras schedule of the optimizer step (a warmed-up
    constant rate is a cosine "decay" to 100 % of itself: ``alpha=1``)."""
    import keras

    warmup, total = config.schedule_steps(steps_per_epoch, epochs)
    if config.schedule == "reduce-on-plateau" or (config.schedule == "constant" and not warmup):
        return config.learning_rate
    return keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else config.learning_rate, decay_steps=max(total - warmup, 1),
        alpha=1.0 if config.schedule == "constant" else 0.0,
        warmup_target=config.learning_rate if warmup else None, warmup_steps=warmup)


def build_optimizer(config: OptimizerConfig, steps_per_epoch: int, epochs: int):
    """A fresh Keras optimizer for a run of `epochs` epochs of `steps_per_epoch` steps."""
    import keras

    rate = learning_rate(config, steps_per_epoch, epochs)
    clip = {"clipnorm": config.clipnorm} if config.clipnorm else {}
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=SGD_MOMENTUM, **clip)
    if config.optimizer == "adamw":
        optimizer = keras.optimizers.AdamW(rate, weight_decay=config.weight_decay, **clip)
        optimizer.exclude_from_weight_decay(var_names=NO_WEIGHT_DECAY)
        return optimizer
    return {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}[config.optimizer](rate, **clip)


def schedule_callbacks(config: OptimizerConfig, monitor: str = "val_loss") -> list:
    """The callbacks a schedule needs: `ReduceLROnPlateau` on `monitor` for
    "reduce-on-plateau", none otherwise."""
    import keras

    if config.schedule != "reduce-on-plateau":
        return []
    return [keras.callbacks.ReduceLROnPlateau(monitor=monitor, factor=PLATEAU_FACTOR, patience=PLATEAU_PATIENCE,
                                              min_lr=1e-6, verbose=0)]
