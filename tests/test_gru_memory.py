"""The GRUs' chrono update-gate biases: where they go, and that a gradient then reaches a beat's start."""

import numpy as np
import pytest

from keras_models.heartbeat import gru_memory


def test_chrono_biases_are_log_uniform_timescales_seeded():
    draw = gru_memory.chrono_update_bias(1000, 192, np.random.default_rng(0))
    assert draw.shape == (1000,) and draw.min() >= 0 and draw.max() <= np.log(191)
    assert np.median(np.exp(draw)) == pytest.approx(96, rel=0.1)  # T uniform in [1, 191]
    np.testing.assert_array_equal(draw, gru_memory.chrono_update_bias(1000, 192, np.random.default_rng(0)))


def test_chrono_sets_only_the_update_gates_and_a_gradient_reaches_the_first_step():
    import keras

    from keras_models import registry

    keras.utils.set_random_seed(0)
    build = registry.get("gru1d").build
    x = np.random.default_rng(0).random((8, 128, 1)).astype("float32")
    plain = build(input_shape=(128, 1), hidden=16, num_layers=3)
    chrono = build(input_shape=(128, 1), hidden=16, num_layers=3)
    chrono.set_weights(plain.get_weights())
    gru_memory.ChronoGRUs(seed=1)(chrono)
    for before, after in zip(plain.layers, chrono.layers):
        if isinstance(before, keras.layers.GRU):
            old, new = (keras.ops.convert_to_numpy(layer.cell.bias) for layer in (before, after))
            assert (new[0, :16] > 0).all() and new[0, :16].max() <= np.log(127)  # z's input-row biases
            np.testing.assert_array_equal(old[:, 16:], new[:, 16:])  # reset and candidate untouched
            np.testing.assert_array_equal(old[1], new[1])  # the recurrent row untouched
    # zeros keep half the state a step: 2**-127 of the first sample reaches the logits
    assert gru_memory.input_gradient(chrono, x)[0] > 1e6 * gru_memory.input_gradient(plain, x)[0]


def test_the_gru_recipe_starts_its_grus_with_chrono_biases_and_the_flag_overrides_it():
    from keras_models import heartbeat
    from keras_models.errors import UserError

    assert heartbeat.Config(model="gru1d").resolved().gru_update_bias == "chrono"
    assert heartbeat.Config(model="cnn1d_resnet").resolved().gru_update_bias == "zeros"
    assert heartbeat.Config(model="gru1d", gru_update_bias="zeros").resolved().gru_update_bias == "zeros"
    with pytest.raises(UserError, match="gru-update-bias|gru_update_bias"):
        heartbeat.Config(model="gru1d", gru_update_bias="ones").validate()
