"""Heartbeat model builders: shapes, parameter counts, saving, export, custom layers."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from keras_models.export import without_cudnn  # noqa: E402
from keras_models.layers import PositionalEncoding, ResNetBlock1D, ResNetBlock2D, TransformerBlock  # noqa: E402
from keras_models.models import heartbeat  # noqa: E402

# name: (input shape, trainable, non-trainable) with default hyper-parameters.
EXPECTED = {
    "cnn2d_resnet": ((16, 12, 1), 1_084_421, 768),  # report 000's hand count
    "transformer2d_resnet": ((16, 12, 1), 397_189, 512),
    "attention_gru": ((192, 1), 513_797, 0),  # report 000's hand count
    "cnn1d_resnet": ((192, 1), 1_673_477, 768),
    "gru1d": ((192, 1), 447_237, 0),
    "transformer1d_resnet": ((192, 1), 199_813, 512),
}


def _count(weights) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


def _batch(shape, n=2, seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


@pytest.fixture(scope="module", params=list(EXPECTED))
def built(request):
    return request.param, getattr(heartbeat, request.param)()


def test_builds_with_documented_shapes_and_counts(built):
    """Round trips through .keras and SavedModel: tests/test_export.py, for every registered model."""
    name, model = built
    shape, trainable, non_trainable = EXPECTED[name]
    assert model.name == name
    assert model.input_shape == (None, *shape)
    assert model.output_shape == (None, 5)
    assert (_count(model.trainable_weights), _count(model.non_trainable_weights)) == (trainable, non_trainable)


def test_transformer_heads():
    mlp = heartbeat.transformer2d_resnet(head="mlp", num_blocks=2)
    assert _count(mlp.trainable_weights) == 504_709
    assert mlp.get_layer("head_dense").units == 64
    with pytest.raises(ValueError, match="head"):
        heartbeat.transformer2d_resnet(head="conv")
    mlp_1d = heartbeat.transformer1d_resnet(head="mlp")
    assert _count(mlp_1d.trainable_weights) == 207_749
    assert mlp_1d.get_layer("tokens").output.shape == (None, 96, 128)


def test_without_cudnn_keeps_weights_and_outputs():
    model = heartbeat.gru1d(hidden=8, num_layers=2)
    copy = without_cudnn(model)
    grus = [layer for layer in copy.layers if isinstance(layer, keras.layers.GRU)]
    assert len(grus) == 2 and all(layer.use_cudnn is False for layer in grus)
    x = _batch((192, 1))
    np.testing.assert_allclose(copy(x), model(x), atol=1e-6)


LAYERS = [
    (ResNetBlock2D(16, name="block2d"), (2, 8, 6, 16), 2 * (16 * 16 * 9 + 16) + 2 * 32),
    (ResNetBlock2D(16, name="block2d_projected"), (2, 8, 6, 4), (4 * 16 * 9 + 16) + (16 * 16 * 9 + 16) + 2 * 32 + (4 * 16 + 16)),
    (ResNetBlock1D(16, kernel_size=5, name="block1d"), (2, 20, 16), 2 * (16 * 16 * 5 + 16) + 2 * 32),
    (PositionalEncoding(max_wavelength=500.0, name="pe"), (2, 10, 8), 0),
    (TransformerBlock(4, intermediate_dim=32, attention_dropout=0.1, name="block"), (2, 10, 16), 4 * (16 * 16 + 16) + (16 * 32 + 32) + (32 * 16 + 16) + 2 * 32),
]


@pytest.mark.parametrize("layer,shape,trainable", LAYERS, ids=lambda v: getattr(v, "name", None))
def test_custom_layer_config_round_trip(layer, shape, trainable):
    x = _batch(shape[1:], n=shape[0])
    y = layer(x)
    assert tuple(y.shape) == tuple(layer.compute_output_shape(shape)) == shape[:-1] + (y.shape[-1],)
    assert _count(layer.trainable_weights) == trainable
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x), y, atol=1e-6)
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == f"keras_models>{type(layer).__name__}"
    assert type(keras.saving.deserialize_keras_object(serialized)) is type(layer)


def test_positional_encoding_values():
    length, hidden = 7, 6
    encoded = np.asarray(PositionalEncoding()(np.zeros((1, length, hidden), np.float32)))[0]
    position = np.arange(length)[:, None]
    div = np.exp(np.arange(0, hidden, 2) * (-np.log(10_000.0) / hidden))
    np.testing.assert_allclose(encoded[:, 0::2], np.sin(position * div), atol=1e-6)
    np.testing.assert_allclose(encoded[:, 1::2], np.cos(position * div), atol=1e-6)
    with pytest.raises(ValueError, match="even"):
        PositionalEncoding()(np.zeros((1, length, 5), np.float32))


def test_keras_side_does_not_import_torch():
    """torch is an optional extra: only keras_models.torch_refs.<module> may import it."""
    import subprocess
    import sys

    code = ("import sys, keras_models.models.heartbeat, keras_models.layers, keras_models.torch_refs; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
