"""The search spaces, as plain data: one dict per model, checked before any search.

A space maps a hyper-parameter name to one of::

    {"kind": "choice", "values": [v1, v2, ...]}
    {"kind": "int", "min": a, "max": b, "step": s}
    {"kind": "float", "min": a, "max": b, "sampling": "linear" | "log", "step": s or None}
    {"kind": "fixed", "value": v}

Names in `TRAINING_KEYS` go to training (batch size, optimizer, learning rate, LR
schedule, and for heartbeat models the balance strategy); every other name is a
keyword argument of the model's registry builder (`keras_models.registry`).

Nothing here imports TensorFlow: a command checks its space (and `--space`
overrides) in well under a second.
"""

from __future__ import annotations

import copy

from keras_models.errors import UserError
from keras_models.heartbeat.balance import BALANCE_METHODS

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
SCHEDULES = ("constant", "reduce-on-plateau", "cosine")
TUNERS = ("random", "bayesian", "hyperband")
KINDS = ("choice", "int", "float", "fixed")


def choice(*values) -> dict:
    return {"kind": "choice", "values": list(values)}


def int_range(low: int, high: int, step: int = 1) -> dict:
    return {"kind": "int", "min": low, "max": high, "step": step}


def float_range(low: float, high: float, *, log: bool = False, step: float | None = None) -> dict:
    return {"kind": "float", "min": low, "max": high, "sampling": "log" if log else "linear", "step": step}


#: Training hyper-parameters every model is tuned on (SPEC §1 "Tuning").
TRAINING = {
    "batch_size": choice(32, 64, 128),
    "optimizer": choice(*OPTIMIZERS),
    "learning_rate": float_range(1e-4, 1e-2, log=True),
    "schedule": choice(*SCHEDULES),
}
#: Heartbeat models also tune how the training split is balanced (`heartbeat.balance`).
#: oversample-full and smote are left out of the default space (they multiply the
#: training set by about 4.5); `--space balance=smote,...` brings them in.
HEARTBEAT_TRAINING = {**TRAINING, "balance": choice("none", "class-weights", "oversample-semi")}
TRAINING_KEYS = frozenset(HEARTBEAT_TRAINING)

_DROPOUT = float_range(0.0, 0.3, step=0.1)
_CNN = {"hidden": choice(32, 64, 128), "num_blocks": int_range(1, 2)}

#: Architecture hyper-parameters: keyword arguments of each registry builder.
ARCHITECTURES: dict[str, dict] = {
    "cnn2d_resnet": _CNN,
    "cnn1d_resnet": _CNN,
    "transformer2d_resnet": {"hidden": choice(64, 128), "num_blocks": int_range(1, 2), "num_heads": choice(2, 4, 8),
                             "dropout": float_range(0.1, 0.3, step=0.1), "head": choice("linear", "mlp")},
    "attention_gru": {"hidden": choice(32, 64, 128), "num_layers": int_range(1, 5), "num_heads": choice(2, 4),
                      "dropout": _DROPOUT},
    "gru1d": {"hidden": choice(32, 64, 128), "num_layers": int_range(1, 5), "dropout": _DROPOUT},
    # The report's NAB versions are fixed stacks (SPEC §2): only v3 has size arguments.
    "nab_base": {},
    "nab_v1": {},
    "nab_v2": {},
    "nab_v3": {"encoder_units": choice(10, 20, 40), "decoder_units": choice(8, 15, 30),
               "dense_units": choice(8, 16, 32)},
}

#: Objectives per family: name -> direction. The first is the default.
#: val_f1_macro / val_recall_macro are computed on the validation split after each epoch
#: (`hypermodel.ClassifierScores`): unlike val_loss they do not favour "no balancing".
OBJECTIVES = {
    "heartbeat": {"val_f1_macro": "max", "val_recall_macro": "max", "val_accuracy": "max", "val_loss": "min"},
    "nab": {"val_loss": "min"},
}


def family_of(model: str) -> str:
    """The family ("heartbeat" or "nab") of a tunable model; `UserError` listing them otherwise."""
    from keras_models import registry

    if model not in ARCHITECTURES:
        raise UserError(f"unknown model {model!r}; tunable models: {', '.join(ARCHITECTURES)}")
    return registry.get(model).family


def space_for(model: str, overrides: list[str] = ()) -> dict:
    """The checked search space of `model`, with `--space KEY=V1[,V2...]` overrides applied.

    Returns:
        {name: spec}, training keys first, then the architecture's.
    """
    training = HEARTBEAT_TRAINING if family_of(model) == "heartbeat" else TRAINING
    space = copy.deepcopy({**training, **ARCHITECTURES[model]})
    for text in overrides:
        key, spec = parse_override(text, space, model)
        space[key] = spec
    check_space(space)
    return space


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


def check_space(space: dict) -> None:
    """`UserError` naming the first malformed spec or impossible value."""
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
    _check_heads(space)


def values_of(spec: dict) -> list:
    """The values a spec can take, or its bounds for a range."""
    if spec["kind"] == "choice":
        return list(spec["values"])
    if spec["kind"] == "fixed":
        return [spec["value"]]
    return [spec["min"], spec["max"]]


_ALLOWED = {"optimizer": OPTIMIZERS, "schedule": SCHEDULES, "balance": BALANCE_METHODS, "head": ("linear", "mlp")}
_POSITIVE = ("batch_size", "learning_rate", "hidden", "num_blocks", "num_layers", "num_heads",
             "encoder_units", "decoder_units", "dense_units")


def _check_value(name: str, value) -> None:
    if name in _ALLOWED and value not in _ALLOWED[name]:
        raise UserError(f"search-space key {name!r}: unknown value {value!r}; choose from {', '.join(_ALLOWED[name])}")
    if name in _POSITIVE and not value > 0:
        raise UserError(f"search-space key {name!r}: {value!r} must be positive")
    if name == "dropout" and not 0 <= value < 1:
        raise UserError(f"search-space key 'dropout': {value!r} must lie in [0, 1)")


def _check_heads(space: dict) -> None:
    """Attention needs the hidden width divisible by the number of heads."""
    if "num_heads" not in space or "hidden" not in space:
        return
    for hidden in values_of(space["hidden"]):
        for heads in values_of(space["num_heads"]):
            if hidden % heads:
                raise UserError(f"search space: hidden {hidden} is not divisible by num_heads {heads}; "
                                "narrow one of them with --space")


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
