"""Heartbeat classifiers of report 000 (MIT-BIH beats, 5 AAMI classes).

Ports of the report's PyTorch models, layer for layer (their PyTorch references
are in `keras_models.torch_refs.heartbeat`), and three 1D baselines:

==========================  =============  ==================================
builder                     input          from
==========================  =============  ==================================
`cnn2d_resnet`              (16, 12, 1)    report: CNN2DResNet (ported)
`transformer2d_resnet`      (16, 12, 1)    report: Transformer2DResNet (ported)
`attention_gru`             (192, 1)       report: AttentionGRU (ported)
`cnn1d_resnet`              (192, 1)       baseline: 1D analogue of cnn2d_resnet
`transformer1d_resnet`      (192, 1)       baseline: 1D analogue of transformer2d_resnet
`gru1d`                     (192, 1)       baseline: attention_gru without attention
==========================  =============  ==================================

A beat is 187 samples padded to 192: ``(192, 1)`` for the 1D models, reshaped
row-major to ``(16, 12, 1)`` for the 2D ones. Every model returns logits of shape
``(batch, num_classes)``: train with
``SparseCategoricalCrossentropy(from_logits=True)``.

Layers follow PyTorch's defaults wherever they change outputs: BatchNorm
``epsilon=1e-5, momentum=0.9`` (PyTorch's 0.1), LayerNorm ``epsilon=1e-5``, GRU
``reset_after=True``, and PyTorch-style padding for strided convolutions.

Recurrent models: the GRU layers are `keras_models.layers.LeanGRU`, Keras' GRU (same
arguments, weights and outputs) with a leaner loop in training where cuDNN is not used:
the input projection of all steps at once, and the gradient through time written out
instead of TensorFlow's differentiated loop (docs/benchmarks.md, "LeanGRU"). On a GPU,
Keras runs GRUs with cuDNN kernels by default, and a SavedModel exported from such a
model holds cuDNN-only ops that a CPU server cannot run (keras-team/keras#18504).
`keras_models.export` exports `without_cudnn(model)` (building with ``use_cudnn=False``
is not enough once the model is saved and reloaded: Keras does not save that setting).
"""

from __future__ import annotations

from keras_models.errors import UserError
from keras_models.lazy import custom_layers, keras, layers
from keras_models.registry import register_model
from keras_models.tuning.specs import choice, float_range, int_range

NORM_EPSILON = 1e-5  # PyTorch's BatchNorm and LayerNorm default
BN_MOMENTUM = 0.9  # = PyTorch's momentum=0.1 (Keras weights the old value)
_BN_NOTE = "trainable count; Keras' total adds 768 BatchNorm moving statistics (PyTorch buffers)"
_DROPOUT = float_range(0.0, 0.3, step=0.1)
_CNN_SPACE = {"hidden": choice(32, 64, 128), "num_blocks": int_range(1, 2)}


def _conv_layers(rank: int) -> tuple:
    """The layer classes over `rank` (1 or 2) spatial dimensions:
    (convolution, max pooling, zero padding, `ResNetBlock1D` or `ResNetBlock2D`)."""
    return {
        1: (layers.Conv1D, layers.MaxPooling1D, layers.ZeroPadding1D, custom_layers.ResNetBlock1D),
        2: (layers.Conv2D, layers.MaxPooling2D, layers.ZeroPadding2D, custom_layers.ResNetBlock2D),
    }[rank]


def _cnn_resnet(name: str, input_shape: tuple, num_classes: int, hidden: int, num_blocks: int) -> keras.Model:
    """Conv -> ReLU -> BN -> ResNet blocks -> MaxPool(2) -> Flatten -> Dense -> ReLU -> Dense,
    in 1D or 2D according to ``len(input_shape)``.

    The feature map is flattened in channels-first order (`Permute` first), as
    PyTorch's ``nn.Flatten`` flattens NCHW: a PyTorch ``Linear`` kernel then ports
    with a plain transpose.
    """
    rank = len(input_shape) - 1
    conv, pool, _, block = _conv_layers(rank)
    inputs = keras.Input(shape=input_shape, name="beat")
    x = conv(hidden, 3, padding="same", activation="relu", name="stem_conv")(inputs)
    x = custom_layers.FusedBatchNormalization(epsilon=NORM_EPSILON, momentum=BN_MOMENTUM, name="stem_bn")(x)
    for i in range(1, num_blocks + 1):
        x = block(hidden, name=f"resnet_block_{i}")(x)
    x = pool(2, name="pool")(x)
    channels_first = (rank + 1, *range(1, rank + 1))  # (3, 1, 2) in 2D, (2, 1) in 1D
    x = layers.Permute(channels_first, name="to_channels_first")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(hidden, activation="relu", name="dense")(x)
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name=name)


