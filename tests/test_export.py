"""Every registered model round-trips .keras and SavedModel with equal outputs."""

from __future__ import annotations

import numpy as np
import pytest

from keras_models import export, registry



SERVE = """
import sys
import numpy as np
import tensorflow as tf
assert not tf.config.list_physical_devices("GPU")
x = np.load(sys.argv[2])
served = tf.saved_model.load(sys.argv[1]).signatures["serving_default"](tf.constant(x))
np.save(sys.argv[3], next(iter(served.values())).numpy())
"""


@pytest.mark.parametrize("name", [pytest.param("nab_v3", marks=pytest.mark.slow), "attention_gru"])
def test_export_serves_the_same_outputs_in_a_cpu_only_process(tmp_path, name):
    """The SavedModel, loaded by plain TensorFlow in another process that sees no GPU (as a
    serving machine), gives the Keras model's outputs (recurrent models: no cuDNN-only ops)."""
    import os
    import subprocess
    import sys

    spec = registry.get(name)
    model = spec.build(**spec.test_kwargs)
    x = np.random.default_rng(0).random((16, *spec.input_shape), dtype=np.float32)
    export.without_cudnn(model).export(str(tmp_path / "saved_model"), format="tf_saved_model", verbose=False)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([sys.executable, "-c", SERVE, str(tmp_path / "saved_model"), str(tmp_path / "x.npy"),
                    str(tmp_path / "y.npy")], check=True, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(x, verbose=0), atol=1e-6)


def test_verification_catches_a_copy_that_differs(tmp_path):
    """export_and_verify raises when the served outputs are not the model's."""
    class Drifted:  # a model whose predictions differ from what it exports
        def __init__(self, model):
            self.model = model

        def predict(self, x, verbose=0):
            return self.model.predict(x, verbose=verbose) + 1e-3

        def export(self, *args, **kwargs):
            return self.model.export(*args, **kwargs)

    model = registry.build("nab_base")
    x = np.random.default_rng(0).random((4, 30, 1), dtype=np.float32)
    with pytest.raises(RuntimeError, match="away from the model's"):
        export.export_and_verify(Drifted(model), tmp_path / "saved_model", x)


NUMERIC = [spec.name for spec in registry.specs() if spec.input_shape]
#: round trips that take long on a CPU: the slow tier
SLOW_ROUND_TRIPS = {"efficientnet_b0"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_ROUND_TRIPS else n
                                  for n in NUMERIC])
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
