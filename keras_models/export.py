"""Save and export a trained model, and prove each copy gives the same outputs.

* ``model.keras``: the native Keras format, reloaded with `keras.saving.load_model`.
* ``saved_model/``: `model.export()` (TensorFlow SavedModel, endpoint ``serve``),
  reloaded with `tf.saved_model.load` as a CPU-only serving machine would. Recurrent
  layers are exported without cuDNN kernels (`without_cudnn`), so an export made on a
  GPU runs on a CPU too (keras-team/keras#18504).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _max_abs_diff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def save_and_verify(model, path: Path, sample, atol: float = 1e-6) -> float:
    """Save `model` as .keras, reload it and return the max |difference| on `sample`."""
    import keras

    model.save(path)
    reloaded = keras.saving.load_model(path)
    diff = _max_abs_diff(model.predict(sample, verbose=0), reloaded.predict(sample, verbose=0))
    if diff > atol:
        raise RuntimeError(f"{path} reloads with outputs {diff:.3g} away from the model's (tolerance {atol})")
    return diff


def _recurrent_layers(layer) -> list:
    """Layers under `layer` (nested models included) that can run cuDNN kernels (GRU, LSTM)."""
    found = []
    for child in getattr(layer, "layers", []):
        found += [child] if hasattr(child, "use_cudnn") else _recurrent_layers(child)
    return found


def without_cudnn(model):
    """`model` with recurrent layers that never use cuDNN kernels: a copy with the same
    weights if it has GRU/LSTM layers, else `model` itself.

    Needed even for models built with ``use_cudnn=False`` once saved and reloaded:
    Keras 3.15's ``GRU.get_config()`` leaves ``use_cudnn`` out, so a reloaded
    ``.keras`` model is back to ``"auto"``. Models without recurrent layers are not
    cloned (a clone would lose state that is not a weight, such as an adapted
    TextVectorization vocabulary).
    """
    import keras

    if not _recurrent_layers(model):
        return model

    def clone(layer):
        config = layer.get_config()
        if hasattr(layer, "use_cudnn"):  # GRU, LSTM
            config["use_cudnn"] = False
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def export_and_verify(model, directory: Path, sample, atol: float = 1e-6) -> float:
    """`model.export(directory)`, reload with `tf.saved_model.load`, and return the max
    |difference| between the reloaded ``serve`` endpoint and the model on `sample`.

    Args:
        sample: a batch of model inputs, e.g. shape ``(batch, window, 1)``.
    """
    import tensorflow as tf

    without_cudnn(model).export(str(directory), format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(str(directory))
    served = reloaded.serve(tf.constant(sample))
    diff = _max_abs_diff(model.predict(sample, verbose=0), served)
    if diff > atol:
        raise RuntimeError(f"SavedModel {directory} gives outputs {diff:.3g} away from the model's (tolerance {atol})")
    return diff
