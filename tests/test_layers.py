"""The custom layers of keras_models.layers: config round trips, dtype policies, regularizers.

Small synthetic tensors only. Each layer makes its sub-layers in `build` with its own
dtype policy, so a ``mixed_bfloat16`` policy (global, or given to the layer) reaches
every sub-layer; regularizers travel through `get_config` as serialized objects.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from keras_models.layers import (  # noqa: E402
    FusedBatchNormalization,
    FusedLayerNormalization,
    LocalitySelfAttention,
    PatchEncoder,
    Patches,
    PositionalEncoding,
    ResNetBlock1D,
    ResNetBlock2D,
    TokenAndPositionEmbedding,
    TransformerBlock,
)

MIXED = "mixed_bfloat16"


def _floats(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _tokens():
    """(2, 8) token ids below 20; the second row is all padding."""
    return np.array([[3, 7, 1, 19, 5, 0, 0, 0], [0] * 8], dtype="int32")


#: id -> (make(**kwargs) -> layer, input, sub-layer names the layer must have once built)
CASES = {
    "fused_batch_norm": (lambda **kw: FusedBatchNormalization(momentum=0.9, epsilon=1e-5, name="bn", **kw),
                         lambda: _floats(2, 8, 6, 4), set()),
    "fused_layer_norm": (lambda **kw: FusedLayerNormalization(epsilon=1e-5, name="ln", **kw),
                         lambda: _floats(2, 6, 8), set()),
    "locality_attention": (lambda **kw: LocalitySelfAttention(2, dropout=0.1, name="lsa", **kw),
                           lambda: _floats(2, 5, 8), {"attention_dropout", "query", "key", "value", "output"}),
    "patches": (lambda **kw: Patches(4, name="patches", **kw), lambda: _floats(2, 8, 8, 3), set()),
    "patches_shifted": (lambda **kw: Patches(4, shifted=True, name="patches", **kw), lambda: _floats(2, 8, 8, 3),
                        set()),
    "patch_encoder": (lambda **kw: PatchEncoder(8, name="encoder", **kw), lambda: _floats(2, 4, 12),
                      {"projection"}),
    "positional_encoding": (lambda **kw: PositionalEncoding(max_wavelength=500.0, name="pe", **kw),
                            lambda: _floats(2, 10, 8), set()),
    "resnet_block_2d": (lambda **kw: ResNetBlock2D(8, strides=2, name="block", **kw), lambda: _floats(2, 8, 6, 4),
                        {"conv1", "bn1", "conv2", "bn2", "projection"}),
    "resnet_block_2d_identity": (lambda **kw: ResNetBlock2D(4, name="block", **kw), lambda: _floats(2, 8, 6, 4),
                                 {"conv1", "bn1", "conv2", "bn2"}),
    "resnet_block_1d": (lambda **kw: ResNetBlock1D(8, kernel_size=5, name="block", **kw), lambda: _floats(2, 20, 4),
                        {"conv1", "bn1", "conv2", "bn2", "projection"}),
    "token_and_position_embedding": (
        lambda **kw: TokenAndPositionEmbedding(8, 20, 6, mask_zero=True, name="embedding", **kw), _tokens,
        {"token_embedding", "position_embedding"}),
    "transformer_block": (
        lambda **kw: TransformerBlock(4, intermediate_dim=32, attention_dropout=0.1, dropout=0.1, l2=1e-3,
                                      name="block", **kw),
        lambda: _floats(2, 10, 16), {"norm_1", "norm_2", "dropout_1", "dropout_2", "attention", "ffn_1", "ffn_2"}),
    "transformer_block_wide_keys": (
        lambda **kw: TransformerBlock(2, key_dim=16, epsilon=1e-6, name="block", **kw), lambda: _floats(2, 6, 16),
        {"norm_1", "norm_2", "dropout_1", "dropout_2", "attention", "ffn_1", "ffn_2"}),
}


@pytest.fixture
def mixed_policy():
    """The global dtype policy set to mixed_bfloat16 for one test, then restored."""
    previous = keras.mixed_precision.dtype_policy()
    try:
        keras.mixed_precision.set_dtype_policy(MIXED)
        yield MIXED
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


def _as_float32(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32")))


def _sub_layers(layer):
    return layer._flatten_layers(include_self=False)


def _assert_policy_everywhere(layer, policy: str):
    assert layer.dtype_policy.name == policy
    wrong = {sub.path: sub.dtype_policy.name for sub in _sub_layers(layer) if sub.dtype_policy.name != policy}
    assert not wrong, f"sub-layers without the parent's policy {policy}: {wrong}"


@pytest.mark.parametrize("case", CASES)
def test_sub_layers_are_made_in_build(case):
    make, inputs, names = CASES[case]
    layer = make()
    assert not list(_sub_layers(layer)), "sub-layers belong in build(), not __init__"
    layer(inputs())
    assert {sub.name for sub in layer._flatten_layers(include_self=False, recursive=False)} == names


@pytest.mark.parametrize("case", CASES)
def test_config_round_trip_gives_the_same_layer(case):
    make, inputs, _ = CASES[case]
    x = inputs()
    layer = make()
    expected = layer(x, training=False)
    config = layer.get_config()
    json.dumps(config)  # plain JSON: regularizers and policies are serialized
    clone = type(layer).from_config(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == config
    clone(x, training=False)
    assert [w.path for w in clone.weights] == [w.path for w in layer.weights]
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(_as_float32(clone(x, training=False)), _as_float32(expected))


@pytest.mark.parametrize("case", CASES)
def test_global_mixed_policy_reaches_every_sub_layer(case, mixed_policy):
    make, inputs, _ = CASES[case]
    layer = make()
    y = layer(inputs(), training=True)
    _assert_policy_everywhere(layer, mixed_policy)
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    assert np.isfinite(_as_float32(y)).all()
    assert all(keras.backend.standardize_dtype(w.dtype) == "float32" for w in layer.weights)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("case", CASES)
def test_a_layer_policy_overrides_the_global_one(case, mixed_policy):
    """The layer's own policy, not the global one, reaches its sub-layers: both ways."""
    make, inputs, _ = CASES[case]
    float_layer = make(dtype="float32")
    y = float_layer(inputs(), training=False)
    _assert_policy_everywhere(float_layer, "float32")
    assert keras.backend.standardize_dtype(y.dtype) == "float32"

    keras.mixed_precision.set_dtype_policy("float32")
    mixed_layer = make(dtype=MIXED)
    y = mixed_layer(inputs(), training=False)
    _assert_policy_everywhere(mixed_layer, MIXED)
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    assert type(mixed_layer).from_config(mixed_layer.get_config()).dtype_policy.name == MIXED


