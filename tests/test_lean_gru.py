"""LeanGRU computes what Keras' GRU computes, and falls back to it where it does not apply.

Same weights, same inputs, in training: outputs and the gradients of the input, the kernel, the
recurrent kernel and the bias agree up to float rounding, in float32 and
mixed_bfloat16, eagerly and inside a `tf.function`, with and without a given first
state; a few Adam steps of a small model leave the same weights; two seeded runs are
equal to the bit. Small synthetic tensors only.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from keras_models.layers import LeanGRU  # noqa: E402
from keras_models.layers import lean_gru  # noqa: E402

BATCH, STEPS, FEATURES, UNITS = 3, 11, 4, 6


def _pair(policy="float32", **kwargs):
    """A Keras GRU and a LeanGRU with the same (random, non-zero bias) weights."""
    keras_gru = keras.layers.GRU(UNITS, dtype=policy, **kwargs)
    lean = LeanGRU(UNITS, dtype=policy, **kwargs)
    rng = np.random.default_rng(1)
    for layer in (keras_gru, lean):
        layer.build((BATCH, STEPS, FEATURES))
    weights = [rng.normal(0.0, 0.5, w.shape).astype("float32") for w in keras_gru.get_weights()]
    for layer in (keras_gru, lean):
        layer.set_weights(weights)
    return keras_gru, lean


def _inputs(seed=0):
    return tf.constant(np.random.default_rng(seed).normal(size=(BATCH, STEPS, FEATURES)).astype("float32"))


def _outputs_and_grads(layer, x, initial_state=None):
    """(output, d loss / d [x, kernel, recurrent kernel, bias]) in float32."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True, initial_state=initial_state)
        y = tf.cast(y[0] if isinstance(y, list) else y, "float32")
        loss = tf.reduce_sum(tf.sin(y) * tf.linspace(0.5, 1.5, y.shape[-1]))
    return [tf.cast(t, "float32") for t in [y] + tape.gradient(loss, [x] + layer.trainable_weights)]


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("policy, tolerance", [("float32", 1e-5), ("mixed_bfloat16", 3e-2)])
@pytest.mark.parametrize("traced", [False, True])
def test_lean_gru_equals_keras_gru(return_sequences, policy, tolerance, traced):
    keras_gru, lean = _pair(policy, return_sequences=return_sequences)
    x = _inputs()
    run = tf.function(_outputs_and_grads) if traced else _outputs_and_grads
    names = ["output", "d/dx", "d/dkernel", "d/drecurrent_kernel", "d/dbias"]
    for name, expected, got in zip(names, run(keras_gru, x), run(lean, x)):
        expected, got = np.asarray(expected), np.asarray(got)
        scale = max(1.0, float(np.max(np.abs(expected))))
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance * scale, err_msg=name)


def test_lean_gru_takes_a_given_first_state_and_its_gradient():
    keras_gru, lean = _pair(return_sequences=True)
    x = _inputs()
    state = tf.constant(np.random.default_rng(2).normal(size=(BATCH, UNITS)).astype("float32"))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(state)
        losses = [tf.reduce_sum(tf.sin(layer(x, initial_state=state, training=True))) for layer in (keras_gru, lean)]
    expected, got = (tape.gradient(loss, state) for loss in losses)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(lean(x, initial_state=state, training=True), keras_gru(x, initial_state=state),
                               rtol=1e-6, atol=1e-6)


@pytest.fixture
def lean_calls(monkeypatch):
    """How many times `gru_sequence` (the lean computation) ran."""
    calls = []
    original = lean_gru.gru_sequence
    monkeypatch.setattr(lean_gru, "gru_sequence", lambda *args: calls.append(1) or original(*args))
    return calls


def test_the_lean_computation_runs_in_training_and_keras_loop_in_inference(lean_calls):
    keras_gru, lean = _pair(return_sequences=True)
    x = _inputs()
    lean(x, training=True)
    assert lean_calls == [1]
    np.testing.assert_array_equal(lean(x), keras_gru(x))  # inference: Keras' own loop
    assert lean_calls == [1]


@pytest.mark.parametrize("kwargs", [dict(go_backwards=True), dict(reset_after=False), dict(dropout=0.5),
                                    dict(recurrent_activation="hard_sigmoid"), dict(unroll=True)],
                         ids=lambda kw: next(iter(kw)))
def test_what_the_lean_loop_does_not_cover_falls_back_to_keras(kwargs, lean_calls):
    keras_gru, lean = _pair(return_sequences=True, **kwargs)
    x = _inputs()
    got = lean(x, training=True)
    assert lean_calls == []
    if "dropout" not in kwargs:  # the two layers draw their own dropout masks
        np.testing.assert_allclose(got, keras_gru(x, training=True), rtol=1e-6, atol=1e-6)


def test_a_mask_falls_back_to_keras(lean_calls):
    keras_gru, lean = _pair(return_sequences=True)
    x = _inputs()
    mask = tf.constant(np.arange(STEPS)[None, :] < np.array([[STEPS], [5], [1]]))
    np.testing.assert_allclose(lean(x, mask=mask, training=True), keras_gru(x, mask=mask), rtol=1e-6, atol=1e-6)
    assert lean_calls == []


def _trained_weights(layer_class, seed=0):
    """Weights of a small GRU classifier after 3 Adam steps (op determinism on)."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((STEPS, FEATURES))
    x = layer_class(UNITS, return_sequences=True, name="gru_1")(inputs)
    x = layer_class(UNITS, name="gru_2")(x)
    model = keras.Model(inputs, keras.layers.Dense(3)(x))
    model.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(12, STEPS, FEATURES)).astype("float32"), rng.integers(0, 3, 12)
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model.get_weights()


def test_training_steps_match_keras_gru_and_repeat_to_the_bit():
    tf.config.experimental.enable_op_determinism()
    keras_weights, lean_weights = _trained_weights(keras.layers.GRU), _trained_weights(LeanGRU)
    for expected, got in zip(keras_weights, lean_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    for first, again in zip(lean_weights, _trained_weights(LeanGRU)):
        np.testing.assert_array_equal(again, first)


def test_config_round_trip_and_reload(tmp_path):
    _, lean = _pair(return_sequences=True)
    assert LeanGRU.from_config(lean.get_config()).get_config() == lean.get_config()
    inputs = keras.Input((STEPS, FEATURES))
    model = keras.Model(inputs, lean(inputs))
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(reloaded.layers[-1]) is LeanGRU
    x = _inputs()
    np.testing.assert_array_equal(reloaded(x), model(x))
