"""FusedBatchNormalization and FusedLayerNormalization compute what Keras' BatchNormalization
and LayerNormalization compute.

Same weights, same inputs: training outputs, the gradients of the input, gamma and
beta, the moving statistics after a step, and the inference outputs agree up to float
rounding, in float32 and mixed_bfloat16, for 2D, 3D and 4D inputs; shapes the fused
kernel does not take fall back to Keras' computation. Small synthetic tensors only.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from keras_models.layers import FusedBatchNormalization  # noqa: E402


def _pair(shape, policy, **kwargs):
    """A Keras BatchNormalization and a FusedBatchNormalization with the same weights."""
    keras_bn = keras.layers.BatchNormalization(dtype=policy, **kwargs)
    fused = FusedBatchNormalization(dtype=policy, **kwargs)
    rng = np.random.default_rng(1)
    for layer in (keras_bn, fused):
        layer.build(shape)
    weights = [rng.normal(1.0, 0.2, w.shape).astype("float32") for w in keras_bn.get_weights()]
    weights[3] = np.abs(weights[3])  # a variance
    for layer in (keras_bn, fused):
        layer.set_weights(weights)
    return keras_bn, fused


def _step(layer, x):
    """(training output, d loss / d [x, gamma, beta], moving mean, moving variance, inference output)."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(tf.cast(y, "float32") ** 2 * tf.linspace(0.5, 1.5, y.shape[-1]))
    grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
    as_np = lambda t: np.asarray(tf.cast(t, "float32"))  # noqa: E731
    return ([as_np(y)] + [as_np(g) for g in grads] + [as_np(layer.moving_mean), as_np(layer.moving_variance),
                                                     as_np(layer(x, training=False))])


@pytest.mark.parametrize("shape", [(4, 5, 3, 8), (4, 7, 8), (6, 8)])
@pytest.mark.parametrize("policy, tolerance", [("float32", 1e-4), ("mixed_bfloat16", 2e-2)])
def test_fused_batch_norm_equals_keras_batch_norm(shape, policy, tolerance):
    x = np.random.default_rng(0).normal(2.0, 3.0, shape).astype("float32")
    keras_bn, fused = _pair(shape, policy, momentum=0.9, epsilon=1e-5)
    expected, got = _step(keras_bn, x), _step(fused, x)
    names = ["training output", "d/dx", "d/dgamma", "d/dbeta", "moving mean", "moving variance", "inference output"]
    for name, e, g in zip(names, expected, got):
        np.testing.assert_allclose(g, e, rtol=tolerance, atol=tolerance, err_msg=name)
    assert fused(x, training=False).dtype == keras_bn(x, training=False).dtype


def test_fused_batch_norm_falls_back_to_keras_where_the_kernel_does_not_apply():
    shape = (4, 6, 8)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    keras_bn, fused = _pair(shape, "float32", axis=1)  # channels not last
    assert not fused._fused(tf.constant(x), None)
    np.testing.assert_allclose(_step(fused, x)[0], _step(keras_bn, x)[0], rtol=1e-5, atol=1e-5)


def test_the_fused_layer_has_keras_batch_norm_weights_in_the_same_order():
    """Weights port by position (`set_weights`, the PyTorch ports) as before."""
    inputs = keras.Input((6, 4, 3))
    old = keras.Model(inputs, keras.layers.BatchNormalization(name="bn")(inputs))
    new = keras.Model(inputs, FusedBatchNormalization(name="bn")(inputs))
    assert [(w.path, w.shape) for w in new.weights] == [(w.path, w.shape) for w in old.weights]
    old.layers[1].set_weights([np.full(3, v, "float32") for v in (2.0, 0.5, 0.1, 3.0)])
    new.set_weights(old.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 6, 4, 3)).astype("float32")
    np.testing.assert_allclose(new(x), old(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(4, 6, 16), (3, 8), (2, 3, 5, 8)])
@pytest.mark.parametrize("policy, tolerance", [("float32", 1e-4), ("mixed_bfloat16", 5e-2)])
def test_fused_layer_norm_equals_keras_layer_norm(shape, policy, tolerance):
    from keras_models.layers import FusedLayerNormalization

    x = tf.constant(np.random.default_rng(0).normal(1.0, 2.0, shape).astype("float32"))
    keras_ln = keras.layers.LayerNormalization(epsilon=1e-5, dtype=policy)
    fused = FusedLayerNormalization(epsilon=1e-5, dtype=policy)
    for layer in (keras_ln, fused):
        layer.build(shape)
    weights = [np.random.default_rng(1).normal(1.0, 0.3, w.shape).astype("float32") for w in keras_ln.get_weights()]
    results = []
    for layer in (keras_ln, fused):
        layer.set_weights(weights)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(tf.cast(y, "float32") ** 2 * tf.linspace(0.5, 1.5, shape[-1]))
        grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
        results.append([np.asarray(tf.cast(t, "float32")) for t in [y, *grads]])
        assert y.dtype == keras_ln.compute_dtype
    for name, expected, got in zip(["output", "d/dx", "d/dgamma", "d/dbeta"], *results):
        scale = max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(got / scale, expected / scale, rtol=tolerance, atol=tolerance, err_msg=name)


def test_fused_layer_norm_falls_back_to_keras_over_other_axes():
    from keras_models.layers import FusedLayerNormalization

    x = tf.constant(np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32"))
    fused, keras_ln = FusedLayerNormalization(axis=1), keras.layers.LayerNormalization(axis=1)
    assert not fused._fused(x)
    np.testing.assert_allclose(fused(x), keras_ln(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "float32"])
def test_a_transformer_with_fused_norms_reloads_with_equal_outputs(tmp_path, policy):
    """The graph optimizer must not fuse the layer norm in one trace and not in another
    (it did, in Keras 2's layout: the reloaded model's bfloat16 logits moved by 0.01)."""
    from keras_models import precision, registry
    from keras_models.export import save_and_verify

    spec = registry.get("transformer2d_resnet")
    keras.utils.set_random_seed(0)
    model = precision.build(lambda: spec.build(hidden=32, num_heads=4), policy)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x, y = rng.random((96, *spec.input_shape), dtype=np.float32), rng.integers(0, 5, 96)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    model.predict(x[:90], batch_size=512, verbose=0)  # a trace with another batch than the check's
    assert save_and_verify(model, tmp_path / "model.keras", x[:64]) == 0.0
