"""The text transformer's encoder block (keras-io "Text classification with Transformer",
the model of report 003 Part IV)."""

from __future__ import annotations

import keras
from keras import layers, regularizers


@keras.saving.register_keras_serializable(package="keras_models")
class TransformerBlock(layers.Layer):
    """Post-LayerNorm encoder block.

    x -> MultiHeadAttention(x, x) -> Dropout -> LayerNorm(x + .) = y
      -> Dense(ff_dim, ReLU) -> Dense(embed_dim) -> Dropout -> LayerNorm(y + .)

    Input and output: (batch, sequence_length, embed_dim). An incoming (batch,
    sequence_length) boolean mask (False at padding) keeps padding out of the attention
    and is passed on unchanged.

    Args:
        embed_dim: width of the token vectors.
        num_heads: attention heads; each head's query/key width is `embed_dim` (as in keras-io).
        ff_dim: hidden width of the feed-forward network.
        dropout: rate of the two dropout layers (0 turns them into identities).
        l2: L2 penalty on the attention and feed-forward kernels (0: none).
        epsilon: LayerNormalization epsilon.
    """

    def __init__(self, embed_dim: int, num_heads: int, ff_dim: int, dropout: float = 0.1, l2: float = 0.0,
                 epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim, self.num_heads, self.ff_dim = embed_dim, num_heads, ff_dim
        self.dropout, self.l2, self.epsilon = dropout, l2, epsilon
        penalty = regularizers.L2(l2) if l2 else None
        self.attention = layers.MultiHeadAttention(num_heads, key_dim=embed_dim, kernel_regularizer=penalty,
                                                   name="attention")
        self.ffn_hidden = layers.Dense(ff_dim, activation="relu", kernel_regularizer=penalty, name="ffn_hidden")
        self.ffn_output = layers.Dense(embed_dim, kernel_regularizer=penalty, name="ffn_output")
        self.attention_dropout = layers.Dropout(dropout, name="attention_dropout")
        self.ffn_dropout = layers.Dropout(dropout, name="ffn_dropout")
        self.attention_norm = layers.LayerNormalization(epsilon=epsilon, name="attention_norm")
        self.ffn_norm = layers.LayerNormalization(epsilon=epsilon, name="ffn_norm")
        self.supports_masking = True

    def build(self, input_shape):
        self.attention.build(input_shape, input_shape)
        self.ffn_hidden.build(input_shape)
        self.ffn_output.build((*input_shape[:-1], self.ff_dim))
        self.attention_norm.build(input_shape)
        self.ffn_norm.build(input_shape)
        super().build(input_shape)

    def call(self, inputs, training=None, mask=None):
        attended = self.attention(inputs, inputs, query_mask=mask, value_mask=mask, training=training)
        x = self.attention_norm(inputs + self.attention_dropout(attended, training=training))
        transformed = self.ffn_output(self.ffn_hidden(x))
        return self.ffn_norm(x + self.ffn_dropout(transformed, training=training))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "embed_dim": self.embed_dim, "num_heads": self.num_heads,
                "ff_dim": self.ff_dim, "dropout": self.dropout, "l2": self.l2, "epsilon": self.epsilon}