@pytest.mark.parametrize("case", CASES)
def test_mixed_outputs_follow_the_float32_ones(case):
    """With the same weights, bfloat16 compute stays close to float32 (and finite)."""
    make, inputs, _ = CASES[case]
    x = inputs()
    exact = make(dtype="float32")
    expected = _as_float32(exact(x, training=False))
    mixed = make(dtype=MIXED)
    mixed(x, training=False)
    mixed.set_weights(exact.get_weights())
    got = _as_float32(mixed(x, training=False))
    assert np.isfinite(got).all()
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, atol=0.05 * scale, rtol=0.05)


def test_locality_attention_masks_the_diagonal_in_bfloat16(mixed_policy):
    """Each token attends to the others only: with value = identity per token and no
    output projection to speak of, a token's own value never leaks into its output."""
    layer = LocalitySelfAttention(1)
    x = np.eye(4, dtype="float32")[None]  # (1, 4 tokens, width 4), token i = e_i
    layer(x)
    for dense in (layer.query, layer.key, layer.value, layer.output_dense):
        dense.set_weights([np.eye(4, dtype="float32"), np.zeros(4, "float32")])
    y = _as_float32(layer(x))[0]
    assert np.isfinite(y).all()
    np.testing.assert_allclose(np.diag(y), 0.0, atol=1e-6)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, atol=1e-2)  # softmax rows still sum to 1
    assert keras.backend.standardize_dtype(layer.temperature.dtype) == "float32"


def test_padding_mask_under_mixed_policy_stays_finite(mixed_policy):
    """Embedding -> block with a fully padded row: masked attention in bfloat16 is finite."""
    inputs = keras.Input((8,), dtype="int32")
    x = TokenAndPositionEmbedding(8, 20, 16, mask_zero=True)(inputs)
    x = PositionalEncoding()(x)
    outputs = TransformerBlock(2, key_dim=16, l2=1e-4)(x)
    y = keras.Model(inputs, outputs)(_tokens())
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    assert np.isfinite(_as_float32(y)).all()


