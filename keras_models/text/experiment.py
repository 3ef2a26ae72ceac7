"""The AG News transformer experiment: one `runner.Job` per variant, its evaluation and
its row of the variants table.

Inputs are raw strings of shape (batch,), labels integers 0..3 of shape (batch,); the
model outputs class probabilities (batch, 4) and trains with Adam and sparse
categorical cross-entropy. Its vectorizer is adapted on the training texts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_models import runner
from keras_models.classification import ClassifierEvaluation
from keras_models.optimizers import OptimizerConfig
from keras_models.text.ag_news import CLASS_NAMES
from keras_models.text.loaded import EXPERIMENT, AgNewsData
from keras_models.text.config import Config
from keras_models.text.variants import VARIANTS


def loss() -> dict:
    """Sparse categorical cross-entropy on the (batch, 4) probabilities, and accuracy."""
    return {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}


@dataclass
class AdaptVectorizer:
    """A `Job.prepare_model` hook: build the model's vocabulary from the training texts (n,)."""

    texts: np.ndarray

    def __call__(self, model) -> None:
        from keras_models.models.ag_news import adapt_vectorizer

        adapt_vectorizer(model, self.texts)


@dataclass
class Evaluation:
    """Test metrics and plots (`ClassifierEvaluation`), the protocol and the vectorizer."""

    classifier: ClassifierEvaluation
    data: dict

    def __call__(self, model, run) -> dict:
        from keras_models.models.ag_news import VECTORIZER

        vectorizer = model.get_layer(VECTORIZER)
        settings = vectorizer.get_config()
        return {
            **self.classifier(model, run),
            "protocol": self.data["protocol"],
            "protocol_note": self.data["note"],
            "vectorizer": {"vocabulary_size": int(vectorizer.vocabulary_size()),
                           "max_tokens": settings["max_tokens"],
                           "sequence_length": settings["output_sequence_length"],
                           "ngrams": settings["ngrams"]},
        }


def make_job(config: Config, loaded: AgNewsData, resume: Path | None = None) -> runner.Job:
    """The runner job that trains `config.variant` on the loaded splits.

    Everything training-related comes from `config` or the job (the tuner overrides
    `job.optimizer` and `job.model_kwargs`): the variant's model with `config.model_kwargs()`,
    Adam at the effective learning rate, the effective patience in the job's config.
    """
    splits, variant = loaded.splits, config.spec
    data = splits.describe()
    parts = {name: runner.Split(s.texts, s.labels) for name, s in splits.parts().items()}
    return runner.Job(
        experiment=EXPERIMENT,
        model=variant.model,
        config=config.resolved(),
        loss=loss,
        optimizer=OptimizerConfig(optimizer="adam", learning_rate=config.effective_learning_rate()),
        model_kwargs=config.model_kwargs(),
        prepare_model=AdaptVectorizer(splits.train.texts),
        evaluate=Evaluation(ClassifierEvaluation(splits.test.texts, splits.test.labels, list(CLASS_NAMES),
                                                 batch_size=config.eval_batch), data),
        classifier=True,
        data=data,
        data_files=loaded.files,
        extra_metrics={"variant": {"name": variant.name, "description": variant.description,
                                   "early_stopping": variant.early_stopping}},
        tag=f"{variant.name}-{splits.protocol}-s{config.seed}",
        resume=resume,
        **parts,
    )


def comparison_row(name: str, result: runner.Result) -> dict:
    """One row of the variants table: accuracy, precision, recall and F1 in %, losses, epochs, time.

    Under the full protocol the report's test accuracy and loss stand beside the measured ones.
    """
    metrics, variant = result.metrics, VARIANTS[name]
    test = metrics["test_metrics"]
    row = {
        "variant": name,
        "params": metrics["params"]["trainable"],
        "epochs": metrics["epochs_run"],
        **{key: value for part in ("train", "val", "test")
           for key, value in ((f"{part}_acc", round(100 * metrics[part]["accuracy"], 2)),
                              (f"{part}_loss", float(f"{metrics[part]['loss']:.3g}")))},
        "precision": round(100 * test["precision_macro"], 2),
        "recall": round(100 * test["recall_macro"], 2),
        "f1": round(100 * test["f1_macro"], 2),
        "auc_min": min((round(a, 4) for a in test["roc_auc"].values() if a is not None), default=None),
    }
    if metrics["protocol"] == "full":
        reported = variant.reported or {}
        row.update(report_test_acc=reported.get("test_acc"), report_test_loss=reported.get("test_loss"))
    row.update(fit_s=metrics["fit_seconds_this_session"], wall_s=metrics["wall_seconds_this_session"],
               run=metrics["run_id"])
    return row
