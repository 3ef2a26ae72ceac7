"""Mixed precision: build a model under a Keras dtype policy, keep its outputs float32.

``float32``
    Everything in float32 (the reference numerics).
``mixed_bfloat16``
    Layers compute in bfloat16, variables stay float32: the lever on CPUs with
    AVX512-BF16 (and on TPUs); no loss scaling needed.
``mixed_float16``
    Layers compute in float16, variables stay float32, the loss is scaled (Keras wraps
    the optimizer in a `LossScaleOptimizer` when it compiles such a model): the lever on
    NVIDIA GPUs.

Whatever the policy, the model's outputs are cast to float32 by a last layer
(``float32_output``), so losses, softmax probabilities, metrics and the exported
SavedModel's outputs are float32; its inputs are float32 (or strings) as before.
"""

from __future__ import annotations

from contextlib import contextmanager

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


@contextmanager
def policy(name: str):
    """Build layers under the Keras dtype policy `name` inside the block; restore the previous one after."""
    import keras

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


def build(make_model, name: str):
    """`make_model()` built under policy `name`, with float32 outputs.

    Under ``float32`` the model is returned as built. Otherwise a float32 linear
    `Activation` is added after each output that is not float32 already: shapes, weights
    and parameter counts are unchanged.
    """
    if name == "float32":
        return make_model()
    import keras

    with policy(name):
        model = make_model()
        outputs = model.outputs
        if all(keras.backend.standardize_dtype(o.dtype) == "float32" for o in outputs):
            return model
        cast = [keras.layers.Activation("linear", dtype="float32", name=f"float32_output{'_' + str(i) if i else ''}")(o)
                for i, o in enumerate(outputs)]
        return keras.Model(model.input, cast[0] if len(cast) == 1 else cast, name=model.name)
