"""Optimizers and learning-rate schedules chosen by name (the tuned strings).

==================  =========================================================
schedule            what it does
==================  =========================================================
``constant``        the learning rate throughout
``cosine``          `keras.optimizers.schedules.CosineDecay` from the learning
                    rate to 0 over ``epochs * steps_per_epoch`` steps
``reduce-on-plateau``  a constant rate, halved by a `ReduceLROnPlateau` callback
                    when the monitored loss has not improved for 1 epoch
==================  =========================================================

``sgd`` is SGD with momentum 0.9 (plain SGD barely moves in a few epochs);
``adamw`` uses Keras' default weight decay (0.004).
"""

from __future__ import annotations

from keras_models.tuning.search_space import OPTIMIZERS, SCHEDULES

PLATEAU_FACTOR = 0.5
PLATEAU_PATIENCE = 1
SGD_MOMENTUM = 0.9


def build_optimizer(name: str, learning_rate: float, schedule: str = "constant", decay_steps: int | None = None):
    """A fresh Keras optimizer.

    Args:
        name: one of `OPTIMIZERS`.
        learning_rate: the initial learning rate.
        schedule: one of `SCHEDULES`; "cosine" needs `decay_steps` (>= 1).
    """
    import keras

    if name not in OPTIMIZERS or schedule not in SCHEDULES:
        raise ValueError(f"unknown optimizer {name!r} or schedule {schedule!r}")
    rate = learning_rate
    if schedule == "cosine":
        if not decay_steps or decay_steps < 1:
            raise ValueError("the cosine schedule needs decay_steps >= 1")
        rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
    if name == "sgd":
        return keras.optimizers.SGD(rate, momentum=SGD_MOMENTUM)
    return {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
            "rmsprop": keras.optimizers.RMSprop}[name](rate)


def schedule_callbacks(schedule: str, monitor: str = "val_loss") -> list:
    """The callbacks a schedule needs: `ReduceLROnPlateau` on `monitor` for
    "reduce-on-plateau", none otherwise."""
    import keras

    if schedule != "reduce-on-plateau":
        return []
    return [keras.callbacks.ReduceLROnPlateau(monitor=monitor, factor=PLATEAU_FACTOR, patience=PLATEAU_PATIENCE,
                                              min_lr=1e-6, verbose=0)]
