"""The one registry of model builders, by name, with every fact about each model.

A builder registers itself where it is defined, timm-style::

    @register_model(family="heartbeat", view="2d", documented_params=1_084_421, source="report 000",
                    tunable={"hidden": choice(32, 64, 128)})
    def cnn2d_resnet(input_shape=(16, 12, 1), num_classes=5, hidden=128, num_blocks=1):
        ...

Model modules name Keras through `keras_models.lazy`, so importing them (to list or
validate models) does not import TensorFlow; Keras loads when a model is built. A
builder takes keyword hyper-parameters (with the documented defaults) and returns an
uncompiled `keras.Model`.

Tests and users add a model in one line: ``registry.register(ModelSpec("toy", toy, "heartbeat", view="1d"))``.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Callable

from keras_models import checks
from keras_models.errors import UserError

#: the modules whose builders register themselves (imported on the first lookup)
MODEL_MODULES = ("keras_models.models.autoencoders", "keras_models.models.heartbeat",
                 "keras_models.models.ag_news", "keras_models.models.images")

#: heartbeat input views: (n, 16, 12, 1) images or (n, 192, 1) sequences
VIEWS = ("1d", "2d")


@dataclass(frozen=True)
class ModelSpec:
    """A registered model and every fact about it.

    Attributes:
        name: registry name (the `--model` value).
        builder: the function (or `functools.partial`) returning an uncompiled `keras.Model`.
        family: the experiment that trains it: "nab", "heartbeat", "ag_news", "images", "autoencoder".
        documented_params: the trainable parameter count the source gives (None if it gives none).
        source: where the documented architecture and numbers come from.
        note: what the parameter audit should say about a difference.
        documented: other documented numbers (e.g. {"test_accuracy": 0.9183}).
        view: heartbeat models: the input view they read ("1d" or "2d").
        recipe: image and heartbeat models: the default training recipe (`keras_models.images.recipe.RECIPES`,
            `keras_models.heartbeat.recipe.RECIPES`).
        tunable: the architecture part of the model's search space ({builder argument: spec},
            specs from `keras_models.tuning.search_space`).
        input_shape: shape of one input with the default hyper-parameters (no batch axis).
        test_kwargs: hyper-parameters of a small model of the same architecture (fast tests).
        check: `check(kwargs)` raises `UserError` for builder arguments that cannot build
            (rules between arguments, checked before TensorFlow loads).
    """

    name: str
    builder: Callable
    family: str
    documented_params: int | None = None
    source: str = ""
    note: str = ""
    documented: dict = field(default_factory=dict)
    view: str | None = None
    recipe: str | None = None
    tunable: dict = field(default_factory=dict)
    input_shape: tuple = ()
    test_kwargs: dict = field(default_factory=dict)
    check: Callable[[dict], None] | None = None

    def __post_init__(self):
        if self.family == "heartbeat" and self.view not in VIEWS:
            raise ValueError(f"heartbeat model {self.name!r} needs view= one of {VIEWS}")

    def build(self, **kwargs):
        """The uncompiled model with `kwargs` over the builder's defaults."""
        return self.builder(**kwargs)

    def parameters(self) -> dict[str, inspect.Parameter]:
        """The builder's keyword parameters (read from its signature; nothing is imported)."""
        return {name: p for name, p in inspect.signature(self.builder).parameters.items()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}

    def parameter_names(self) -> list[str]:
        return list(self.parameters())

    def check_kwargs(self, kwargs: dict) -> dict:
        """`kwargs` with values converted to the builder's parameter types; `UserError` for
        an unknown name, a value of the wrong type or out of range. No TensorFlow."""
        known = self.parameters()
        unknown = sorted(set(kwargs) - set(known))
        if unknown:
            raise UserError(f"{self.name} has no hyper-parameter {', '.join(map(repr, unknown))}; "
                            f"it takes: {', '.join(known)}")
        checked = {}
        for name, value in kwargs.items():
            check = _parameter_check(name, known[name])
            try:
                checked[name] = value if check is None else check(value)
            except checks.BadValue as err:
                raise UserError(f"{self.name} hyper-parameter {name}: {err}") from None
        if self.check is not None:
            self.check({**{n: p.default for n, p in known.items() if p.default is not p.empty}, **checked})
        return checked


#: rules for parameters by name; other numbers: positive integers, finite floats >= 0
_NAMED_CHECKS = {"dropout": checks.rate, "l2": checks.non_negative_number, "weight_decay": checks.non_negative_number}


def _parameter_check(name: str, parameter: inspect.Parameter):
    """The check of a builder parameter, from its name or its annotation/default's type."""
    if name in _NAMED_CHECKS:
        return _NAMED_CHECKS[name]
    annotation = str(parameter.annotation)
    default = parameter.default
    optional = "None" in annotation or default is None
    base = (checks.boolean if annotation.startswith("bool") or isinstance(default, bool) else
            checks.positive_int if annotation.startswith("int") or type(default) is int else
            checks.non_negative_number if annotation.startswith("float") or isinstance(default, float) else
            checks.sequence_of(checks.positive_int, "a list of positive integers")
            if annotation.startswith("tuple") or isinstance(default, tuple) else
            checks.text if annotation.startswith("str") or isinstance(default, str) else None)
    if base is None:
        return None
    return checks.optional(base) if optional else base


MODELS: dict[str, ModelSpec] = {}
_loaded = False


def register(spec: ModelSpec) -> ModelSpec:
    """Add `spec` to the registry (a name registered twice is an error)."""
    if spec.name in MODELS and MODELS[spec.name].builder is not spec.builder:
        raise ValueError(f"model {spec.name!r} is registered twice")
    MODELS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a model (tests that registered a toy model)."""
    MODELS.pop(name, None)


def register_model(family: str, *, name: str | None = None, **facts):
    """Decorator registering the builder below it, under its own name unless `name` is given.

    Also callable on a `functools.partial`: ``register_model("ag_news", name="x")(partial(...))``.
    """

    def decorate(builder):
        register(ModelSpec(name or builder.__name__, builder, family, **facts))
        return builder

    return decorate


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True  # before the imports: a model module may list models while it loads
        try:
            for module in MODEL_MODULES:
                importlib.import_module(module)
        except BaseException:
            _loaded = False
            raise


def names(family: str | None = None) -> list[str]:
    """Registered model names, optionally of one family, in registration order."""
    _load()
    return [n for n, s in MODELS.items() if family is None or s.family == family]


def specs(family: str | None = None) -> list[ModelSpec]:
    return [MODELS[n] for n in names(family)]


def get(name: str, family: str | None = None) -> ModelSpec:
    """The spec registered as `name` (in `family`, if given); `UserError` listing the
    known names otherwise."""
    known = names(family)
    if name not in known:
        raise UserError(f"unknown model {name!r}; known {family + ' ' if family else ''}models: {', '.join(known)}")
    return MODELS[name]


def build(name: str, **kwargs):
    """Build the model registered as `name` (uncompiled)."""
    return get(name).build(**kwargs)
