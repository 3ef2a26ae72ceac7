"""Training recipes for the image models: epochs, batch, optimiser, schedule, loss, augmentation.

``basic``
    The report's setting for its CNNs: Adam at a constant 1e-3, plain cross-entropy,
    no augmentation, 10 epochs, batch 32.
``vit``
    The known recipe for Vision Transformers trained from scratch on small images
    (Lee et al. 2021; omihub777/ViT-CIFAR, SPEC §4): augmentation (random flip,
    translation, rotation, zoom), label smoothing 0.1, AdamW (peak learning rate 1e-3,
    weight decay 0.05, none on biases, norms, position embeddings and attention
    temperatures), a linear warm-up over 5 epochs from 0 to the peak, then cosine decay
    to 0 at the last step; 100 epochs, batch 128.

Every model has a default recipe (`MODEL_RECIPES`; ``basic`` when not listed);
``--recipe`` picks another, and each field has a flag that overrides it. Nothing here
imports Keras at module level.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, replace

from keras_models import cli

OPTIMIZERS = ("adam", "adamw")
SCHEDULES = ("constant", "cosine")
AUGMENTATIONS = ("none", "basic")
NO_WEIGHT_DECAY = ["bias", "gamma", "beta", "position_embedding", "temperature"]  # variable names


@dataclass(frozen=True)
class Recipe:
    """How to train an image model.

    Attributes:
        schedule: "constant", or "cosine": linear warm-up over `warmup_epochs` (at most
            half the run) from 0 to `learning_rate`, then cosine decay to 0.
        augment: "none", or "basic" (see `keras_models.images.data.augmentation_layers`).
    """

    name: str
    epochs: int
    batch_size: int
    optimizer: str
    learning_rate: float
    weight_decay: float
    schedule: str
    warmup_epochs: int
    label_smoothing: float
    augment: str

    def as_dict(self) -> dict:
        return asdict(self)

    def schedule_steps(self, steps_per_epoch: int) -> tuple[int, int]:
        """(warm-up steps, total steps) of the run."""
        total = self.epochs * steps_per_epoch
        return min(self.warmup_epochs * steps_per_epoch, total // 2), total

    def learning_rate_schedule(self, steps_per_epoch: int):
        """The constant learning rate, or a Keras schedule of the optimiser step."""
        import keras

        if self.schedule == "constant":
            return self.learning_rate
        warmup, total = self.schedule_steps(steps_per_epoch)
        return keras.optimizers.schedules.CosineDecay(
            0.0 if warmup else self.learning_rate, decay_steps=max(total - warmup, 1),
            warmup_target=self.learning_rate if warmup else None, warmup_steps=warmup)

    def make_optimizer(self, steps_per_epoch: int):
        """A fresh Keras optimiser with this recipe's learning rate (schedule)."""
        import keras

        learning_rate = self.learning_rate_schedule(steps_per_epoch)
        if self.optimizer == "adam":
            return keras.optimizers.Adam(learning_rate)
        optimizer = keras.optimizers.AdamW(learning_rate, weight_decay=self.weight_decay)
        optimizer.exclude_from_weight_decay(var_names=NO_WEIGHT_DECAY)
        return optimizer

    def make_loss(self):
        """Cross-entropy on logits and one-hot labels, with this recipe's label smoothing."""
        import keras

        return keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=self.label_smoothing)


RECIPES = {
    "basic": Recipe("basic", epochs=10, batch_size=32, optimizer="adam", learning_rate=1e-3, weight_decay=0.0,
                    schedule="constant", warmup_epochs=0, label_smoothing=0.0, augment="none"),
    "vit": Recipe("vit", epochs=100, batch_size=128, optimizer="adamw", learning_rate=1e-3, weight_decay=0.05,
                  schedule="cosine", warmup_epochs=5, label_smoothing=0.1, augment="basic"),
}
MODEL_RECIPES = {"vit": "vit"}

#: recipe field -> the flag that overrides it (epochs and batch size: the run flags)
FLAGS = {"optimizer": "--optimizer", "learning_rate": "--learning-rate", "weight_decay": "--weight-decay",
         "schedule": "--schedule", "warmup_epochs": "--warmup-epochs", "label_smoothing": "--label-smoothing",
         "augment": "--augment", "epochs": "--epochs", "batch_size": "--batch-size"}


smoothing = cli.float_in(0.0, 1.0, "a label-smoothing factor in [0, 1)")


def add_recipe_flags(parser: argparse.ArgumentParser) -> None:
    """--recipe and one flag per recipe field (epochs and batch size come from the run flags)."""
    group = parser.add_argument_group("training recipe (defaults: the model's recipe)")
    group.add_argument("--recipe", choices=sorted(RECIPES), default=None,
                       help="basic or vit (default: vit for vit, basic for the others)")
    group.add_argument("--optimizer", choices=OPTIMIZERS, default=None, help="adam or adamw")
    group.add_argument("--learning-rate", type=cli.positive_float, default=None, help="(peak) learning rate")
    group.add_argument("--weight-decay", type=cli.non_negative_float, default=None, help="AdamW weight decay")
    group.add_argument("--schedule", choices=SCHEDULES, default=None, help="constant, or cosine with warm-up")
    group.add_argument("--warmup-epochs", type=cli.non_negative_int, default=None, help="warm-up epochs (cosine)")
    group.add_argument("--label-smoothing", type=smoothing, default=None, help="label smoothing in [0, 1)")
    group.add_argument("--augment", choices=AUGMENTATIONS, default=None, help="training augmentation")


def resolve(args: argparse.Namespace, model: str) -> Recipe:
    """The model's recipe (or --recipe's) with every flag that was given applied."""
    base = RECIPES[args.recipe or MODEL_RECIPES.get(model, "basic")]
    given = {field: getattr(args, field) for field in FLAGS if getattr(args, field, None) is not None}
    return replace(base, **given)
