"""Heartbeat: beats -> each beat's AAMI class and the five class probabilities.

Inputs, one of:
- a CSV of beats in the Kaggle layout (no header, 187 values a row, with or without
  the label as a 188th column); the label, when there, is kept beside the prediction;
- MIT-BIH record ids (``100 101``): their beats are cut as the run's were (its
  ``beats`` variant), from ``--mitdb`` or wherever `experiments.heartbeat` finds the
  records, and keep their record, R-peak sample and annotated class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keras_models import finite
from keras_models.errors import UserError
from keras_models.heartbeat import EXPERIMENT
from keras_models.predict.config import Config, Prediction
from keras_models.predict.finished import FinishedRun

__all__ = ["EXPERIMENT", "predict"]


def read_inputs(config: Config, variant: str):
    """The `BeatSet` of the inputs: one beat CSV, or record ids."""
    from keras_models.heartbeat import beats
    from keras_models.heartbeat.files import read_beats_csv

    inputs = list(config.inputs)
    if all(name in beats.MITDB_RECORDS for name in inputs):
        return beats.build_beats(beats.mitdb_dir(config.mitdb), records=inputs, variant=variant)
    if len(inputs) == 1 and inputs[0] != "-":
        return read_beats_csv(inputs[0], labelled=None)
    unknown = [name for name in inputs if name not in beats.MITDB_RECORDS]
    raise UserError(f"heartbeat input {unknown[0]!r}: give one CSV of beats (Kaggle layout) or MIT-BIH record ids "
                    f"({beats.MITDB_RECORDS[0]}..{beats.MITDB_RECORDS[-1]})")


def predict(run: FinishedRun, config: Config) -> Prediction:
    from keras_models.heartbeat.beatset import CLASS_NAMES
    from keras_models.heartbeat.splits import to_view

    beats = read_inputs(config, run.config.get("beats", "annotated"))
    finite.check(beats.x, "the beats", run.config.get("precision", "float32"))
    names = list(run.data.get("class_names") or CLASS_NAMES)
    probabilities = run.probabilities(to_view(beats.x, run.data.get("view", "1d")), config.batch_size, logits=True)
    table = pd.DataFrame({"beat": np.arange(len(beats.x))})
    if beats.record is not None:
        table["record"], table["r_peak_sample"] = beats.record, beats.sample
    labelled = (beats.y >= 0).all()
    if labelled:
        table["label"] = [names[i] for i in beats.y]
    table["predicted"] = [names[i] for i in probabilities.argmax(axis=1)]
    for i, name in enumerate(names):
        table[f"p_{name}"] = probabilities[:, i].round(6)
    summary = {"beats": len(table), "predicted": table["predicted"].value_counts().reindex(names, fill_value=0).to_dict()}
    if labelled:
        summary["accuracy against the given labels"] = round(float((table["label"] == table["predicted"]).mean()), 4)
    return Prediction(table, summary)
