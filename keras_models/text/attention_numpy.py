"""Self-attention in plain NumPy (report 003 Part III), equal to
`keras.layers.MultiHeadAttention` given the same weights.

For an input sequence x = (x_1, ..., x_N), x of shape (batch, N, d_model):

1. projections     q_i = x_i W_q + b_q,  k_i = x_i W_k + b_k,  v_i = x_i W_v + b_v
2. scaled scores   s_ij = q_i . k_j / sqrt(d_k)
3. softmax         a_ij = exp(s_ij) / sum_j' exp(s_ij')      (over the keys j)
4. weighted sum    z_i = sum_j a_ij v_j
5. output          o_i = z_i W_o + b_o

Multi-head attention runs steps 1-4 once per head h with its own W_q^h, W_k^h, W_v^h
(each of width d_k), concatenates the heads' z_i and applies step 5 once; with Keras'
weight layout that is the sum over heads of z_i^h W_o^h, plus b_o.

Keras' weight shapes (`multi_head_weights` reads them from a layer):
    query/key kernel (d_model, heads, d_k), bias (heads, d_k);
    value kernel (d_model, heads, d_v), bias (heads, d_v);
    output kernel (heads, d_v, d_out), bias (d_out,).

Computations run in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: What Keras adds to masked-out scores before the softmax (float32 makes them all equal).
MASKED_SCORE = -1e9


@dataclass(frozen=True)
class HeadWeights:
    """One head's projections: w_q, w_k (d_model, d_k); w_v (d_model, d_v); biases (d_k,) / (d_v,)."""

    w_q: np.ndarray
    b_q: np.ndarray
    w_k: np.ndarray
    b_k: np.ndarray
    w_v: np.ndarray
    b_v: np.ndarray


@dataclass(frozen=True)
class AttentionWeights:
    """Every head's projections and the output projection.

    Attributes:
        heads: one `HeadWeights` per head.
        w_o: (heads, d_v, d_out) output kernel; b_o: (d_out,) output bias.
    """

    heads: list[HeadWeights]
    w_o: np.ndarray
    b_o: np.ndarray


def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along `axis`."""
    shifted = scores - scores.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)


def scaled_dot_product_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray,
                                 mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Steps 2-4: softmax(q k^T / sqrt(d_k)) v.

    Args:
        q: (batch, N_q, d_k) queries; k: (batch, N_k, d_k) keys; v: (batch, N_k, d_v) values.
        mask: optional (batch, N_q, N_k) booleans, False where a query may not look.

    Returns:
        z (batch, N_q, d_v) and the attention weights a (batch, N_q, N_k).
    """
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, MASKED_SCORE)
    weights = softmax(scores, axis=-1)
    return weights @ v, weights


def head_attention(x: np.ndarray, head: HeadWeights, mask: np.ndarray | None = None) -> np.ndarray:
    """Steps 1-4 for one head: x (batch, N, d_model) -> z (batch, N, d_v)."""
    x = np.asarray(x, dtype=np.float64)
    q = x @ head.w_q + head.b_q
    k = x @ head.w_k + head.b_k
    v = x @ head.w_v + head.b_v
    return scaled_dot_product_attention(q, k, v, mask)[0]


def self_attention(x: np.ndarray, head: HeadWeights, w_o: np.ndarray, b_o: np.ndarray,
                   mask: np.ndarray | None = None) -> np.ndarray:
    """Single-head self-attention, steps 1-5: x (batch, N, d_model) -> (batch, N, d_out).

    Args:
        w_o: (d_v, d_out) output kernel; b_o: (d_out,) output bias.
    """
    return head_attention(x, head, mask) @ w_o + b_o


def multi_head_self_attention(x: np.ndarray, weights: AttentionWeights, mask: np.ndarray | None = None) -> np.ndarray:
    """Multi-head self-attention: x (batch, N, d_model) -> (batch, N, d_out).

    Each head's z (batch, N, d_v) is projected by its slice of W_o and the heads are
    summed: the same as concatenating them and applying the whole W_o.
    """
    heads = [head_attention(x, head, mask) @ w_o for head, w_o in zip(weights.heads, weights.w_o)]
    return np.sum(heads, axis=0) + weights.b_o


def multi_head_weights(layer) -> AttentionWeights:
    """The weights of a built `keras.layers.MultiHeadAttention` (with biases) in float64."""
    values = {"/".join(w.path.split("/")[-2:]): np.asarray(w.numpy(), dtype=np.float64) for w in layer.weights}
    heads = [
        HeadWeights(*(values[f"{part}/{kind}"][..., h, :] for part in ("query", "key", "value")
                      for kind in ("kernel", "bias")))
        for h in range(values["query/kernel"].shape[1])
    ]
    return AttentionWeights(heads, values["attention_output/kernel"], values["attention_output/bias"])
