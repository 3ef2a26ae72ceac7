"""The Keras Tuner `HyperModel`: a family's runner job with a trial's hyper-parameters.

`build(hp)` declares the whole search space (so every tuner sees it from the first
trial) and builds the trial's model; `fit(hp, model, ...)` trains it on the trial's job
(the family's `make_job` with the trial's batch size and balance, the trial's optimizer
and schedule) with the runner's data order, and reports the objective to the tuner.
"""

from __future__ import annotations

import dataclasses
import json
import os

import keras
import keras_tuner
import numpy as np

from keras_models import interrupts, runner, tracking
from keras_models.optimizers import OptimizerConfig, schedule_callbacks
from keras_models.tuning.search_space import split_values


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


def trial_job(make_job, config, values: dict) -> runner.Job:
    """The runner job of one set of hyper-parameters.

    Args:
        make_job: `make_job(config) -> runner.Job`, the family's job on the loaded data.
        config: the family configuration (data, epochs, seed).
        values: the trial's values: training keys (batch_size, optimizer, learning_rate,
            schedule, optional warmup_epochs, balance) and builder arguments.
    """
    training, architecture = split_values(values)
    overrides = {"batch_size": training["batch_size"]}
    if "balance" in training:
        overrides["balance"] = training["balance"]
    job = make_job(config.replace(**overrides))
    optimizer = OptimizerConfig(optimizer=training["optimizer"], learning_rate=training["learning_rate"],
                                schedule=training["schedule"], warmup_epochs=training.get("warmup_epochs", 0))
    return dataclasses.replace(job, optimizer=optimizer, model_kwargs={**job.model_kwargs, **architecture})


class ClassifierScores(keras.callbacks.Callback):
    """Adds ``val_f1_macro`` and ``val_recall_macro`` to each epoch's logs (so that the
    tuner, early stopping and the history see them).

    Args:
        val: the validation `runner.Split`: arrays (labels (n,)) or batches of (x, labels)
            with integer or one-hot labels.
    """

    def __init__(self, val: runner.Split, batch_size: int = 1024):
        super().__init__()
        self.val, self.batch_size = val, batch_size

    def _labels_and_predictions(self):
        if self.val.is_arrays:
            scores = self.model.predict(self.val.x, batch_size=self.batch_size, verbose=0)
            return np.asarray(self.val.y), scores.argmax(axis=1)
        labels, predicted = [], []
        for x, y in self.val.x:
            y = np.asarray(y)
            labels.append(y.argmax(axis=1) if y.ndim > 1 else y)
            predicted.append(self.model.predict_on_batch(x).argmax(axis=1))
        return np.concatenate(labels), np.concatenate(predicted)

    def on_epoch_end(self, epoch, logs=None):
        from sklearn.metrics import f1_score, recall_score

        y_true, y_pred = self._labels_and_predictions()
        labels = np.unique(y_true)
        logs["val_f1_macro"] = float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))
        logs["val_recall_macro"] = float(recall_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


class TunableModel(keras_tuner.HyperModel):
    """A family's model over a search space (`search_space.space_for`).

    Args:
        make_job: `make_job(config) -> runner.Job` on the loaded data.
        config: the family configuration (its epochs are each trial's).
        space: {name: spec}.
        objective: (name, direction), for early stopping when the config's patience > 0.
    """

    def __init__(self, make_job, config, space: dict, objective: tuple[str, str]):
        super().__init__(name="search")
        self.make_job, self.config, self.space, self.objective = make_job, config, space, objective
        self._last = (None, None)
        self.trials_fitted = 0
        self.oracle = None  # set by the search: names each trial's tracked run by its trial id

    def job(self, values: dict) -> runner.Job:
        """The trial's job (the last one is kept: `build` and `fit` of a trial share it)."""
        key = json.dumps(values, sort_keys=True, default=str)
        if self._last[0] != key:
            self._last = (key, trial_job(self.make_job, self.config, values))
        return self._last[1]

    def _trial_id(self) -> str:
        """The tuner's id of the trial being fitted (its count in this process when unknown)."""
        ongoing = getattr(self.oracle, "ongoing_trials", None) or {}
        trial = ongoing.get(os.environ.get("KERASTUNER_TUNER_ID", "tuner0"))
        return trial.trial_id if trial is not None else str(self.trials_fitted - 1)

    def build(self, hp):
        job = self.job(declare(hp, self.space))
        keras.utils.set_random_seed(self.config.seed)
        return job.build_model()

    def fit(self, hp, model, *args, epochs: int, callbacks=(), verbose=2, **kwargs):
        """Compile and fit one trial; returns the `History` (the tuner reads the objective)."""
        values = declare(hp, self.space)
        print(f"[{os.environ.get('KERASTUNER_TUNER_ID', 'tuner0')}] fitting {json.dumps(values)}", flush=True)
        job = self.job(values)
        job = dataclasses.replace(job, config=job.config.replace(epochs=epochs))
        model.compile(**job.compile_kwargs(), jit_compile=job.config.jit_compile)
        own = [interrupts.callback()] + ([ClassifierScores(job.val)] if job.classifier else [])
        own += schedule_callbacks(job.optimizer, monitor="val_loss")
        if job.config.patience > 0:
            name, direction = self.objective
            own.append(keras.callbacks.EarlyStopping(monitor=name, mode=direction, patience=job.config.patience))
        keras.utils.set_random_seed(self.config.seed)
        self.trials_fitted += 1
        with tracking.trial(values, f"trial {self._trial_id()}") as tracked:
            if tracked is not None:
                own.append(tracking.callback())
            # The tuner's own callbacks (checkpoint of the best epoch) come after ours: they see our logs.
            history = runner.fit(model, job, callbacks=own + list(callbacks), verbose=verbose, **kwargs)
            if tracked is not None:
                tracking.log_objective(history, self.objective)
        return history
