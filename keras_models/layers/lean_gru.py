"""A GRU whose loop without cuDNN does less per time step: the same math, faster on CPU.

Keras 3's `keras.layers.GRU` runs, where cuDNN is not available, its cell once per time
step inside a ``tf.while_loop``: the input's projection ``x_t @ kernel``, the recurrent
one ``h @ recurrent_kernel``, three slices of each and the gates, a dozen small
TensorFlow ops per step. TensorFlow differentiates that loop itself, which keeps every
step's intermediates in tensor lists and adds a gradient op for each of those ops
(``StridedSliceGrad`` alone took 12 % of an attention_gru training step on an Intel
Xeon; docs/benchmarks.md). PyTorch runs the same layer as one fused oneDNN kernel;
TensorFlow has none on CPU.

`LeanGRU` keeps the layer, its weights (kernel, recurrent_kernel, bias of shape
``(2, 3 * units)``), its config and its outputs, and computes in training, where it
applies:

* the input projection of every step at once, one matmul over ``(batch * steps,
  features)``, outside the loop;
* a loop of one ``(batch, units) @ (units, 3 * units)`` product and the gates per step;
* its gradient by hand (backpropagation through time): the gates recomputed for every
  step at once from the saved outputs, then a loop of one product per step back in
  time, then the weights' gradients as single matmuls over all steps.

Gates in Keras' order (update z, reset r, candidate c) with ``reset_after=True`` (the
reset gate applied after the recurrent product, as in cuDNN and PyTorch)::

    z = sigmoid(x W_z + b_z + h U_z + u_z)
    r = sigmoid(x W_r + b_r + h U_r + u_r)
    c = tanh(x W_c + b_c + r * (h U_c + u_c))
    h' = z * h + (1 - z) * c

In inference (``training=False``: evaluation, prediction, an exported model) it runs
Keras' own loop, which has no gradient to keep there and was faster on batches of 512:
the input projection of a whole batch's sequence at once (151 MB for 512 beats of 192
steps) does not stay in the cache, the projection of one step does.

Anything else (another backend, a GPU where the layer may use cuDNN, a mask,
``go_backwards``, ``stateful``, ``unroll``, dropout, ``reset_after=False``, no bias,
other activations) falls back to Keras' own loop, so the layer is a drop-in
replacement. Input ``(batch, steps, features)``; output ``(batch, steps, units)`` with
``return_sequences=True``, else ``(batch, units)``.
"""

from __future__ import annotations

import keras


def _matmul_steps(x, w, bias):
    """``(steps, batch, n) @ (n, m) + (m,)`` -> ``(steps, batch, m)``, as one 2D matmul
    with its bias (one fused oneDNN op)."""
    import tensorflow as tf

    shape = tf.shape(x)
    y = tf.nn.bias_add(tf.matmul(tf.reshape(x, [-1, shape[-1]]), w), bias)
    return tf.reshape(y, tf.concat([shape[:-1], tf.shape(w)[-1:]], 0))


def _gates(xp, hp):
    """The gates from the input and recurrent projections (with their biases), for one
    step ``(batch, 3 * units)`` or all at once ``(steps, batch, 3 * units)``.

    Returns:
        z, r, c, hc: each with the shape of the inputs' last axis divided by 3; hc is
        ``h U_c + u_c``.
    """
    import tensorflow as tf

    xz, xr, xc = tf.split(xp, 3, axis=-1)
    hz, hr, hc = tf.split(hp, 3, axis=-1)
    z, r = tf.sigmoid(xz + hz), tf.sigmoid(xr + hr)
    return z, r, tf.tanh(xc + r * hc), hc


def _forward(xp, h0, recurrent_kernel, recurrent_bias):
    """The states of every step, ``(steps, batch, units)``, from `xp` ``(steps, batch,
    3 * units)`` and the first state `h0` ``(batch, units)``."""
    import tensorflow as tf

    steps = tf.shape(xp)[0]

    def step(t, h, states):
        z, _, c, _ = _gates(xp[t], tf.nn.bias_add(tf.matmul(h, recurrent_kernel), recurrent_bias))
        h = z * h + (1 - z) * c
        return t + 1, h, states.write(t, h)

    _, _, states = tf.while_loop(lambda t, *_: t < steps, step,
                                 (tf.constant(0), h0, tf.TensorArray(xp.dtype, size=steps)),
                                 maximum_iterations=steps)
    return states.stack()