@pytest.mark.parametrize("make", [
    lambda: TransformerBlock(2, l2=1e-3),
    lambda: TransformerBlock(2, kernel_regularizer=keras.regularizers.L2(1e-3)),
    lambda: TransformerBlock(2, l2=1e-3, kernel_regularizer={"class_name": "L2", "config": {"l2": 1e-3}}),
], ids=["l2_shorthand", "regularizer_object", "both_agreeing"])
def test_transformer_block_round_trips_its_l2_as_an_object(make):
    block = make()
    config = block.get_config()
    serialized = config["kernel_regularizer"]
    assert isinstance(serialized, dict) and serialized["class_name"] == "L2"
    assert serialized["config"] == {"l2": pytest.approx(1e-3)}
    assert config["l2"] == pytest.approx(1e-3)

    clone = TransformerBlock.from_config(json.loads(json.dumps(config)))
    assert type(clone.kernel_regularizer) is keras.regularizers.L2
    assert clone.kernel_regularizer.l2 == block.kernel_regularizer.l2 == pytest.approx(1e-3)
    assert clone.get_config() == config

    x = _floats(2, 6, 8)
    block(x)
    clone(x)
    clone.set_weights(block.get_weights())
    regularized = [block.attention.query_dense, block.attention.key_dense, block.attention.value_dense,
                   block.attention.output_dense, block.ffn_1, block.ffn_2]
    assert all(layer.kernel_regularizer is block.kernel_regularizer for layer in regularized)
    assert len(block.losses) == len(clone.losses) == 6
    np.testing.assert_allclose(sum(map(float, clone.losses)), sum(map(float, block.losses)), rtol=1e-6)


def test_transformer_block_regularizers_other_than_l2():
    block = TransformerBlock(2, kernel_regularizer=keras.regularizers.L1L2(l1=1e-4, l2=1e-3))
    config = block.get_config()
    assert config["l2"] == 0.0 and config["kernel_regularizer"]["class_name"] == "L1L2"
    clone = TransformerBlock.from_config(config)
    assert isinstance(clone.kernel_regularizer, keras.regularizers.L1L2)
    assert clone.kernel_regularizer.get_config() == block.kernel_regularizer.get_config()

    assert TransformerBlock(2).get_config()["kernel_regularizer"] is None
    assert TransformerBlock(2).kernel_regularizer is None
    assert type(TransformerBlock(2, kernel_regularizer="l2").kernel_regularizer) is keras.regularizers.L2


def test_transformer_block_reads_an_old_config_with_a_float_l2():
    old = {k: v for k, v in TransformerBlock(2, l2=1e-4, name="old").get_config().items()
           if k != "kernel_regularizer"}
    block = TransformerBlock.from_config(old)
    assert type(block.kernel_regularizer) is keras.regularizers.L2
    assert block.kernel_regularizer.l2 == pytest.approx(1e-4)


def test_transformer_block_refuses_disagreeing_l2_and_regularizer():
    with pytest.raises(ValueError, match="disagree"):
        TransformerBlock(2, l2=1e-3, kernel_regularizer=keras.regularizers.L2(1e-2))
    with pytest.raises(ValueError, match="disagree"):
        TransformerBlock(2, l2=1e-3, kernel_regularizer=keras.regularizers.L1(1e-3))


def test_saved_models_reload_with_their_weights(tmp_path, mixed_policy):
    """A .keras file of models using every layer, under the mixed policy, reloads equal."""
    import keras_models.layers  # noqa: F401  (registers the layers for loading)

    tokens = keras.Input((8,), dtype="int32")
    x = TokenAndPositionEmbedding(8, 20, 16, mask_zero=True)(tokens)
    x = PositionalEncoding()(x)
    text = keras.Model(tokens, TransformerBlock(2, intermediate_dim=8, l2=1e-3)(x))

    image = keras.Input((8, 8, 3))
    y = ResNetBlock2D(4, strides=2)(image)
    y = PatchEncoder(8)(Patches(2, shifted=True)(y))
    images = keras.Model(image, LocalitySelfAttention(2)(y))

    series = keras.Input((12, 2))
    sequences = keras.Model(series, ResNetBlock1D(4, kernel_size=3)(series))

    for model, x in ((text, _tokens()), (images, _floats(2, 8, 8, 3)), (sequences, _floats(2, 12, 2))):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        for original, restored in zip(model.layers, loaded.layers):
            assert restored.get_config() == original.get_config()
            _assert_policy_everywhere(restored, MIXED)
        np.testing.assert_array_equal(_as_float32(loaded(x)), _as_float32(model(x)))
    assert len(text.losses) == 6


@pytest.mark.parametrize("cls", [FusedBatchNormalization, FusedLayerNormalization, LocalitySelfAttention, Patches,
                                 PatchEncoder, PositionalEncoding, ResNetBlock1D, ResNetBlock2D,
                                 TokenAndPositionEmbedding, TransformerBlock])
def test_layers_are_registered_and_document_their_shapes(cls):
    assert keras.saving.get_registered_name(cls) == f"keras_models>{cls.__name__}"
    assert keras.saving.get_registered_object(f"keras_models>{cls.__name__}") is cls
    assert "shape" in cls.__doc__.lower() and "(batch" in cls.__doc__
