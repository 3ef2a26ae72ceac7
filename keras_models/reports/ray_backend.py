"""`reproduce --ray [ADDRESS]`: the plan's runs as tasks on a Ray cluster.

Each run is one Ray task that starts the same worker process as a local run
(``python -m keras_models.reports.worker``, a fresh TensorFlow per run) on the node Ray
picks, asking for what the run needs (`resources`). Every node must have this package
installed and see ``--runs-dir`` at the same path (a shared file system): `check_shared`
writes a probe file from a task on each alive node and reads it here, and refuses in one
line otherwise. The driver writes the report from the finished run folders as a local
reproduction does.

Faults: a task whose node or worker process dies is retried by Ray (`MAX_RETRIES`) and
resumes its run folder from its last finished epoch; a run that fails for its own reason
(its worker exits non-zero) is not retried and is listed as failed. Ctrl-C cancels the
tasks (each asks its worker to stop as Ctrl-C would, keeping its folder for a resume).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from keras_models.errors import UserError
from keras_models.lazy import extra
from keras_models.reports.makespan import longest_first
from keras_models.reports.plan import AUDIT_EXPERIMENT
from keras_models.reports.runs import FAILED, RunState, inspect, worker_command
from keras_models.reports.scheduler import LOG_NAME, Progress, failure, settle_log, thread_env

#: retries of a task whose node or worker process died
MAX_RETRIES = 3
#: parts whose runs ask for a GPU when the cluster has one; the others train small models on a core
GPU_PARTS = ("heartbeat", "ag_news", "images")
#: GiB of memory a run of each part asks for (capped at half the largest node's)
MEMORY_GIB = {"audit": 2, "nab": 1, "heartbeat": 6, "ag_news": 4, "images": 6}
PROBE_TIMEOUT_S = 120
STOP_WAIT_S = 150


def _import_ray():
    return extra("ray", "Ray", "ray", "--ray", " (on the driver and on every node)")


def _reachable(address: str) -> None:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"--ray {address}: expected HOST:PORT of a Ray head node (or auto)")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as err:
        raise UserError(f"--ray {address}: no Ray cluster answers there ({err.strerror or err}); start one with "
                        f"`ray start --head --port {port}` on that machine, or give its address") from None


def connect(address: str | None):
    """Ray, connected to the cluster at `address` ("auto" or None: the local cluster, started
    when none runs). Raises `UserError` (one line) without Ray or a cluster that does not answer."""
    ray = _import_ray()
    if address not in (None, "auto") and not address.startswith("ray://"):
        _reachable(address)
    options = dict(logging_level=logging.ERROR, log_to_driver=False, configure_logging=True)
    try:
        if address in (None, "auto"):
            try:
                ray.init(address="auto", **options)
            except ConnectionError:
                ray.init(**options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as err:
        if _asks_for_a_token(err):
            raise UserError(f"--ray {address or 'auto'}: the Ray cluster asks for an authentication token this "
                            "machine does not give: copy the head's ~/.ray/auth_token here and set RAY_AUTH_MODE=token "
                            "(or start the cluster with RAY_AUTH_MODE=disabled on a trusted network)") from None
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"--ray {address or 'auto'}: cannot join the Ray cluster ({first})") from None
    return ray


def _asks_for_a_token(err: BaseException | None) -> bool:
    """Whether `err` or what caused it is Ray's refusal of a client without the cluster's token."""
    while err is not None:
        if type(err).__name__ == "AuthenticationError" or "InvalidAuthToken" in str(err):
            return True
        err = err.__cause__ or err.__context__
    return False


def _probe(path: str, token: str) -> str:
    """In a task on one node: write `token` to `path`; the node's host name."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(token)
    return socket.gethostname()


def _alive(ray, node_id: str) -> bool:
    """Whether the node `node_id` is still an alive node of the cluster."""
    return any(node["NodeID"] == node_id and node.get("Alive") for node in ray.nodes())


