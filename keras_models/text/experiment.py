"""The AG News transformer experiment: one `runner.Job` per variant, its evaluation and
its row of the variants table.

Inputs are raw strings of shape (batch,), labels integers 0..3 of shape (batch,); the
model outputs class probabilities (batch, 4) and trains with Adam and sparse
categorical cross-entropy. Its vectorizer is adapted on the training texts only.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from keras_models import registry, runner
from keras_models.classification import ClassifierEvaluation
from keras_models.cli import args_to_config
from keras_models.text.ag_news import CLASS_NAMES, Splits
from keras_models.text.variants import Variant

EXPERIMENT = "ag_news_transformer"


def model_overrides(args: argparse.Namespace) -> dict:
    """The builder arguments the flags set (unset flags keep each variant's defaults)."""
    given = {"vocab_size": args.vocab_size, "sequence_length": args.sequence_length,
             "ngrams": None if args.ngrams in (None, 1) else args.ngrams}
    return {k: v for k, v in given.items() if v is not None}


@dataclass
class Evaluation:
    """Test metrics and plots (`ClassifierEvaluation`), the protocol and the vectorizer."""

    classifier: ClassifierEvaluation
    data: dict

    def __call__(self, model, run) -> dict:
        from keras_models.models.ag_news import VECTORIZER

        vectorizer = model.get_layer(VECTORIZER)
        return {
            **self.classifier(model, run),
            "protocol": self.data["protocol"],
            "protocol_note": self.data["note"],
            "vectorizer": {"vocabulary_size": int(vectorizer.vocabulary_size()),
                           "max_tokens": vectorizer.get_config()["max_tokens"],
                           "sequence_length": vectorizer.get_config()["output_sequence_length"],
                           "ngrams": vectorizer.get_config()["ngrams"]},
        }


def make_job(args: argparse.Namespace, variant: Variant, splits: Splits, patience: int,
             run_id: str | None) -> runner.Job:
    """The runner job that trains `variant` on `splits`."""
    from keras_models.models.ag_news import adapt_vectorizer

    overrides = model_overrides(args)
    learning_rate = args.learning_rate or variant.learning_rate
    config = {
        "args": {**args_to_config(args), "variant": variant.name, "run_id": run_id, "patience": patience,
                 "learning_rate": learning_rate},
        "variant": {"name": variant.name, "model": variant.model, "description": variant.description,
                    "early_stopping": variant.early_stopping, "model_overrides": overrides},
        "data": splits.describe(),
    }

    def build_model():
        model = registry.build(variant.model, **overrides)
        adapt_vectorizer(model, splits.train.texts)
        return model

    def compile_kwargs() -> dict:
        import keras

        return {"optimizer": keras.optimizers.Adam(learning_rate),
                "loss": keras.losses.SparseCategoricalCrossentropy(), "metrics": ["accuracy"]}

    parts = {name: runner.Split(s.texts, s.labels) for name, s in splits.parts().items()}
    return runner.Job(
        experiment=EXPERIMENT,
        model_name=variant.model,
        config=config,
        build_model=build_model,
        compile_kwargs=compile_kwargs,
        options=runner.RunOptions.from_args(args, run_id=run_id, patience=patience),
        evaluate=Evaluation(ClassifierEvaluation(splits.test.texts, splits.test.labels, list(CLASS_NAMES)),
                            splits.describe()),
        tag=f"{variant.name}-{splits.protocol}-s{args.seed}",
        **parts,
    )


def comparison_row(variant: Variant, metrics: dict, protocol: str) -> dict:
    """One row of the variants table: accuracy, precision, recall and F1 in %, losses, epochs, time.

    Under the full protocol the report's test accuracy and loss stand beside the measured ones.
    """
    test = metrics["test_metrics"]
    row = {
        "variant": variant.name,
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
    if protocol == "full":
        reported = variant.reported or {}
        row.update(report_test_acc=reported.get("test_acc"), report_test_loss=reported.get("test_loss"))
    row.update(fit_s=metrics["fit_seconds_this_session"], wall_s=metrics["wall_seconds_this_session"],
               run=metrics["run_id"])
    return row
