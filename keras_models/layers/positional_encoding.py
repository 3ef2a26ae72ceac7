"""Fixed sinusoidal position encoding ("Attention Is All You Need", section 3.5).

The formula of the PyTorch transformer tutorial that the course code copies::

    div[i]          = exp(2i * -ln(max_wavelength) / hidden)
    PE[pos, 2i]     = sin(pos * div[i])
    PE[pos, 2i + 1] = cos(pos * div[i])
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="keras_models")
class PositionalEncoding(layers.Layer):
    """Adds the sinusoidal position encoding to a sequence of vectors.

    The encoding has no weights; it is computed for the input's length, so any
    sequence length works. Dropout, which PyTorch's tutorial folds into its module,
    is a separate `keras.layers.Dropout` here.

    Args:
        max_wavelength: the base of the geometric progression of wavelengths.

    Input shape: ``(batch, sequence_length, hidden)`` with ``hidden`` even.
    Output shape: same as the input, in the layer's compute dtype (the encoding is
    computed in float32, then cast). No weights, no sub-layers.
    """

    def __init__(self, max_wavelength: float = 10_000.0, **kwargs):
        super().__init__(**kwargs)
        self.max_wavelength = max_wavelength
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape[-1] is None or input_shape[-1] % 2:
            raise ValueError(f"PositionalEncoding needs an even, known last dimension; got shape {input_shape}")

    def call(self, inputs):
        length, hidden = ops.shape(inputs)[1], inputs.shape[-1]
        positions = ops.cast(ops.arange(length), "float32")[:, None]  # (length, 1)
        div = ops.exp(ops.arange(0, hidden, 2, dtype="float32") * (-math.log(self.max_wavelength) / hidden))
        angles = positions * div  # (length, hidden / 2)
        # Interleave: even features are sines, odd features cosines.
        encoding = ops.reshape(ops.stack([ops.sin(angles), ops.cos(angles)], axis=-1), (length, hidden))
        return inputs + ops.cast(encoding, inputs.dtype)[None]  # inputs arrive in the compute dtype

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_wavelength": self.max_wavelength}