def check_shared(ray, runs_dir: Path) -> None:
    """Every alive node writes a probe file into `runs_dir`, read back here; `UserError` (one
    line, nothing left behind) when one node's file does not arrive."""
    runs_dir = Path(runs_dir).resolve()
    made = not runs_dir.exists()
    runs_dir.mkdir(parents=True, exist_ok=True)
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    probe = ray.remote(num_cpus=0, max_retries=0)(_probe)
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    token = uuid.uuid4().hex
    paths = {node["NodeID"]: runs_dir / f".ray-probe-{node['NodeID'][:16]}-{token[:8]}" for node in nodes}
    refs = {node["NodeID"]: probe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False))
            .remote(str(paths[node["NodeID"]]), token) for node in nodes}
    address = {node["NodeID"]: f"{node.get('NodeManagerAddress', '?')} (id {node['NodeID'][:12]})" for node in nodes}
    unreachable = []
    try:
        for node_id, ref in refs.items():
            try:
                ray.get(ref, timeout=PROBE_TIMEOUT_S)
            except Exception as err:  # noqa: BLE001 - any failure of the probe means the node cannot write there
                if not _alive(ray, node_id):  # it left the cluster while probed: it runs nothing
                    continue
                unreachable.append(f"node {address[node_id]} cannot write there "
                                   f"({str(err).strip().splitlines()[-1][:120] if str(err).strip() else type(err).__name__})")
                continue
            path = paths[node_id]
            if not path.is_file() or path.read_text() != token:
                unreachable.append(f"node {address[node_id]} writes to another {runs_dir} (not shared with this machine)")
    finally:
        for path in paths.values():
            path.unlink(missing_ok=True)
        if made and not any(runs_dir.iterdir()):
            runs_dir.rmdir()
    if unreachable:
        raise UserError(f"--runs-dir {runs_dir} must be one folder every Ray node reaches at the same path: "
                        f"{unreachable[0]}" + (f" (and {len(unreachable) - 1} more)" if len(unreachable) > 1 else ""))


def resources(run, cluster: dict) -> dict:
    """The Ray resources a run asks for on a cluster of `cluster` (``ray.cluster_resources()``
    and the largest node's ``cpus`` and ``memory``)."""
    gpu = cluster.get("GPU", 0) >= 1 and run.part in GPU_PARTS
    cpus = 1 if run.part in ("audit", "nab") else min(2, max(1, int(cluster.get("node_cpus", 1))))
    memory = min(MEMORY_GIB.get(run.part, 2) * 2 ** 30, int(cluster.get("node_memory", 0) / 2)) or None
    asked = {"num_cpus": cpus, "num_gpus": 1 if gpu else 0}
    if memory:
        asked["memory"] = memory
    return asked


def _finished(folder: Path) -> bool:
    return (folder / "metrics.json").is_file() or (folder / "audit.json").is_file()


def train_task(new: list[str], resume: list[str] | None, folder: str, env: dict) -> int:
    """In a Ray task: train (or, when an earlier attempt left its folder, resume) one run in its
    own process; its exit status. A worker killed by a signal kills this task's process too, so
    that Ray retries it as the system failure it is."""
    folder_path = Path(folder)
    if _finished(folder_path):
        return 0  # an earlier attempt finished before its node went away
    args = resume if resume is not None and (folder_path / "config.json").is_file() else new
    from keras_models.reports.scheduler import log_paths

    pending, _ = log_paths(folder_path)
    code = run_logged(args, env, pending, f"=== {'resuming' if args is resume else 'training'} on "
                                          f"{socket.gethostname()}\n", on_stop=lambda: settle_log(folder_path))
    settle_log(folder_path)
    return code


