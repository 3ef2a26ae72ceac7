"""How long a plan takes on k workers: longest-processing-time-first greedy scheduling.

    python -m keras_models.reports.makespan --budget full      # a table for 1, 2, 4, 8, 16, 24 workers

Each worker (a GPU, a node, or a share of a machine's cores) trains one run at a time;
the longest run still to start goes to the first worker free (the order `--jobs` and
`--ray` start runs in). The times are the plan's estimates on 2 CPU cores
(`keras_models.reports.plan`), so the table shows the shape of the speed-up: the
longest run is a floor no number of workers lowers. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import argparse
import heapq
from collections.abc import Iterable, Sequence

WORKERS = (1, 2, 4, 8, 16, 24)


def longest_first(estimates: Sequence[float]) -> list[int]:
    """The indexes of `estimates`, longest first (ties keep their order)."""
    return sorted(range(len(estimates)), key=lambda i: -estimates[i])


def makespan(estimates: Iterable[float], workers: int) -> float:
    """Seconds until the last run ends when `workers` workers train runs of `estimates`
    seconds, each worker taking the longest run left whenever it is free."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    estimates = list(estimates)
    free = [0.0] * min(workers, max(len(estimates), 1))
    for i in longest_first(estimates):
        heapq.heapreplace(free, free[0] + estimates[i])
    return max(free)


def table(estimates: Sequence[float], workers: Iterable[int] = WORKERS) -> list[dict]:
    """Per number of workers: the makespan, the speed-up over one worker, and the floor (the
    longest run)."""
    from keras_models.reports.plan import format_duration

    one = sum(estimates)
    rows = []
    for k in workers:
        span = makespan(estimates, k)
        rows.append({"workers": str(k), "estimated time": format_duration(span),
                     "speed-up": f"{one / span:.1f}x" if span else "-",
                     "bound by": "the longest run" if span <= max(estimates, default=0) + 1e-9 else "the total"})
    return rows


def main(argv: list[str] | None = None) -> None:
    from keras_models.audit import format_table
    from keras_models.reports.plan import BUDGETS, format_duration, plan

    parser = argparse.ArgumentParser(prog="python -m keras_models.reports.makespan", description=__doc__.split("\n")[0])
    parser.add_argument("--budget", choices=BUDGETS, default="full")
    parser.add_argument("--workers", default=",".join(map(str, WORKERS)),
                        help="numbers of workers, comma-separated (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        counts = [int(k) for k in args.workers.split(",")]
        if min(counts) < 1:
            raise ValueError
    except ValueError:
        parser.error(f"--workers: expected positive integers separated by commas, got {args.workers!r}")
    runs = plan(args.budget)
    estimates = [run.estimate_s for run in runs]
    longest = runs[longest_first(estimates)[0]]
    print(f"budget {args.budget}: {len(runs)} runs, {format_duration(sum(estimates))} in all on 2 CPU cores; "
          f"longest run {longest.key} ({format_duration(longest.estimate_s)})")
    print(format_table(table(estimates, counts)))


if __name__ == "__main__":
    main()
