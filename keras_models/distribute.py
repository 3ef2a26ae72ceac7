"""Data-parallel training under TensorFlow's distribution strategies (``--distribute``).

    --distribute none            one device (the default)
    --distribute mirrored        `tf.distribute.MirroredStrategy`: every local GPU, or the
                                 devices of ``--devices gpu:0,gpu:1``; ``--devices cpu:0,cpu:1``
                                 splits the CPU into logical devices (to try it on a laptop)
    --distribute multi-worker    `tf.distribute.MultiWorkerMirroredStrategy` over processes
                                 configured by ``TF_CONFIG`` (or ``--workers N`` on 127.0.0.1):
                                 refused with this Keras, see `MULTI_WORKER_FAILURE`

The batch is global: ``--batch-size 64`` on 2 replicas gives each replica 32 examples
per step and the optimizer one update from their mean gradient, so the learning rate
stays the one of batch 64 on one device (no scaling rule is applied). Batch
normalisation uses each replica's own 32 examples, and dropout draws differ, so a
mirrored run ends close to, not equal to, a single-device run.

The options are checked before any work (`check_options`, no TensorFlow); the devices are set
up before TensorFlow starts (`configure`), and `strategy` gives the scope in which the
runner builds and compiles the model.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from contextlib import nullcontext

from keras_models import checks
from keras_models.errors import UserError

STRATEGIES = ("none", "mirrored", "multi-worker")

#: why --distribute multi-worker is refused: measured with the versions in setup.cfg
MULTI_WORKER_FAILURE = (
    "Keras 3 cannot train under tf.distribute.MultiWorkerMirroredStrategy (keras-team/keras#20585, "
    "tensorflow/tensorflow#72388; measured with Keras 3.15.1 and TensorFlow 2.21: fit fails in its first "
    "step with \"Attempt to convert a value (PerReplica...) with an unsupported type\")")

_DEVICE = re.compile(r"^(cpu|gpu):(\d+)$", re.IGNORECASE)
#: most logical CPU devices ``--devices cpu:N`` may split the CPU into (each one a replica and thread pool)
MAX_LOGICAL_CPUS = 64
#: most local processes ``--workers N`` may start (each one holds TensorFlow and a copy of the data)
MAX_LOCAL_WORKERS = 64


def device_list(value):
    """Check: devices such as ``"gpu:0,gpu:1"`` (or a list of them) -> ``("GPU:0", "GPU:1")``."""
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not value:
        raise checks.BadValue(f"expected devices such as gpu:0,gpu:1 or cpu:0,cpu:1, got {value!r}")
    names = []
    for part in value:
        match = _DEVICE.match(str(part).strip())
        if match is None:
            raise checks.BadValue(f"expected devices such as gpu:0,gpu:1 or cpu:0,cpu:1, got {part!r}")
        names.append(f"{match.group(1).upper()}:{int(match.group(2))}")
        if names[-1].startswith("CPU") and int(match.group(2)) >= MAX_LOGICAL_CPUS:
            raise checks.BadValue(f"expected CPU devices cpu:0..cpu:{MAX_LOGICAL_CPUS - 1} (the CPU is split into "
                                  f"at most {MAX_LOGICAL_CPUS} logical devices), got {part!r}")
    if len(set(names)) != len(names):
        raise checks.BadValue(f"a device is listed twice in {','.join(names)}")
    return tuple(names)


def check_options(config) -> None:
    """The rules between ``distribute``, ``devices`` and ``local_workers`` (``--workers``), and ``TF_CONFIG``
    (`UserError` naming the fix). No TensorFlow."""
    if config.devices and config.distribute != "mirrored":
        raise UserError("--devices lists the devices of --distribute mirrored; add --distribute mirrored "
                        "or leave --devices out")
    check_devices(config)
    if config.local_workers and config.distribute != "multi-worker":
        raise UserError("--workers starts local workers for --distribute multi-worker; add --distribute "
                        "multi-worker or leave --workers out")
    if config.distribute != "multi-worker":
        return
    if config.local_workers is None:
        cluster_spec()
    raise UserError(f"--distribute multi-worker: {MULTI_WORKER_FAILURE}; train on one machine with "
                    "--distribute mirrored (README, \"Train on several devices\")")


def cluster_spec() -> dict:
    """``TF_CONFIG``, checked: ``{"cluster": {"worker": [host:port, ...]}, "task": {"type":
    "worker", "index": i}}`` (a "chief" list is allowed too)."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise UserError("--distribute multi-worker needs TF_CONFIG (the cluster and this process's task) "
                        "or --workers N to start N workers on this machine")
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        raise UserError(f"TF_CONFIG is not valid JSON ({err.msg} at character {err.pos}); give "
                        '{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", "index": 0}}') \
            from None
    cluster = spec.get("cluster") if isinstance(spec, dict) else None
    task = spec.get("task") if isinstance(spec, dict) else None
    roles = {role: hosts for role, hosts in (cluster or {}).items() if role in ("chief", "worker")} \
        if isinstance(cluster, dict) else {}
    if not roles or not all(isinstance(hosts, list) and hosts and all(
            isinstance(h, str) and re.match(r"^[^:\s]+:\d+$", h) for h in hosts) for hosts in roles.values()):
        raise UserError('TF_CONFIG needs "cluster" with a "worker" (and optionally "chief") list of host:port '
                        f"addresses; got {text}")
    if not isinstance(task, dict) or task.get("type") not in roles or not isinstance(task.get("index"), int) \
            or not 0 <= task["index"] < len(roles[task["type"]]):
        raise UserError('TF_CONFIG needs "task": {"type": "worker" or "chief", "index": i} naming one address '
                        f"of its cluster; got {text}")
    return spec


