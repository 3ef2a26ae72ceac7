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
        documented_params: the trainable parameter count the source gives (None if it gives none).
        source: where the documented architecture and number come from.
        note: what the audit should say about a difference.
        input_shape: shape of one input with the default hyper-parameters (no batch axis),
            for example batches in tests and benchmarks.
    """

    name: str
    builder: str
    family: str
    documented_params: int | None
    source: str
    note: str = ""
    input_shape: tuple = ()

    def build(self, **kwargs):
        module_name, func_name = self.builder.split(":")
        return getattr(importlib.import_module(module_name), func_name)(**kwargs)


_AE = "keras_models.models.autoencoders"
_HB = "keras_models.models.heartbeat"
_BN_NOTE = "trainable count; Keras' total adds 768 BatchNorm moving statistics (PyTorch buffers)"
_AG = "keras_models.models.ag_news"
_AG_NOTE = "report 003 gives no parameter count; keras-io sizes (vocabulary 20,000, length 200, embedding 32)"

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "part1_autoencoder", f"{_AE}:part1_autoencoder", "autoencoder", 1_057_824,
            "report 003, Part I",
            "the report left out the output layer's 1,000 biases (512x1000 instead of 512x1000+1000)",
            input_shape=(1000,),
        ),
        ModelSpec("nab_base", f"{_AE}:nab_base", "nab", 588, "report 003, Part II (base)", input_shape=(30, 1)),
        ModelSpec("nab_v1", f"{_AE}:nab_v1", "nab", 1_356, "report 003, Part II (version 1)", input_shape=(30, 1)),
        ModelSpec("nab_v2", f"{_AE}:nab_v2", "nab", 1_356, "report 003, Part II (version 2)", input_shape=(30, 1)),
        ModelSpec("nab_v3", f"{_AE}:nab_v3", "nab", 4_193, "report 003, Part II (version 3, LSTM)",
                  input_shape=(30, 1)),
        ModelSpec("cnn2d_resnet", f"{_HB}:cnn2d_resnet", "heartbeat", 1_084_421,
                  "report 000, CNN2DResNet; SPEC §1 (checked with torch)", _BN_NOTE, input_shape=(16, 12, 1)),
        ModelSpec("transformer2d_resnet", f"{_HB}:transformer2d_resnet", "heartbeat", None,
                  "report 000, Transformer2DResNet", "no documented count; equals the PyTorch reference's "
                  "(397,189 with 1 block, 8 heads, linear head; +512 BatchNorm statistics)", input_shape=(16, 12, 1)),
        ModelSpec("attention_gru", f"{_HB}:attention_gru", "heartbeat", 513_797,
                  "report 000, AttentionGRU; SPEC §1 (checked with torch)",
                  "GRU 446,592 + MHA 66,048 + 2 LayerNorms 512 + head 645", input_shape=(192, 1)),
        ModelSpec("cnn1d_resnet", f"{_HB}:cnn1d_resnet", "heartbeat", None, "SPEC §1, 1D baseline",
                  "no documented count: cnn2d_resnet with 1D convolutions", input_shape=(192, 1)),
        ModelSpec("gru1d", f"{_HB}:gru1d", "heartbeat", None, "SPEC §1, 1D baseline",
                  "no documented count: attention_gru without norms or attention", input_shape=(192, 1)),
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


def get(name: str, family: str | None = None) -> ModelSpec:
    """The spec registered as `name` (in `family`, if given); `UserError` listing the
    known names otherwise."""
    known = names(family)
    if name not in known:
        raise UserError(f"unknown model {name!r}; known models: {', '.join(known)}")
    return MODELS[name]


def build(name: str, **kwargs):
    """Build the model registered as `name` (uncompiled)."""
    return get(name).build(**kwargs)
