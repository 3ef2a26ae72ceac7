"""`experiments.tune --ray [ADDRESS]`: Keras Tuner's workers as Ray tasks.

The chief (Keras Tuner's oracle, served over gRPC) runs on this machine, as with
``--workers``; each worker is a Ray task that starts ``python -m experiments.tune --resume
RUN_DIR`` on the node Ray picks, told the chief's address through ``KERASTUNER_TUNER_ID``,
``KERASTUNER_ORACLE_IP`` (this machine's address in the cluster) and
``KERASTUNER_ORACLE_PORT``. The run folder must be one every node reaches at the same
path (checked as `reproduce --ray` checks its runs folder). Worker ``tunerI`` writes
``<run folder>/workers/tunerI.log``. A worker whose node or process dies is retried by
Ray; Ctrl-C cancels the workers and stops the chief, and ``--resume`` goes on.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

from keras_models.reports import ray_backend
from keras_models.tuning import distributed, placement

POLL_SECONDS = 0.5


def connect(address: str, runs_dir: Path):
    """Ray, joined to the cluster, once `runs_dir` is checked to be shared by every node
    (`UserError`, one line and nothing written, otherwise)."""
    ray = ray_backend.connect(address)
    ray_backend.check_shared(ray, Path(runs_dir))
    return ray


def _port(ip: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def _worker_task(args: list[str], env: dict, log: str) -> int:
    """In a Ray task: one worker of the search, its trials recorded with this node's name."""
    import ray

    node = f"{ray.util.get_node_ip_address()} (node {ray.get_runtime_context().get_node_id()[:8]})"
    return ray_backend.run_logged(args, {**env, placement.NODE_ENV: node}, Path(log),
                                  f"=== {env['KERASTUNER_TUNER_ID']} on {node}\n")


def launch(ray, command: list[str], run_dir: Path, workers: int, timeout: float | None = None) -> None:
    """The chief here and `workers` (0: one per CPU of the cluster) Ray tasks; return when all
    have ended well. Raises `RuntimeError` when one fails or the time limit passes."""
    ip = ray.util.get_node_ip_address()
    port = str(_port(ip))
    workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    logs = Path(run_dir) / "workers"
    logs.mkdir(exist_ok=True)
    print(f"distributed search: chief on {ip}:{port}, {workers} worker(s) as Ray tasks; worker logs in {logs}",
          flush=True)
    base = {**ray_backend.forwarded_env(), "KERASTUNER_ORACLE_IP": ip, "KERASTUNER_ORACLE_PORT": port}
    chief = subprocess.Popen(command, env={**os.environ, **base, "KERASTUNER_TUNER_ID": distributed.CHIEF,
                                           "PYTHONUNBUFFERED": "1"})
    task = ray.remote(_worker_task).options(num_cpus=1, max_retries=ray_backend.MAX_RETRIES, retry_exceptions=False)
    refs = {task.remote(command[1:], {**base, "KERASTUNER_TUNER_ID": f"tuner{i}"}, str(logs / f"tuner{i}.log")):
            f"tuner{i}" for i in range(workers)}
    deadline = None if timeout is None else time.monotonic() + timeout
    pending = list(refs)
    try:
        while pending or chief.poll() is None:
            if pending:
                ready, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_SECONDS)
                for ref in ready:
                    code = ray.get(ref)
                    if code != 0:
                        raise RuntimeError(f"distributed search: {refs[ref]} exited with status {code} "
                                           f"(see {logs / (refs[ref] + '.log')})")
            else:
                time.sleep(POLL_SECONDS)
            if chief.poll() not in (None, 0):
                raise RuntimeError(f"distributed search: the chief exited with status {chief.returncode} "
                                   "(see its output above)")
            if deadline is not None and time.monotonic() > deadline:
                raise RuntimeError(f"distributed search did not finish within {timeout:g} s; stopped them all")
    finally:
        for ref in pending:
            ray.cancel(ref)
        distributed._stop([chief])
