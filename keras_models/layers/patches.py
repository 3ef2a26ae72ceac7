"""Vision Transformer tokenisation: cut an image into patches, embed each patch.

`Patches` flattens non-overlapping ``p x p`` patches (Dosovitskiy et al. 2021); with
``shifted=True`` it does Shifted Patch Tokenization (Lee, Lee & Song 2021, "Vision
Transformer for Small-Size Datasets"): the image is concatenated, along channels, with
four copies of itself shifted diagonally by half a patch, so every token also carries
its neighbours' pixels. `PatchEncoder` projects each patch vector linearly and adds a
learned position embedding.
"""

from __future__ import annotations

import keras
from keras import layers, ops

#: Diagonal shifts (rows, columns), in units of half a patch: up-left, up-right,
#: down-left, down-right.
SHIFTS = ((-1, -1), (-1, 1), (1, -1), (1, 1))


def shift_image(images, rows: int, cols: int):
    """``images`` moved by ``rows`` down and ``cols`` right (negative: up/left);
    vacated pixels are zero. Shape ``(batch, height, width, channels)`` is kept."""
    height, width = images.shape[1], images.shape[2]
    padded = ops.pad(images, [[0, 0], [max(rows, 0), max(-rows, 0)], [max(cols, 0), max(-cols, 0)], [0, 0]])
    top, left = max(-rows, 0), max(-cols, 0)
    return padded[:, top:top + height, left:left + width, :]


@keras.saving.register_keras_serializable(package="keras_models")
class Patches(layers.Layer):
    """Non-overlapping square patches, each flattened to a vector.

    Args:
        patch_size: side ``p`` of a patch in pixels; height and width must be multiples of it.
        shifted: Shifted Patch Tokenization: concatenate the image with its four diagonal
            shifts by ``p // 2`` pixels first (5x the channels).

    Input shape: ``(batch, height, width, channels)`` with static height and width.
    Output shape: ``(batch, (height / p) * (width / p), p * p * channels * (5 if shifted else 1))``,
    in the layer's compute dtype; patches in row-major order, each vector ordered (row,
    column, channel). No weights, no sub-layers.
    """

    def __init__(self, patch_size: int, shifted: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size
        self.shifted = shifted

    def build(self, input_shape):
        height, width = input_shape[1], input_shape[2]
        if height is None or width is None or height % self.patch_size or width % self.patch_size:
            raise ValueError(f"image size {height}x{width} is not a multiple of patch_size={self.patch_size}")

    def call(self, images):
        if self.shifted:
            half = self.patch_size // 2
            images = ops.concatenate([images] + [shift_image(images, r * half, c * half) for r, c in SHIFTS], axis=-1)
        p = self.patch_size
        rows, cols, channels = images.shape[1] // p, images.shape[2] // p, images.shape[3]
        x = ops.reshape(images, (-1, rows, p, cols, p, channels))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))  # (batch, rows, cols, p, p, channels)
        return ops.reshape(x, (-1, rows * cols, p * p * channels))

    def compute_output_shape(self, input_shape):
        p = self.patch_size
        channels = input_shape[3] * (5 if self.shifted else 1)
        return (input_shape[0], (input_shape[1] // p) * (input_shape[2] // p), p * p * channels)

    def get_config(self):
        return {**super().get_config(), "patch_size": self.patch_size, "shifted": self.shifted}


@keras.saving.register_keras_serializable(package="keras_models")
class PatchEncoder(layers.Layer):
    """Linear projection of each patch plus a learned position embedding.

    Args:
        projection_dim: width ``d`` of a token.

    Input shape: ``(batch, num_patches, patch_dim)`` with static ``num_patches``.
    Output shape: ``(batch, num_patches, d)``, in the layer's compute dtype.
    Sub-layer, made in `build` with the layer's dtype policy: ``projection`` (`Dense`,
    ``patch_dim -> d``). Own weight: ``position_embedding`` of shape ``(num_patches, d)``
    (truncated normal, stddev 0.02, as in ViT).
    """

    def __init__(self, projection_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.projection_dim = projection_dim

    def build(self, input_shape):
        self.projection = layers.Dense(self.projection_dim, dtype=self.dtype_policy, name="projection")
        self.projection.build(input_shape)
        self.position_embedding = self.add_weight(
            shape=(input_shape[1], self.projection_dim), name="position_embedding",
            initializer=keras.initializers.TruncatedNormal(stddev=0.02),
        )

    def call(self, patches):
        return self.projection(patches) + ops.cast(self.position_embedding, self.compute_dtype)[None]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.projection_dim)

    def get_config(self):
        return {**super().get_config(), "projection_dim": self.projection_dim}
