"""Evaluation shared by every classifier: sklearn metrics, confusion matrix, per-class ROC.

Models output logits or probabilities of shape (batch, n_classes); labels are integers
0..n_classes-1 of shape (batch,). Every classifier run keeps its test predictions in
test_predictions.npz (`write_predictions`; read back by `keras_models.runfiles.read_predictions`),
from which the reproduction report bootstraps intervals (`keras_models.reports.bootstrap`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn import metrics as skm

from keras_models import outputs, plots
from keras_models.runfiles import PREDICTIONS


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, k) scores."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def as_probabilities(outputs: np.ndarray) -> np.ndarray:
    """(n, k) model outputs as probabilities: rows that are not distributions are logits."""
    outputs = np.asarray(outputs, dtype=np.float64)
    is_distribution = np.all(outputs >= 0) and np.allclose(outputs.sum(axis=1), 1.0, atol=1e-4)
    return outputs if is_distribution else softmax(outputs)


def classification_metrics(y_true: np.ndarray, probabilities: np.ndarray, class_names: list[str]) -> dict:
    """Accuracy, F1 (macro, micro, weighted), macro precision/recall, per-class report,
    confusion matrix and one-vs-rest ROC AUC per class.

    Args:
        y_true: (n,) integer labels.
        probabilities: (n, k) class probabilities.
    """
    labels = list(range(len(class_names)))
    y_pred = probabilities.argmax(axis=1)
    report = skm.classification_report(y_true, y_pred, labels=labels, target_names=class_names,
                                       output_dict=True, zero_division=0)
    result = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "f1_macro": float(skm.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "f1_micro": float(skm.f1_score(y_true, y_pred, labels=labels, average="micro", zero_division=0)),
        "f1_weighted": float(skm.f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)),
        "precision_macro": float(skm.precision_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "recall_macro": float(skm.recall_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {name: {k: float(v) for k, v in report[name].items()} for name in class_names},
        "confusion_matrix": skm.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    present = np.unique(y_true)
    result["roc_auc"] = {
        name: float(skm.roc_auc_score(y_true == k, probabilities[:, k])) if k in present and len(present) > 1 else None
        for k, name in enumerate(class_names)
    }
    return result


def plot_confusion_matrix(confusion: list[list[int]], class_names: list[str], path, title: str, normalize: bool = False):
    """Confusion matrix (rows: true class, columns: predicted), counts or row-normalised."""
    matrix = np.asarray(confusion, dtype=np.float64)
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = 2.2 + 0.9 * len(class_names)
    fig, ax = plots.figure(size + 1.5, size)
    skm.ConfusionMatrixDisplay(matrix, display_labels=class_names).plot(
        ax=ax, cmap="Blues", values_format=".2f" if normalize else ".0f", colorbar=True)
    ax.set_title(title)
    return plots.save(fig, path)


def plot_roc(y_true: np.ndarray, probabilities: np.ndarray, class_names: list[str], path, title: str):
    """One-vs-rest ROC curve per class, with its AUC."""
    fig, ax = plots.figure(6.5, 6)
    for k, name in enumerate(class_names):
        if 0 < (y_true == k).sum() < len(y_true):
            skm.RocCurveDisplay.from_predictions(y_true == k, probabilities[:, k], name=name, ax=ax)
    ax.plot([0, 1], [0, 1], linestyle=":", color="gray")
    ax.set_title(title)
    return plots.save(fig, path)


def write_predictions(folder, y_true: np.ndarray, probabilities: np.ndarray) -> Path:
    """Write ``folder/test_predictions.npz`` atomically (compressed): ``y_true`` and ``y_pred``
    (n,) int16 labels, ``probabilities`` (n, k) float16 (``y_pred`` is the argmax of the float64
    probabilities, kept so rounding to float16 cannot change a prediction)."""
    path = Path(folder) / PREDICTIONS
    with outputs.atomic(path, "the run folder") as tmp:
        with open(tmp, "wb") as stream:
            np.savez_compressed(stream, y_true=np.asarray(y_true, dtype=np.int16),
                                y_pred=np.asarray(probabilities).argmax(axis=1).astype(np.int16),
                                probabilities=np.asarray(probabilities, dtype=np.float16))
    return path


@dataclass
class ClassifierEvaluation:
    """A `runner.Job.evaluate` hook: test-split metrics, plots and test_predictions.npz for a classifier.

    Attributes:
        x_test: model inputs (or a batched tf.data.Dataset of (x, y) with `y_test` given).
        y_test: (n,) integer labels.
        class_names: names of the k classes.
        batch_size: prediction batch size for array inputs (None: Keras's 32).
    """

    x_test: object
    y_test: np.ndarray
    class_names: list[str]
    batch_size: int | None = None

    def __call__(self, model, run) -> dict:
        probabilities = as_probabilities(model.predict(self.x_test, batch_size=self.batch_size, verbose=0))
        result = classification_metrics(np.asarray(self.y_test), probabilities, self.class_names)
        write_predictions(run.path, np.asarray(self.y_test), probabilities)
        title = f"{model.name}: test"
        plot_confusion_matrix(result["confusion_matrix"], self.class_names, run.plot("confusion_matrix"),
                              f"{title} confusion matrix")
        plot_confusion_matrix(result["confusion_matrix"], self.class_names, run.plot("confusion_matrix_normalized"),
                              f"{title} confusion matrix (row-normalised)", normalize=True)
        plot_roc(np.asarray(self.y_test), probabilities, self.class_names, run.plot("roc"), f"{title} ROC per class")
        return {"test_metrics": result}
