"""The image-classification experiment: one `runner.Job` per model, and the comparison row.

Every model reads raw pixels ``(batch, size, size, 3)`` (float32, 0-255) and returns
logits ``(batch, num_classes)``; labels are one-hot ``(batch, num_classes)``, the loss
categorical cross-entropy on logits with the recipe's label smoothing; the test metrics
and plots come from `ClassifierEvaluation` on the unshuffled, unaugmented test batches.
"""

from __future__ import annotations

from pathlib import Path

from keras_models import registry, runner
from keras_models.classification import ClassifierEvaluation
from keras_models.images import data
from keras_models.images.loaded import EXPERIMENT, ImageData
from keras_models.images.config import Config


def splits_of(loaded: ImageData, image_size: int) -> data.ImageSplits:
    """The cached tf.data parts of `loaded` with images resized to `image_size`; built
    once per size and kept on `loaded`, so every job on it decodes the folder once."""
    if image_size not in loaded.cache:
        loaded.cache[image_size] = data.load(loaded.folder, loaded.parts, (image_size, image_size))
    return loaded.cache[image_size]


def make_job(config: Config, loaded: ImageData, resume: Path | None = None) -> runner.Job:
    """The runner job that trains `config.model` with its resolved recipe on `loaded`.

    Batches come from `config.batch_size` (default: the recipe's); validation, test and
    the training-split evaluation use `config.eval_batch`.
    """
    config = config.resolved()
    recipe = config.effective_recipe()
    splits = splits_of(loaded, config.image_size)
    class_names = list(splits.class_names)
    test = splits.batches("test", config.eval_batch)
    kwargs = {"input_shape": (config.image_size, config.image_size, 3), "num_classes": len(class_names),
              **config.model_args}
    if config.weights is not None:
        kwargs["weights"] = str(config.weights)
    return runner.Job(
        experiment=EXPERIMENT,
        model=config.model,
        config=config,
        train=runner.Split(splits.batches("train", config.batch_size, shuffle_seed=config.seed,
                                          augment=data.augmentation_layers(recipe.augment, config.seed))),
        train_eval=runner.Split(splits.batches("train", config.eval_batch)),
        val=runner.Split(splits.batches("val", config.eval_batch)),
        test=runner.Split(test),
        loss=recipe.loss,
        optimizer=recipe.optimizer,
        model_kwargs=kwargs,
        evaluate=ClassifierEvaluation(test, splits.labels["test"], class_names),
        classifier=True,
        data=loaded.describe(),
        data_files=loaded.files,
        tag=f"{config.model}-{recipe.name}-s{config.seed}",
        resume=resume,
        extra_metrics={"recipe": recipe.name},
    )


def comparison_row(model: str, result: runner.Result) -> dict:
    """One row of the models table (accuracies and macro scores on the test split, and
    the test accuracy the report gives for the model)."""
    metrics = result.metrics
    test = metrics["test_metrics"]
    epochs = metrics["epochs_run"]
    fit_seconds = metrics["fit_seconds_this_session"]
    return {
        "model": model,
        "recipe": metrics["recipe"],
        "params": metrics["params"]["trainable"],
        "epochs": epochs,
        "train_acc": metrics.get("train", {}).get("accuracy"),
        "val_acc": metrics["val"]["accuracy"],
        "test_acc": test["accuracy"],
        "precision_macro": test["precision_macro"],
        "recall_macro": test["recall_macro"],
        "f1_macro": test["f1_macro"],
        "reported_test_acc": registry.get(model).documented.get("test_accuracy"),
        "fit_s": fit_seconds,
        "s_per_epoch": round(fit_seconds / max(epochs, 1), 2),
        "wall_s": metrics["wall_seconds_this_session"],
        "run": metrics["run_id"],
    }
