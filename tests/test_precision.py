"""Mixed precision (`--precision`): layers compute in bfloat16/float16, outputs, losses and
the exported SavedModel stay float32, and the export matches the model on CPU."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run_here, write_series
from keras_models import export, precision, registry

CASES = [("cnn2d_resnet", {"hidden": 8}), ("nab_v3", {}), ("vit", registry.get("vit").test_kwargs)]


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
@pytest.mark.parametrize("name, kwargs", CASES, ids=[c[0] for c in CASES])
def test_mixed_model_computes_low_and_exports_float32(tmp_path, policy, name, kwargs):
    import keras
    import tensorflow as tf

    spec = registry.get(name)
    reference = spec.build(**kwargs)
    model = precision.build(lambda: spec.build(**kwargs), policy)
    assert keras.mixed_precision.global_policy().name == "float32", "the policy is restored after building"
    low = policy.split("_")[1]
    assert any(layer.compute_dtype == low for layer in model.layers)
    assert all(w.dtype == "float32" for w in model.weights), "variables stay float32"
    assert model.count_params() == reference.count_params()
    x = (255 * np.random.default_rng(0).random((4, *spec.input_shape))).astype("float32")
    assert keras.backend.standardize_dtype(model(x).dtype) == "float32"

    assert export.save_and_verify(model, tmp_path / "model.keras", x) <= 1e-6
    assert export.export_and_verify(model, tmp_path / "saved_model", x) <= 1e-6
    served = tf.saved_model.load(str(tmp_path / "saved_model"))
    signature = served.signatures["serving_default"]
    assert [s.dtype for s in signature.structured_input_signature[1].values()] == [tf.float32]
    assert [o.dtype for o in signature.structured_outputs.values()] == [tf.float32]


def test_float16_compiles_with_loss_scaling():
    import keras

    model = precision.build(lambda: registry.build("nab_base"), "mixed_float16")
    model.compile(optimizer="adam", loss="mse")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


def test_a_bfloat16_run_records_its_precision_and_exports_float32(tmp_path):
    csv = write_series(tmp_path / "s.csv", n=400, spikes=(350,))
    result = run_here("experiments.nab_autoencoder", "--version", "v1", "--csv", csv, "--epochs", "1",
                      "--precision", "mixed_bfloat16", "--no-tensorboard", "--run-id", "bf16",
                      "--runs-dir", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "runs" / "nab_autoencoder" / "bf16"
    assert json.loads((run / "config.json").read_text())["config"]["precision"] == "mixed_bfloat16"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["params"]["trainable"] == 1356 and metrics["export"]["saved_model_max_abs_diff"] <= 1e-6
