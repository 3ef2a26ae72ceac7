"""Seconds per training epoch of one setting, in this process: the child of every
speed benchmark (`heartbeat_throughput`, `speed_levers`), so that each setting and
each framework runs in a fresh process and cannot warm another's caches or allocator.

A setting is a dict: model, framework ("keras" or "torch"), precision ("float32",
"mixed_bfloat16"; torch autocasts to bfloat16 for the latter), batch_size, samples,
epochs, and for Keras jit ("on"/"off"), prefetch (bool), threads (None: TensorFlow's
own), deterministic (bool: `enable_op_determinism`, as every run of the runner has),
autotune (bool: tf.data's autotuner, off in every run: `keras_models.batches.steady`) and
fused_bn (bool: BatchNorm by the fused kernel, as every model has; False: Keras' ops).
Beats are random, (n, 16, 12, 1) or (n, 192, 1), labels 0..4; the loss is sparse
cross-entropy from logits, the optimizer Adam 1e-3.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

KERAS_DEFAULTS = {"jit": "off", "prefetch": True, "threads": None, "deterministic": True, "autotune": False,
                  "fused_bn": True}


def run_child(module: str, setting: dict, env: dict | None = None) -> dict:
    """Run `python -m <module> --child <setting>` and return the JSON it prints last."""
    done = subprocess.run([sys.executable, "-m", module, "--child", json.dumps(setting)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{setting}: child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(samples_per_s: list[float]) -> dict:
    """Median and min-max of the timed epochs (every epoch but the first, which traces)."""
    later = samples_per_s[1:]
    return {"samples/s": round(statistics.median(later)), "min-max": f"{min(later):,.0f}-{max(later):,.0f}",
            "first epoch": round(samples_per_s[0])}


def _data(setting: dict, input_shape: tuple):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((setting["samples"], *input_shape), dtype=np.float32)
    return x, rng.integers(0, 5, setting["samples"])


def use_keras_batch_norm() -> None:
    """In this process, `FusedBatchNormalization` computes with Keras' own ops (its fallback)."""
    from keras_models.layers import FusedBatchNormalization

    FusedBatchNormalization._fused = lambda self, inputs, mask: False


def with_autotuner(data):
    """`data` with tf.data's autotuner back on (every run turns it off: `batches.steady`)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = True
    return data.with_options(options)


def keras_epochs(setting: dict) -> list[float]:
    """Train the registered model with Keras as the runner does (`batches.training_batches`)."""
    setting = {**KERAS_DEFAULTS, **setting}
    import tensorflow as tf

    if setting["threads"]:
        tf.config.threading.set_intra_op_parallelism_threads(setting["threads"])
        tf.config.threading.set_inter_op_parallelism_threads(setting["threads"])
    import keras

    from keras_models import precision, registry
    from keras_models.batches import training_batches

    if not setting["fused_bn"]:
        use_keras_batch_norm()
    spec = registry.get(setting["model"])
    x, y = _data(setting, spec.input_shape)
    keras.utils.set_random_seed(0)
    if setting["deterministic"]:
        tf.config.experimental.enable_op_determinism()
    model = precision.build(lambda: spec.build(**setting.get("model_kwargs", {})), setting["precision"])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=setting["jit"] == "on")
    data, clock = training_batches(x, y, setting["batch_size"], seed=0, prefetch=setting["prefetch"])
    if setting["autotune"]:
        data = with_autotuner(data)
    timer = epoch_timer()
    model.fit(data, epochs=setting["epochs"], shuffle=False, callbacks=[clock, timer], verbose=0)
    return timer.seconds


def epoch_timer():
    """A Keras callback holding each epoch's seconds in `seconds` (training, and the
    validation `fit` runs inside the epoch)."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    return EpochTimer()


def torch_epochs(setting: dict) -> list[float]:
    """Train the PyTorch reference with the loop `keras.Model.fit` runs (reshuffled each epoch)."""
    import torch

    from keras_models import registry
    from keras_models.torch_refs import heartbeat as reference

    if setting.get("threads"):
        torch.set_num_threads(setting["threads"])
    torch.manual_seed(0)
    model = reference.MODELS[setting["model"]]()
    x, y = _data(setting, registry.get(setting["model"]).input_shape)
    x, y = torch.from_numpy(x), torch.from_numpy(y).long()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    autocast = setting["precision"] == "mixed_bfloat16"
    model.train()
    seconds = []
    for _ in range(setting["epochs"]):
        start = time.perf_counter()
        for batch in torch.randperm(len(x)).split(setting["batch_size"]):
            optimizer.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
                logits = model(x[batch])
            loss_fn(logits.float(), y[batch]).backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds


def train_flops_per_sample(model: str) -> float:
    """FLOPs of one training step per sample (forward and backward) of the PyTorch
    reference of `model`, counted by `torch.utils.flop_counter` (matmuls, convolutions)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from keras_models import registry
    from keras_models.torch_refs import heartbeat as reference

    net = reference.MODELS[model]()
    x = torch.rand(4, *registry.get(model).input_shape)
    with FlopCounterMode(display=False) as counter:
        net(x).sum().backward()
    return counter.get_total_flops() / 4


def measure(setting: dict) -> dict:
    """Samples/s of every epoch of `setting`."""
    train = keras_epochs if setting["framework"] == "keras" else torch_epochs
    return {**setting, "samples_per_s": [setting["samples"] / s for s in train(setting)]}
