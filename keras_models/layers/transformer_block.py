"""Post-LayerNorm transformer encoder block, shared by the heartbeat and text models.

::

    y = LayerNorm(x + Dropout(MultiHeadAttention(x, x)))
    z = LayerNorm(y + Dropout(Dense(width)(ReLU(Dense(intermediate)(y)))))

Two recipes use it:

* The heartbeat Transformer2DResNet (the course's PyTorch block): per-head key width
  ``width // num_heads`` and dropout on the attention weights only
  (``attention_dropout``), as ``nn.MultiheadAttention(dropout=...)``. In inference it
  computes what ``torch.nn.TransformerEncoderLayer(norm_first=False, activation="relu")``
  computes; in training that layer would also drop the attention and feed-forward
  outputs.
* The AG News transformer (keras-io "Text classification with Transformer", report 003
  Part IV): ``key_dim=embed_dim`` per head, dropout on the attention and feed-forward
  outputs (``dropout``), optional L2 on every kernel, padding masked out.

Under a mixed policy the sub-layers compute in the block's compute dtype; the
LayerNormalizations (`FusedLayerNormalization`) keep their statistics in float32 and
the attention masks padding with a large negative number (not ``-inf``), so
``mixed_bfloat16`` stays finite.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_models.layers.fused_layer_norm import FusedLayerNormalization


def _l2_factor(regularizer) -> float:
    """The factor of a plain `keras.regularizers.L2`, else 0.0."""
    return float(regularizer.l2) if type(regularizer) is keras.regularizers.L2 else 0.0


@keras.saving.register_keras_serializable(package="keras_models")
class TransformerBlock(layers.Layer):
    """Post-LayerNorm encoder block: self-attention, add & norm, ReLU FFN, add & norm.

    Args:
        num_heads: attention heads.
        intermediate_dim: width of the feed-forward hidden layer (None: the input width,
            as the course code's ``Linear(h, h) -> ReLU -> Linear(h, h)``).
        key_dim: query/key width of each head (None: input width // num_heads, PyTorch's
            split; the keras-io text model uses the full input width).
        dropout: rate of the dropout on the attention output and on the feed-forward output.
        attention_dropout: rate of the dropout on the attention weights.
        l2: shorthand for ``kernel_regularizer=keras.regularizers.L2(l2)`` (0: none).
        epsilon: LayerNormalization epsilon (PyTorch's 1e-5 by default).
        kernel_regularizer: regularizer of the attention and feed-forward kernels: a
            `keras.regularizers.Regularizer`, its name or its serialized dict
            (`keras.regularizers.get`). With both ``l2`` and ``kernel_regularizer``, the
            latter must be ``L2(l2)``.

    Attributes ``kernel_regularizer`` (the regularizer object or None) and ``l2`` (its
    factor when it is a plain `L2`, else 0.0). `get_config` holds both, the regularizer
    serialized (`keras.regularizers.serialize`).

    Input shape: ``(batch, sequence_length, width)``; an incoming ``(batch,
    sequence_length)`` mask (False at padding) keeps padding out of the attention and
    is passed on. Output shape: same as the input, in the layer's compute dtype.
    Sub-layers (for weight porting), made in `build` with the layer's dtype policy:
    ``attention`` (`MultiHeadAttention`), ``ffn_1``, ``ffn_2`` (`Dense`), ``norm_1``,
    ``norm_2`` (`FusedLayerNormalization`: Keras' LayerNormalization in one fused kernel), and ``dropout_1``, ``dropout_2`` (`Dropout`).
    """

    def __init__(self, num_heads: int, intermediate_dim: int | None = None, key_dim: int | None = None,
                 dropout: float = 0.0, attention_dropout: float = 0.0, l2: float = 0.0, epsilon: float = 1e-5,
                 kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        if l2:
            if kernel_regularizer is None:
                kernel_regularizer = keras.regularizers.L2(l2)
            elif _l2_factor(kernel_regularizer) != float(l2):
                raise ValueError(f"l2={l2} and kernel_regularizer={kernel_regularizer!r} disagree: give one of them")
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.key_dim = key_dim
        self.dropout = dropout
        self.attention_dropout = attention_dropout
        self.kernel_regularizer = kernel_regularizer
        self.l2 = _l2_factor(kernel_regularizer)
        self.epsilon = epsilon
        self.supports_masking = True

    def build(self, input_shape):
        width = input_shape[-1]
        if self.key_dim is None and width % self.num_heads:
            raise ValueError(f"input width {width} is not divisible by num_heads={self.num_heads}")
        inner = self.intermediate_dim or width
        # Creation order fixes the order of `weights` (norms, attention, ffn_1, ffn_2): keep it.
        self.norm_1 = FusedLayerNormalization(epsilon=self.epsilon, dtype=self.dtype_policy, name="norm_1")
        self.norm_2 = FusedLayerNormalization(epsilon=self.epsilon, dtype=self.dtype_policy, name="norm_2")
        self.dropout_1 = layers.Dropout(self.dropout, dtype=self.dtype_policy, name="dropout_1")
        self.dropout_2 = layers.Dropout(self.dropout, dtype=self.dtype_policy, name="dropout_2")
        self.attention = layers.MultiHeadAttention(
            self.num_heads, key_dim=self.key_dim or width // self.num_heads, dropout=self.attention_dropout,
            kernel_regularizer=self.kernel_regularizer, dtype=self.dtype_policy, name="attention")
        self.ffn_1 = layers.Dense(inner, activation="relu", kernel_regularizer=self.kernel_regularizer,
                                  dtype=self.dtype_policy, name="ffn_1")
        self.ffn_2 = layers.Dense(width, kernel_regularizer=self.kernel_regularizer, dtype=self.dtype_policy,
                                  name="ffn_2")
        self.attention.build(input_shape, input_shape)
        self.norm_1.build(input_shape)
        self.ffn_1.build(input_shape)
        self.ffn_2.build((*input_shape[:-1], inner))
        self.norm_2.build(input_shape)

    def call(self, inputs, training=None, mask=None):
        attended = self.attention(inputs, inputs, query_mask=mask, value_mask=mask, training=training)
        x = self.norm_1(inputs + self.dropout_1(attended, training=training))
        return self.norm_2(x + self.dropout_2(self.ffn_2(self.ffn_1(x)), training=training))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim,
            "key_dim": self.key_dim,
            "dropout": self.dropout,
            "attention_dropout": self.attention_dropout,
            "l2": self.l2,
            "epsilon": self.epsilon,
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }
