"""How far back a freshly built GRU remembers: its update gates' initial biases.

A Keras GRU (``reset_after=True``, as PyTorch's) computes ``h_t = z_t * h_{t-1} +
(1 - z_t) * candidate_t`` with the update gate ``z_t = sigmoid(W_z x_t + U_z h_{t-1} +
b_z)``. Built with ``b_z = 0`` (Keras's zeros; PyTorch draws it from +-1/sqrt(hidden)),
each step keeps about half of the state: after 100 steps, 2**-100 of it. A beat starts
at its R peak and ends in zero padding (about 70 of its 192 samples), and the logits of
`gru1d` read the last step, so at the start of training the gradient of the loss does
not reach the beat itself (mean |d logit / d x_t| over 64 training beats, freshly built
gru1d: 2.3e-36 at the R peak, t = 0; 9.9e-19 at t = 90; 1.0e-3 at t = 191, in the
padding: ``python -m benchmarks.gru_recipe --gradient-profile``). Trained long enough,
the gates learn to remember (the report's many epochs may); in the cpu budget, gru1d
stayed at the uniform answer on balanced sets. `attention_gru` learned without it: its
attention reads every step (1.3e-2 at t = 0); ``cpu-gru`` gives both GRUs chrono biases.

``chrono`` (Tallec & Ollivier, "Can recurrent neural networks warp time?", ICLR 2018)
draws each unit's ``b_z = log(T)``, with T uniform in [1, steps - 1]: unit timescales
spread from one step to the whole beat, so a gradient reaches every sample from the
first step (1.8e-5 at t = 0, 3.0e-5 at t = 90 for the same beats). It changes no
parameter count and nothing but the update gates' starting biases.
"""

from __future__ import annotations

import numpy as np

#: the update gates' initial biases: "zeros" (Keras's) or "chrono"
GRU_UPDATE_BIASES = ("zeros", "chrono")


def chrono_update_bias(units: int, steps: int, rng: np.random.Generator) -> np.ndarray:
    """``log(T)``, T uniform in [1, steps - 1]: ``(units,)`` biases in [0, log(steps - 1)]."""
    return np.log(rng.uniform(1.0, max(steps - 1, 2), size=units)).astype("float32")


class ChronoGRUs:
    """A `runner.Job.prepare_model` hook: give every `keras.layers.GRU` of a built model
    chrono update-gate biases, seeded (the same biases for the same seed)."""

    def __init__(self, seed: int):
        self.seed = seed

    def __call__(self, model) -> None:
        import keras

        rng = np.random.default_rng(self.seed)
        steps = model.inputs[0].shape[1]
        for layer in model.layers:  # the heartbeat GRUs are layers of the functional model itself
            if isinstance(layer, keras.layers.GRU):
                bias = keras.ops.convert_to_numpy(layer.cell.bias).copy()
                # bias: (2, 3 * units) with reset_after (input and recurrent rows), else (3 * units,);
                # gates in the order z, r, candidate: the input row's first `units` are z's
                row = bias[0] if bias.ndim == 2 else bias
                row[:layer.units] = chrono_update_bias(layer.units, steps, rng)
                layer.cell.bias.assign(bias)


def input_gradient(model, x: np.ndarray, logit: int = 0) -> np.ndarray:
    """Mean |d logits[:, logit] / d x_t| over the beats ``x`` ``(beats, steps, 1)``: ``(steps,)``,
    how much of each sample reaches the model's output (`benchmarks.gru_recipe --gradient-profile`)."""
    import tensorflow as tf

    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(model(x, training=False)[:, logit])
    return tf.reduce_mean(tf.abs(tape.gradient(total, x)[..., 0]), axis=0).numpy()
