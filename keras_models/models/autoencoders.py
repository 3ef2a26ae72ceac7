"""Autoencoders of report 003: the Part I dense autoencoder and the four NAB versions.

The NAB models read windows of shape ``(batch, window, 1)`` and return a
reconstruction of the same shape. The report gives only parameter counts
(588, 1,356, 1,356, 4,193); the dense stacks below apply `Dense` to the last axis
(one value per time step) and give those counts exactly.
"""

from __future__ import annotations

from keras_models.lazy import keras, layers
from keras_models.registry import register_model
from keras_models.tuning.specs import choice


@register_model("autoencoder", documented_params=1_057_824, source="report 003, Part I",
                note="the report left out the output layer's 1,000 biases (512x1000 instead of 512x1000+1000)",
                input_shape=(1000,))
def part1_autoencoder(input_dim: int = 1000, hidden: int = 512, bottleneck: int = 32) -> keras.Model:
    """Part I: (batch, 1000) -> 512 ReLU -> 32 -> 512 ReLU -> (batch, 1000) sigmoid.

    1,058,824 parameters (the report's 1,057,824 leaves out the output biases).
    """
    inputs = keras.Input(shape=(input_dim,), name="sensor_vector")
    x = layers.Dense(hidden, activation="relu", name="hidden_1")(inputs)
    x = layers.Dense(bottleneck, name="bottleneck")(x)
    x = layers.Dense(hidden, activation="relu", name="hidden_2")(x)
    outputs = layers.Dense(input_dim, activation="sigmoid", name="reconstruction")(x)
    return keras.Model(inputs, outputs, name="part1_autoencoder")


def _dense_autoencoder(name: str, window: int, encoder: list[tuple[int, str]],
                       decoder: list[tuple[int, str]], output_activation: str) -> keras.Model:
    """Per-time-step dense autoencoder: (batch, window, 1) -> (batch, window, 1)."""
    inputs = keras.Input(shape=(window, 1), name="window")
    x = inputs
    for i, (units, activation) in enumerate(encoder, 1):
        x = layers.Dense(units, activation=activation, name=f"encoder_{i}")(x)
    for i, (units, activation) in enumerate(decoder, 1):
        x = layers.Dense(units, activation=activation, name=f"decoder_{i}")(x)
    outputs = layers.Dense(1, activation=output_activation, name="reconstruction")(x)
    return keras.Model(inputs, outputs, name=name)


@register_model("nab", documented_params=588, source="report 003, Part II (base)", input_shape=(30, 1))
def nab_base(window: int = 30) -> keras.Model:
    """Base: Dense 30-6-5 | 5-6-30-1, ReLU, sigmoid output (588 parameters)."""
    return _dense_autoencoder(
        "nab_base", window,
        encoder=[(30, "relu"), (6, "relu"), (5, "relu")],
        decoder=[(5, "relu"), (6, "relu"), (30, "relu")],
        output_activation="sigmoid",
    )


@register_model("nab", documented_params=1_356, source="report 003, Part II (version 1)", input_shape=(30, 1))
def nab_v1(window: int = 30) -> keras.Model:
    """Version 1: Dense 50-10-5 | 5-10-50-1, ReLU, sigmoid output (1,356 parameters)."""
    return _dense_autoencoder(
        "nab_v1", window,
        encoder=[(50, "relu"), (10, "relu"), (5, "relu")],
        decoder=[(5, "relu"), (10, "relu"), (50, "relu")],
        output_activation="sigmoid",
    )


@register_model("nab", documented_params=1_356, source="report 003, Part II (version 2)", input_shape=(30, 1))
def nab_v2(window: int = 30) -> keras.Model:
    """Version 2: v1's sizes with ReLU, tanh and sigmoid mixed (1,356 parameters)."""
    return _dense_autoencoder(
        "nab_v2", window,
        encoder=[(50, "relu"), (10, "tanh"), (5, "sigmoid")],
        decoder=[(5, "relu"), (10, "tanh"), (50, "relu")],
        output_activation="sigmoid",
    )


@register_model("nab", documented_params=4_193, source="report 003, Part II (version 3, LSTM)",
                input_shape=(30, 1), tunable={"encoder_units": choice(10, 20, 40), "decoder_units": choice(8, 15, 30),
                                              "dense_units": choice(8, 16, 32)})
def nab_v3(window: int = 30, encoder_units: int = 20, decoder_units: int = 15, dense_units: int = 16,
           unroll: bool = True) -> keras.Model:
    """Version 3, LSTM: (batch, window, 1) -> LSTM(20) -> RepeatVector(window) ->
    LSTM(15, seq) -> TimeDistributed(Dense 16) -> TimeDistributed(Dense 1) (4,193 parameters).

    `unroll=True` (same maths, same weights) replaces the LSTMs' while-loop by `window`
    unrolled steps: about twice as fast per epoch on CPU for a 30-step window
    (benchmarks/nab_walltime.py). Use `unroll=False` for long windows.
    """
    inputs = keras.Input(shape=(window, 1), name="window")
    x = layers.LSTM(encoder_units, activation="relu", unroll=unroll, name="encoder_lstm")(inputs)
    x = layers.RepeatVector(window, name="repeat")(x)
    x = layers.LSTM(decoder_units, activation="relu", return_sequences=True, unroll=unroll,
                    name="decoder_lstm")(x)
    x = layers.TimeDistributed(layers.Dense(dense_units, activation="relu"), name="decoder_dense")(x)
    outputs = layers.TimeDistributed(layers.Dense(1), name="reconstruction")(x)
    return keras.Model(inputs, outputs, name="nab_v3")