def run_logged(args: list[str], env: dict, log_path: Path, header: str = "", on_stop=None) -> int:
    """In a Ray task: ``python ARGS`` with `env` added, its output appended to `log_path`; its
    exit status. Cancelled (Ctrl-C on the driver), it asks the process to stop as Ctrl-C would.
    A process killed by a signal ends this task's process too: Ray retries that as the system
    failure it is (an application error, a non-zero exit status, is returned, not retried)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        log.write(header.encode())
        log.flush()
        child = subprocess.Popen([sys.executable, *args], stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                                 preexec_fn=_default_sigint)
        try:
            code = _wait(child)
        except KeyboardInterrupt:  # ray.cancel
            log.write(b"=== cancelled: the worker is asked to stop as on Ctrl-C\n")
            log.flush()
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=STOP_WAIT_S - 30)
            except subprocess.TimeoutExpired:
                child.terminate()
                child.wait()
            if on_stop is not None:
                on_stop()
            raise
    if code < 0 and code != -signal.SIGINT:
        os._exit(1)
    return code


def _default_sigint() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ray's worker processes block SIGINT (their signal mask) and a child would inherit that,
    never seeing the signal: it must stop on it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _wait(child: subprocess.Popen) -> int:
    """The child's exit status, waited for in short steps: ray.cancel interrupts this thread
    between Python instructions, never inside a blocking wait."""
    while True:
        try:
            return child.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            continue


def forwarded_env() -> dict[str, str]:
    """The driver's settings of this package (``KERAS_MODELS_*``: data folder, cache, offline ...)
    and ``PYTHONPATH``, given to every task: a run trains as this command would here."""
    return {k: v for k, v in os.environ.items() if k.startswith("KERAS_MODELS_") or k == "PYTHONPATH"}


def _cluster(ray) -> dict:
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    total = ray.cluster_resources()
    return {**total, "node_cpus": max((n["Resources"].get("CPU", 0) for n in nodes), default=1),
            "node_memory": max((n["Resources"].get("memory", 0) for n in nodes), default=0)}


def run_all(ray, states: list[RunState], runs_dir: Path, print_=print, extra_env: dict | None = None) -> list[RunState]:
    """Submit `states` (none finished) as Ray tasks, longest first; their new states in the same
    order. Ctrl-C cancels the tasks, waits for their workers to keep their folders, and is raised
    again."""
    cluster = _cluster(ray)
    task = ray.remote(train_task)
    slots = int(cluster.get("GPU", 0)) or max(1, int(cluster.get("CPU", 1)))
    progress = Progress(states, slots, print_, running="submitted")
    refs = {}
    for i in longest_first([s.run.estimate_s for s in states]):
        state = states[i]
        asked = resources(state.run, cluster)
        env = {**forwarded_env(), **(extra_env or {}), **thread_env(int(asked["num_cpus"]))}
        new = worker_command(RunState(state.run, state.folder, "missing"), runs_dir)[1:]
        resume = None if state.run.experiment == AUDIT_EXPERIMENT else \
            worker_command(RunState(state.run, state.folder, "interrupted"), runs_dir)[1:]
        ref = task.options(**asked, max_retries=MAX_RETRIES, retry_exceptions=False).remote(
            new, resume, str(state.folder), env)
        refs[ref] = state
        progress.start(state)
    nodes = sum(1 for n in ray.nodes() if n.get("Alive"))
    print_(f"submitted {len(states)} runs to the Ray cluster ({nodes} node(s), {cluster.get('CPU', 0):g} CPUs, "
           f"{cluster.get('GPU', 0):g} GPUs); each run's output goes to its run folder's {LOG_NAME} | "
           f"{progress.status()}", flush=True)
    results = {}
    pending = list(refs)
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                state = refs[ref]
                try:
                    code = ray.get(ref)
                    detail = "" if code == 0 else failure(code, state.folder)
                except Exception as err:  # noqa: BLE001 - a task that failed for good is one failed run
                    lines = [line for line in str(err).strip().splitlines() if line.strip()]
                    detail = f"its Ray task failed: {(lines[-1] if lines else type(err).__name__)[:200]}"
                new = RunState(state.run, state.folder, FAILED, detail=detail) if detail else \
                    inspect(state.run, runs_dir)
                results[state.run.key] = new
                progress.finish(new, Path(state.folder) / LOG_NAME)
    except KeyboardInterrupt:
        print_(f"interrupted: cancelling {len(pending)} Ray task(s); their workers keep their run folders",
               flush=True)
        for ref in pending:
            ray.cancel(ref)
        ray.wait(pending, num_returns=len(pending), timeout=STOP_WAIT_S)
        raise
    return [results[s.run.key] for s in states]
