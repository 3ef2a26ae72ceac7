"""Part III: the NumPy self-attention reference equals keras.layers.MultiHeadAttention."""

from __future__ import annotations

import numpy as np
import pytest

from keras_models import graph
from conftest import run_here, run_refused
from keras_models.text import attention_numpy as ref

TOLERANCE = 1e-5


def _inputs(shape=(3, 9, 16), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("heads,key_dim,value_dim", [(1, 16, None), (2, 8, None), (4, 5, 7)])
def test_numpy_reference_equals_keras_multi_head_attention(heads, key_dim, value_dim):
    import keras

    x = _inputs()
    layer = keras.layers.MultiHeadAttention(heads, key_dim=key_dim, value_dim=value_dim,
                                            bias_initializer="random_normal")
    expected = layer(x, x).numpy()
    weights = ref.multi_head_weights(layer)
    assert len(weights.heads) == heads
    np.testing.assert_allclose(ref.multi_head_self_attention(x, weights), expected, atol=TOLERANCE, rtol=0)
    if heads == 1:
        single = ref.self_attention(x, weights.heads[0], weights.w_o[0], weights.b_o)
        np.testing.assert_allclose(single, expected, atol=TOLERANCE, rtol=0)


def test_numpy_reference_with_an_attention_mask():
    import keras

    x = _inputs(seed=1)
    mask = np.random.default_rng(2).random((3, 9, 9)) > 0.4
    mask[..., 0] = True  # every query sees at least one key
    layer = keras.layers.MultiHeadAttention(2, key_dim=8)
    expected = layer(x, x, attention_mask=mask).numpy()
    actual = ref.multi_head_self_attention(x, ref.multi_head_weights(layer), mask)
    np.testing.assert_allclose(actual, expected, atol=TOLERANCE, rtol=0)


def test_softmax_weights_are_distributions():
    rng = np.random.default_rng(3)
    z, weights = ref.scaled_dot_product_attention(rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 3)),
                                                  rng.normal(size=(2, 5, 6)))
    assert z.shape == (2, 4, 6) and weights.shape == (2, 4, 5)
    np.testing.assert_allclose(weights.sum(axis=-1), 1)


def test_reference_matches_the_ag_news_transformer_block_and_the_graph_model():
    import keras

    from keras_models.models.ag_news import ag_news_transformer
    from keras_models.text.attention_graph import graph_weights, self_attention_graph

    model = ag_news_transformer(vocab_size=30, sequence_length=9, embed_dim=16)
    attention = model.get_layer("transformer_block").attention
    x = _inputs(seed=4)
    np.testing.assert_allclose(ref.multi_head_self_attention(x, ref.multi_head_weights(attention)),
                               attention(x, x).numpy(), atol=TOLERANCE, rtol=0)
    graph = self_attention_graph(9, 16, 8, 8, 16)
    head, w_o, b_o = graph_weights(graph)
    np.testing.assert_allclose(ref.self_attention(x, head, w_o, b_o), graph.predict(x, verbose=0),
                               atol=TOLERANCE, rtol=0)
    assert isinstance(graph, keras.Model) and [layer.name for layer in graph.layers][-1] == "W_o"


def test_command_prints_checks_and_draws_the_graph(tmp_path):
    result = run_here("experiments.attention_reference", "--runs-dir", tmp_path / "runs", "--run-id", "check",
                      cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("| True |") == 3
    drawn = tmp_path / "runs" / "attention_reference" / "check" / "plots" / "self_attention_graph.png"
    if graph.can_draw():
        assert drawn.stat().st_size > 1000
    else:
        assert not drawn.exists() and "graph skipped: install pydot and Graphviz" in result.stdout
        pytest.skip("pydot or Graphviz's `dot` is missing: the graph image was not drawn (install graphviz)")


def test_command_bad_flag_writes_nothing(tmp_path):
    run_refused("experiments.attention_reference", "--heads", "0", "--runs-dir", tmp_path / "runs",
                expected="--heads", cwd=tmp_path)
