"""Every registered model round-trips .keras and SavedModel with equal outputs."""

from __future__ import annotations

import numpy as np
import pytest

from keras_models import export, registry



def test_v3_saved_model_matches_within_1e_6(tmp_path):
    """Must-show: the v3 SavedModel, reloaded with tf.saved_model.load, gives the model's outputs."""
    import tensorflow as tf

    model = registry.build("nab_v3")
    x = np.random.default_rng(0).random((16, 30, 1), dtype=np.float32)
    assert export.export_and_verify(model, tmp_path / "saved_model", x) <= 1e-6
    reloaded = tf.saved_model.load(str(tmp_path / "saved_model"))
    served = reloaded.signatures["serving_default"](tf.constant(x))
    np.testing.assert_allclose(next(iter(served.values())).numpy(), model.predict(x, verbose=0), atol=1e-6)


NUMERIC = [name for name, spec in registry.MODELS.items() if spec.input_shape]


@pytest.mark.parametrize("name", NUMERIC)
def test_round_trips(tmp_path, name):
    """.keras and SavedModel (exported without cuDNN kernels) reproduce the outputs; models
    with `test_kwargs` are built small. Inputs in [0, 255) also suit the image models."""
    spec = registry.get(name)
    model = spec.build(**spec.test_kwargs)
    x = 255 * np.random.default_rng(1).random((4, *spec.input_shape), dtype=np.float32)
    assert export.save_and_verify(model, tmp_path / "model.keras", x) <= 1e-5
    assert export.export_and_verify(model, tmp_path / "saved_model", x) <= 1e-5


def test_every_numeric_model_declares_its_input_shape():
    for name in NUMERIC:
        assert tuple(registry.build(name).input_shape[1:]) == registry.get(name).input_shape, name
