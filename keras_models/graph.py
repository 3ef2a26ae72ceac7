"""Computational-graph images (keras.utils.plot_model: needs pydot and Graphviz's `dot`)."""

from __future__ import annotations

import shutil
from pathlib import Path


def can_draw() -> bool:
    """True when pydot is importable and Graphviz's `dot` is on PATH."""
    try:
        import pydot  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


def draw(model, path: Path) -> str:
    """Write `model`'s graph (with shapes) to `path`; return a line saying what happened."""
    if not can_draw():
        return f"graph skipped: install pydot and Graphviz (apt-get install graphviz) to draw {path.name}"
    import keras

    keras.utils.plot_model(model, to_file=str(path), show_shapes=True, show_layer_names=True,
                           show_layer_activations=True, dpi=96)
    return f"graph: {path}"
