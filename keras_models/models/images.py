"""Image classifiers of report 003's Bonus part (dogs / food / vehicles, 64x64 RGB).

======================  ==============================================================
builder                 architecture
======================  ==============================================================
`vit`                   Vision Transformer; by default with Shifted Patch Tokenization
                        and Locality Self-Attention (Lee et al. 2021, ViT for small data)
`efficientnet_b0`       `keras.applications.EfficientNetB0`, own 3-class top
`vgg`                   VGG-16 layout (13 conv + 3 dense) with BatchNorm, sized for 64x64
`resnet`                ResNet-18 layout (4 stages x 2 basic blocks), sized for 64x64
======================  ==============================================================

Every model takes raw pixels, shape ``(batch, 64, 64, 3)``, values 0-255 (float), and
scales them itself (a `Rescaling` layer; EfficientNet's own Rescaling and
Normalization), so the exported model needs no preprocessing. Every model returns
logits of shape ``(batch, num_classes)``.
"""

from __future__ import annotations

from keras_models.errors import UserError
from keras_models.lazy import custom_layers, keras, layers
from keras_models.registry import register_model
from keras_models.tuning.specs import choice, float_range, int_range

INPUT_SHAPE = (64, 64, 3)
LN_EPSILON = 1e-6  # ViT's LayerNorm epsilon


def _image_input(input_shape: tuple):
    """The raw-pixel input and its rescaling to [0, 1]: ``(batch, h, w, c)`` both."""
    inputs = keras.Input(shape=input_shape, name="image")
    return inputs, layers.Rescaling(1.0 / 255, name="rescale")(inputs)


def _mlp(x, units: tuple, dropout: float, activation: str, name: str):
    """Dense layers ``units`` with ``activation``, each followed by Dropout."""
    for i, n in enumerate(units, start=1):
        x = layers.Dense(n, activation=activation, name=f"{name}_dense_{i}")(x)
        x = layers.Dropout(dropout, name=f"{name}_dropout_{i}")(x)
    return x


def _vit_block(x, num_heads: int, mlp_ratio: int, dropout: float, locality: bool, name: str):
    """Pre-LayerNorm encoder block: ``x + Attention(LN(x))``, then ``x + MLP(LN(x))``
    (GELU MLP of width ``mlp_ratio * d``). ``(batch, tokens, d)`` -> same."""
    width = x.shape[-1]
    y = layers.LayerNormalization(epsilon=LN_EPSILON, name=f"{name}_norm_1")(x)
    if locality:
        y = custom_layers.LocalitySelfAttention(num_heads, dropout=dropout, name=f"{name}_attention")(y)
    else:
        y = layers.MultiHeadAttention(num_heads, key_dim=width // num_heads, dropout=dropout,
                                      name=f"{name}_attention")(y, y)
    x = layers.Add(name=f"{name}_add_1")([x, layers.Dropout(dropout, name=f"{name}_dropout_1")(y)])
    y = layers.LayerNormalization(epsilon=LN_EPSILON, name=f"{name}_norm_2")(x)
    y = _mlp(y, (mlp_ratio * width,), dropout, "gelu", f"{name}_mlp")
    y = layers.Dense(width, name=f"{name}_mlp_out")(y)
    return layers.Add(name=f"{name}_add_2")([x, layers.Dropout(dropout, name=f"{name}_dropout_2")(y)])


def _check_vit(kwargs: dict) -> None:
    """Patches must tile the image and the token width split into heads (`UserError` otherwise)."""
    (height, width, *_), patch = kwargs["input_shape"], kwargs["patch_size"]
    if height % patch or width % patch:
        raise UserError(f"image size {height}x{width} is not a multiple of patch_size={patch}; "
                        "choose a patch size that divides it")
    if kwargs["projection_dim"] % kwargs["num_heads"]:
        raise UserError(f"projection_dim={kwargs['projection_dim']} is not divisible by "
                        f"num_heads={kwargs['num_heads']}; change one of them")


