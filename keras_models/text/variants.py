"""The AG News transformer's training variants: the report's four and a fifth, `best`.

Each variant names its registered model (`keras_models.models.ag_news`) and whether it
trains with early stopping (on the validation loss, best weights restored; the patience
rules are `keras_models.text.config.Config.validate`). The report's numbers (Part IV
tables, full protocol) come with the first four.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PATIENCE = 2


@dataclass(frozen=True)
class Variant:
    """A training variant.

    Attributes:
        name: the `--variant` value.
        model: registry name of its model.
        early_stopping: train with EarlyStopping (patience `Config.patience`, default `DEFAULT_PATIENCE`).
        description: one line for tables and help.
        reported: the report's numbers, in % for accuracy/precision/recall/F1 (None for `best`).
        learning_rate: Adam's learning rate unless `Config.learning_rate` is given (Keras' default 1e-3).
    """

    name: str
    model: str
    early_stopping: bool
    description: str
    reported: dict | None = None
    learning_rate: float = 1e-3


def _reported(train_acc, train_loss, val_acc, val_loss, test_acc, test_loss, precision, recall, f1) -> dict:
    return dict(train_acc=train_acc, train_loss=train_loss, val_acc=val_acc, val_loss=val_loss, test_acc=test_acc,
                test_loss=test_loss, precision=precision, recall=recall, f1=f1)


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in [
        Variant("base", "ag_news_base", False, "no dropout, no early stopping",
                _reported(99.36, 0.017, 88.97, 0.733, 89.20, 0.709, 89.13, 89.20, 89.15)),
        Variant("dropout", "ag_news_dropout", False, "dropout 0.1 (block and head)",
                _reported(98.79, 0.033, 89.84, 0.661, 90.11, 0.668, 90.32, 90.11, 90.08)),
        Variant("dropout-es", "ag_news_dropout", True, "dropout 0.1 + early stopping",
                _reported(96.90, 0.089, 90.29, 0.356, 91.76, 0.263, 91.79, 91.76, 91.76)),
        Variant("dropout-es-l2", "ag_news_dropout_l2", True, "dropout 0.1 + early stopping + L2 1e-4",
                _reported(97.42, 0.089, 90.39, 0.458, 91.13, 0.285, 91.19, 91.13, 91.14)),
        Variant("best", "ag_news_best", True,
                "padding masked, length 128, dropout 0.2, Adam 5e-4 + early stopping", learning_rate=5e-4),
    ]
}