def _check_heads(kwargs: dict, width: str) -> None:
    """Attention needs the width divisible by the number of heads (`UserError` otherwise)."""
    if kwargs[width] % kwargs["num_heads"]:
        raise UserError(f"{width}={kwargs[width]} is not divisible by num_heads={kwargs['num_heads']}; "
                        "change one of them")


@register_model("heartbeat", recipe="cpu", view="2d", documented_params=1_084_421,
                source="report 000, CNN2DResNet (checked with torch)", note=_BN_NOTE,
                input_shape=(16, 12, 1), tunable=_CNN_SPACE)
def cnn2d_resnet(input_shape: tuple = (16, 12, 1), num_classes: int = 5, hidden: int = 128,
                 num_blocks: int = 1) -> keras.Model:
    """CNN2DResNet: the report's best model.

    ``(batch, 16, 12, 1)`` -> Conv2D(hidden, 3x3, same) -> ReLU -> BatchNorm ->
    `ResNetBlock2D` x num_blocks -> MaxPool(2) ``(batch, 8, 6, hidden)`` ->
    Flatten (channels first, 6,144) -> Dense(hidden) -> ReLU -> Dense(num_classes)
    -> logits ``(batch, num_classes)``.

    Defaults: 1,084,421 trainable parameters, plus 768 BatchNorm moving statistics.
    """
    return _cnn_resnet("cnn2d_resnet", input_shape, num_classes, hidden, num_blocks)


@register_model("heartbeat", recipe="cpu", view="1d", source="report 000, 1D baseline",
                note="no documented count: cnn2d_resnet with 1D convolutions", input_shape=(192, 1),
                tunable=_CNN_SPACE)
def cnn1d_resnet(input_shape: tuple = (192, 1), num_classes: int = 5, hidden: int = 128,
                 num_blocks: int = 1) -> keras.Model:
    """1D CNN baseline: `cnn2d_resnet` with 1D convolutions on the padded beat.

    ``(batch, 192, 1)`` -> Conv1D(hidden, 3, same) -> ReLU -> BatchNorm ->
    `ResNetBlock1D` x num_blocks -> MaxPool(2) ``(batch, 96, hidden)`` -> Flatten
    (channels first, 12,288) -> Dense(hidden) -> ReLU -> Dense(num_classes) -> logits.

    Defaults: 1,673,477 trainable parameters, plus 768 BatchNorm moving statistics.
    """
    return _cnn_resnet("cnn1d_resnet", input_shape, num_classes, hidden, num_blocks)


def _transformer_resnet(name: str, input_shape: tuple, num_classes: int, hidden: int, num_heads: int,
                        num_blocks: int, dropout: float, head: str) -> keras.Model:
    """Strided convolution -> ResNet block -> tokens -> transformer blocks -> mean -> head,
    in 1D or 2D according to ``len(input_shape)``.

    ``(batch, *spatial, 1)`` -> ZeroPadding(1) -> Conv(hidden, 3, stride 2) (PyTorch's
    ``padding=1``) ``(batch, *ceil(spatial / 2), hidden)`` -> ResNet block -> tokens
    ``(batch, prod(ceil(spatial / 2)), hidden)`` (row-major, as PyTorch's
    ``flatten(2).transpose(1, 2)``) -> `PositionalEncoding` -> Dropout ->
    `TransformerBlock` x num_blocks -> mean over tokens ``(batch, hidden)`` -> head ->
    logits ``(batch, num_classes)``.
    """
    if head not in ("linear", "mlp"):
        raise ValueError(f"head must be 'linear' or 'mlp', got {head!r}")
    conv, _, pad, block = _conv_layers(len(input_shape) - 1)
    inputs = keras.Input(shape=input_shape, name="beat")
    # PyTorch pads 1 on every side; Keras "same" would pad only at the end here.
    x = pad(1, name="stem_pad")(inputs)
    x = conv(hidden, 3, strides=2, name="stem_conv")(x)
    x = block(hidden, name="resnet_block")(x)
    x = layers.Reshape((-1, hidden), name="tokens")(x)
    x = custom_layers.PositionalEncoding(name="positional_encoding")(x)
    x = layers.Dropout(dropout, name="embedding_dropout")(x)
    for i in range(1, num_blocks + 1):
        x = custom_layers.TransformerBlock(num_heads, attention_dropout=dropout, name=f"transformer_block_{i}")(x)
    x = layers.GlobalAveragePooling1D(name="mean_pool")(x)
    if head == "mlp":
        x = layers.Dense(hidden // 2, activation="relu", name="head_dense")(x)
    x = layers.Dropout(dropout, name="head_dropout")(x)
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name=name)


