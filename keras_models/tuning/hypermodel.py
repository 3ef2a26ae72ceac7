"""The Keras Tuner `HyperModel`: registry builders with sampled hyper-parameters.

`build(hp)` declares the whole search space (so every tuner sees it from the first
trial) and builds the model with its architecture values. `fit(hp, model, ...)`
balances the training data (heartbeat models: balancing changes the data, so it
lives here, not in `build`), compiles with the sampled optimizer and schedule, and
fits with the sampled batch size.
"""

from __future__ import annotations

import json
import math
import os

import keras
import keras_tuner
import numpy as np

from keras_models import registry
from keras_models.tuning import optimizers
from keras_models.tuning.search_space import split_values
from keras_models.tuning.tasks import Task


def declare(hp: keras_tuner.HyperParameters, space: dict) -> dict:
    """Register every spec of `space` on `hp` and return this trial's values {name: value}."""
    values = {}
    for name, spec in space.items():
        kind = spec["kind"]
        if kind == "choice":
            values[name] = hp.Choice(name, spec["values"])
        elif kind == "int":
            values[name] = hp.Int(name, spec["min"], spec["max"], step=spec.get("step", 1))
        elif kind == "float":
            values[name] = hp.Float(name, spec["min"], spec["max"], step=spec.get("step"),
                                    sampling=spec.get("sampling", "linear"))
        else:
            values[name] = hp.Fixed(name, spec["value"])
    return values


def build_model(task: Task, values: dict):
    """The task's model (uncompiled) with the architecture values among `values`."""
    _, architecture = split_values(values)
    return registry.build(task.model, **task.builder_kwargs, **architecture)


def prepare_training(task: Task, values: dict, x: np.ndarray, y: np.ndarray, epochs: int, seed: int):
    """Balance the training data as `values` say, and make the compile arguments.

    Args:
        x, y: training inputs and targets, (n, ...) each.
        epochs: epochs to train (the cosine schedule decays over all of them).

    Returns:
        (x', y', class_weight or None, compile_kwargs) where `compile_kwargs()` returns
        a fresh optimizer with the task's loss and metrics.
    """
    class_weight = None
    if "balance" in values:
        from keras_models.heartbeat.balance import balance

        x, y, class_weight = balance(x, y, values["balance"], seed=seed)
    decay_steps = epochs * math.ceil(len(x) / values["batch_size"])

    def compile_kwargs() -> dict:
        optimizer = optimizers.build_optimizer(values["optimizer"], values["learning_rate"], values["schedule"],
                                               decay_steps)
        return {"optimizer": optimizer, **task.loss()}

    return x, y, class_weight, compile_kwargs


class ClassifierScores(keras.callbacks.Callback):
    """Adds ``val_f1_macro`` and ``val_recall_macro`` to each epoch's logs (so that the
    tuner, early stopping and the history see them).

    Args:
        x_val: validation inputs; y_val: (n,) integer labels.
    """

    def __init__(self, x_val, y_val, batch_size: int = 1024):
        super().__init__()
        self.x_val, self.y_val, self.batch_size = x_val, np.asarray(y_val), batch_size

    def on_epoch_end(self, epoch, logs=None):
        from sklearn.metrics import f1_score, recall_score

        predicted = self.model.predict(self.x_val, batch_size=self.batch_size, verbose=0).argmax(axis=1)
        labels = np.unique(self.y_val)
        logs["val_f1_macro"] = float(f1_score(self.y_val, predicted, labels=labels, average="macro", zero_division=0))
        logs["val_recall_macro"] = float(recall_score(self.y_val, predicted, labels=labels, average="macro",
                                                      zero_division=0))


class TunableModel(keras_tuner.HyperModel):
    """A `Task`'s model over a search space (`search_space.space_for`).

    Args:
        task: the model and its data.
        space: {name: spec}.
        objective: (name, direction), for early stopping when `patience` > 0.
        seed: weights and shuffling of every trial start from this seed.
        patience: early-stopping patience in epochs on the objective (0: off).
        jit_compile: compile with XLA.
    """

    def __init__(self, task: Task, space: dict, objective: tuple[str, str], seed: int, patience: int = 0,
                 jit_compile: bool = False):
        super().__init__(name=task.model)
        self.task, self.space, self.objective = task, space, objective
        self.seed, self.patience, self.jit_compile = seed, patience, jit_compile

    def build(self, hp):
        values = declare(hp, self.space)
        keras.utils.set_random_seed(self.seed)
        return build_model(self.task, values)

    def fit(self, hp, model, x, y, *, validation_data, epochs: int, callbacks=(), verbose=2, **kwargs):
        """Balance, compile and fit one trial; returns the `History` (the tuner reads the objective)."""
        values = declare(hp, self.space)
        print(f"[{os.environ.get('KERASTUNER_TUNER_ID', 'tuner0')}] fitting {json.dumps(values)}", flush=True)
        x, y, class_weight, compile_kwargs = prepare_training(self.task, values, x, y, epochs, self.seed)
        model.compile(**compile_kwargs(), jit_compile=self.jit_compile)
        own = [ClassifierScores(*validation_data)] if self.task.classifier else []
        own += optimizers.schedule_callbacks(values["schedule"], monitor="val_loss")
        if self.patience > 0:
            name, direction = self.objective
            own.append(keras.callbacks.EarlyStopping(monitor=name, mode=direction, patience=self.patience))
        keras.utils.set_random_seed(self.seed)
        # The tuner's own callbacks (checkpoint of the best epoch) come after ours: they see our logs.
        return model.fit(x, y, batch_size=values["batch_size"], epochs=epochs, validation_data=validation_data,
                         class_weight=class_weight, callbacks=own + list(callbacks), verbose=verbose, **kwargs)
