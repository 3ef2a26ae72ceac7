"""Wall time of one reproduction plan trained several ways, and whether they agree.

Each way is one `python -m experiments.reproduce` in its own process, with its own runs
and reports folders under ``--out``; all read the same data and the same (warm) cache:

``jobs=N``
    ``--jobs N``: up to N runs at once on this machine (``jobs=1``: one after another);
``ray=ADDRESS``
    ``--ray ADDRESS``: every run a task of the Ray cluster at ADDRESS (start it first, e.g.
    ``ray start --head --port 6379`` and, for a second node on the same machine,
    ``ray start --address 127.0.0.1:6379`` with other ports).

The table gives each way's wall time and scoreboard; then every run's metrics (all but
times, paths and the machine it ran on) are compared with the first way's::

    python -m benchmarks.plan_walltime --budget smoke --ways jobs=1 jobs=2 ray=127.0.0.1:6379 --out /tmp/walltime

Measure on an idle machine: the ways run one after another, and anything else running
slows the later ones.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from keras_models import machine

#: metric keys that differ between two trainings of the same run without the model differing
NOT_THE_MODEL = ("export", "run_id", "resumed", "machine")


def model_numbers(metrics: dict, prefix: str = "") -> dict:
    """The leaves of a run's metrics.json that describe the model: no times, paths or machine."""
    out = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if "seconds" in key or key in NOT_THE_MODEL:
            continue
        if isinstance(value, dict):
            out.update(model_numbers(value, name + "."))
        elif isinstance(value, (int, float, str, bool)) or value is None:
            out[name] = value
    return out


def runs_numbers(runs_dir: Path) -> dict:
    """{run folder name: `model_numbers`} of every finished run under `runs_dir`."""
    return {p.parent.name: model_numbers(json.loads(p.read_text()))
            for p in sorted(Path(runs_dir).glob("*/*/metrics.json"))}


def _flags(way: str) -> list[str]:
    kind, _, value = way.partition("=")
    if kind == "jobs" and value.isdigit() and int(value) > 0:
        return ["--jobs", value]
    if kind == "ray" and value:
        return ["--ray", value]
    raise SystemExit(f"error: way {way!r}: give jobs=N (N >= 1) or ray=ADDRESS")


def run_way(way: str, budget: str, out: Path, extra: list[str]) -> dict:
    """Train the plan one way; its wall time, scoreboard line and exit status."""
    folder = out / re.sub(r"[^A-Za-z0-9_.-]", "_", way)
    if folder.exists():
        raise SystemExit(f"error: {folder} exists; give another --out (a way's runs would be reused, not timed)")
    folder.mkdir(parents=True)
    command = [sys.executable, "-m", "experiments.reproduce", "--budget", budget, "--runs-dir",
               str(folder / "runs"), "--reports-dir", str(folder / "reports"), *_flags(way), *extra]
    print(f"{way}: {' '.join(command[1:])}", flush=True)
    start = time.perf_counter()
    with open(folder / "console.log", "w") as log:
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - start
    lines = (folder / "console.log").read_text(errors="replace").splitlines()
    board = next((line for line in reversed(lines) if line.startswith("reproduced:")), "(no scoreboard)")
    print(f"{way}: {wall:.0f} s, exit status {done.returncode}; {board}", flush=True)
    return {"way": way, "wall_s": wall, "status": done.returncode, "scoreboard": board, "runs": folder / "runs"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", default="smoke", choices=("smoke", "cpu", "full"))
    parser.add_argument("--ways", nargs="+", default=["jobs=1", "jobs=2"], help="jobs=N or ray=ADDRESS, in order")
    parser.add_argument("--out", type=Path, required=True, help="a new folder for the ways' runs and reports")
    parser.add_argument("--only", help="the plan's run keys to train (reproduce --only)")
    args = parser.parse_args(argv)
    extra = ["--only", args.only] if args.only else []
    print(machine.heading())
    results = [run_way(way, args.budget, args.out.resolve(), extra) for way in args.ways]
    reference = runs_numbers(results[0]["runs"])
    print(f"\n| way | wall time | exit status | scoreboard | metrics equal to {results[0]['way']}'s |")
    print("|---|---|---|---|---|")
    for result in results:
        numbers = runs_numbers(result["runs"])
        differ = sorted(name for name in set(reference) | set(numbers) if reference.get(name) != numbers.get(name))
        equal = f"yes ({len(numbers)} runs)" if not differ else f"no: {', '.join(differ)}"
        print(f"| {result['way']} | {result['wall_s'] / 60:.1f} min | {result['status']} | {result['scoreboard']} "
              f"| {equal} |")


if __name__ == "__main__":
    main()
