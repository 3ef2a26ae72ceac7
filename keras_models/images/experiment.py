"""The image-classification experiment: split folder -> batches -> `runner.Job`, and the
comparison table across models.

Every model reads raw pixels ``(batch, size, size, 3)`` (0-255) and returns logits
``(batch, num_classes)``; labels are one-hot, the loss categorical cross-entropy on
logits (with the recipe's label smoothing); the test metrics and plots come from
`ClassifierEvaluation` on the unshuffled, unaugmented test batches.
"""

from __future__ import annotations

import argparse
import math

from keras_models import registry, runner
from keras_models.classification import ClassifierEvaluation
from keras_models.cli import args_to_config
from keras_models.errors import UserError
from keras_models.images.data import ImageSplits, augmentation_layers
from keras_models.images.recipe import Recipe

EXPERIMENT = "image_classification"
#: Test accuracy reported for each model (report 003, Bonus; SPEC §4).
REPORTED_TEST_ACCURACY = {"vgg": 0.9183, "resnet": 0.9014, "vit": 0.8115, "efficientnet_b0": 0.8308}


def make_job(args: argparse.Namespace, model: str, splits: ImageSplits, recipe: Recipe, model_kwargs: dict,
             data_config: dict, run_id: str | None) -> runner.Job:
    """The runner job that trains `model` with `recipe` on `splits`."""
    size = args.image_size
    batch = recipe.batch_size
    steps_per_epoch = math.ceil(splits.size("train") / batch)
    kwargs = {"input_shape": (size, size, 3), "num_classes": len(splits.class_names), **model_kwargs}
    if model == "efficientnet_b0" and args.weights is not None:
        kwargs["weights"] = str(args.weights)
    config = {
        "args": {**args_to_config(args), "model": model, "run_id": run_id},
        "model": model,
        "model_kwargs": kwargs,
        "recipe": recipe.as_dict(),
        "data": data_config,
    }

    def build_model():
        try:
            return registry.get(model).build(**kwargs)
        except (TypeError, ValueError) as err:
            raise UserError(f"cannot build {model} with {model_kwargs or 'its defaults'}: {err}") from None

    def compile_kwargs() -> dict:
        return {"optimizer": recipe.make_optimizer(steps_per_epoch), "loss": recipe.make_loss(),
                "metrics": ["accuracy"]}

    test = splits.batches("test", batch)
    return runner.Job(
        experiment=EXPERIMENT,
        model_name=model,
        config=config,
        build_model=build_model,
        compile_kwargs=compile_kwargs,
        train=runner.Split(splits.batches("train", batch, shuffle_seed=args.seed,
                                          augment=augmentation_layers(recipe.augment, args.seed))),
        train_eval=runner.Split(splits.batches("train", batch)),
        val=runner.Split(splits.batches("val", batch)),
        test=runner.Split(test),
        options=runner.RunOptions.from_args(args, run_id=run_id, epochs=recipe.epochs, batch_size=batch),
        evaluate=ClassifierEvaluation(test, splits.labels["test"], list(splits.class_names)),
        tag=f"{model}-{recipe.name}-s{args.seed}",
    )


def comparison_row(model: str, recipe: Recipe, metrics: dict) -> dict:
    """One row of the models table (accuracies and macro scores on the test split)."""
    test = metrics["test_metrics"]
    epochs = metrics["epochs_run"]
    fit_seconds = metrics["fit_seconds_this_session"]
    return {
        "model": model,
        "recipe": recipe.name,
        "params": metrics["params"]["trainable"],
        "epochs": epochs,
        "train_acc": metrics["train"]["accuracy"],
        "val_acc": metrics["val"]["accuracy"],
        "test_acc": test["accuracy"],
        "precision_macro": test["precision_macro"],
        "recall_macro": test["recall_macro"],
        "f1_macro": test["f1_macro"],
        "reported_test_acc": REPORTED_TEST_ACCURACY.get(model),
        "fit_s": fit_seconds,
        "s_per_epoch": round(fit_seconds / max(epochs, 1), 2),
        "wall_s": metrics["wall_seconds_this_session"],
        "run": metrics["run_id"],
    }
