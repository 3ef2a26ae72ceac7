"""Keras Tuner's distributed mode on this machine: one chief and N workers on 127.0.0.1.

Every process runs the same command on the same run folder; Keras Tuner tells them
apart by environment variables: ``KERASTUNER_TUNER_ID`` ("chief", "tuner0", ...),
``KERASTUNER_ORACLE_IP`` and ``KERASTUNER_ORACLE_PORT``. The chief serves the oracle
over gRPC and, once every worker has finished, writes the final outputs; workers ask
it for trials and run them. The chief's output goes to this process's stdout and
stderr; worker ``tunerI`` writes ``<run folder>/workers/tunerI.log``.

`launch` waits for all of them and stops them all (terminate, then kill) when one
fails, when the time limit passes, or when it is interrupted. Children are also
asked to end if this process dies (Linux ``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ORACLE_IP = "127.0.0.1"
CHIEF = "chief"
POLL_SECONDS = 0.2


def is_child() -> bool:
    """True in a process that a launcher (or the user) started in distributed mode."""
    return "KERASTUNER_TUNER_ID" in os.environ and "KERASTUNER_ORACLE_IP" in os.environ


def is_chief() -> bool:
    """True in the chief, and in a plain (not distributed) run: the processes that write outputs."""
    return not is_child() or CHIEF in os.environ["KERASTUNER_TUNER_ID"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ORACLE_IP, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def launch(command: list[str], run_dir: Path, workers: int, timeout: float | None = None) -> None:
    """Run `command` as a chief and `workers` workers; return when all have exited 0.

    Args:
        command: the full command line each process runs (e.g. ``python -m
            experiments.tune --resume RUN_DIR``).
        run_dir: the run folder (worker logs go to its ``workers/``).
        timeout: seconds before everything is stopped (None: no limit).

    Raises:
        RuntimeError: a process exited non-zero, or the time limit passed.
    """
    logs = Path(run_dir) / "workers"
    logs.mkdir(exist_ok=True)
    port = str(free_port())
    print(f"distributed search: chief and {workers} worker(s) on {ORACLE_IP}:{port}; worker logs in {logs}",
          flush=True)
    processes: dict[str, subprocess.Popen] = {}
    files = []
    try:
        for tuner_id in [CHIEF] + [f"tuner{i}" for i in range(workers)]:
            env = {**os.environ, "KERASTUNER_TUNER_ID": tuner_id, "KERASTUNER_ORACLE_IP": ORACLE_IP,
                   "KERASTUNER_ORACLE_PORT": port, "PYTHONUNBUFFERED": "1"}
            out = None
            if tuner_id != CHIEF:
                out = open(logs / f"{tuner_id}.log", "a")  # a resumed search adds to the log
                files.append(out)
            preexec = _die_with_parent if sys.platform.startswith("linux") else None
            processes[tuner_id] = subprocess.Popen(command, env=env, stdout=out, stderr=out and subprocess.STDOUT,
                                                   preexec_fn=preexec)
        _wait(processes, logs, timeout)
    finally:
        _stop(processes.values())
        for f in files:
            f.close()


def _wait(processes: dict[str, subprocess.Popen], logs: Path, timeout: float | None) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        codes = {name: p.poll() for name, p in processes.items()}
        for name, code in codes.items():
            if code not in (None, 0):
                where = "its output above" if name == CHIEF else logs / f"{name}.log"
                raise RuntimeError(f"distributed search: {name} exited with status {code} (see {where})")
        if all(code == 0 for code in codes.values()):
            return
        if deadline is not None and time.monotonic() > deadline:
            running = ", ".join(name for name, code in codes.items() if code is None)
            raise RuntimeError(f"distributed search did not finish within {timeout:g} s "
                               f"(still running: {running}); stopped them all")
        time.sleep(POLL_SECONDS)


def _stop(processes, grace: float = 5.0) -> None:
    """Terminate every process still running, then kill those that do not end in `grace` s."""
    running = [p for p in processes if p.poll() is None]
    for p in running:
        p.terminate()
    end = time.monotonic() + grace
    for p in running:
        try:
            p.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
