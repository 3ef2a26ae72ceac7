"""Locality Self-Attention (Lee, Lee & Song 2021, "Vision Transformer for Small-Size Datasets").

Multi-head self-attention with two changes that sharpen the attention of a ViT trained
from scratch on few images:

* a learnable temperature ``tau`` replaces the fixed ``sqrt(key_dim)``:
  ``scores = Q K^T / tau`` (``tau`` starts at ``sqrt(key_dim)``);
* diagonal masking: a token's score for itself is ``-inf``, so each token attends
  to the others only.

The projections run in the layer's compute dtype; the scores are divided by ``tau``,
masked and normalised in float32 (``-inf`` and ``exp`` are then safe under a
``mixed_bfloat16`` or ``mixed_float16`` policy) and cast back before the weighted sum.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="keras_models")
class LocalitySelfAttention(layers.Layer):
    """Multi-head self-attention with a learnable temperature and diagonal masking.

    Args:
        num_heads: attention heads ``h``; the input width ``d`` must be divisible by it
            (each head has ``d / h`` dimensions).
        dropout: dropout rate on the attention weights.

    Input shape: ``(batch, tokens, d)`` with at least 2 tokens. Output shape: same, in
    the layer's compute dtype.
    Sub-layers, made in `build` with the layer's dtype policy: ``attention_dropout``
    (`Dropout`) and ``query``, ``key``, ``value``, ``output`` (`Dense`, ``d -> d``, with
    bias: the parameters of `keras.layers.MultiHeadAttention`; the attribute of
    ``output`` is ``output_dense``). Own weight: the scalar ``temperature`` (kept in
    float32, not autocast).
    """

    def __init__(self, num_heads: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.dropout = dropout

    def build(self, input_shape):
        width = input_shape[-1]
        if width % self.num_heads:
            raise ValueError(f"input width {width} is not divisible by num_heads={self.num_heads}")
        if input_shape[1] is not None and input_shape[1] < 2:
            raise ValueError("diagonal masking needs at least 2 tokens")
        self.head_dim = width // self.num_heads
        # Creation order fixes the order of `weights`: keep it.
        self.attention_dropout = layers.Dropout(self.dropout, dtype=self.dtype_policy, name="attention_dropout")
        self.query, self.key, self.value, self.output_dense = (
            layers.Dense(width, dtype=self.dtype_policy, name=name) for name in ("query", "key", "value", "output")
        )
        for dense in (self.query, self.key, self.value, self.output_dense):
            dense.build(input_shape)
        self.temperature = self.add_weight(
            shape=(), name="temperature", initializer=keras.initializers.Constant(math.sqrt(self.head_dim)),
            autocast=False,
        )

    def _heads(self, x, tokens):
        """(batch, tokens, d) -> (batch, heads, tokens, d / heads)."""
        return ops.transpose(ops.reshape(x, (-1, tokens, self.num_heads, self.head_dim)), (0, 2, 1, 3))

    def call(self, inputs, training=None):
        tokens = ops.shape(inputs)[1]
        q, k, v = (self._heads(dense(inputs), tokens) for dense in (self.query, self.key, self.value))
        # Scores in float32 from here to the softmax: -inf and exp are safe whatever the compute dtype.
        scores = ops.cast(ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))), "float32")
        scores = scores / ops.cast(self.temperature, "float32")
        self_scores = ops.eye(tokens, dtype="bool")[None, None]  # (1, 1, tokens, tokens)
        scores = ops.where(self_scores, ops.cast(float("-inf"), "float32"), scores)
        weights = ops.cast(ops.softmax(scores, axis=-1), v.dtype)
        weights = self.attention_dropout(weights, training=training)
        x = ops.transpose(ops.matmul(weights, v), (0, 2, 1, 3))  # (batch, tokens, heads, d / heads)
        return self.output_dense(ops.reshape(x, (-1, tokens, self.num_heads * self.head_dim)))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "dropout": self.dropout}