_TRANSFORMER_SPACE = {"hidden": choice(64, 128), "num_blocks": int_range(1, 2), "num_heads": choice(2, 4, 8),
                      "dropout": float_range(0.1, 0.3, step=0.1), "head": choice("linear", "mlp")}


@register_model("heartbeat", recipe="cpu", view="2d", source="report 000, Transformer2DResNet",
                note="no documented count; equals the PyTorch reference's (397,189 with 1 block, 8 heads, "
                     "linear head; +512 BatchNorm statistics)",
                input_shape=(16, 12, 1), check=lambda kw: _check_heads(kw, "hidden"), tunable=_TRANSFORMER_SPACE)
def transformer2d_resnet(input_shape: tuple = (16, 12, 1), num_classes: int = 5, hidden: int = 128,
                         num_heads: int = 8, num_blocks: int = 1, dropout: float = 0.2,
                         head: str = "linear") -> keras.Model:
    """Transformer2DResNet: a strided convolution makes 2D patches into tokens.

    ``(batch, 16, 12, 1)`` -> Conv2D(hidden, 3x3, stride 2, padding 1)
    ``(batch, 8, 6, hidden)`` -> `ResNetBlock2D` -> tokens ``(batch, 48, hidden)``
    (row-major, as PyTorch's ``flatten(2).transpose(1, 2)``) -> `PositionalEncoding`
    -> Dropout -> `TransformerBlock` x num_blocks -> mean over tokens
    ``(batch, hidden)`` -> head -> logits ``(batch, num_classes)``.

    Args:
        dropout: rate of the embedding dropout, the attention-weight dropout and
            the head's dropout.
        head: ``"linear"``, the report's Dropout -> Dense(num_classes); or
            ``"mlp"``, the course code's Dense(hidden // 2) -> ReLU -> Dropout ->
            Dense(num_classes).

    Defaults: 397,189 trainable parameters (405,125 with ``head="mlp"``), plus 512
    BatchNorm moving statistics.
    """
    return _transformer_resnet("transformer2d_resnet", input_shape, num_classes, hidden, num_heads, num_blocks,
                               dropout, head)


def _stacked_gru(x, hidden: int, num_layers: int, dropout: float, use_cudnn):
    """PyTorch's ``nn.GRU(num_layers=n, dropout=p, batch_first=True)``: n GRU layers
    (`LeanGRU`) returning sequences, with Dropout(p) on the outputs of all but the last.
    Layers ``gru_1 .. gru_n``; ``(batch, steps, features)`` -> ``(batch, steps, hidden)``.
    """
    for i in range(1, num_layers + 1):
        x = custom_layers.LeanGRU(hidden, return_sequences=True, reset_after=True, use_cudnn=use_cudnn,
                                  name=f"gru_{i}")(x)
        if i < num_layers:
            x = layers.Dropout(dropout, name=f"gru_dropout_{i}")(x)
    return x


@register_model("heartbeat", recipe="cpu-gru", view="1d", documented_params=513_797,
                source="report 000, AttentionGRU (checked with torch)",
                note="GRU 446,592 + MHA 66,048 + 2 LayerNorms 512 + head 645", input_shape=(192, 1),
                check=lambda kw: _check_heads(kw, "hidden"),
                tunable={"hidden": choice(32, 64, 128), "num_layers": int_range(1, 5), "num_heads": choice(2, 4),
                         "dropout": _DROPOUT},
                test_kwargs=dict(hidden=16, num_layers=2, num_heads=2))
