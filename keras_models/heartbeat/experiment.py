"""The heartbeat experiment: beats -> split -> balance (train only) -> view -> `runner.Job`.

Models output logits (batch, 5) for the AAMI classes N, S, V, F, Q; the loss is
sparse categorical cross-entropy from logits, the optimiser Adam (SPEC §1).
"""

from __future__ import annotations

import argparse

import numpy as np

from keras_models import registry, runner
from keras_models.classification import ClassifierEvaluation
from keras_models.cli import args_to_config
from keras_models.heartbeat import balance, splits
from keras_models.heartbeat.beatset import CLASS_NAMES, BeatSet, class_counts

EXPERIMENT = "heartbeat"

#: The input view each heartbeat model reads: (16, 12, 1) images or (192, 1) sequences.
MODEL_VIEWS = {"cnn2d_resnet": "2d", "transformer2d_resnet": "2d", "attention_gru": "1d",
               "cnn1d_resnet": "1d", "gru1d": "1d"}


def counts(y: np.ndarray) -> dict[str, int]:
    return dict(zip(CLASS_NAMES, map(int, class_counts(y))))


def prepare_splits(parts: dict[str, BeatSet], method: str, view: str, seed: int):
    """Balance the training part only, then shape every part as `view`.

    The training split is scored after fitting on its beats before balancing
    (`train_eval`): the real beats, not copies or SMOTE's synthetic ones.

    Returns:
        ({part: runner.Split}, class_weight or None, {part: class counts}).
    """
    x_train, y_train, class_weight = balance.balance(parts["train"].x, parts["train"].y, method, seed=seed)
    arrays = {"train": (x_train, y_train), "val": (parts["val"].x, parts["val"].y),
              "test": (parts["test"].x, parts["test"].y)}
    described = {part: counts(y) for part, (_, y) in arrays.items()}
    if method != "none":
        arrays["train_eval"] = (parts["train"].x, parts["train"].y)
        described["train_before_balance"] = counts(parts["train"].y)
    data = {part: runner.Split(splits.to_view(x, view), np.asarray(y, dtype=np.int64))
            for part, (x, y) in arrays.items()}
    return data, class_weight, described


def loss_and_metrics() -> dict:
    """`model.compile` loss and metrics of every heartbeat model (logits, integer labels)."""
    import keras

    return {"loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True), "metrics": ["accuracy"]}


def make_job(args: argparse.Namespace, parts: dict[str, BeatSet], source: dict) -> runner.Job:
    """The runner job training `args.model` on `parts` with `args.balance`."""
    view = MODEL_VIEWS[args.model]
    data, class_weight, described = prepare_splits(parts, args.balance, view, args.seed)
    options = runner.RunOptions.from_args(args)
    config = {
        "args": args_to_config(args),
        "model": args.model,
        "data": {"source": source, "split": args.split, "view": view, "class_names": list(CLASS_NAMES),
                 "counts": described, "class_weight": class_weight},
    }

    def compile_kwargs() -> dict:
        import keras

        return {"optimizer": keras.optimizers.Adam(args.learning_rate), **loss_and_metrics()}

    return runner.Job(
        experiment=EXPERIMENT,
        model_name=args.model,
        config=config,
        build_model=lambda: registry.build(args.model),
        compile_kwargs=compile_kwargs,
        options=options,
        evaluate=ClassifierEvaluation(data["test"].x, data["test"].y, list(CLASS_NAMES), batch_size=options.eval_batch),
        class_weight=class_weight,
        tag=f"{args.model}-{args.balance}-{args.split}-s{args.seed}",
        **data,
    )
