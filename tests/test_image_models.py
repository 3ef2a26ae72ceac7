"""Image model builders and their layers: counts, shapes, reference values, serialization.

Round trips through .keras and SavedModel of all four image models (small configs):
tests/test_export.py::test_round_trips, driven by the registry.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from keras_models import registry  # noqa: E402
from keras_models.audit import count_params  # noqa: E402
from keras_models.errors import UserError  # noqa: E402
from keras_models.layers import LocalitySelfAttention, PatchEncoder, Patches, ResNetBlock2D  # noqa: E402
from keras_models.models import images  # noqa: E402

# name: (trainable, non-trainable) with the default hyper-parameters
EXPECTED = {
    "vit": (962_057, 0),
    "efficientnet_b0": (4_011_391, 42_023),  # 4,053,414 in all, as documented
    "vgg": (16_032_195, 8_448),
    "resnet": (11_173_315, 7_808),
}


def _pixels(shape, seed=0):
    return (255 * np.random.default_rng(seed).random(shape)).astype(np.float32)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_default_models_have_their_documented_counts(name):
    model = registry.build(name)
    assert model.input_shape == (None, 64, 64, 3) and model.output_shape == (None, 3)
    assert count_params(model) == EXPECTED[name]
    assert registry.get(name).family == "images"


def test_builder_parameters_are_read_from_their_signatures():
    for spec in registry.specs("images"):
        assert spec.parameter_names() == list(inspect.signature(spec.builder).parameters), spec.name


def test_vit_options():
    plain = images.vit(shifted_patches=False, locality_attention=False)
    assert count_params(plain) == (861_827, 0)
    assert not any(isinstance(layer, LocalitySelfAttention) for layer in plain.layers)
    small = images.vit(patch_size=4, projection_dim=16, num_heads=2, transformer_layers=2, mlp_head_units=())
    assert small.get_layer("patch_encoder").output.shape == (None, 256, 16)
    with pytest.raises(UserError, match="multiple of patch_size=6"):
        images.vit(patch_size=6)
    with pytest.raises(UserError, match="divisible by num_heads=5"):
        images.vit(num_heads=5)


def test_patches_match_a_numpy_reference():
    x = _pixels((2, 8, 12, 3))
    out = np.asarray(Patches(4)(x))
    assert out.shape == (2, 6, 48)
    # patch (row 1, column 2): rows 4-7, columns 8-11, flattened (row, column, channel)
    np.testing.assert_array_equal(out[:, 1 * 3 + 2], x[:, 4:8, 8:12, :].reshape(2, -1))


def test_shifted_patches_add_four_diagonal_shifts():
    x = _pixels((1, 8, 8, 2))
    out = np.asarray(Patches(4, shifted=True)(x))
    assert out.shape == (1, 4, 4 * 4 * 2 * 5)
    stacked = out.reshape(1, 2, 2, 4, 4, 10).transpose(0, 1, 3, 2, 4, 5).reshape(1, 8, 8, 10)
    np.testing.assert_array_equal(stacked[..., :2], x)
    up_left = np.zeros_like(x)
    up_left[:, :-2, :-2] = x[:, 2:, 2:]  # shifted up and left by half a patch
    np.testing.assert_array_equal(stacked[..., 2:4], up_left)
    down_right = np.zeros_like(x)
    down_right[:, 2:, 2:] = x[:, :-2, :-2]
    np.testing.assert_array_equal(stacked[..., 8:10], down_right)


def test_patch_encoder_projects_and_adds_positions():
    layer = PatchEncoder(6)
    x = _pixels((2, 5, 4)) / 255
    out = np.asarray(layer(x))
    kernel, bias = (np.asarray(w) for w in layer.projection.weights)
    positions = np.asarray(layer.position_embedding)
    assert positions.shape == (5, 6)
    np.testing.assert_allclose(out, x @ kernel + bias + positions[None], atol=1e-6)


def _lsa_reference(layer, x):
    """NumPy locality self-attention with the layer's weights: (batch, tokens, d)."""
    def dense(d, v):
        kernel, bias = (np.asarray(w, dtype=np.float64) for w in d.weights)
        return v @ kernel + bias

    b, n, d = x.shape
    h = layer.num_heads

    def heads(v):
        return v.reshape(b, n, h, d // h).transpose(0, 2, 1, 3)

    q, k, v = (heads(dense(m, x)) for m in (layer.query, layer.key, layer.value))
    scores = q @ k.transpose(0, 1, 3, 2) / float(np.asarray(layer.temperature))
    scores[:, :, np.arange(n), np.arange(n)] = -np.inf
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
    return dense(layer.output_dense, out)


def test_locality_self_attention_matches_a_numpy_reference():
    layer = LocalitySelfAttention(num_heads=2)
    x = np.random.default_rng(1).normal(size=(2, 5, 8)).astype(np.float32)
    out = np.asarray(layer(x))
    assert float(np.asarray(layer.temperature)) == pytest.approx(2.0)  # sqrt(8 / 2)
    np.testing.assert_allclose(out, _lsa_reference(layer, x.astype(np.float64)), atol=1e-5)
    assert len(layer.trainable_weights) == 9  # 4 kernels, 4 biases, the temperature


@pytest.mark.parametrize("make, shape", [
    (lambda: Patches(4, shifted=True, name="p"), (2, 8, 8, 3)),
    (lambda: PatchEncoder(8, name="e"), (2, 4, 12)),
    (lambda: LocalitySelfAttention(2, dropout=0.1, name="a"), (2, 4, 8)),
    (lambda: ResNetBlock2D(8, strides=2, name="r"), (2, 8, 8, 4)),
])
def test_layers_rebuild_from_their_config(make, shape):
    layer = make()
    x = np.random.default_rng(2).random(shape).astype(np.float32)
    out = np.asarray(layer(x))
    copy = layer.__class__.from_config(layer.get_config())
    copy(x)
    copy.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(copy(x)), out, atol=1e-6)
    assert copy.get_config() == layer.get_config()


def test_resnet_block_downsamples_with_a_projection():
    block = ResNetBlock2D(8, strides=2)
    out = block(np.zeros((1, 7, 8, 8), dtype=np.float32))
    assert out.shape == (1, 4, 4, 8) and block.projection is not None
    assert block.compute_output_shape((None, 7, 8, 8)) == (None, 4, 4, 8)
    assert ResNetBlock2D(8).get_config()["strides"] == 1


def test_adamw_leaves_biases_norms_positions_and_temperatures_undecayed():
    from keras_models.images.recipe import RECIPES
    from keras_models.optimizers import build_optimizer

    model = images.vit(**registry.get("vit").test_kwargs)
    optimizer = build_optimizer(RECIPES["vit"].optimizer, steps_per_epoch=4, epochs=100)
    optimizer.build(model.trainable_variables)
    decayed = {v.path.split("/")[-1] for v in model.trainable_variables if optimizer._use_weight_decay(v)}
    assert decayed == {"kernel"}


def test_efficientnet_loads_a_local_weights_file(tmp_path):
    """`weights=PATH` loads the backbone from a local file (nothing is downloaded)."""
    source = keras.applications.EfficientNetB0(include_top=False, weights=None, input_shape=(64, 64, 3))
    path = tmp_path / "b0_notop.weights.h5"
    source.save_weights(path)
    model = images.efficientnet_b0(weights=str(path))
    np.testing.assert_array_equal(model.get_layer("stem_conv").get_weights()[0],
                                  source.get_layer("stem_conv").get_weights()[0])
    with pytest.raises(UserError, match="missing.h5: cannot be read"):
        images.efficientnet_b0(weights=str(tmp_path / "missing.h5"))
