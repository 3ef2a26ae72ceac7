"""LayerNormalization computed by TensorFlow's fused kernel: the same math, faster on CPU.

Keras 3's `keras.layers.LayerNormalization` builds the normalisation from element-wise
ops (mean, variance, rsqrt, multiply, add, and as many in the gradient), in float32 even
under a bfloat16 policy. `FusedLayerNormalization` keeps the layer, its weights (gamma,
beta) and its config, and normalises each row with ``FusedBatchNormV3`` on the input
seen as ``(1, rows, width, 1)`` in NCHW layout, so that every row is one "channel" (the
trick of Keras 2's LayerNormalization): one kernel forward, one backward, statistics in
float32, bfloat16 read directly. gamma and beta follow in float32, with one rounding to
the compute dtype at the end. They are applied on the 4D view on purpose: after Keras
2's final reshape, TensorFlow's graph optimizer fuses the pattern into a oneDNN layer
norm in some traces and not in others, and a saved model then reloaded with other
outputs in the last bits (0.01 in bfloat16).

Rows of a transformer's tokens are short (64-128 values) and many: on 2 cores the
fused form trained the heartbeat transformer2d_resnet about 1.2x faster in float32 and
1.1x in bfloat16 (docs/benchmarks.md, "Why Keras trailed PyTorch"). Anything the fused
form does not cover (another backend, normalising over other axes than the last, no
scale or no center, RMS scaling) falls back to Keras' computation. Input and output
shape: ``(batch, ..., width)``, unchanged.
"""

from __future__ import annotations

import keras

from keras_models.layers.fused_batch_norm import last_axis_only


@keras.saving.register_keras_serializable(package="keras_models")
class FusedLayerNormalization(keras.layers.LayerNormalization):
    """`keras.layers.LayerNormalization` (same arguments, weights and config) computed by
    ``tf.compat.v1.nn.fused_batch_norm`` where it applies.

    Input shape: ``(batch, ..., width)``, normalised over the last axis; output shape:
    the same, in the layer's compute dtype.
    """

    def _fused(self, inputs) -> bool:
        rank = len(inputs.shape)
        return (keras.backend.backend() == "tensorflow" and rank >= 2 and last_axis_only(self.axis, rank)
                and self.scale and self.center and not self.rms_scaling)

    def call(self, inputs):
        if not self._fused(inputs):
            return super().call(inputs)
        import tensorflow as tf

        shape = tf.shape(inputs)
        rows, width = tf.reduce_prod(shape[:-1]), shape[-1]
        x = tf.reshape(tf.cast(inputs, self.compute_dtype), tf.stack([1, rows, width, 1]))
        ones, zeros = tf.ones(rows[None], "float32"), tf.zeros(rows[None], "float32")
        y, _, _ = tf.compat.v1.nn.fused_batch_norm(x, scale=ones, offset=zeros, epsilon=self.epsilon,
                                                   data_format="NCHW")
        # gamma and beta in float32 on the (1, rows, width, 1) view, then one rounding to the
        # compute dtype: in the layout of Keras 2's layer norm, TensorFlow's graph optimizer
        # fuses the pattern in some traces and not in others, and their outputs differ in the last bits
        gamma = tf.reshape(tf.cast(self.gamma, "float32"), [1, 1, -1, 1])
        beta = tf.reshape(tf.cast(self.beta, "float32"), [1, 1, -1, 1])
        return tf.reshape(tf.cast(tf.cast(y, "float32") * gamma + beta, self.compute_dtype), shape)
