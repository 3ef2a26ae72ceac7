"""Shared classifier evaluation on synthetic predictions."""

from __future__ import annotations

import numpy as np
import pytest

from keras_models import classification, runfiles
from keras_models.rundir import RunDir

NAMES = ["a", "b", "c"]


def test_metrics_match_sklearn_definitions():
    y = np.array([0, 0, 1, 1, 2, 2])
    probs = np.eye(3)[[0, 1, 1, 1, 2, 0]] * 0.8 + 0.2 / 3
    m = classification.classification_metrics(y, probs, NAMES)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert m["recall_macro"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    assert m["per_class"]["b"]["precision"] == pytest.approx(2 / 3)
    assert set(m["roc_auc"]) == set(NAMES)


def test_logits_become_probabilities():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 0.0, 0.0]])
    probs = classification.as_probabilities(logits)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert probs[0].argmax() == 0
    already = np.array([[0.2, 0.3, 0.5]])
    np.testing.assert_array_equal(classification.as_probabilities(already), already)


def test_missing_class_has_no_auc():
    y = np.array([0, 0, 1, 1])
    m = classification.classification_metrics(y, np.eye(3)[[0, 1, 1, 1]], NAMES)
    assert m["roc_auc"]["c"] is None


def test_hook_writes_plots(tmp_path):
    class Model:
        name = "fake"

        def predict(self, x, batch_size=None, verbose=0):
            return np.eye(3)[x]

    run = RunDir.create(tmp_path, "exp")
    y = np.array([0, 1, 2, 2, 1, 0])
    out = classification.ClassifierEvaluation(y, y, NAMES)(Model(), run)
    assert out["test_metrics"]["accuracy"] == 1.0
    assert sorted(p.name for p in (run.path / "plots").iterdir()) == [
        "confusion_matrix.png", "confusion_matrix_normalized.png", "roc.png"]
    kept = runfiles.read_predictions(run.path)  # the test predictions the report bootstraps
    np.testing.assert_array_equal(kept["y_true"], y)
    np.testing.assert_array_equal(kept["y_pred"], y)
    assert kept["probabilities"].dtype == np.float16 and kept["probabilities"].shape == (6, 3)
    assert not [p for p in run.path.iterdir() if p.name.startswith(".")], "written atomically, no temporary left"
