"""Single-head self-attention spelled out as a functional Keras model, one layer per
step of report 003 Part III, so that `keras.utils.plot_model` draws its computational graph.

x (batch, N, d_model) -> W_q, W_k, W_v (Dense) -> q, k (batch, N, d_k), v (batch, N, d_v)
-> q . k^T (batch, N, N) -> x 1/sqrt(d_k) -> softmax over keys -> weighted sum of v
(batch, N, d_v) -> W_o (Dense) -> o (batch, N, d_out)
"""

from __future__ import annotations

import math

import keras
from keras import layers

from keras_models.text.attention_numpy import HeadWeights


def self_attention_graph(sequence_length: int = 8, d_model: int = 16, d_k: int = 8, d_v: int = 8,
                         d_out: int = 16) -> keras.Model:
    """The model above; its outputs equal `attention_numpy.self_attention` with `graph_weights`."""
    x = keras.Input(shape=(sequence_length, d_model), name="x")
    q = layers.Dense(d_k, name="W_q")(x)
    k = layers.Dense(d_k, name="W_k")(x)
    v = layers.Dense(d_v, name="W_v")(x)
    scores = layers.Dot(axes=(2, 2), name="scores_q_dot_kT")([q, k])
    scaled = layers.Rescaling(1 / math.sqrt(d_k), name="scale_1_over_sqrt_dk")(scores)
    weights = layers.Softmax(axis=-1, name="softmax_over_keys")(scaled)
    z = layers.Dot(axes=(2, 1), name="weighted_sum_of_v")([weights, v])
    outputs = layers.Dense(d_out, name="W_o")(z)
    return keras.Model(x, outputs, name="self_attention")


def graph_weights(model: keras.Model) -> tuple[HeadWeights, object, object]:
    """(head weights, W_o kernel (d_v, d_out), b_o (d_out,)) of a `self_attention_graph` model."""
    kernel_bias = {name: [w.numpy() for w in model.get_layer(name).weights] for name in ("W_q", "W_k", "W_v", "W_o")}
    head = HeadWeights(*kernel_bias["W_q"], *kernel_bias["W_k"], *kernel_bias["W_v"])
    return head, *kernel_bias["W_o"]