def attention_gru(input_shape: tuple = (192, 1), num_classes: int = 5, hidden: int = 128,
                  num_layers: int = 5, num_heads: int = 4, dropout: float = 0.2,
                  use_cudnn: bool | str = "auto") -> keras.Model:
    """AttentionGRU: stacked GRU, then self-attention over its outputs.

    ``(batch, 192, 1)`` -> GRU(hidden) x num_layers (Dropout between layers)
    ``(batch, 192, hidden)`` -> LayerNorm -> MultiHeadAttention(num_heads,
    self-attention, dropout on the weights) -> LayerNorm -> last time step
    ``(batch, hidden)`` -> Dense(num_classes) -> logits ``(batch, num_classes)``.

    There is no residual connection around the attention: the report names none.

    Args:
        use_cudnn: passed to every `keras.layers.GRU` ("auto": cuDNN on a GPU).

    Defaults: 513,797 parameters (GRU 446,592, attention 66,048, LayerNorms 512,
    head 645).
    """
    inputs = keras.Input(shape=input_shape, name="beat")
    x = _stacked_gru(inputs, hidden, num_layers, dropout, use_cudnn)
    x = layers.LayerNormalization(epsilon=NORM_EPSILON, name="gru_norm")(x)
    x = layers.MultiHeadAttention(num_heads, key_dim=hidden // num_heads, dropout=dropout, name="attention")(x, x)
    x = layers.LayerNormalization(epsilon=NORM_EPSILON, name="attention_norm")(x)
    outputs = layers.Dense(num_classes, name="logits")(x[:, -1, :])
    return keras.Model(inputs, outputs, name="attention_gru")


@register_model("heartbeat", recipe="cpu-gru", view="1d", source="report 000, 1D baseline",
                note="no documented count: attention_gru without norms or attention", input_shape=(192, 1),
                tunable={"hidden": choice(32, 64, 128), "num_layers": int_range(1, 5), "dropout": _DROPOUT},
                test_kwargs=dict(hidden=16, num_layers=2))
def gru1d(input_shape: tuple = (192, 1), num_classes: int = 5, hidden: int = 128, num_layers: int = 5,
          dropout: float = 0.2, use_cudnn: bool | str = "auto") -> keras.Model:
    """GRU baseline (the course's ``GRU``): `attention_gru` without norms and attention.

    ``(batch, 192, 1)`` -> GRU(hidden) x num_layers (Dropout between layers) ->
    last time step ``(batch, hidden)`` -> Dense(num_classes) -> logits.

    Defaults: 447,237 parameters.
    """
    inputs = keras.Input(shape=input_shape, name="beat")
    x = _stacked_gru(inputs, hidden, num_layers, dropout, use_cudnn)
    outputs = layers.Dense(num_classes, name="logits")(x[:, -1, :])
    return keras.Model(inputs, outputs, name="gru1d")


@register_model("heartbeat", recipe="cpu", view="1d", source="report 000, 1D baseline (checked with torch)",
                note="no documented count: transformer2d_resnet with 1D convolutions; equals the PyTorch "
                     "reference's (199,813 with 1 block, 8 heads, linear head; +512 BatchNorm statistics)",
                input_shape=(192, 1), check=lambda kw: _check_heads(kw, "hidden"), tunable=_TRANSFORMER_SPACE,
                test_kwargs=dict(hidden=16, num_heads=2))
def transformer1d_resnet(input_shape: tuple = (192, 1), num_classes: int = 5, hidden: int = 128,
                         num_heads: int = 8, num_blocks: int = 1, dropout: float = 0.2,
                         head: str = "linear") -> keras.Model:
    """1D transformer baseline: `transformer2d_resnet` with 1D convolutions on the padded beat.

    ``(batch, 192, 1)`` -> Conv1D(hidden, 3, stride 2, padding 1) ``(batch, 96, hidden)``
    -> `ResNetBlock1D` -> tokens ``(batch, 96, hidden)`` (one per pair of samples) ->
    `PositionalEncoding` -> Dropout -> `TransformerBlock` x num_blocks -> mean over
    tokens ``(batch, hidden)`` -> head -> logits ``(batch, num_classes)``.

    Args: as `transformer2d_resnet`.

    Defaults: 199,813 trainable parameters (207,749 with ``head="mlp"``), plus 512
    BatchNorm moving statistics.
    """
    return _transformer_resnet("transformer1d_resnet", input_shape, num_classes, hidden, num_heads, num_blocks,
                               dropout, head)
