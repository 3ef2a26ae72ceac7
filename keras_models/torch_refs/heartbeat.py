"""PyTorch originals of the heartbeat models (report 000), and weight copying into Keras.

The modules re-create the report's PyTorch models layer for layer, with the same
keyword hyper-parameters as the Keras builders in `keras_models.models.heartbeat`,
and read the same input arrays: ``(batch, 16, 12, 1)`` for the 2D models (viewed
as NCHW ``(batch, 1, 16, 12)``, as the course code does) and ``(batch, 192, 1)``
for `AttentionGRU` and `Transformer1DResNet` (the latter viewed as NCL ``(batch, 1,
192)``). They return logits ``(batch, num_classes)``.

`copy_to_keras(torch_model, keras_model)` copies every parameter and BatchNorm
running statistic into the Keras port, converting layouts:

* Conv kernels ``(out, in, *k)`` -> ``(*k, in, out)``; Linear ``(out, in)`` -> ``(in, out)``.
* BatchNorm: weight, bias, running mean, running var -> gamma, beta, moving mean, moving var.
* GRU, per layer: gates PyTorch (r, z, n) -> Keras (z, r, h); ``bias_ih`` and
  ``bias_hh`` -> rows 0 and 1 of the Keras ``(2, 3 * hidden)`` bias (``reset_after=True``).
* MultiheadAttention: ``in_proj`` split into q, k, v, each ``(E, E)`` ->
  ``(E, heads, E / heads)``; ``out_proj`` ``(E, E)`` -> ``(heads, E / heads, E)``.

The Keras models flatten in channels-first order, so the Linear after a flatten
ports unchanged (no row permutation).

Each model lists, in ``keras_layers()``, which of its modules feeds which Keras
layer; composite blocks name their children as the Keras layers do.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn


#: convolution and BatchNorm over 1 or 2 spatial dimensions
_CONV = {1: (nn.Conv1d, nn.BatchNorm1d), 2: (nn.Conv2d, nn.BatchNorm2d)}


class ResNetBlock(nn.Module):
    """conv3-BN-ReLU-conv3-BN + shortcut (1x1 conv if channels differ), ReLU, over
    `rank` spatial dimensions (2: the course's ``ResNetBlock2D``).
    ``(batch, in_channels, *spatial)`` -> ``(batch, out_channels, *spatial)``."""

    keras_children = ("conv1", "bn1", "conv2", "bn2", "projection")

    def __init__(self, in_channels: int, out_channels: int, rank: int = 2) -> None:
        super().__init__()
        conv, norm = _CONV[rank]
        self.conv1 = conv(in_channels, out_channels, 3, padding=1)
        self.bn1 = norm(out_channels)
        self.conv2 = conv(out_channels, out_channels, 3, padding=1)
        self.bn2 = norm(out_channels)
        self.projection = conv(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.projection(x))


class PositionalEncoding(nn.Module):
    """The PyTorch tutorial's sinusoidal encoding, then dropout.
    ``(batch, seq_len, d_model)`` -> same."""

    def __init__(self, d_model: int, dropout: float = 0.1, max_seq_len: int = 5000) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        position = torch.arange(max_seq_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(1, max_seq_len, d_model)
        pe[0, :, 0::2] = torch.sin(position * div_term)
        pe[0, :, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(x + self.pe[:, : x.size(1)])


class TransformerBlock(nn.Module):
    """Post-LayerNorm block of the course code: LN(x + MHA(x)), LN(x + FFN(x)).
    ``(batch, seq_len, hidden)`` -> same."""

    keras_children = ("attention", "norm_1", "ffn_1", "ffn_2", "norm_2")

    def __init__(self, hidden: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(hidden, num_heads, dropout=dropout, batch_first=True)
        self.ffn_1 = nn.Linear(hidden, hidden)
        self.ffn_2 = nn.Linear(hidden, hidden)
        self.norm_1 = nn.LayerNorm(hidden)
        self.norm_2 = nn.LayerNorm(hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm_1(x + self.attention(x, x, x, need_weights=False)[0])
        return self.norm_2(x + self.ffn_2(torch.relu(self.ffn_1(x))))


class CNN2DResNet(nn.Module):
    """Conv-ReLU-BN, ResNet blocks, MaxPool(2), Flatten, Linear-ReLU-Linear."""

    def __init__(self, input_shape: tuple = (16, 12, 1), num_classes: int = 5, hidden: int = 128,
                 num_blocks: int = 1) -> None:
        super().__init__()
        self.image_shape = tuple(input_shape[:2])
        self.conv = nn.Conv2d(1, hidden, 3, padding=1)
        self.bn = nn.BatchNorm2d(hidden)
        self.blocks = nn.ModuleList(ResNetBlock(hidden, hidden) for _ in range(num_blocks))
        pooled = (input_shape[0] // 2) * (input_shape[1] // 2)
        self.dense = nn.Linear(pooled * hidden, hidden)
        self.out = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn(torch.relu(self.conv(x.reshape(x.size(0), 1, *self.image_shape))))
        for block in self.blocks:
            x = block(x)
        x = nn.functional.max_pool2d(x, 2)
        return self.out(torch.relu(self.dense(x.flatten(1))))

    def keras_layers(self) -> list:
        blocks = [(f"resnet_block_{i}", block) for i, block in enumerate(self.blocks, 1)]
        return [("stem_conv", self.conv), ("stem_bn", self.bn), *blocks, ("dense", self.dense), ("logits", self.out)]


class Transformer2DResNet(nn.Module):
    """Strided conv to 8x6 tokens, ResNet block, positional encoding, transformer
    blocks, mean over tokens, head ("linear": Dropout-Linear; "mlp": the course's
    Linear-ReLU-Dropout-Linear). ``(batch, 16, 12, 1)`` -> ``(batch, num_classes)``.

    Subclasses set `rank` and the default `input_shape` (`Transformer1DResNet`)."""

    rank = 2

    def __init__(self, input_shape: tuple = (16, 12, 1), num_classes: int = 5, hidden: int = 128,
                 num_heads: int = 8, num_blocks: int = 1, dropout: float = 0.2, head: str = "linear") -> None:
        super().__init__()
        self.image_shape = tuple(input_shape[:self.rank])
        self.conv = _CONV[self.rank][0](1, hidden, 3, stride=2, padding=1)
        self.resnet_block = ResNetBlock(hidden, hidden, self.rank)
        self.pos_encoder = PositionalEncoding(hidden, dropout)
        self.blocks = nn.ModuleList(TransformerBlock(hidden, num_heads, dropout) for _ in range(num_blocks))
        self.head = head
        if head == "mlp":
            self.out = nn.Sequential(nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(hidden // 2, num_classes))
        else:
            self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.resnet_block(self.conv(x.reshape(x.size(0), 1, *self.image_shape)))
        x = self.pos_encoder(x.flatten(2).transpose(1, 2))
        for block in self.blocks:
            x = block(x)
        return self.out(x.mean(dim=1))

    def keras_layers(self) -> list:
        blocks = [(f"transformer_block_{i}", block) for i, block in enumerate(self.blocks, 1)]
        head = [("head_dense", self.out[0])] if self.head == "mlp" else []
        return [("stem_conv", self.conv), ("resnet_block", self.resnet_block), *blocks, *head,
                ("logits", self.out[-1])]


class Transformer1DResNet(Transformer2DResNet):
    """`Transformer2DResNet` with 1D convolutions: strided conv to 96 tokens.
    ``(batch, 192, 1)`` -> ``(batch, num_classes)``."""

    rank = 1

    def __init__(self, input_shape: tuple = (192, 1), **kwargs) -> None:
        super().__init__(input_shape, **kwargs)


class AttentionGRU(nn.Module):
    """GRU stack, LayerNorm, self-attention, LayerNorm, last time step, Linear.
    ``(batch, 192, 1)`` -> ``(batch, num_classes)``."""

    def __init__(self, input_shape: tuple = (192, 1), num_classes: int = 5, hidden: int = 128,
                 num_layers: int = 5, num_heads: int = 4, dropout: float = 0.2) -> None:
        super().__init__()
        self.rnn = nn.GRU(input_shape[-1], hidden, num_layers=num_layers, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(hidden)
        self.attention = nn.MultiheadAttention(hidden, num_heads, dropout=dropout, batch_first=True)
        self.attention_norm = nn.LayerNorm(hidden)
        self.linear = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.rnn(x)[0])
        x = self.attention_norm(self.attention(x, x, x, need_weights=False)[0])
        return self.linear(x[:, -1, :])

    def keras_layers(self) -> list:
        grus = tuple(f"gru_{i}" for i in range(1, self.rnn.num_layers + 1))
        return [(grus, self.rnn), ("gru_norm", self.norm), ("attention", self.attention),
                ("attention_norm", self.attention_norm), ("logits", self.linear)]


MODELS = {
    "cnn2d_resnet": CNN2DResNet,
    "transformer2d_resnet": Transformer2DResNet,
    "transformer1d_resnet": Transformer1DResNet,
    "attention_gru": AttentionGRU,
}


def trainable_count(module: nn.Module) -> int:
    """Number of trainable parameters (BatchNorm running statistics are buffers, not counted)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _np(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()


def _gru_weights(gru: nn.GRU, layer: int) -> list[np.ndarray]:
    """One layer of a PyTorch GRU as Keras ``[kernel, recurrent_kernel, bias]``."""
    hidden = gru.hidden_size
    order = np.r_[hidden:2 * hidden, 0:hidden, 2 * hidden:3 * hidden]  # (r, z, n) -> (z, r, n)
    w_ih, w_hh = _np(getattr(gru, f"weight_ih_l{layer}")), _np(getattr(gru, f"weight_hh_l{layer}"))
    b_ih, b_hh = _np(getattr(gru, f"bias_ih_l{layer}")), _np(getattr(gru, f"bias_hh_l{layer}"))
    return [w_ih[order].T, w_hh[order].T, np.stack([b_ih[order], b_hh[order]])]


def _attention_weights(mha: nn.MultiheadAttention) -> list[np.ndarray]:
    """A PyTorch MultiheadAttention as Keras MultiHeadAttention weights
    ``[q kernel, q bias, k kernel, k bias, v kernel, v bias, out kernel, out bias]``."""
    embed, heads = mha.embed_dim, mha.num_heads
    head_dim = embed // heads
    weights = []
    for w, b in zip(_np(mha.in_proj_weight).reshape(3, embed, embed), _np(mha.in_proj_bias).reshape(3, embed)):
        weights += [w.T.reshape(embed, heads, head_dim), b.reshape(heads, head_dim)]
    return weights + [_np(mha.out_proj.weight).T.reshape(heads, head_dim, embed), _np(mha.out_proj.bias)]


def copy_weights(source: nn.Module, target) -> None:
    """Copy one PyTorch module's parameters (and running statistics) into a Keras layer.

    `target` is a Keras layer, or for a multi-layer ``nn.GRU`` the list of Keras
    GRU layers, one per PyTorch layer.
    """
    if isinstance(source, (nn.Conv1d, nn.Conv2d)):
        kernel = _np(source.weight).transpose(*range(2, source.weight.ndim), 1, 0)  # (o, i, *k) -> (*k, i, o)
        target.set_weights([kernel, _np(source.bias)])
    elif isinstance(source, nn.Linear):
        target.set_weights([_np(source.weight).T, _np(source.bias)])
    elif isinstance(source, (nn.BatchNorm1d, nn.BatchNorm2d)):
        target.set_weights([_np(t) for t in (source.weight, source.bias, source.running_mean, source.running_var)])
    elif isinstance(source, nn.LayerNorm):
        target.set_weights([_np(source.weight), _np(source.bias)])
    elif isinstance(source, nn.MultiheadAttention):
        target.set_weights(_attention_weights(source))
    elif isinstance(source, nn.GRU):
        if len(target) != source.num_layers:
            raise ValueError(f"a {source.num_layers}-layer GRU needs as many Keras layers, got {len(target)}")
        for layer, keras_gru in enumerate(target):
            keras_gru.set_weights(_gru_weights(source, layer))
    elif hasattr(source, "keras_children"):
        for name in source.keras_children:
            child, keras_child = getattr(source, name), getattr(target, name)
            if keras_child is not None:
                copy_weights(child, keras_child)
    else:
        raise TypeError(f"no Keras port for {type(source).__name__}")


def copy_to_keras(torch_model: nn.Module, keras_model) -> None:
    """Copy all weights of a reference model (one of `MODELS`) into its Keras port."""
    for names, module in torch_model.keras_layers():
        if isinstance(names, tuple):
            copy_weights(module, [keras_model.get_layer(name) for name in names])
        else:
            copy_weights(module, keras_model.get_layer(names))