def _backward(xp, h0, recurrent_kernel, recurrent_bias, hs, dhs):
    """Backpropagation through time: the gradients of `_forward`'s four inputs, given
    its output `hs` and the loss's gradient `dhs` (both ``(steps, batch, units)``)."""
    import tensorflow as tf

    steps = tf.shape(xp)[0]
    h_prev = tf.concat([h0[None], hs[:-1]], axis=0)
    z, r, c, hc = _gates(xp, _matmul_steps(h_prev, recurrent_kernel, recurrent_bias))
    # dL/d(pre-activations) = dL/dh' * these factors, per gate
    dz = (h_prev - c) * z * (1 - z)
    dc = (1 - z) * (1 - c * c)
    dr = dc * hc * r * (1 - r)
    to_hp = tf.concat([dz, dr, dc * r], axis=-1)  # dL/d(h U + u) = dL/dh' * to_hp
    to_hp_steps = tf.TensorArray(xp.dtype, size=steps).unstack(to_hp)
    keep = tf.TensorArray(xp.dtype, size=steps).unstack(z)
    upstream = tf.TensorArray(xp.dtype, size=steps).unstack(dhs)
    recurrent_t = tf.transpose(recurrent_kernel)

    def step(i, g, grads):
        t = steps - 1 - i
        g = upstream.read(t) + g  # dL/dh_t, (batch, units)
        d_hp = tf.tile(g, [1, 3]) * to_hp_steps.read(t)
        return i + 1, g * keep.read(t) + tf.matmul(d_hp, recurrent_t), grads.write(t, g)

    _, dh0, grads = tf.while_loop(lambda i, *_: i < steps, step,
                                  (tf.constant(0), tf.zeros_like(h0), tf.TensorArray(xp.dtype, size=steps)),
                                  maximum_iterations=steps)
    g3 = tf.tile(grads.stack(), [1, 1, 3])
    d_hp = g3 * to_hp
    d_xp = g3 * tf.concat([dz, dr, dc], axis=-1)
    units, gates = tf.shape(h_prev)[-1], tf.shape(d_hp)[-1]
    d_recurrent = tf.matmul(tf.reshape(h_prev, [-1, units]), tf.reshape(d_hp, [-1, gates]), transpose_a=True)
    return d_xp, dh0, d_recurrent, tf.reduce_sum(d_hp, axis=[0, 1])


def _recurrence(xp, h0, recurrent_kernel, recurrent_bias):
    """`_forward`, with `_backward` as its gradient (TensorFlow does not differentiate the
    loop): ``(steps, batch, 3 * units)`` -> ``(steps, batch, units)``."""
    import tensorflow as tf

    @tf.custom_gradient
    def recurrence(xp, h0, recurrent_kernel, recurrent_bias):
        inputs = [tf.stop_gradient(v) for v in (xp, h0, recurrent_kernel, recurrent_bias)]
        hs = _forward(*inputs)
        return hs, lambda dhs: _backward(*inputs, hs, dhs)

    return recurrence(xp, h0, recurrent_kernel, recurrent_bias)


def gru_sequence(inputs, initial_state, kernel, recurrent_kernel, bias):
    """Keras' GRU (``reset_after=True``, tanh and sigmoid) over a whole sequence.

    Args:
        inputs: ``(batch, steps, features)``.
        initial_state: ``(batch, units)``.
        kernel: ``(features, 3 * units)``; recurrent_kernel: ``(units, 3 * units)``;
            bias: ``(2, 3 * units)`` (input bias, recurrent bias).

    Returns:
        ``(batch, steps, units)``: the state after each step.
    """
    import tensorflow as tf

    xp = _matmul_steps(tf.transpose(inputs, [1, 0, 2]), kernel, bias[0])
    return tf.transpose(_recurrence(xp, initial_state, recurrent_kernel, bias[1]), [1, 0, 2])


@keras.saving.register_keras_serializable(package="keras_models")
class LeanGRU(keras.layers.GRU):
    """`keras.layers.GRU` (same arguments, weights and config) computed by
    `gru_sequence` in training, where it applies; Keras' own loop otherwise (see the
    module's docstring).

    Input shape: ``(batch, steps, features)``; output shape: ``(batch, steps, units)``
    with ``return_sequences=True``, else ``(batch, units)``.
    """

    def _lean(self, mask) -> bool:
        cell = self.cell
        return (keras.backend.backend() == "tensorflow" and mask is None and not self.go_backwards
                and not self.stateful and not self.unroll and cell.reset_after and cell.use_bias
                and not cell.dropout and not cell.recurrent_dropout
                and cell.activation is keras.activations.tanh
                and cell.recurrent_activation is keras.activations.sigmoid
                and not (self.use_cudnn in ("auto", True) and _gpu_available()))

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not training or not self._lean(mask[0] if isinstance(mask, (list, tuple)) else mask):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        state = initial_state[0] if isinstance(initial_state, (list, tuple)) else initial_state
        cast = [keras.ops.cast(w, sequences.dtype) for w in (self.cell.kernel, self.cell.recurrent_kernel,
                                                              self.cell.bias)]
        outputs = gru_sequence(sequences, keras.ops.cast(state, sequences.dtype), *cast)
        last = outputs[:, -1]
        return last, outputs, [last]


def _gpu_available() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_logical_devices("GPU"))
