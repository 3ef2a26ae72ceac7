"""The AG News transformer experiment's configuration (report 003, Part IV)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_models import checks
from keras_models.config import TrainConfig, option
from keras_models.errors import UserError
from keras_models.text.ag_news import PROTOCOLS
from keras_models.text.variants import DEFAULT_PATIENCE, VARIANTS, Variant


def ngrams(value):
    """Word n-grams added as tokens: 2 or 3, or None (also 1): words only (a `keras_models.checks` check)."""
    value = checks.optional(checks.integer(1, 3, what="1, 2 or 3 (1: words only)"))(value)
    return None if value == 1 else value


@dataclass(frozen=True)
class Config(TrainConfig):
    """One training variant of the AG News transformer on one protocol's splits.

    Inputs are raw strings of shape (batch,), labels integers 0..3 of shape (batch,); the
    model outputs class probabilities (batch, 4). Unset model fields (None) keep the
    variant's defaults (vocabulary 20,000, length 200; best: length 128).
    """

    variant: str = option("dropout-es", checks.one_of(*VARIANTS), "training variant", cli=False)
    protocol: str = option("full", checks.one_of(*PROTOCOLS),
                           "full: train.csv/test.csv as the report; small: 80/20 of test.csv only, "
                           "NOT comparable with the report")
    data_dir: Path | None = option(None, checks.optional(checks.path),
                                   "folder in the ag_news_csv layout (default: $KERAS_MODELS_DATA/ag_news, "
                                   "the cache data/ag_news, then tfds ag_news_subset)", metavar="DIR")
    vocab_size: int | None = option(None, checks.optional(checks.integer(3)),
                                    "vectorizer vocabulary size (default: the variant's, 20000)")
    sequence_length: int | None = option(None, checks.optional(checks.positive_int),
                                         "tokens per text (default: the variant's, 200; best 128)")
    ngrams: int | None = option(None, ngrams, "2 or 3 adds each text's word n-grams up to that length as tokens, "
                                              "fastText's trick (default 1: words only)")
    val_fraction: float = option(0.1, checks.open_fraction, "share of the training rows held out for validation")
    data_seed: int = option(0, checks.seed, "seed of the stratified splits")
    learning_rate: float | None = option(None, checks.optional(checks.positive_number),
                                         "Adam learning rate (default: the variant's, 1e-3; best 5e-4)")
    patience: int | None = option(None, checks.optional(checks.non_negative_int),
                                  f"early-stopping patience in epochs on the validation loss (default: "
                                  f"{DEFAULT_PATIENCE} for variants with early stopping; the others train without)")

    def validate(self) -> None:
        """A variant without early stopping refuses a positive patience; one with it refuses 0."""
        super().validate()
        variant = self.spec
        if not variant.early_stopping and self.patience:
            raise UserError(f"--patience {self.patience}: variant {variant.name} trains without early stopping; "
                            "choose dropout-es, dropout-es-l2 or best, or leave --patience out")
        if variant.early_stopping and self.patience == 0:
            raise UserError(f"--patience 0 turns off the early stopping that variant {variant.name} is about; "
                            "give a positive patience or leave --patience out")

    @property
    def spec(self) -> Variant:
        """The variant's entry in `variants.VARIANTS`."""
        return VARIANTS[self.variant]

    @property
    def model(self) -> str:
        """Registry name of the variant's model."""
        return self.spec.model

    def effective_patience(self) -> int:
        """Early-stopping patience the run uses: 0 without early stopping, else `patience` or the default."""
        if not self.spec.early_stopping:
            return 0
        return DEFAULT_PATIENCE if self.patience is None else self.patience

    def resolved(self) -> "Config":
        """This configuration with its effective patience filled in: what a run records."""
        return self.replace(patience=self.effective_patience())

    def effective_learning_rate(self) -> float:
        """Adam's learning rate: `learning_rate`, else the variant's."""
        return self.learning_rate if self.learning_rate is not None else self.spec.learning_rate

    def model_kwargs(self) -> dict:
        """Builder arguments the configuration sets over the variant's model defaults."""
        given = {"vocab_size": self.vocab_size, "sequence_length": self.sequence_length, "ngrams": self.ngrams}
        return {k: v for k, v in given.items() if v is not None}
