"""Training recipes for the image models: epochs, batch, optimizer and schedule, loss, augmentation.

``basic``
    The report's setting for its CNNs: Adam at a constant 1e-3, plain cross-entropy,
    no augmentation, 10 epochs, batch 32.
``vit``
    The known recipe for Vision Transformers trained from scratch on small images
    (Lee et al. 2021; omihub777/ViT-CIFAR): augmentation (random flip,
    translation, rotation, zoom), label smoothing 0.1, AdamW (peak learning rate 1e-3,
    weight decay 0.05, none on biases, norms, position embeddings and attention
    temperatures), a linear warm-up over 5 epochs from 0 to the peak, then cosine decay
    to 0 at the last step; 100 epochs, batch 128.

Every model names its default recipe in the registry (`ModelSpec.recipe`); the
configuration (`keras_models.images.Config`) picks another and overrides its fields.
The optimizer and schedule are an `OptimizerConfig`, built by `keras_models.optimizers`.
Nothing here imports Keras at module level.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_models import checks
from keras_models.config import Config, option
from keras_models.optimizers import OptimizerConfig

AUGMENTATIONS = ("none", "basic")


def optimizer_config(value) -> OptimizerConfig:
    """An `OptimizerConfig`, or the dict of its fields (a `keras_models.checks` check)."""
    if isinstance(value, OptimizerConfig):
        return value
    if isinstance(value, dict):
        try:
            return OptimizerConfig.from_dict(value, source="optimizer")
        except Exception as err:  # UserError: unknown field or bad value
            raise checks.BadValue(str(err)) from None
    raise checks.BadValue(f"expected an OptimizerConfig or a dict of its fields, got {value!r}")


@dataclass(frozen=True)
class Recipe(Config):
    """How to train an image model.

    Attributes:
        optimizer: optimizer and learning-rate schedule (`keras_models.optimizers`).
        label_smoothing: of the categorical cross-entropy.
        augment: "none", or "basic" (see `keras_models.images.data.augmentation_layers`).
    """

    name: str = option("basic", checks.text, "recipe name")
    epochs: int = option(10, checks.positive_int, "training epochs")
    batch_size: int = option(32, checks.positive_int, "batch size")
    optimizer: OptimizerConfig = option(check=optimizer_config, help="optimizer and schedule",
                                        factory=OptimizerConfig)
    label_smoothing: float = option(0.0, checks.rate, "label smoothing of the cross-entropy")
    augment: str = option("none", checks.one_of(*AUGMENTATIONS), "training augmentation")

    def loss(self) -> dict:
        """`model.compile`'s loss and metrics: cross-entropy on logits ``(batch, k)`` and
        one-hot labels ``(batch, k)``, with this recipe's label smoothing; accuracy."""
        import keras

        return {"loss": keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=self.label_smoothing),
                "metrics": ["accuracy"]}


RECIPES = {
    "basic": Recipe("basic", epochs=10, batch_size=32, label_smoothing=0.0, augment="none",
                    optimizer=OptimizerConfig("adam", learning_rate=1e-3, schedule="constant", weight_decay=0.0,
                                              warmup_epochs=0)),
    "vit": Recipe("vit", epochs=100, batch_size=128, label_smoothing=0.1, augment="basic",
                  optimizer=OptimizerConfig("adamw", learning_rate=1e-3, schedule="cosine", weight_decay=0.05,
                                            warmup_epochs=5)),
}
