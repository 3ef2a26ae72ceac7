"""Wall time of whole NAB autoencoder runs, as a user runs them (import, data, fit,
evaluation, plots, save and export included).

    KERAS_MODELS_DATA=/path/to/data python -m benchmarks.nab_walltime --version v3 --repeats 3
    python -m benchmarks.nab_walltime --version v3 --env MALLOC_ARENA_MAX=2 -- --batch-size 64

Each repeat is a fresh process writing its own run folder under a temporary --runs-dir.
Prints one row per repeat (total wall seconds, fit seconds, seconds per epoch) and the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from keras_models import machine, runfiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--version", default="v3", choices=["base", "v1", "v2", "v3"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the runs (repeatable)")
    parser.add_argument("extra", nargs="*", help="more flags for experiments.nab_autoencoder (after --)")
    args = parser.parse_args()
    env = dict(os.environ, **dict(item.split("=", 1) for item in args.env))
    print(machine.heading())
    print(f"cpu cores: {os.cpu_count()}; env: {args.env or '-'}; extra flags: {args.extra or '-'}")
    print("| cpu family | repeat | wall s | fit s | epochs | s/epoch | test loss |")
    print("|---|---|---|---|---|---|---|")
    walls = []
    with tempfile.TemporaryDirectory() as runs:
        for repeat in range(1, args.repeats + 1):
            command = [sys.executable, "-m", "experiments.nab_autoencoder", "--version", args.version,
                       "--runs-dir", runs, "--run-id", f"bench-{repeat}", *args.extra]
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - started
            metrics = runfiles.read_metrics(Path(runs) / "nab_autoencoder" / f"bench-{repeat}")
            fit, epochs = metrics["fit_seconds_this_session"], metrics["epochs_run"]
            walls.append(wall)
            print(f"| {machine.row()['cpu family']} | {repeat} | {wall:.1f} | {fit:.1f} | {epochs} | {fit / epochs:.2f} | {metrics['test']['loss']:.6g} |",
                  flush=True)
    print(f"median wall time: {statistics.median(walls):.1f} s over {len(walls)} runs")


if __name__ == "__main__":
    main()
