"""Post-LayerNorm transformer encoder block, as the course's PyTorch ``TransformerBlock``.

::

    x = LayerNorm(x + MultiHeadAttention(x, x, x))
    x = LayerNorm(x + Dense(hidden)(ReLU(Dense(intermediate)(x))))

This is the course's hand-written block, chosen over `torch.nn.TransformerEncoderLayer`
because it is what the report's models were trained with. The two compute the same
function in inference mode (``TransformerEncoderLayer(norm_first=False,
activation="relu", dim_feedforward=intermediate_dim)``); in training they differ
only in where dropout applies: here dropout acts on the attention weights alone, as
``nn.MultiheadAttention(dropout=...)`` does, while ``TransformerEncoderLayer`` also
drops the attention and feed-forward outputs.
"""

from __future__ import annotations

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="keras_models")
class TransformerBlock(layers.Layer):
    """Post-LayerNorm encoder block: self-attention, add & norm, ReLU FFN, add & norm.

    Args:
        num_heads: attention heads; the input width must be divisible by it.
        intermediate_dim: width of the feed-forward hidden layer (None: the input
            width, as in the course code's ``Linear(h, h) -> ReLU -> Linear(h, h)``).
        dropout: dropout rate on the attention weights.
        epsilon: LayerNormalization epsilon (PyTorch's 1e-5).

    Input shape: ``(batch, sequence_length, hidden)``. Output shape: same.
    Sub-layers (for weight porting): ``attention`` (`MultiHeadAttention`),
    ``ffn_1``, ``ffn_2`` (`Dense`), ``norm_1``, ``norm_2`` (`LayerNormalization`).
    """

    def __init__(self, num_heads: int, intermediate_dim: int | None = None, dropout: float = 0.0,
                 epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.epsilon = epsilon
        self.norm_1 = layers.LayerNormalization(epsilon=epsilon, name="norm_1")
        self.norm_2 = layers.LayerNormalization(epsilon=epsilon, name="norm_2")

    def build(self, input_shape):
        hidden = input_shape[-1]
        if hidden % self.num_heads:
            raise ValueError(f"input width {hidden} is not divisible by num_heads={self.num_heads}")
        self.attention = layers.MultiHeadAttention(
            self.num_heads, key_dim=hidden // self.num_heads, dropout=self.dropout, name="attention"
        )
        self.ffn_1 = layers.Dense(self.intermediate_dim or hidden, activation="relu", name="ffn_1")
        self.ffn_2 = layers.Dense(hidden, name="ffn_2")
        self.attention.build(input_shape, input_shape)
        self.norm_1.build(input_shape)
        self.ffn_1.build(input_shape)
        self.ffn_2.build((*input_shape[:-1], self.intermediate_dim or hidden))
        self.norm_2.build(input_shape)

    def call(self, inputs, training=None):
        x = self.norm_1(inputs + self.attention(inputs, inputs, training=training))
        return self.norm_2(x + self.ffn_2(self.ffn_1(x)))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
            "epsilon": self.epsilon,
        }
