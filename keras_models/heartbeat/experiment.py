"""The heartbeat experiment: beats -> split -> balance (train only) -> view -> `runner.Job`.

Models output logits (batch, 5) for the AAMI classes N, S, V, F, Q; the loss is
sparse categorical cross-entropy from logits, the optimiser Adam (report 000).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from keras_models import runner
from keras_models.classification import ClassifierEvaluation
from keras_models.heartbeat import balance, splits
from keras_models.heartbeat.api import EXPERIMENT
from keras_models.heartbeat.beatset import CLASS_NAMES, BeatSet, class_counts
from keras_models.heartbeat.config import Config
from keras_models.heartbeat.data import HeartbeatData
from keras_models.heartbeat.gru_memory import ChronoGRUs
from keras_models.heartbeat.recipe import scaled_learning_rate
from keras_models.optimizers import OptimizerConfig


def counts(y: np.ndarray) -> dict[str, int]:
    return dict(zip(CLASS_NAMES, map(int, class_counts(y))))


def prepare_splits(parts: dict[str, BeatSet], method: str, view: str, seed: int, class_weight_power: float = 1.0):
    """Balance the training part only, then shape every part as `view`.

    The training split is scored after fitting on its beats before balancing
    (`train_eval`): the real beats, not copies or SMOTE's synthetic ones.

    Returns:
        ({"train", "train_eval", "val", "test"} -> runner.Split with x (n, 16, 12, 1) or
        (n, 192, 1) and y (n,) int64, class_weight or None, {part: class counts}).
    """
    x_train, y_train, class_weight = balance.balance(parts["train"].x, parts["train"].y, method, seed=seed,
                                                     class_weight_power=class_weight_power)
    arrays = {"train": (x_train, y_train), "val": (parts["val"].x, parts["val"].y),
              "test": (parts["test"].x, parts["test"].y)}
    described = {part: counts(y) for part, (_, y) in arrays.items()}
    if method != "none":
        described["train_before_balance"] = counts(parts["train"].y)
    arrays["train_eval"] = (parts["train"].x, parts["train"].y)
    data = {part: runner.Split(splits.to_view(x, view), np.asarray(y, dtype=np.int64))
            for part, (x, y) in arrays.items()}
    return data, class_weight, described


def loss_and_metrics() -> dict:
    """`model.compile` loss and metrics of every heartbeat model (logits, integer labels)."""
    import keras

    return {"loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True), "metrics": ["accuracy"]}


def optimizer_config(config: Config) -> OptimizerConfig:
    """Adam with the resolved configuration's learning rate scaled to its batch size, its
    schedule and gradient clipping."""
    rate = scaled_learning_rate(config.learning_rate, config.batch_size, config.lr_scaling)
    return OptimizerConfig(optimizer="adam", learning_rate=rate, schedule=config.schedule,
                           warmup_epochs=config.warmup_epochs, clipnorm=config.clipnorm)


def make_job(config: Config, loaded: HeartbeatData, resume: Path | None = None) -> runner.Job:
    """The runner job training `config.model` with its resolved recipe on the loaded beats,
    balanced by `config.balance`.

    `job.train_eval` holds the training beats before balancing and `job.rebalance`
    balances them again (`heartbeat.balance.balance(x, y, method, seed)` with the
    configuration's `class_weight_power`), for the tuner.
    """
    config = config.resolved()
    view = config.view
    data, class_weight, described = prepare_splits(loaded.parts, config.balance, view, config.seed,
                                                   config.class_weight_power)
    return runner.Job(
        experiment=EXPERIMENT,
        model=config.model,
        config=config,
        loss=loss_and_metrics,
        optimizer=optimizer_config(config),
        evaluate=ClassifierEvaluation(data["test"].x, data["test"].y, list(CLASS_NAMES),
                                      batch_size=config.eval_batch),
        class_weight=class_weight,
        data={"source": loaded.source, "split": config.split, "view": view, "class_names": list(CLASS_NAMES),
              "counts": described, "class_weight": class_weight},
        data_files=list(loaded.files),
        tag=f"{config.model}-{config.balance}-{config.split}-s{config.seed}",
        classifier=True,
        rebalance=partial(balance.balance, class_weight_power=config.class_weight_power),
        prepare_model=ChronoGRUs(config.seed) if config.gru_update_bias == "chrono" else None,
        resume=resume,
        **data,
    )
