"""Every registered model round-trips .keras and SavedModel with equal outputs."""

from __future__ import annotations

import numpy as np
import pytest

from keras_models import export, registry

SHAPES = {"part1_autoencoder": (4, 1000)} | {name: (4, 30, 1) for name in registry.names("nab")}


def test_v3_saved_model_matches_within_1e_6(tmp_path):
    """Must-show: the v3 SavedModel, reloaded with tf.saved_model.load, gives the model's outputs."""
    import tensorflow as tf

    model = registry.build("nab_v3")
    x = np.random.default_rng(0).random((16, 30, 1), dtype=np.float32)
    assert export.export_and_verify(model, tmp_path / "saved_model", x) <= 1e-6
    reloaded = tf.saved_model.load(str(tmp_path / "saved_model"))
    served = reloaded.signatures["serving_default"](tf.constant(x))
    np.testing.assert_allclose(next(iter(served.values())).numpy(), model.predict(x, verbose=0), atol=1e-6)


@pytest.mark.parametrize("name", list(SHAPES))
def test_round_trips(tmp_path, name):
    model = registry.build(name)
    x = np.random.default_rng(1).random(SHAPES[name], dtype=np.float32)
    assert export.save_and_verify(model, tmp_path / "model.keras", x) <= 1e-6
    assert export.export_and_verify(model, tmp_path / "saved_model", x) <= 1e-6