def _check_stages(kwargs: dict) -> None:
    """One width per stage (`UserError` otherwise)."""
    widths = kwargs["widths"]
    per_stage = kwargs.get("convs_per_stage", kwargs.get("blocks_per_stage"))
    if len(widths) != len(per_stage):
        raise UserError(f"widths {tuple(widths)} and the per-stage counts {tuple(per_stage)} differ in length; "
                        "give one count per width")


@register_model("images", recipe="vit", documented={"test_accuracy": 0.8115},
                source="report 003, Bonus (ViT)",
                note="the report gives no count; ViT with shifted patches and locality self-attention "
                     "(Lee et al. 2021), patch 8, d 128, 4 heads, 6 layers",
                input_shape=(64, 64, 3), check=_check_vit,
                test_kwargs=dict(patch_size=16, projection_dim=8, num_heads=2, transformer_layers=1,
                                 mlp_head_units=(8,)),
                tunable={"patch_size": choice(4, 8), "projection_dim": choice(64, 128),
                         "transformer_layers": int_range(2, 8, 2), "num_heads": choice(2, 4)})
def vit(input_shape: tuple = INPUT_SHAPE, num_classes: int = 3, patch_size: int = 8, projection_dim: int = 128,
        num_heads: int = 4, transformer_layers: int = 6, mlp_ratio: int = 2, mlp_head_units: tuple = (256,),
        dropout: float = 0.1, shifted_patches: bool = True, locality_attention: bool = True) -> keras.Model:
    """Vision Transformer for small images.

    ``(batch, 64, 64, 3)`` 0-255 -> Rescaling -> `Patches` ``(batch, 64, 192)`` (8x8
    patches; ``(batch, 64, 960)`` with Shifted Patch Tokenization, then LayerNorm) ->
    `PatchEncoder` (linear projection + learned position embedding) ``(batch, 64, d)``
    -> Dropout -> ``transformer_layers`` pre-LN encoder blocks -> LayerNorm -> mean over
    tokens ``(batch, d)`` -> MLP head (GELU, Dropout) -> logits ``(batch, num_classes)``.

    Args:
        patch_size: patch side in pixels (image sides must be multiples of it).
        projection_dim: token width ``d``.
        num_heads: attention heads (``d`` must be divisible by it).
        transformer_layers: number of encoder blocks.
        mlp_ratio: width of each block's MLP, in multiples of ``d``.
        mlp_head_units: hidden widths of the classification head (``()``: linear head).
        dropout: rate on the embeddings, attention weights, block outputs and head.
        shifted_patches: Shifted Patch Tokenization (Lee et al. 2021); False gives ViT's
            plain patch embedding.
        locality_attention: Locality Self-Attention (learnable temperature, diagonal
            masking; Lee et al. 2021); False gives `keras.layers.MultiHeadAttention`.

    Defaults: 962,057 trainable parameters (861,827 with both options off).
    """
    _check_vit(dict(input_shape=input_shape, patch_size=patch_size, projection_dim=projection_dim,
                    num_heads=num_heads))
    inputs, x = _image_input(input_shape)
    x = custom_layers.Patches(patch_size, shifted=shifted_patches, name="patches")(x)
    if shifted_patches:
        x = layers.LayerNormalization(epsilon=LN_EPSILON, name="patch_norm")(x)
    x = custom_layers.PatchEncoder(projection_dim, name="patch_encoder")(x)
    x = layers.Dropout(dropout, name="embedding_dropout")(x)
    for i in range(1, transformer_layers + 1):
        x = _vit_block(x, num_heads, mlp_ratio, dropout, locality_attention, name=f"block_{i}")
    x = layers.LayerNormalization(epsilon=LN_EPSILON, name="final_norm")(x)
    x = layers.GlobalAveragePooling1D(name="token_mean")(x)
    x = _mlp(x, tuple(mlp_head_units), dropout, "gelu", "head")
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="vit")


