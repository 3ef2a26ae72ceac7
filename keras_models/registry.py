"""The one registry of model builders, by name.

Each entry names its builder as ``"module:function"`` so that listing models and
validating a `--model` flag import nothing heavy; the builder's module (and Keras)
is imported only when a model is built.

A builder takes keyword hyper-parameters (with the documented defaults) and
returns an uncompiled `keras.Model`.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

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
        test_kwargs: hyper-parameters of a small model of the same architecture and input
            shape, built by the registry-driven tests (export round trips) to keep them fast.
    """

    name: str
    builder: str
    family: str
    documented_params: int | None
    source: str
    note: str = ""
    input_shape: tuple = ()
    test_kwargs: dict = field(default_factory=dict)

    def build(self, **kwargs):
        module_name, func_name = self.builder.split(":")
        return getattr(importlib.import_module(module_name), func_name)(**kwargs)

    def parameter_names(self) -> list[str]:
        """The builder's parameter names, read from its source without importing it (no Keras).

        The builder is a module-level function, or a name bound to ``partial(function, ...)``
        (whose keywords stay overridable, so it takes the function's parameters).
        """
        module_name, name = self.builder.split(":")
        tree = ast.parse(Path(importlib.util.find_spec(module_name).origin).read_text())
        for _ in range(len(tree.body)):  # follow partial(...) bindings, never forever
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and node.name == name:
                    return [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
            bound = [node.value for node in tree.body if isinstance(node, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
                     and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "partial"
                     and node.value.args and isinstance(node.value.args[0], ast.Name)]
            if not bound:
                break
            name = bound[0].args[0].id
        raise ValueError(f"{self.builder}: no function or partial(function, ...) of that name in {module_name}")

    def check_kwargs(self, kwargs: dict) -> None:
        """`UserError` unless the builder takes these keyword arguments."""
        known = self.parameter_names()
        unknown = sorted(set(kwargs) - set(known))
        if unknown:
            raise UserError(f"{self.name} has no hyper-parameter {', '.join(map(repr, unknown))}; "
                            f"it takes: {', '.join(known)}")


_AE = "keras_models.models.autoencoders"
_HB = "keras_models.models.heartbeat"
_IM = "keras_models.models.images"
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
        ModelSpec("vit", f"{_IM}:vit", "images", None, "report 003, Bonus (ViT); SPEC §4",
                  "the report gives no count; ViT with shifted patches and locality self-attention "
                  "(Lee et al. 2021), patch 8, d 128, 4 heads, 6 layers", input_shape=(64, 64, 3),
                  test_kwargs=dict(patch_size=16, projection_dim=8, num_heads=2, transformer_layers=1,
                                   mlp_head_units=(8,))),
        ModelSpec("efficientnet_b0", f"{_IM}:efficientnet_b0", "images", 4_053_414,
                  "report 003, Bonus (EfficientNet); SPEC §6",
                  "SPEC §6 gives Keras' total count: 4,011,391 trainable + 42,023 non-trainable "
                  "(BatchNorm and input Normalization statistics) = 4,053,414", input_shape=(64, 64, 3)),
        ModelSpec("vgg", f"{_IM}:vgg", "images", None, "report 003, Bonus (VGG, 91.83 % test accuracy)",
                  "the report gives no count; VGG-16 layout with BatchNorm, 512-wide dense layers; "
                  "+8,448 BatchNorm statistics", input_shape=(64, 64, 3),
                  test_kwargs=dict(widths=(4, 4, 8, 8, 8), dense_units=(8, 8))),
        ModelSpec("resnet", f"{_IM}:resnet", "images", None, "report 003, Bonus (ResNet, 90.14 % test accuracy)",
                  "the report gives no count; ResNet-18 layout, 3x3/2 stem; +7,808 BatchNorm statistics",
                  input_shape=(64, 64, 3), test_kwargs=dict(widths=(4, 8, 8, 8))),
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
