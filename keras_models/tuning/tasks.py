"""What a search tunes: a model's data splits, loss, objective and final evaluation.

A `Task` holds the three splits as arrays, already shaped for the model:
heartbeat beats as (n, 16, 12, 1) or (n, 192, 1) with labels (n,); NAB windows as
(m, window, 1) with themselves as targets. The search trains on `train` and
validates on `val` (carved from the training data); `test` is used once, by the
final model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from keras_models import runner


@dataclass
class Task:
    """A tunable model and its data.

    Attributes:
        family: "heartbeat" or "nab".
        model: registry name of the model.
        train, val, test: `runner.Split`s of arrays.
        loss: returns `model.compile`'s loss and metrics (no optimizer).
        evaluate: the final run's `runner.Job.evaluate` hook (test metrics, plots).
        builder_kwargs: fixed keyword arguments of the registry builder (e.g. window).
        classifier: whether val macro F1/recall are computed after each epoch.
        description: JSON-ready description of the data (for config.json).
    """

    family: str
    model: str
    train: runner.Split
    val: runner.Split
    test: runner.Split
    loss: Callable[[], dict]
    evaluate: Callable[[Any, Any], dict]
    builder_kwargs: dict = field(default_factory=dict)
    classifier: bool = False
    description: dict = field(default_factory=dict)

    def train_and_val(self) -> runner.Split:
        """The training and validation splits joined: the final model's training data."""
        return runner.Split(np.concatenate([self.train.x, self.val.x]), np.concatenate([self.train.y, self.val.y]))


def heartbeat_task(model: str, parts: dict, source: dict, seed: int, max_train_beats: int | None = None) -> Task:
    """The task of a heartbeat model on train/val/test `BeatSet`s (`heartbeat.data.load_parts`).

    Args:
        max_train_beats: keep a stratified subset of this many training beats, and of
            the validation beats in the same proportion (None: all of them).
    """
    from keras_models.classification import ClassifierEvaluation
    from keras_models.heartbeat import experiment, splits
    from keras_models.heartbeat.beatset import CLASS_NAMES

    described: dict = {"source": source}
    if max_train_beats is not None and max_train_beats < len(parts["train"]):
        share = max_train_beats / len(parts["train"])
        described["subset"] = {"max_train_beats": max_train_beats,
                               "from": {p: len(parts[p]) for p in ("train", "val")}}
        parts = {**parts, "train": splits.stratified_subset(parts["train"], max_train_beats, seed),
                 "val": splits.stratified_subset(parts["val"], max(5, round(share * len(parts["val"]))), seed)}
    view = experiment.MODEL_VIEWS[model]
    data, _, counts = experiment.prepare_splits(parts, "none", view, seed)
    described.update(view=view, counts=counts, class_names=list(CLASS_NAMES))
    return Task("heartbeat", model, data["train"], data["val"], data["test"], loss=experiment.loss_and_metrics,
                evaluate=ClassifierEvaluation(data["test"].x, data["test"].y, list(CLASS_NAMES)),
                classifier=True, description=described)


def nab_task(model: str, nab, batch_size: int = 1024) -> Task:
    """The task of an NAB autoencoder on a loaded series (`nab.flags.load_data`)."""
    from keras_models.nab.experiment import Detector

    windowed = nab.windowed
    parts = {part: runner.Split(windowed.windows(part), windowed.windows(part)) for part in ("train", "val", "test")}
    detector = Detector(nab.series, windowed, nab.labels, nab.threshold, batch_size)
    described = {"series": nab.series.name, "path": str(nab.series.path), "rows": int(len(windowed.scaled)),
                 "split_rows": windowed.bounds, "windows": {p: int(len(s.x)) for p, s in parts.items()},
                 "threshold": str(nab.threshold)}
    return Task("nab", model, parts["train"], parts["val"], parts["test"], loss=lambda: {"loss": "mse"},
                evaluate=detector.evaluate, builder_kwargs={"window": windowed.window}, description=described)
