"""AG News: headlines -> each one's class (World, Sports, Business, Sci/Tech) and the four
probabilities. The run's model holds its vectorizer, so it takes the raw text."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from keras_models.errors import UserError
from keras_models.predict.config import Config, Prediction
from keras_models.predict.finished import FinishedRun
from keras_models.text import EXPERIMENT

__all__ = ["EXPERIMENT", "predict"]


def read_lines(inputs: tuple[str, ...]) -> list[str]:
    """One text a non-empty line, from each file of `inputs` (``-``: standard input)."""
    texts = []
    for name in inputs:
        if name == "-":
            lines = sys.stdin.read().splitlines()
        else:
            path = Path(name)
            if not path.is_file():
                raise UserError(f"{path}: no such file; give a text file of one headline a line, or - for "
                                "standard input")
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError:
                raise UserError(f"{path}: not UTF-8 text; give a text file of one headline a line") from None
        texts += [line.strip() for line in lines if line.strip()]
    if not texts:
        raise UserError(f"{', '.join(inputs)}: no text; give one headline a line")
    return texts


def predict(run: FinishedRun, config: Config) -> Prediction:
    from keras_models.text.ag_news import CLASS_NAMES

    texts = read_lines(config.inputs)
    names = list(run.data.get("class_names") or CLASS_NAMES)
    probabilities = run.probabilities(np.array(texts, dtype=object), config.batch_size, logits=False)
    table = pd.DataFrame({"text": texts, "predicted": [names[i] for i in probabilities.argmax(axis=1)]})
    for i, name in enumerate(names):
        table[f"p_{name}"] = probabilities[:, i].round(6)
    return Prediction(table, {"texts": len(table),
                              "predicted": table["predicted"].value_counts().reindex(names, fill_value=0).to_dict()})
