"""The heartbeat experiment's configuration (report 000)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_models import checks, registry
from keras_models.config import TrainConfig, batch_size_option, epochs_option, option, patience_option
from keras_models.errors import UserError
from keras_models.heartbeat.balance import BALANCE_METHODS
from keras_models.heartbeat.beats import DEFAULT_VARIANT, VARIANTS
from keras_models.heartbeat.gru_memory import GRU_UPDATE_BIASES
from keras_models.heartbeat.recipe import FIELDS as RECIPE_FIELDS
from keras_models.heartbeat.recipe import (AUTO, LR_SCALINGS, RECIPES, SCHEDULES, WORTH_PROBING_BEATS, Recipe,
                                           base_recipe)
from keras_models.heartbeat.splits import SPLITS
from keras_models.precision import PRECISIONS

FAMILY = "heartbeat"
DEFAULT_MODEL = "cnn2d_resnet"


def heartbeat_model(value) -> str:
    """The name of a registered heartbeat model (a `keras_models.checks` check; no TensorFlow)."""
    try:
        return registry.get(checks.text(value), family=FAMILY).name
    except UserError as err:
        raise checks.BadValue(str(err)) from None


@dataclass(frozen=True)
class Config(TrainConfig):
    """One heartbeat classifier: beats -> split -> balance (training split only) -> model.

    Beats are 187 samples at 125 Hz (x (n, 187) in [0, 1]) with AAMI labels 0..4
    (N, S, V, F, Q); a model reads them as (batch, 16, 12, 1) or (batch, 192, 1) (its
    registered view) and outputs logits (batch, 5). They come from the raw MIT-BIH
    records (`mitdb`, else $KERAS_MODELS_DATA/mitdb, else the cache, else PhysioNet)
    or from a Kaggle CSV / course parquet pair (`train_file` and `test_file`).

    The training recipe is `recipe` (default: the model's, `ModelSpec.recipe`; see
    `keras_models.heartbeat.recipe`) with every recipe field that is not None
    overriding it; `resolved()` fills them all in. `heartbeat.run` trains a model whose
    recipe is a cpu one, given no recipe, with the levers ``auto`` times on the machine
    (`heartbeat.autorecipe.settle`) when the run is long enough to repay the probe.
    """

    model: str = option(DEFAULT_MODEL, heartbeat_model,  # help names no list: the registry loads on first use
                        "registered heartbeat model, e.g. cnn2d_resnet or attention_gru (a wrong name lists them all)")
    balance: str = option("none", checks.one_of(*BALANCE_METHODS),
                          f"class balancing of the training split: {', '.join(BALANCE_METHODS)}")
    split: str = option("intra", checks.one_of(*SPLITS),
                        "intra (stratified random), inter (de Chazal DS1/DS2 patients) or kaggle (stratified "
                        "random in the Kaggle CSVs' proportions: test 21,892/109,446, validation "
                        "--val-fraction of the rest)")
    beats: str = option(DEFAULT_VARIANT, checks.one_of(*VARIANTS),
                        f"beat extraction from the raw MIT-BIH records: {', '.join(VARIANTS)}")
    mitdb: Path | None = option(None, checks.optional(checks.path), "folder of the raw MIT-BIH records")
    train_file: Path | None = option(None, checks.optional(checks.path),
                                     "Kaggle mitbih_train.csv or heart_big_train.parq (with --test-file)")
    test_file: Path | None = option(None, checks.optional(checks.path),
                                    "Kaggle mitbih_test.csv or heart_big_test.parq (with --train-file)")
    val_fraction: float = option(0.1, checks.open_fraction,
                                 "validation share (intra: of all beats; inter, kaggle: of the training beats)")
    test_fraction: float = option(0.2, checks.open_fraction, "test share of the intra-patient split of the records")
    recipe: str | None = option(None, checks.optional(checks.one_of(*RECIPES, AUTO)),
                                f"training recipe: {', '.join(RECIPES)} or {AUTO} (default: the model's, as {AUTO} "
                                f"in a run of at least {WORTH_PROBING_BEATS:,} training beats; report: the report's "
                                "float32 setting; "
                                f"{AUTO}: the model's cpu recipe with the levers fastest on this machine, timed in a "
                                "short probe and cached)")
    epochs: int | None = epochs_option(None)
    batch_size: int | None = batch_size_option(None)
    precision: str | None = option(None, checks.optional(checks.one_of(*PRECISIONS)),
                                   f"{', '.join(PRECISIONS)} (default: the recipe's); outputs, losses and the export "
                                   "stay float32")
    learning_rate: float | None = option(None, checks.optional(checks.positive_number),
                                         "Adam learning rate at batch 32, scaled by --lr-scaling (default: the "
                                         "recipe's)")
    lr_scaling: str | None = option(None, checks.optional(checks.one_of(*LR_SCALINGS)),
                                    f"learning rate x batch/32 (linear), x sqrt(batch/32) or fixed "
                                    "(default: the recipe's)")
    schedule: str | None = option(None, checks.optional(checks.one_of(*SCHEDULES)),
                                  f"learning-rate schedule: {', '.join(SCHEDULES)} (default: the recipe's)")
    warmup_epochs: int | None = option(None, checks.optional(checks.non_negative_int),
                                       "linear warm-up epochs of the cosine or constant schedule (default: the "
                                       "recipe's)")
    clipnorm: float | None = option(None, checks.optional(checks.non_negative_number),
                                    "clip each variable's gradient to this L2 norm, 0: none (default: the recipe's)")
    class_weight_power: float | None = option(None, checks.optional(checks.number(0, 1)),
                                              "--balance class-weights tempered: the balanced weights to this power, "
                                              "1: inverse frequency, 0.5: square root (default: the recipe's)")
    gru_update_bias: str | None = option(None, checks.optional(checks.one_of(*GRU_UPDATE_BIASES)),
                                         "initial biases of the GRUs' update gates: zeros (Keras's) or chrono "
                                         "(timescales up to the beat's length) (default: the recipe's)")
    patience: int = patience_option(3)
    auto_levers: str | None = option(None, checks.optional(checks.text),
                                     "where --recipe auto chose this run's levers, and how fast they were (set by "
                                     "its probe; a run that records it is not probed again)", cli=False)

    def validate(self) -> None:
        super().validate()
        if (self.train_file is None) != (self.test_file is None):
            raise UserError("give both --train-file and --test-file, or neither (to build beats from the MIT-BIH "
                            "records)")
        if self.train_file is not None and self.split == "inter":
            raise UserError("--split inter needs record ids, which Kaggle/parquet files lack; use --split intra "
                            "or --mitdb")
        if self.auto_levers is not None and self.recipe != AUTO:
            raise UserError(f"auto_levers records what --recipe {AUTO} chose; it needs recipe {AUTO!r}")
        if self.train_file is None and self.split == "intra" and self.val_fraction + self.test_fraction >= 1:
            raise UserError(f"--val-fraction {self.val_fraction:g} + --test-fraction {self.test_fraction:g} leave "
                            "no training beats; make their sum less than 1")

    def effective_recipe(self) -> Recipe:
        """The recipe this configuration trains with: `recipe` (default: the model's) with
        the fields this configuration sets (not None) applied."""
        model_recipe = registry.get(self.model, FAMILY).recipe
        base = (base_recipe(model_recipe).replace(name=AUTO) if self.recipe == AUTO
                else RECIPES[self.recipe or model_recipe or "report"])
        return base.replace(**{name: getattr(self, name) for name in RECIPE_FIELDS if getattr(self, name) is not None})

    def resolved(self) -> Config:
        """This configuration with every recipe field filled in from `effective_recipe()`:
        what a run records and `--resume` reloads."""
        recipe = self.effective_recipe()
        return self.replace(recipe=recipe.name, **{name: getattr(recipe, name) for name in RECIPE_FIELDS})

    @property
    def needs_probe(self) -> bool:
        """True for ``--recipe auto`` whose levers are not chosen yet (`heartbeat.autorecipe`)."""
        return self.recipe == AUTO and self.auto_levers is None

    @property
    def view(self) -> str:
        """The input view of `model`: "2d" (batch, 16, 12, 1) or "1d" (batch, 192, 1)."""
        return registry.get(self.model).view
