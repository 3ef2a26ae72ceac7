"""Modules imported on first use, so that listing and validating models stays fast.

The model builders (`keras_models.models`) register themselves, with every fact about
them, when their module is imported; the registry imports them to list the models. A
command checks its flags against that list in well under a second because these
modules name Keras through the proxies below, which import Keras (and TensorFlow)
only when a builder actually runs::

    from keras_models.lazy import keras, layers, custom_layers
"""

from __future__ import annotations

import importlib

from keras_models.errors import UserError


class LazyModule:
    """A stand-in for the module `name`; the first attribute access imports it."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def extra(module: str, name: str, extra_name: str, needed_by: str, hint: str = ""):
    """Import the optional `module` (`name`, of the package extra `extra_name`), or raise
    `UserError`: `needed_by` needs it, the install command, then `hint`."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(f"{needed_by} needs {name}: pip install -e \".[{extra_name}]\"{hint}") from None


keras = LazyModule("keras")
layers = LazyModule("keras.layers")
regularizers = LazyModule("keras.regularizers")
#: this package's serializable layers (`keras_models.layers`)
custom_layers = LazyModule("keras_models.layers")
