"""How a search reaches each experiment family: its configuration, data and runner job.

A search tunes one registered model inside its family's experiment: the family's
`Config` (data, epochs per trial, seed, ...), `load(config)` (the data, read once) and
`experiment.make_job(config, loaded)` (the runner job a trial trains). The table
below says which configuration field names the model in each family.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from keras_models.errors import UserError


@dataclass(frozen=True)
class Family:
    """An experiment family as a search sees it.

    Attributes:
        name: the registry family ("heartbeat", "nab", "ag_news", "images").
        package: its Python API (`Config`, `load`, `EXPERIMENT`; `<package>.experiment.make_job`).
        model_field: the configuration field that picks the model.
        to_field: registry model name -> that field's value.
        to_model: configuration -> registry model name.
    """

    name: str
    package: str
    model_field: str
    to_field: Callable[[str], str] = lambda model: model
    to_model: Callable[[object], str] = lambda config: config.model

    @property
    def api(self):
        return importlib.import_module(self.package)

    def make_job(self, config, loaded, **kwargs):
        return importlib.import_module(f"{self.package}.experiment").make_job(config, loaded, **kwargs)


def _variant_of(model: str) -> str:
    from keras_models.text.variants import VARIANTS

    return next(v.name for v in VARIANTS.values() if v.model == model)


def _model_of_variant(config) -> str:
    from keras_models.text.variants import VARIANTS

    return VARIANTS[config.variant].model


FAMILIES = {
    family.name: family for family in [
        Family("heartbeat", "keras_models.heartbeat", "model"),
        Family("nab", "keras_models.nab", "version", lambda model: model.removeprefix("nab_"),
               lambda config: f"nab_{config.version}"),
        Family("ag_news", "keras_models.text", "variant", _variant_of, _model_of_variant),
        Family("images", "keras_models.images", "model"),
    ]
}


def family(name: str) -> Family:
    if name not in FAMILIES:
        raise UserError(f"no search for family {name!r}; tunable families: {', '.join(FAMILIES)}")
    return FAMILIES[name]


def of_config(config) -> Family:
    """The family whose `Config` class `config` is an instance of."""
    for candidate in FAMILIES.values():
        if type(config) is candidate.api.Config:
            return candidate
    raise UserError(f"cannot tune a {type(config).__qualname__}; give the configuration of "
                    f"one of: {', '.join(f.package + '.Config' for f in FAMILIES.values())}")
