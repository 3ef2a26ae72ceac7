"""LayerNormalization computed by TensorFlow's fused kernel: the same math, faster on CPU.

Keras 3's `keras.layers.LayerNormalization` builds the normalisation from element-wise
ops (mean, variance, rsqrt, multiply, add), in float32 even under a bfloat16 policy.
`FusedLayerNormalization` keeps the layer, its weights (gamma, beta) and its config,
and normalises each row with ``FusedBatchNormV3`` on the input seen as ``(1, rows,
width, 1)`` in NCHW layout, so that every row is one "channel" (the trick Keras 2's
LayerNormalization used); TensorFlow's graph optimizer then runs it as one oneDNN layer
norm. The kernel reads bfloat16 directly and keeps its statistics in float32; gamma and
beta are applied after, in the layer's compute dtype.

Rows of a transformer's tokens are short (64-128 values) and many: on 2 cores the
fused form trained the heartbeat transformer2d_resnet 1.11x faster in float32 and 1.11x
in bfloat16 (docs/benchmarks.md, "Why Keras trailed PyTorch"). Anything the fused form
does not cover (another backend, normalising over other axes than the last, no scale
or no center, RMS scaling) falls back to Keras' computation. Input and output shape:
``(batch, ..., width)``, unchanged.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="keras_models")
class FusedLayerNormalization(keras.layers.LayerNormalization):
    """`keras.layers.LayerNormalization` (same arguments, weights and config) computed by
    ``tf.compat.v1.nn.fused_batch_norm`` where it applies.

    Input shape: ``(batch, ..., width)``, normalised over the last axis; output shape:
    the same, in the layer's compute dtype.
    """

    def _fused(self, inputs) -> bool:
        rank = len(inputs.shape)
        axes = [a % rank for a in (self.axis if isinstance(self.axis, (list, tuple)) else [self.axis])]
        return (keras.backend.backend() == "tensorflow" and rank >= 2 and axes == [rank - 1]
                and self.scale and self.center and not self.rms_scaling)

    def call(self, inputs):
        if not self._fused(inputs):
            return super().call(inputs)
        import tensorflow as tf

        shape = tf.shape(inputs)
        rows = tf.reduce_prod(shape[:-1])
        x = tf.reshape(tf.cast(inputs, self.compute_dtype), tf.stack([1, rows, shape[-1], 1]))
        ones, zeros = tf.ones(rows[None], "float32"), tf.zeros(rows[None], "float32")
        y, _, _ = tf.compat.v1.nn.fused_batch_norm(x, scale=ones, offset=zeros, epsilon=self.epsilon,
                                                   data_format="NCHW")
        y = tf.reshape(y, shape)
        return y * tf.cast(self.gamma, y.dtype) + tf.cast(self.beta, y.dtype)