#: the signature an HDF5 file starts with (at byte 0, or after a user block of 512, 1024, ... bytes)
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def check_weights_file(path) -> None:
    """`UserError` (no TensorFlow) unless `path` is a readable HDF5 file (.h5 / .weights.h5)."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(1 << 16)
    except OSError as err:
        raise UserError(f"--weights {path}: cannot be read ({err.strerror}); give a local .h5 weights file") from None
    if not any(head[offset:offset + 8] == HDF5_SIGNATURE for offset in (0, 512, 1024, 2048, 4096, 8192, 16384, 32768)):
        raise UserError(f"--weights {path}: not an HDF5 weights file (no HDF5 signature); give Keras' "
                        "efficientnetb0_notop.h5 or a .weights.h5 file")


@register_model("images", recipe="basic", documented_params=4_053_414, documented={"test_accuracy": 0.8308},
                source="report 003, Bonus (EfficientNet)",
                note="the report's 4,053,414 is Keras' total count: 4,011,391 trainable + 42,023 non-trainable "
                     "(BatchNorm and input Normalization statistics) = 4,053,414",
                input_shape=(64, 64, 3), tunable={"dropout": float_range(0.1, 0.4, step=0.1)})
def efficientnet_b0(input_shape: tuple = INPUT_SHAPE, num_classes: int = 3, weights: str | None = None,
                    dropout: float = 0.2) -> keras.Model:
    """EfficientNet-B0 (`keras.applications.EfficientNetB0`) with a ``num_classes`` top.

    ``(batch, 64, 64, 3)`` 0-255 -> EfficientNetB0 without its top (it rescales and
    normalises the pixels itself) -> global average pooling ``(batch, 1280)`` -> Dropout
    -> Dense -> logits ``(batch, num_classes)``: the layers and parameters of
    ``EfficientNetB0(include_top=True, weights=None, classes=num_classes)``.

    Args:
        weights: None (random initialisation; nothing is downloaded) or the path of a
            local weights file for the backbone without its top, such as Keras'
            ``efficientnetb0_notop.h5`` (ImageNet) or a ``.weights.h5`` file.
        dropout: rate before the last Dense layer (EfficientNet-B0's 0.2).

    Defaults: 4,011,391 trainable + 42,023 non-trainable = 4,053,414 parameters (Keras' own count).
    """
    inputs = keras.Input(shape=input_shape, name="image")
    if weights is not None:
        check_weights_file(weights)
    try:
        backbone = keras.applications.EfficientNetB0(include_top=False, weights=weights, input_tensor=inputs,
                                                     pooling="avg")
    except (ValueError, OSError, KeyError) as err:  # an HDF5 file of other weights
        if weights is None:
            raise
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:160]
        raise UserError(f"--weights {weights}: not weights of EfficientNetB0 without its top ({first}); give "
                        "Keras' efficientnetb0_notop.h5 or a .weights.h5 file saved from this backbone") from None
    x = layers.Dropout(dropout, name="top_dropout")(backbone.output)
    outputs = layers.Dense(num_classes, name="logits", kernel_initializer=keras.initializers.VarianceScaling(
        scale=1.0 / 3.0, mode="fan_out", distribution="uniform"))(x)
    return keras.Model(inputs, outputs, name="efficientnet_b0")


@register_model("images", recipe="basic", documented={"test_accuracy": 0.9183},
                source="report 003, Bonus (VGG, 91.83 % test accuracy)",
                note="the report gives no count; VGG-16 layout with BatchNorm, 512-wide dense layers; "
                     "+8,448 BatchNorm statistics",
                input_shape=(64, 64, 3), check=_check_stages,
                test_kwargs=dict(widths=(4, 4, 8, 8, 8), dense_units=(8, 8)),
                tunable={"dropout": float_range(0.2, 0.5, step=0.1), "batch_norm": choice(True, False)})
def vgg(input_shape: tuple = INPUT_SHAPE, num_classes: int = 3, widths: tuple = (64, 128, 256, 512, 512),
        convs_per_stage: tuple = (2, 2, 3, 3, 3), dense_units: tuple = (512, 512), dropout: float = 0.5,
        batch_norm: bool = True) -> keras.Model:
    """VGG-16 layout sized for 64x64 images.

    ``(batch, 64, 64, 3)`` 0-255 -> Rescaling -> 5 stages of ``convs_per_stage`` 3x3
    convolutions (``widths`` filters, BatchNorm, ReLU) each closed by 2x2 max-pooling
    ``(batch, 2, 2, 512)`` -> Flatten (2,048) -> Dense 512 -> Dense 512 (ReLU, Dropout)
    -> logits ``(batch, num_classes)``. 13 convolutions + 3 dense layers, as VGG-16;
    the 4096-wide dense layers of the 224x224 original are 512 wide here (CIFAR-style
    VGG-16), and BatchNorm lets it train from scratch.

    Defaults: 16,032,195 trainable parameters, plus 8,448 BatchNorm moving statistics.
    """
    _check_stages(dict(widths=widths, convs_per_stage=convs_per_stage))
    inputs, x = _image_input(input_shape)
    for stage, (filters, n) in enumerate(zip(widths, convs_per_stage), start=1):
        for i in range(1, n + 1):
            name = f"stage{stage}_conv{i}"
            x = layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm, name=name)(x)
            if batch_norm:
                x = custom_layers.FusedBatchNormalization(name=f"{name}_bn")(x)
            x = layers.ReLU(name=f"{name}_relu")(x)
        x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = _mlp(x, tuple(dense_units), dropout, "relu", "fc")
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="vgg")


@register_model("images", recipe="basic", documented={"test_accuracy": 0.9014},
                source="report 003, Bonus (ResNet, 90.14 % test accuracy)",
                note="the report gives no count; ResNet-18 layout, 3x3/2 stem; +7,808 BatchNorm statistics",
                input_shape=(64, 64, 3), check=_check_stages, test_kwargs=dict(widths=(4, 8, 8, 8)),
                tunable={"stem_strides": choice(1, 2)})
def resnet(input_shape: tuple = INPUT_SHAPE, num_classes: int = 3, widths: tuple = (64, 128, 256, 512),
           blocks_per_stage: tuple = (2, 2, 2, 2), stem_strides: int = 2) -> keras.Model:
    """ResNet-18 layout sized for 64x64 images.

    ``(batch, 64, 64, 3)`` 0-255 -> Rescaling -> stem: 3x3 convolution (``widths[0]``
    filters, stride ``stem_strides``), BatchNorm, ReLU ``(batch, 32, 32, 64)`` ->
    4 stages of ``blocks_per_stage`` basic residual blocks (`ResNetBlock2D`; the
    first block of stages 2-4 has stride 2 and a 1x1 projection shortcut)
    ``(batch, 4, 4, 512)`` -> global average pooling -> logits ``(batch, num_classes)``.
    The 224x224 original's 7x7/2 stem and max-pool (4x downsampling) become one 3x3/2
    convolution, so the last stage sees 4x4, as CIFAR ResNet-18 does on 32x32;
    ``stem_strides=1`` keeps 8x8 there (4x the compute).

    Defaults: 11,173,315 trainable parameters, plus 7,808 BatchNorm moving statistics.
    """
    _check_stages(dict(widths=widths, blocks_per_stage=blocks_per_stage))
    inputs, x = _image_input(input_shape)
    x = layers.Conv2D(widths[0], 3, strides=stem_strides, padding="same", use_bias=False, name="stem_conv")(x)
    x = custom_layers.FusedBatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for stage, (filters, n) in enumerate(zip(widths, blocks_per_stage), start=1):
        for i in range(1, n + 1):
            strides = 2 if stage > 1 and i == 1 else 1
            x = custom_layers.ResNetBlock2D(filters, strides=strides, name=f"stage{stage}_block{i}")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="resnet")