def visible_gpus() -> int | None:
    """How many NVIDIA GPUs this process can see, without TensorFlow: the driver's
    ``/proc/driver/nvidia/gpus`` (none without the driver), narrowed by ``CUDA_VISIBLE_DEVICES``;
    None when it cannot be told (another vendor's GPUs, say)."""
    folder = "/proc/driver/nvidia/gpus"
    if os.path.isdir(folder):
        count = len(os.listdir(folder))
    elif os.path.exists("/dev/kfd") or shutil.which("nvidia-smi"):
        return None  # ROCm, or a driver that does not list its GPUs there: TensorFlow will tell
    else:
        count = 0
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        entries = [e.strip() for e in visible.split(",") if e.strip()]
        if "-1" in entries:
            entries = entries[:entries.index("-1")]
        count = min(count, len(entries))
    return count


def check_devices(config) -> None:
    """Before any work (no TensorFlow): every ``--devices gpu:N`` is a GPU this process can see."""
    if config.distribute != "mirrored" or not config.devices:
        return
    gpus = [name for name in config.devices if name.startswith("GPU")]
    count = visible_gpus() if gpus else None
    if count is None:
        return
    missing = [name for name in gpus if int(name.split(":")[1]) >= count]
    if missing:
        seen = "no GPU" if count == 0 else f"{count} GPU(s), gpu:0..gpu:{count - 1}"
        raise UserError(f"--devices: {', '.join(missing)} not found; this machine shows {seen} (NVIDIA driver, "
                        "CUDA_VISIBLE_DEVICES); list the devices it has, or cpu:0,cpu:1 to split the CPU")


def configure(config) -> None:
    """Before TensorFlow runs anything: check the listed devices exist, and split the CPU
    into logical devices when ``--devices`` names more than one CPU."""
    if config.distribute != "mirrored" or not config.devices:
        return
    import tensorflow as tf

    cpus = [int(name.split(":")[1]) for name in config.devices if name.startswith("CPU")]
    physical_cpus = tf.config.list_physical_devices("CPU")
    if cpus and max(cpus) >= len(physical_cpus) and len(physical_cpus) == 1:
        wanted = max(cpus) + 1
        present = tf.config.get_logical_device_configuration(physical_cpus[0]) or []
        if len(present) != wanted:
            try:
                tf.config.set_logical_device_configuration(
                    physical_cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(wanted)])
            except RuntimeError:
                raise UserError(f"--devices {','.join(config.devices)}: TensorFlow already started in this "
                                "process with other devices; give --devices to a new process") from None
    available = {f"{kind}:{i}" for kind in ("CPU", "GPU")
                 for i in range(len(tf.config.list_logical_devices(kind)))}
    missing = [name for name in config.devices if name not in available]
    if missing:
        raise UserError(f"--devices: {', '.join(missing)} not found; this machine has "
                        f"{', '.join(sorted(available)) or 'no devices'}")


def strategy(config):
    """The strategy of ``config.distribute`` (None for ``none``)."""
    if config.distribute == "none":
        return None
    import tensorflow as tf

    configure(config)
    devices = [f"/{name.lower()}" for name in config.devices] if config.devices else None
    return tf.distribute.MirroredStrategy(devices)


def scope(strategy_):
    """``strategy_.scope()``, or no scope for None."""
    return nullcontext() if strategy_ is None else strategy_.scope()


def describe(strategy_) -> dict:
    """For metrics.json: the strategy, its replicas and devices."""
    if strategy_ is None:
        return {"strategy": "none", "replicas": 1}
    return {"strategy": type(strategy_).__name__, "replicas": int(strategy_.num_replicas_in_sync),
            "devices": list(strategy_.extended.worker_devices)}
