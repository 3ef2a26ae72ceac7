"""A throw-away Ray cluster on this machine for the tests (nodes started on 127.0.0.1; Ray
announces them at the machine's own address, which stays on this machine): nodes started by `ray start --block`
with their own ports and temp folder, each process marked by an environment variable so
that teardown (and a test killing a node) ends exactly this cluster's processes, by id."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from conftest import REPO

RAY = str(Path(sys.executable).with_name("ray"))
MARK = "KERAS_MODELS_TEST_RAY_NODE"
#: the test cluster and its clients agree on no token (Ray 2.60 turns token authentication on
#: for a cluster started where ~/.ray/auth_token exists, which any local `ray.init()` writes)
NO_AUTH = {"RAY_AUTH_MODE": "disabled"}


def _free_ports(n: int) -> list[int]:
    socks = []
    for _ in range(n):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        socks.append(sock)
    ports = [sock.getsockname()[1] for sock in socks]
    for sock in socks:
        sock.close()
    return ports


def marked_pids(mark: str) -> list[int]:
    """Ids of the processes whose environment holds ``MARK=mark``."""
    pids, needle = [], f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def kill_marked(mark: str) -> None:
    for pid in marked_pids(mark):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Cluster:
    """Nodes of one Ray cluster; `address` is the head's HOST:PORT."""

    def __init__(self, root: Path):
        self.root, self.id = root, uuid.uuid4().hex[:10]
        self.marks: list[str] = []  # the nodes alive
        self.killed: list[str] = []
        self.address = ""

    def start_node(self, name: str, head: bool = False, prefix: list[str] | None = None, cpus: int = 1) -> str:
        """Start a node (`prefix` wraps the command, e.g. in another mount namespace); its mark."""
        mark = f"{self.id}-{name}"
        ports = _free_ports(9)
        while any(ports[3] <= port <= ports[3] + 40 for i, port in enumerate(ports) if i != 3):
            ports = _free_ports(9)  # the worker ports' range must not hold another component's port
        temp = Path("/tmp") / f"kmray-{mark}"  # short: Ray's socket paths must fit in 107 characters
        args = [RAY, "start", "--block", "--num-cpus", str(cpus), "--num-gpus", "0", "--node-ip-address", "127.0.0.1",
                "--object-store-memory", str(80 * 2 ** 20), "--node-manager-port", str(ports[1]),
                "--object-manager-port", str(ports[2]), "--min-worker-port", str(ports[3]),
                "--max-worker-port", str(ports[3] + 40), "--metrics-export-port", str(ports[4]),
                "--dashboard-agent-listen-port", str(ports[5]), "--dashboard-agent-grpc-port", str(ports[6]),
                "--runtime-env-agent-port", str(ports[7]), "--disable-usage-stats"]
        if head:
            args += ["--head", "--port", str(ports[0]), "--include-dashboard", "false", "--temp-dir", str(temp),
                     "--ray-client-server-port", str(ports[8])]
            self.address = f"127.0.0.1:{ports[0]}"
        else:
            args += ["--address", self.address]
        env = {**os.environ, **NO_AUTH, MARK: mark, "PYTHONPATH": str(REPO), "RAY_health_check_period_ms": "1000",
               "RAY_health_check_failure_threshold": "5", "RAY_health_check_timeout_ms": "2000"}
        log = open(self.root / f"ray-{name}.log", "ab")
        subprocess.Popen((prefix or []) + args, env=env, stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.marks.append(mark)
        self.wait_for_nodes(len(self.marks))
        return mark

    def alive_nodes(self) -> int:
        out = subprocess.run([sys.executable, "-c", "import ray, logging; ray.init(address=%r, logging_level="
                              "logging.ERROR, log_to_driver=False); print(sum(n['Alive'] for n in ray.nodes()))"
                              % self.address], capture_output=True, text=True, timeout=120,
                             env={**os.environ, **NO_AUTH, "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0"})
        try:
            return int(out.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return 0

    def wait_for_nodes(self, count: int, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.alive_nodes() == count:
                return
            time.sleep(1)
        raise RuntimeError(f"the test's Ray cluster did not reach {count} alive node(s); see {self.root}/ray-*.log")

    def kill(self, mark: str) -> None:
        """Kill one node, as a machine that goes away (every process of it, SIGKILL)."""
        self.marks.remove(mark)
        self.killed.append(mark)
        kill_marked(mark)
        # until the head has marked it dead, a new node would be counted with it (and a command could
        # be handed the dead node as alive)
        self.wait_for_nodes(len(self.marks))

    def stop(self) -> None:
        for mark in reversed(self.marks + self.killed):
            kill_marked(mark)
