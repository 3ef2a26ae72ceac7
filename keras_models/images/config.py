"""The image-classification experiment's configuration (report 003, Bonus)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_models import checks, registry
from keras_models.config import TrainConfig, batch_size_option, epochs_option, option
from keras_models.errors import UserError
from keras_models.images.recipe import AUGMENTATIONS, RECIPES, Recipe
from keras_models.optimizers import OPTIMIZERS, SCHEDULES

FAMILY = "images"
#: the one model that takes a local weights file (`weights`)
WEIGHTS_MODEL = "efficientnet_b0"
#: builder arguments that `model_args` may not set, and what sets them
SET_ELSEWHERE = {"input_shape": "--image-size", "num_classes": "the class sub-folders", "weights": "--weights"}
#: the recipe's optimizer fields (those of `keras_models.optimizers.OptimizerConfig`)
OPTIMIZER_FIELDS = ("optimizer", "learning_rate", "schedule", "weight_decay", "warmup_epochs")
#: the fields that pick or override the training recipe (None: the recipe's value)
RECIPE_FIELDS = ("recipe", *OPTIMIZER_FIELDS, "label_smoothing", "augment")


def image_model(value) -> str:
    """A registered image model's name (a `keras_models.checks` check; no TensorFlow)."""
    known = registry.names(FAMILY)
    if value not in known:
        raise checks.BadValue(f"unknown value {value!r}; choose one of: {', '.join(known)}")
    return value


def builder_args(value) -> dict:
    """A dict of builder arguments {name: value}; each is checked by `Config.validate`."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and k.isidentifier() for k in value):
        raise checks.BadValue(f"expected a dict of builder arguments {{name: value}}, got {value!r}")
    return dict(value)


def _recipe_option(check: checks.Check, help: str):
    return option(None, checks.optional(check), f"{help} (default: the recipe's)")


@dataclass(frozen=True)
class Config(TrainConfig):
    """One image model trained on a folder of class sub-folders.

    Images ``(batch, image_size, image_size, 3)``, raw 0-255 pixels, are split once per
    folder (stratified, seeded by `split_seed`, whatever the model or `seed`); the model
    returns logits ``(batch, num_classes)``. The training recipe is `recipe` (default:
    the model's, `ModelSpec.recipe`) with every recipe field that is not None
    overriding it; `resolved()` fills them all in.
    """

    epochs: int | None = epochs_option(None)
    batch_size: int | None = batch_size_option(None)
    model: str = option("vit", image_model, "image model", cli=False)
    data: Path | None = option(None, checks.optional(checks.path),
                               "folder of class sub-folders of images (default: $KERAS_MODELS_DATA/images/"
                               "cnn_dataset, else data/images/cnn_dataset)")
    image_size: int = option(64, checks.positive_int, "image side in pixels (images are resized to it)")
    split: tuple = option((0.7, 0.15, 0.15), checks.fractions(), "stratified TRAIN,VAL,TEST fractions",
                          metavar="TRAIN,VAL,TEST")
    split_seed: int = option(42, checks.seed, "seed of the split, shared by every model whatever --seed is")
    max_images_per_class: int | None = option(
        None, checks.optional(checks.integer(3)), "use a stratified subset of the split: at most this many images "
        "per class")
    weights: Path | None = option(None, checks.optional(checks.path),
                                  f"local weights file for {WEIGHTS_MODEL}'s backbone (e.g. efficientnetb0_notop.h5)")
    model_args: dict = option(check=builder_args, help="builder arguments over the registered defaults",
                              cli=False, factory=dict)
    recipe: str | None = option(None, checks.optional(checks.one_of(*RECIPES)),
                                f"training recipe: {' or '.join(RECIPES)} (default: the model's)")
    optimizer: str | None = _recipe_option(checks.one_of(*OPTIMIZERS), f"optimizer: {', '.join(OPTIMIZERS)}")
    learning_rate: float | None = _recipe_option(checks.positive_number, "(peak) learning rate")
    schedule: str | None = _recipe_option(checks.one_of(*SCHEDULES), f"learning-rate schedule: {', '.join(SCHEDULES)}")
    weight_decay: float | None = _recipe_option(checks.non_negative_number, "AdamW weight decay")
    warmup_epochs: int | None = _recipe_option(checks.non_negative_int, "linear warm-up epochs of the cosine schedule")
    label_smoothing: float | None = _recipe_option(checks.rate, "label smoothing in [0, 1)")
    augment: str | None = _recipe_option(checks.one_of(*AUGMENTATIONS), f"training augmentation: "
                                         f"{', '.join(AUGMENTATIONS)}")

    def validate(self) -> None:
        """`weights` only for efficientnet_b0; `model_args` checked against the builder
        (names, types, ranges, rules such as a ViT patch dividing the image) and normalised."""
        super().validate()
        if self.weights is not None and self.model != WEIGHTS_MODEL:
            raise UserError(f"--weights is for {WEIGHTS_MODEL} only (the other models train from scratch); "
                            f"drop it or pick --model {WEIGHTS_MODEL}")
        clash = sorted(set(self.model_args) & set(SET_ELSEWHERE))
        if clash:
            raise UserError(f"--model-arg {clash[0]}=...: {clash[0]} is set by {SET_ELSEWHERE[clash[0]]}")
        shape = (self.image_size, self.image_size, 3)
        try:
            checked = registry.get(self.model, FAMILY).check_kwargs({**self.model_args, "input_shape": shape})
        except UserError as err:
            raise UserError(f"bad model_args (--model-arg): {err}") from None
        checked.pop("input_shape")
        object.__setattr__(self, "model_args", checked)

    def effective_recipe(self) -> Recipe:
        """The recipe this configuration trains with: `recipe` (default: the model's) with
        the fields this configuration sets (not None) applied."""
        base = RECIPES[self.recipe or registry.get(self.model, FAMILY).recipe or "basic"]
        optimizer = base.optimizer.replace(**self._given(OPTIMIZER_FIELDS))
        return base.replace(optimizer=optimizer,
                            **self._given(("epochs", "batch_size", "label_smoothing", "augment")))

    def resolved(self) -> Config:
        """This configuration with every recipe field (and epochs, batch size) filled in
        from `effective_recipe()`: what a run records and `--resume` reloads."""
        recipe = self.effective_recipe()
        return self.replace(recipe=recipe.name, epochs=recipe.epochs, batch_size=recipe.batch_size,
                            label_smoothing=recipe.label_smoothing, augment=recipe.augment,
                            **{k: v for k, v in recipe.optimizer.to_dict().items() if k in OPTIMIZER_FIELDS})

    def _given(self, names: tuple[str, ...]) -> dict:
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}
