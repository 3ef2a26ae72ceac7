"""The search spaces, as plain data: one dict per model, checked before any search.

A space maps a hyper-parameter name to one of::

    {"kind": "choice", "values": [v1, v2, ...]}
    {"kind": "int", "min": a, "max": b, "step": s}
    {"kind": "float", "min": a, "max": b, "sampling": "linear" | "log", "step": s or None}
    {"kind": "fixed", "value": v}

Names in `TRAINING_KEYS` go to training (batch size, optimizer, learning rate, LR
schedule, and for heartbeat models the balance strategy); every other name is a
keyword argument of the model's registry builder, and each model's architecture space
lives on its `ModelSpec.tunable` (`keras_models.registry`).

Nothing here imports TensorFlow: a command checks its space (and `--space`
overrides) in well under a second.
"""

from __future__ import annotations

import copy
import math

from keras_models.errors import UserError
from keras_models.heartbeat.balance import BALANCE_METHODS
from keras_models.optimizers import OPTIMIZERS, SCHEDULES
from keras_models.tuning.specs import choice, float_range, int_range  # noqa: F401 - the space's vocabulary

TUNERS = ("random", "bayesian", "hyperband")
KINDS = ("choice", "int", "float", "fixed")


#: Training hyper-parameters every model is tuned on (report 000's Ray-Tune search space); the optimizer and
#: schedule names mean what `keras_models.optimizers` says.
TRAINING = {
    "batch_size": choice(32, 64, 128),
    "optimizer": choice("adam", "adamw", "sgd", "rmsprop"),
    "learning_rate": float_range(1e-4, 1e-2, log=True),
    "schedule": choice("constant", "reduce-on-plateau", "cosine"),
}
#: Heartbeat models also tune how the training split is balanced (`heartbeat.balance`).
#: oversample-full and smote are left out of the default space (they multiply the
#: training set by about 4.5); `--space balance=smote,...` brings them in.
HEARTBEAT_TRAINING = {**TRAINING, "balance": choice("none", "class-weights", "oversample-semi")}
#: Training keys a space holds only when an override names them (`--space warmup_epochs=0,1`): the
#: epochs of the cosine schedule's linear warm-up (`keras_models.optimizers`); 0 without them.
OPTIONAL_TRAINING = {"warmup_epochs": choice(0, 1)}
TRAINING_KEYS = frozenset(HEARTBEAT_TRAINING) | frozenset(OPTIONAL_TRAINING)

#: Objectives per family: name -> direction. The first is the default.
#: val_f1_macro / val_recall_macro are computed on the validation split after each epoch
#: (`hypermodel.ClassifierScores`): unlike val_loss they do not favour "no balancing".
_CLASSIFIER = {"val_f1_macro": "max", "val_recall_macro": "max", "val_accuracy": "max", "val_loss": "min"}
OBJECTIVES = {"heartbeat": _CLASSIFIER, "images": _CLASSIFIER, "ag_news": _CLASSIFIER, "nab": {"val_loss": "min"}}


def tunable_models() -> list[str]:
    """The models a search can tune: those of the families with a training experiment."""
    from keras_models import registry

    return [name for name in registry.names() if registry.get(name).family in OBJECTIVES]


def family_of(model: str) -> str:
    """The family of a tunable model; `UserError` listing the tunable models otherwise."""
    from keras_models import registry

    if model not in tunable_models():
        raise UserError(f"unknown model {model!r}; tunable models: {', '.join(tunable_models())}")
    return registry.get(model).family


def space_for(model: str, overrides: list[str] = ()) -> dict:
    """The checked search space of `model`, with `--space KEY=V1[,V2...]` overrides applied.

    Returns:
        {name: spec}, training keys first, then the architecture's.
    """
    from keras_models import registry

    training = HEARTBEAT_TRAINING if family_of(model) == "heartbeat" else TRAINING
    space = copy.deepcopy({**training, **registry.get(model).tunable})
    for text in overrides:
        key, spec = parse_override(text, {**space, **OPTIONAL_TRAINING}, model)
        space[key] = spec
    check_space(space, model)
    return space


def default_architecture(model: str) -> tuple[str, ...]:
    """`--space` overrides holding each architecture key of `model` at its builder's default
    (a search of the training alone)."""
    import inspect

    from keras_models import registry

    spec = registry.get(model)
    defaults = {name: p.default for name, p in inspect.signature(spec.builder).parameters.items()}
    return tuple(f"{key}={defaults[key]}" for key in spec.tunable)


