"""Token and position embedding for text transformers (keras-io "Text classification
with Transformer", the model of report 003 Part IV)."""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="keras_models")
class TokenAndPositionEmbedding(layers.Layer):
    """Token embedding plus a learned embedding of each position.

    Input shape: ``(batch, sequence_length)`` integer token ids, 0 being padding.
    Output shape: ``(batch, sequence_length, embed_dim)`` = token vector + position
    vector, in the layer's compute dtype. With ``mask_zero=True`` the layer also returns
    a ``(batch, sequence_length)`` boolean mask, False at padding, which later layers
    (attention, pooling) honour.
    Sub-layers, made in `build` with the layer's dtype policy: ``token_embedding``
    (`Embedding`, ``(vocab_size, embed_dim)``) and ``position_embedding`` (`Embedding`,
    ``(sequence_length, embed_dim)``).

    Args:
        sequence_length: number of positions (the vectorizer's output length).
        vocab_size: number of token ids (including padding 0 and out-of-vocabulary 1).
        embed_dim: width of the vectors.
        mask_zero: mask padding tokens.
    """

    def __init__(self, sequence_length: int, vocab_size: int, embed_dim: int, mask_zero: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = sequence_length
        self.vocab_size = vocab_size
        self.embed_dim = embed_dim
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero

    def build(self, input_shape):
        self.token_embedding = layers.Embedding(self.vocab_size, self.embed_dim, mask_zero=self.mask_zero,
                                                dtype=self.dtype_policy, name="token_embedding")
        self.position_embedding = layers.Embedding(self.sequence_length, self.embed_dim, dtype=self.dtype_policy,
                                                   name="position_embedding")
        self.token_embedding.build(input_shape)
        self.position_embedding.build((input_shape[-1],))

    def call(self, inputs):
        positions = ops.arange(0, ops.shape(inputs)[-1])
        return self.token_embedding(inputs) + self.position_embedding(positions)

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.embed_dim)

    def get_config(self) -> dict:
        return {**super().get_config(), "sequence_length": self.sequence_length, "vocab_size": self.vocab_size,
                "embed_dim": self.embed_dim, "mask_zero": self.mask_zero}
