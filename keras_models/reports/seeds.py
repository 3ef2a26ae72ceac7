"""``--seeds K``: the runs of undecided claims trained again under other seeds, and their spread.

The bootstrap (`keras_models.reports.bootstrap`) says how much a verdict owes to the test
examples drawn; another seed says how much it owes to the run's weights, data order and
dropout (and, for the heartbeat runs, its intra-patient split, which the seed draws).
With ``--seeds K`` (K > 1), each claim of the budget's `plan.SEEDED_CLAIMS` that its first
runs leave short has its runs trained again under the seeds seed+1 .. seed+K-1: the key
and the folder get ``-seed<N>`` (``reproduce-cpu-heartbeat-cnn2d_resnet-none-seed43``),
reused and resumed like every planned run. The report then shows, beside the bootstrap
interval of the first runs, each run's value as mean +- sd over its seeds and, for each
difference the claim makes, the mean +- sd of the differences seed by seed.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections.abc import Iterable

from keras_models.reports.documented import Entry
from keras_models.reports.plan import SEEDED_CLAIMS, PlannedRun
from keras_models.reports.runs import FINISHED, RunState, value
from keras_models.reports.verdicts import SHORT

_SEEDED = re.compile(r"^(?P<base>.+)-seed(?P<seed>\d+)$")


def seeded_run(run: PlannedRun, seed: int) -> PlannedRun:
    """`run` again under `seed`: its key and run id end in ``-seed<seed>``."""
    suffix = f"-seed{seed}"
    config = run.config.replace(seed=seed, run_id=run.run_id + suffix)
    return dataclasses.replace(run, key=run.key + suffix, run_id=run.run_id + suffix, config=config)


def extra_runs(rows: Iterable, runs: list[PlannedRun], budget: str, seeds: int) -> list[PlannedRun]:
    """The runs to train again: seeds - 1 more seeds of each run of a claim of `SEEDED_CLAIMS[budget]`
    whose row (`assess.Row`) is short; in the plan's order."""
    listed = SEEDED_CLAIMS.get(budget, ())
    wanted = {key for row in rows if row.entry.id in listed and row.verdict == SHORT for key in row.entry.runs}
    return [seeded_run(run, run.config.seed + i) for run in runs if run.key in wanted and run.config is not None
            for i in range(1, seeds)]


def by_base(states: Iterable[RunState]) -> dict[str, list[RunState]]:
    """The finished runs trained under another seed, by the key of the run they repeat."""
    found: dict[str, list[RunState]] = {}
    for state in states:
        match = _SEEDED.match(state.run.key)
        if match and state.status == FINISHED:
            found.setdefault(match["base"], []).append(state)
    return found


def _mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.4f} +- {sd:.4f}"


def spread(entry: Entry, states: list[RunState], seeded: dict[str, list[RunState]]) -> str:
    """Each run's value of `entry`'s metric as mean +- sd over its seeds, and each difference
    the claim makes over the seeds all its runs have; "-" where no run has another seed."""
    if not any(seeded.get(state.run.key) for state in states):
        return "-"
    labels = getattr(entry.rule, "labels", ()) or tuple(state.run.key for state in states)
    by_seed: list[dict[int, float]] = []
    for state in states:
        values = {}
        for run in (state, *seeded.get(state.run.key, ())):
            try:
                values[run.run.config.seed] = float(value(run, entry.metric))
            except (KeyError, IndexError, TypeError, ValueError):
                continue
        by_seed.append(values)
    parts = [f"{label} {_mean_sd(list(values.values()))} ({len(values)} seeds)"
             for label, values in zip(labels, by_seed) if values]
    pairs = entry.rule.pairs(len(states)) if hasattr(entry.rule, "pairs") else []
    for i, j in pairs:
        common = sorted(set(by_seed[i]) & set(by_seed[j]))
        if len(common) > 1:
            sign = -1 if getattr(entry.rule, "lower_is_better", False) else 1
            differences = [sign * (by_seed[i][s] - by_seed[j][s]) for s in common]
            parts.append(f"{labels[i]} - {labels[j]} {_mean_sd(differences)} ({len(common)} seeds)")
    return "; ".join(parts)
