"""Keras ports equal their PyTorch originals: parameter counts and inference outputs."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch parity needs the torch extra: pip install torch==2.13.0")

from keras_models.models import heartbeat  # noqa: E402
from keras_models.torch_refs import heartbeat as reference  # noqa: E402

# PyTorch parity: the slow tier
pytestmark = pytest.mark.slow

CASES = [
    ("cnn2d_resnet", {}),
    ("cnn2d_resnet", {"hidden": 16, "num_blocks": 2}),
    ("transformer2d_resnet", {}),
    ("transformer2d_resnet", {"hidden": 32, "num_heads": 4, "num_blocks": 2, "head": "mlp"}),
    ("transformer1d_resnet", {}),
    ("transformer1d_resnet", {"hidden": 32, "num_heads": 4, "num_blocks": 2, "head": "mlp"}),
    ("attention_gru", {}),
    ("attention_gru", {"hidden": 16, "num_layers": 2, "num_heads": 2}),
]

# The hand counts of report 000, "Top Architectures Overview", checked against the PyTorch originals.
HAND_COUNTS = {"cnn2d_resnet": 1_084_421, "attention_gru": 513_797}


def _randomize_norms(model) -> None:
    """Non-trivial norm parameters and running statistics, so that copying them is tested."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
            if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_keras_port_matches_pytorch(name, kwargs):
    torch.manual_seed(0)
    original = reference.MODELS[name](**kwargs)
    _randomize_norms(original)
    original.eval()
    port = getattr(heartbeat, name)(**kwargs)
    assert sum(int(np.prod(w.shape)) for w in port.trainable_weights) == reference.trainable_count(original)

    reference.copy_to_keras(original, port)
    x = np.random.default_rng(1).random((4, *port.input_shape[1:]), dtype=np.float32)
    with torch.no_grad():
        expected = original(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(np.asarray(port(x, training=False)), expected, rtol=0, atol=1e-4)


@pytest.mark.parametrize("name", HAND_COUNTS)
def test_report_hand_counts(name):
    assert reference.trainable_count(reference.MODELS[name]()) == HAND_COUNTS[name]


def test_attention_gru_parts_match_the_hand_counts():
    model = reference.AttentionGRU()
    parts = {part: reference.trainable_count(getattr(model, part))
             for part in ("rnn", "attention", "norm", "attention_norm", "linear")}
    assert parts == {"rnn": 446_592, "attention": 66_048, "norm": 256, "attention_norm": 256, "linear": 645}
