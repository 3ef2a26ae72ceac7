"""`reproduce --jobs N`: up to N planned runs at once, each in its own worker process.

Each run gets its share of the machine: one GPU each where ``nvidia-smi -L`` lists GPUs
(``CUDA_VISIBLE_DEVICES``; with fewer GPUs than jobs, at most one run per GPU), otherwise
the CPU cores divided between the running jobs (TensorFlow's intra- and inter-op thread
pools, ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS``, which the run's
configuration does not record, so a run trained with --jobs is the same run as without).
The longest runs start first (no run of the plan reads another's folder, so any order
gives the same runs). A run's output goes to ``<run folder>/train.log`` (written beside
the folder, as ``.<run id>.train.log``, until the worker has made the folder); the
console shows one line per finished run and the plan's progress. Nothing here imports
TensorFlow.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from keras_models.reports.makespan import longest_first, makespan
from keras_models.reports.plan import format_duration
from keras_models.reports.runs import FAILED, RunState, inspect, worker_command, _stop

LOG_NAME = "train.log"
POLL_SECONDS = 0.5


def detect_gpus() -> list[str]:
    """The GPU indexes ``nvidia-smi -L`` lists ([] without nvidia-smi or GPUs); honours a
    ``CUDA_VISIBLE_DEVICES`` already set (its entries are the GPUs to share)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [gpu.strip() for gpu in visible.split(",") if gpu.strip() and gpu.strip() != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(line for line in listed.splitlines() if line.startswith("GPU "))]


def thread_env(threads: int) -> dict[str, str]:
    """The environment giving a worker's TensorFlow `threads` threads per pool."""
    return {"TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": str(threads),
            "OMP_NUM_THREADS": str(threads)}


@dataclass
class Shares:
    """How `jobs` runs share this machine: `gpus` (one each) or `cores` (divided)."""

    jobs: int
    gpus: list[str]
    cores: int

    @classmethod
    def detect(cls, jobs: int) -> "Shares":
        gpus = detect_gpus()
        return cls(min(jobs, len(gpus)) if gpus else jobs, gpus, os.cpu_count() or 1)

    def env(self, slot: int) -> dict[str, str]:
        """The environment of the worker in `slot` (0 .. jobs-1)."""
        if self.gpus:
            return {"CUDA_VISIBLE_DEVICES": self.gpus[slot]}
        return thread_env(max(1, self.cores // self.jobs))

    def describe(self) -> str:
        if self.gpus:
            return f"{self.jobs} runs at once, one GPU each (of {len(self.gpus)})"
        return f"{self.jobs} runs at once, {max(1, self.cores // self.jobs)} of {self.cores} CPU threads each"


def log_paths(folder: Path) -> tuple[Path, Path]:
    """Where a run's output goes while its `folder` may not exist yet, and where it ends."""
    return folder.parent / f".{folder.name}.{LOG_NAME}", folder / LOG_NAME


def settle_log(folder: Path) -> Path:
    """Move a run's log into its `folder` (appended to an earlier attempt's); the log's path."""
    pending, final = log_paths(folder)
    if not pending.exists():
        return final
    if not folder.is_dir():
        return pending
    with open(final, "ab") as out, open(pending, "rb") as src:
        shutil.copyfileobj(src, out)
    pending.unlink()
    return final


def failure(code: int, folder: Path) -> str:
    """Why a run failed: its exit status and its log's last line (an error's one line)."""
    final = settle_log(folder)
    lines = [line for line in final.read_text(errors="replace").splitlines() if line.strip()] \
        if final.is_file() else []
    return f"exit status {code}" + (f": {lines[-1].strip()[:300]}" if lines else "")


class Progress:
    """The console of a scheduled reproduction: one line per finished run, with what is done,
    running and left, and the plan's estimate of the time left on `workers` workers."""

    def __init__(self, states: Sequence[RunState], workers: int, print_=print, running: str = "running"):
        self.total, self.workers, self.print, self.running_label = len(states), workers, print_, running
        self.done = 0
        self.started_at: dict[str, float] = {}
        self.left = {s.run.key: s.run.estimate_s for s in states}
        self.running: dict[str, float] = {}

    def start(self, state: RunState) -> None:
        self.running[state.run.key] = self.left.pop(state.run.key)
        self.started_at[state.run.key] = time.monotonic()

    def finish(self, state: RunState, log: Path | str) -> str:
        key = state.run.key
        self.running.pop(key, None)
        self.done += 1
        took = format_duration(time.monotonic() - self.started_at.get(key, time.monotonic()))
        what = "finished" if state.status != FAILED else f"FAILED ({state.detail})"
        line = (f"[{self.done}/{self.total}] {key} {what} in {took}; log {log} | {self.status()}")
        self.print(line, flush=True)
        return line

    def status(self) -> str:
        remaining = list(self.running.values()) + list(self.left.values())
        estimate = format_duration(makespan(remaining, self.workers)) if remaining else "none"
        return (f"done {self.done}, {self.running_label} {len(self.running)}, left {len(self.left)}; "
                f"plan's estimate of the time left: {estimate}")


def run_all(states: list[RunState], runs_dir: Path, shares: Shares, print_=print, extra_env: dict | None = None,
            command: Callable[[RunState, Path], list[str]] = worker_command,
            finished: Callable[[RunState, Path], RunState] | None = None) -> list[RunState]:
    """Train or resume `states` (none finished), `shares.jobs` at a time, longest first; their
    new states in the same order (`FAILED` with the exit status for a failed worker).

    `extra_env` is added to each worker's environment (tracking). `command` and `finished`
    (default: `inspect` the folder) are there for tests. Ctrl-C stops every running worker
    (each keeps its folder for a resume) and is raised again.
    """
    finished = finished or (lambda state, root: inspect(state.run, root))
    extra_env = extra_env or {}
    queue = [states[i] for i in longest_first([s.run.estimate_s for s in states])]
    progress = Progress(states, shares.jobs, print_)
    print_(f"training {len(states)} runs, {shares.describe()}; each run's output goes to its run folder's "
           f"{LOG_NAME} | {progress.status()}", flush=True)
    free, running, results = list(range(shares.jobs)), {}, {}
    try:
        while queue or running:
            while queue and free:
                state, slot = queue.pop(0), free.pop(0)
                pending, _ = log_paths(state.folder)
                pending.parent.mkdir(parents=True, exist_ok=True)
                with open(pending, "ab") as log:
                    child = subprocess.Popen(command(state, runs_dir), stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL,
                                             env={**os.environ, **extra_env, **shares.env(slot),
                                                  "PYTHONUNBUFFERED": "1"})
                running[child] = (state, slot)
                progress.start(state)
            time.sleep(POLL_SECONDS)
            for child in [c for c in running if c.poll() is not None]:
                state, slot = running.pop(child)
                free.append(slot)
                if child.returncode in (130, -signal.SIGINT):
                    raise KeyboardInterrupt
                if child.returncode != 0:
                    settle_log(state.folder)
                    new = RunState(state.run, state.folder, FAILED, detail=failure(child.returncode, state.folder))
                else:
                    new = finished(state, runs_dir)
                results[state.run.key] = new
                progress.finish(new, settle_log(state.folder))
    except KeyboardInterrupt:
        for child in running:
            _stop(child)
        for state, _ in running.values():
            settle_log(state.folder)
        raise
    return [results[s.run.key] for s in states]