def parse_override(text: str, space: dict, model: str) -> tuple[str, dict]:
    """`KEY=V` -> (KEY, fixed spec); `KEY=V1,V2,...` -> (KEY, choice spec), values typed as the key's."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key or not values.strip():
        raise UserError(f"bad --space {text!r}: expected KEY=VALUE or KEY=V1,V2,... (e.g. batch_size=32,64)")
    if key not in space:
        raise UserError(f"unknown search-space key {key!r} for {model}; known keys: {', '.join(space)}")
    convert = _value_type(space[key])
    try:
        parsed = [convert(v.strip()) for v in values.split(",")]
    except ValueError:
        raise UserError(f"bad --space {text!r}: {key} takes {convert.__name__} values") from None
    if len(set(parsed)) != len(parsed):
        raise UserError(f"bad --space {text!r}: a value is repeated")
    return key, ({"kind": "fixed", "value": parsed[0]} if len(parsed) == 1 else choice(*parsed))


def _value_type(spec: dict):
    if spec["kind"] in ("int", "float"):
        return int if spec["kind"] == "int" else float
    sample = spec["values"][0] if spec["kind"] == "choice" else spec["value"]
    return type(sample)


def check_space(space: dict, model: str | None = None) -> None:
    """`UserError` naming the first malformed spec or impossible value (architecture values
    are checked by the model's `ModelSpec.check_kwargs`, alone and in every combination
    of the keys whose values are listed)."""
    for name, spec in space.items():
        kind = spec.get("kind")
        if kind not in KINDS:
            raise UserError(f"search-space key {name!r}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        if kind in ("int", "float") and not spec["min"] <= spec["max"]:
            raise UserError(f"search-space key {name!r}: min {spec['min']} > max {spec['max']}")
        if kind == "choice" and not spec["values"]:
            raise UserError(f"search-space key {name!r}: no values to choose from")
        for value in values_of(spec):
            _check_value(name, value)
    if model is not None:
        _check_architecture(space, model)


def values_of(spec: dict) -> list:
    """The values a spec can take, or its bounds for a range."""
    if spec["kind"] == "choice":
        return list(spec["values"])
    if spec["kind"] == "fixed":
        return [spec["value"]]
    return [spec["min"], spec["max"]]


_ALLOWED = {"optimizer": OPTIMIZERS, "schedule": SCHEDULES, "balance": BALANCE_METHODS}
_POSITIVE = ("batch_size", "learning_rate")
_NON_NEGATIVE_INT = ("warmup_epochs",)


def _check_value(name: str, value) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise UserError(f"search-space key {name!r}: {value!r} is not a finite number; give finite values "
                        f"(--space {name}=V1,V2)")
    if name in _ALLOWED and value not in _ALLOWED[name]:
        raise UserError(f"search-space key {name!r}: unknown value {value!r}; choose from {', '.join(_ALLOWED[name])}")
    if name in _POSITIVE and not value > 0:
        raise UserError(f"search-space key {name!r}: {value!r} must be positive")
    if name in _NON_NEGATIVE_INT and not (isinstance(value, int) and value >= 0):
        raise UserError(f"search-space key {name!r}: {value!r} must be a whole number, 0 or more")


def _check_architecture(space: dict, model: str) -> None:
    """Every architecture value, and every combination of listed values, builds (per the
    registered model's check)."""
    import itertools

    from keras_models import registry

    spec = registry.get(model)
    listed = {k: values_of(v) for k, v in space.items() if k not in TRAINING_KEYS and v["kind"] in ("choice", "fixed")}
    for name, spec_ in space.items():
        if name not in TRAINING_KEYS:
            for value in values_of(spec_):
                _architecture_error(spec, {name: value}, f"search-space key {name!r}")
    for combination in itertools.product(*listed.values()):
        _architecture_error(spec, dict(zip(listed, combination)), "search space")


def _architecture_error(spec, kwargs: dict, where: str) -> None:
    try:
        spec.check_kwargs(kwargs)
    except UserError as err:
        raise UserError(f"{where}: {err}; narrow it with --space") from None


def split_values(values: dict) -> tuple[dict, dict]:
    """(training values, architecture values) of one trial's hyper-parameters
    (Keras Tuner's own "tuner/..." entries are dropped)."""
    training = {k: v for k, v in values.items() if k in TRAINING_KEYS}
    architecture = {k: v for k, v in values.items() if k not in TRAINING_KEYS and not k.startswith("tuner/")}
    return training, architecture


def objective_for(family: str, name: str | None) -> tuple[str, str]:
    """(objective name, "min" or "max"); `name` None picks the family's default."""
    known = OBJECTIVES[family]
    name = name or next(iter(known))
    if name not in known:
        raise UserError(f"unknown --objective {name!r} for {family} models; choose one of: {', '.join(known)}")
    return name, known[name]


def check_tuner(name: str) -> str:
    if name not in TUNERS:
        raise UserError(f"unknown tuner {name!r}; choose one of: {', '.join(TUNERS)}")
    return name


def describe(space: dict) -> list[dict]:
    """Rows for a table of the space: key, role, kind, values."""
    rows = []
    for name, spec in space.items():
        if spec["kind"] in ("choice", "fixed"):
            shown = ", ".join(map(str, values_of(spec)))
        else:
            shown = f"{spec['min']} .. {spec['max']}" + (" (log)" if spec.get("sampling") == "log" else "") + \
                (f" step {spec['step']}" if spec.get("step") not in (None, 1) else "")
        rows.append({"key": name, "role": "training" if name in TRAINING_KEYS else "architecture",
                     "kind": spec["kind"], "values": shown})
    return rows
