"""PyTorch reference models, for parity tests and benchmarks of the Keras ports.

PyTorch is an optional extra (``pip install keras_models[torch]``). This package
imports nothing itself; its modules (e.g. `keras_models.torch_refs.heartbeat`)
import torch, and nothing else in keras_models imports them.
"""
