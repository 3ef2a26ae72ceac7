"""The one registry of model builders, by name.

Each entry names its builder as ``"module:function"`` so that listing models and
validating a `--model` flag import nothing heavy; the builder's module (and Keras)
is imported only when a model is built.

A builder takes keyword hyper-parameters (with the documented defaults) and
returns an uncompiled `keras.Model`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from keras_models.errors import UserError


@dataclass(frozen=True)
class ModelSpec:
    """A registered model.

    Attributes:
        name: registry name (the `--model`/`--version` value).
        builder: ``"package.module:function"`` returning a `keras.Model`.
        family: experiment family ("nab", "autoencoder", ...).
        documented_params: the parameter count the source report gives (None if it gives none).
        source: where the documented architecture and number come from.
        note: what the audit should say about a difference.
    """

    name: str
    builder: str
    family: str
    documented_params: int | None
    source: str
    note: str = ""

    def build(self, **kwargs):
        module_name, func_name = self.builder.split(":")
        return getattr(importlib.import_module(module_name), func_name)(**kwargs)


_AE = "keras_models.models.autoencoders"
_AG = "keras_models.models.ag_news"
_AG_NOTE = "report 003 gives no parameter count; keras-io sizes (vocabulary 20,000, length 200, embedding 32)"

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "part1_autoencoder", f"{_AE}:part1_autoencoder", "autoencoder", 1_057_824,
            "report 003, Part I",
            "the report left out the output layer's 1,000 biases (512x1000 instead of 512x1000+1000)",
        ),
        ModelSpec("nab_base", f"{_AE}:nab_base", "nab", 588, "report 003, Part II (base)"),
        ModelSpec("nab_v1", f"{_AE}:nab_v1", "nab", 1_356, "report 003, Part II (version 1)"),
        ModelSpec("nab_v2", f"{_AE}:nab_v2", "nab", 1_356, "report 003, Part II (version 2)"),
        ModelSpec("nab_v3", f"{_AE}:nab_v3", "nab", 4_193, "report 003, Part II (version 3, LSTM)"),
        ModelSpec("ag_news_base", f"{_AG}:ag_news_base", "ag_news", None, "report 003, Part IV (base)", _AG_NOTE),
        ModelSpec("ag_news_dropout", f"{_AG}:ag_news_dropout", "ag_news", None,
                  "report 003, Part IV (dropout; also dropout + early stopping)", _AG_NOTE),
        ModelSpec("ag_news_dropout_l2", f"{_AG}:ag_news_dropout_l2", "ag_news", None,
                  "report 003, Part IV (dropout + early stopping + L2)", _AG_NOTE),
        ModelSpec("ag_news_best", f"{_AG}:ag_news_best", "ag_news", None, "this package (variant best)",
                  "not in the report: keras-io sizes with padding masked, length 128 and dropout 0.2"),
    ]
}


def names(family: str | None = None) -> list[str]:
    """Registered model names, optionally of one family, in registration order."""
    return [n for n, s in MODELS.items() if family is None or s.family == family]


def get(name: str) -> ModelSpec:
    """The spec registered as `name`; `UserError` listing the known names otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise UserError(f"unknown model {name!r}; known models: {', '.join(MODELS)}") from None


def build(name: str, **kwargs):
    """Build the model registered as `name` (uncompiled)."""
    return get(name).build(**kwargs)
