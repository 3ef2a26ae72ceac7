"""Basic residual blocks (He et al. 2016) for 1D and 2D feature maps, channels last.

``conv3x3 -> BN -> ReLU -> conv3x3 -> BN``, plus the input (through a 1x1
convolution only when the channel counts differ or the block downsamples), then ReLU:
the course's PyTorch ``ResNetBlock2D``; ``strides=2`` gives ResNet-18's downsampling
block (first convolution and shortcut with stride 2). BatchNorm defaults are PyTorch's (``eps=1e-5``,
``momentum=0.1``, i.e. Keras ``momentum=0.9``), so ported weights give the same
outputs.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_models.layers.fused_batch_norm import FusedBatchNormalization


class _ResNetBlock(layers.Layer):
    """A basic residual block over `rank` spatial dimensions (the shared code).

    Args:
        filters: output channels.
        kernel_size: size of both convolutions ("same" padding).
        strides: stride of the first convolution and of the shortcut projection
            (1 keeps the size; 2 halves it, rounding up).
        epsilon: BatchNormalization epsilon (PyTorch's 1e-5).
        momentum: BatchNormalization moving-average momentum (Keras convention:
            0.9 here is PyTorch's ``momentum=0.1``).

    Sub-layers are made in `build`, with the layer's dtype policy (BatchNormalization is
    `FusedBatchNormalization`: Keras' layer in TensorFlow's fused kernel, statistics in
    float32 under a mixed policy); the output is in the layer's compute dtype.
    """

    rank: int  # set by the subclasses

    def __init__(self, filters: int, kernel_size: int = 3, epsilon: float = 1e-5,
                 momentum: float = 0.9, strides: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.epsilon = epsilon
        self.momentum = momentum
        self.projection = None  # a 1x1 convolution, made in build() if channels or size change

    def build(self, input_shape):
        conv = layers.Conv1D if self.rank == 1 else layers.Conv2D
        # Creation order fixes the order of `weights` (conv1, bn1, conv2, bn2, projection): keep it.
        self.conv1 = conv(self.filters, self.kernel_size, strides=self.strides, padding="same",
                          dtype=self.dtype_policy, name="conv1")
        self.bn1 = FusedBatchNormalization(epsilon=self.epsilon, momentum=self.momentum,
                                             dtype=self.dtype_policy, name="bn1")
        self.conv2 = conv(self.filters, self.kernel_size, padding="same", dtype=self.dtype_policy, name="conv2")
        self.bn2 = FusedBatchNormalization(epsilon=self.epsilon, momentum=self.momentum,
                                             dtype=self.dtype_policy, name="bn2")
        if input_shape[-1] != self.filters or self.strides != 1:
            self.projection = conv(self.filters, 1, strides=self.strides, dtype=self.dtype_policy,
                                   name="projection")
            self.projection.build(input_shape)
        output_shape = self.compute_output_shape(input_shape)
        self.conv1.build(input_shape)
        self.bn1.build(output_shape)
        self.conv2.build(output_shape)
        self.bn2.build(output_shape)

    def call(self, inputs, training=None):
        x = self.conv1(inputs)
        x = keras.ops.relu(self.bn1(x, training=training))
        x = self.bn2(self.conv2(x), training=training)
        shortcut = inputs if self.projection is None else self.projection(inputs)
        return keras.ops.relu(x + shortcut)

    def compute_output_shape(self, input_shape):
        spatial = [None if n is None else -(-n // self.strides) for n in input_shape[1:-1]]
        return (input_shape[0], *spatial, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "epsilon": self.epsilon,
            "momentum": self.momentum,
            "strides": self.strides,
        }


@keras.saving.register_keras_serializable(package="keras_models")
class ResNetBlock1D(_ResNetBlock):
    """Basic residual block on sequences.

    Input shape: ``(batch, steps, channels)``; output shape:
    ``(batch, ceil(steps / strides), filters)``.
    Sub-layers (for weight porting): ``conv1, bn1, conv2, bn2`` and ``projection``
    (None when ``channels == filters``).
    """

    rank = 1


@keras.saving.register_keras_serializable(package="keras_models")
class ResNetBlock2D(_ResNetBlock):
    """Basic residual block on images (PyTorch ``ResNetBlock2D`` of the course code).

    Input shape: ``(batch, height, width, channels)``; output shape:
    ``(batch, ceil(height / strides), ceil(width / strides), filters)``. Sub-layers (for weight porting):
    ``conv1, bn1, conv2, bn2`` and ``projection`` (None when ``channels == filters``).
    """

    rank = 2
